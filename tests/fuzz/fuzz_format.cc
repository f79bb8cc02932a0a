// libFuzzer target: one serialization format (EDDY_FUZZ_FORMAT: "JSON" or "DELIMITED") reading
// records against a schema. The input's first line is a column list as a CREATE statement writes
// it ("`K` STRING KEY, V INT, ..."); the rest is the record's bytes, read as the value and as the
// key. A record that is read must write back, and what it writes must read back to the same
// bytes when written again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "dsl/parser.h"
#include "engine/io/format.h"

namespace {

struct Formats {
  std::unique_ptr<eddy::Format> key;
  std::unique_ptr<eddy::Format> value;
};

// The formats of the last column list seen: libFuzzer mutates the bytes far more than the schema.
const Formats* FormatsFor(std::string_view columns) {
  static std::string last_columns;
  static std::unique_ptr<Formats> last;
  if (last && columns == last_columns) return last.get();
  last_columns.assign(columns);
  last.reset();
  std::string sql = "CREATE STREAM FUZZ (" + last_columns + ") WITH (KAFKA_TOPIC='f', VALUE_FORMAT='JSON');";
  eddy::Result<std::vector<eddy::dsl::Statement>> parsed = eddy::dsl::ParseStatements(sql);
  if (!parsed.ok() || parsed->size() != 1 || !(*parsed)[0].create_source) return nullptr;
  std::vector<eddy::Column> key, value;
  std::set<std::string> names;
  for (const auto& el : (*parsed)[0].create_source->elements) {
    // The planner rejects duplicate column names ("Duplicate column names"): no format sees them.
    if (!names.insert(el.name).second) return nullptr;
    eddy::Column col{el.name, el.type, el.role, el.header_key};
    (el.role == eddy::ColumnRole::kKey ? key : value).push_back(std::move(col));
  }
  auto f = std::make_unique<Formats>();
  eddy::FormatOptions ko;
  ko.is_key = true;
  if (auto k = eddy::MakeFormat(EDDY_FUZZ_FORMAT, key, ko); k.ok()) f->key = std::move(k).value();
  if (auto v = eddy::MakeFormat(EDDY_FUZZ_FORMAT, value); v.ok()) f->value = std::move(v).value();
  last = std::move(f);
  return last.get();
}

void RoundTrip(const eddy::Format& format, std::string_view bytes) {
  eddy::Row row;
  eddy::DeserializeOutcome outcome;
  if (!format.Deserialize(bytes, row, outcome).ok() || outcome != eddy::DeserializeOutcome::kRow) return;
  std::string once;
  if (!format.Serialize(row, once).ok()) return;  // e.g. a value the format cannot write back
  if (format.SerializesToNull(row)) return;
  // DELIMITED writes a row of one NULL column as no bytes, which it (like ksqlDB) then reads as
  // "No fields in record": ksqlDB's own round trip, not a fault.
  if (once.empty()) return;
  eddy::Row again;
  if (!format.Deserialize(once, again, outcome).ok()) __builtin_trap();  // eddy cannot read what it wrote
  if (outcome != eddy::DeserializeOutcome::kRow) return;
  std::string twice;
  if (!format.Serialize(again, twice).ok() || twice != once) __builtin_trap();  // not stable
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  const Formats* formats = FormatsFor(input.substr(0, nl));
  if (!formats) return 0;
  const std::string_view bytes = input.substr(nl + 1);
  if (formats->value) RoundTrip(*formats->value, bytes);
  if (formats->key) RoundTrip(*formats->key, bytes);
  return 0;
}
