#include "engine/common/status.h"

#include <fmt/format.h>

namespace eddy {

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (pos_.known()) return fmt::format("{}:{}: {}", pos_.line, pos_.column, message_);
  return message_;
}

}  // namespace eddy
