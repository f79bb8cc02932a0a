#include "operators/event_time.h"

#include <fmt/format.h>

namespace eddy {

Result<int64_t> EventTimeColumn::Extract(const Record& rec) const {
  const Value* v = nullptr;
  if (in_key) {
    if (index < rec.key.size()) v = &rec.key[index];
  } else if (rec.value && index < rec.value->size()) {
    v = &(*rec.value)[index];
  }
  if (!v || v->is_null()) return Status::Invalid(fmt::format("the timestamp column {} is null", name));
  if (parser) {
    if (!v->is_string()) return Status::Invalid(fmt::format("the timestamp column {} is not a string", name));
    Result<int64_t> ms = parser->Parse(v->as_string());
    if (!ms.ok()) {
      return Status::Invalid(fmt::format("Unable to parse string timestamp. timestamp={} timestamp_format={}: {}",
                                         v->as_string(), parser->pattern(), ms.status().message()));
    }
    return ms.value();
  }
  if (v->is_bigint()) return v->as_bigint();
  if (v->is_timestamp()) return v->as_timestamp();
  return Status::Invalid(fmt::format("the timestamp column {} is neither BIGINT nor TIMESTAMP", name));
}

}  // namespace eddy
