#pragma once
// `eddy repl --server URL`: the REPL attached to a running eddy (or ksqlDB) over its REST API,
// as ksqlDB's `ksql http://host:8088` is. Statements go to /ksql and their entities are drawn as
// the embedded REPL draws its answers; SELECTs go to /query-stream and rows are printed as they
// arrive; SET / UNSET are kept here and sent with every request, as ksqlDB's CLI does.
#include <map>
#include <memory>
#include <string>

#include "engine/cli/repl_backend.h"
#include "engine/common/status.h"

namespace eddy {

struct RemoteOptions {
  std::string url;       // http://host:port
  std::string user;      // empty: no authentication
  std::string password;  // never printed
  std::map<std::string, std::string> properties;  // --set KEY=VALUE: sent with every request
};

// Connects and asks /info, so that a wrong address, a server that refuses the connection or
// wrong credentials are one clear line here. `banner` gets what to greet a person with.
Result<std::unique_ptr<ReplBackend>> OpenRemoteBackend(const RemoteOptions& options, const ReplContext& context,
                                                       std::string* banner);

}  // namespace eddy
