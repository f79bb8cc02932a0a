// libFuzzer target: the golden-test loader (`eddy test`): the input is read as a QTT JSON file
// and as a .sql test file. Loading must fail with a message or succeed, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/cli/golden.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)eddy::golden::LoadQttText(text, "fuzz.json");
  (void)eddy::golden::LoadSqlTestText(text, "fuzz.sql");
  return 0;
}
