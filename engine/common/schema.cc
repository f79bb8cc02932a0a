#include "engine/common/schema.h"

namespace eddy {

std::optional<size_t> Schema::KeyIndex(const std::string& name) const {
  for (size_t i = 0; i < key.size(); ++i)
    if (key[i].name == name) return i;
  return std::nullopt;
}

std::optional<size_t> Schema::ValueIndex(const std::string& name) const {
  for (size_t i = 0; i < value.size(); ++i)
    if (value[i].name == name) return i;
  return std::nullopt;
}

std::string Schema::ToString() const {
  std::string out;
  auto add = [&out](const Column& c, const char* suffix) {
    if (!out.empty()) out += ", ";
    out += "`" + c.name + "` " + c.type->ToString() + suffix;
  };
  for (const auto& c : key) add(c, " KEY");
  for (const auto& c : value) add(c, "");
  return out;
}

}  // namespace eddy
