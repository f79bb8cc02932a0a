#pragma once
// `eddy gen nexmark|trucks|marketplace`: deterministic test data as JSON Lines files in the form
// `eddy run --input TOPIC=FILE` reads ({"key": ..., "value": {...}, "timestamp": ...}).
// Used by the benchmarks (bench/) and handy for trying queries by hand; `marketplace` also
// produces straight to Kafka (--bootstrap-servers).
#include <string>
#include <vector>

namespace eddy {

int RunGenCommand(const std::vector<std::string>& args);

}  // namespace eddy
