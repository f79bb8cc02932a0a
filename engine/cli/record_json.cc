#include "engine/cli/record_json.h"

#include <fmt/format.h>

#include "engine/io/format.h"

namespace eddy {

const SourceDef* SourceForTopic(const Catalog& catalog, const std::string& topic) {
  for (const auto& [name, def] : catalog.sources())
    if (def.topic == topic && def.query_id.empty()) return &def;
  for (const auto& [name, def] : catalog.sources())
    if (def.topic == topic) return &def;
  return nullptr;
}

Result<std::string> JsonToBytes(const JsonValue& v, const SourceDef& def, bool is_key) {
  const std::string& format = is_key ? def.key_format : def.value_format;
  const std::vector<Column>& columns = is_key ? def.schema.key : def.schema.value;
  if (format == "JSON") return WriteJson(v);
  if (format == "DELIMITED") return v.is_string() ? v.as_string() : WriteJson(v);
  if (format == "NONE") return std::string();
  // KAFKA, PROTOBUF_NOSR: read the JSON value as the columns' types, then write it in the
  // source's format. ksqlDB's runner gives a PROTOBUF_NOSR side as an object of its columns
  // even when it is a single unwrapped one (ValueSpecProtobufNoSRSerdeSupplier).
  FormatOptions jo;
  jo.wrap_single_value = format == "PROTOBUF_NOSR";
  jo.is_key = is_key;
  ASSIGN_OR_RETURN(auto json, MakeFormat("JSON", columns, jo));
  Row row(columns.size());
  RETURN_IF_ERROR(json->Deserialize(WriteJson(v), row));
  FormatOptions fo;
  fo.is_key = is_key;
  fo.wrap_single_value = def.wrap_single_value;
  fo.delimiter = is_key ? def.key_delimiter : def.value_delimiter;
  ASSIGN_OR_RETURN(auto target, MakeFormat(format, columns, fo));
  std::string out;
  RETURN_IF_ERROR(target->Serialize(row, out));
  return out;
}

Result<Headers> HeadersFromJson(const JsonValue& headers) {
  if (!headers.is_array()) return Status::Invalid("\"headers\" must be an array of {\"KEY\": ..., \"VALUE\": ...}");
  Headers out;
  for (const JsonValue& h : headers.items()) {
    const JsonValue* k = h.is_object() ? h.Find("KEY") : nullptr;
    const JsonValue* v = h.is_object() ? h.Find("VALUE") : nullptr;
    if (!k || !k->is_string()) return Status::Invalid("a header needs a string \"KEY\"");
    Header& header = out.emplace_back();
    header.key = k->as_string();
    if (v && !v->is_null()) {
      std::string bytes;
      if (!v->is_string() || !DecodeBase64(v->as_string(), bytes))
        return Status::Invalid(fmt::format("header {}: \"VALUE\" must be a base64 string or null", header.key));
      header.value = std::move(bytes);
    }
  }
  return out;
}

Result<RawRecord> JsonToRawRecord(const JsonValue& record, const SourceDef* def) {
  if (!record.is_object()) return Status::Invalid("a record must be a JSON object like {\"key\": ..., \"value\": ...}");
  RawRecord raw;
  if (const JsonValue* t = record.Find("timestamp"); t && !t->is_null()) {
    if (!t->is_number() || !t->AsInt64()) return Status::Invalid("\"timestamp\" must be a whole number of milliseconds");
    raw.timestamp = *t->AsInt64();
  }
  if (const JsonValue* hs = record.Find("headers"); hs && !hs->is_null()) {
    ASSIGN_OR_RETURN(Headers headers, HeadersFromJson(*hs));
    if (!headers.empty()) raw.headers = std::make_shared<const Headers>(std::move(headers));
  }
  const JsonValue* key = record.Find("key");
  const JsonValue* value = record.Find("value");
  auto text = [](const JsonValue& v) { return v.is_string() ? v.as_string() : WriteJson(v); };
  if (key && !key->is_null()) {
    if (def) {
      ASSIGN_OR_RETURN(std::string k, JsonToBytes(*key, *def, true));
      raw.key = std::move(k);
    } else {
      raw.key = text(*key);
    }
  }
  // "key_bytes" / "value_bytes": base64 of the exact bytes, as any producer might send them
  // (malformed JSON, invalid UTF-8): written as they are, whatever the source's format.
  for (const char* name : {"key_bytes", "value_bytes"}) {
    const JsonValue* b = record.Find(name);
    if (!b || b->is_null()) continue;
    std::string bytes;
    if (!b->is_string() || !DecodeBase64(b->as_string(), bytes))
      return Status::Invalid(fmt::format("\"{}\" must be a base64 string", name));
    (name[0] == 'k' ? raw.key : raw.value) = std::move(bytes);
  }
  if (raw.value) return raw;
  if (value && !value->is_null()) {
    if (def) {
      Result<std::string> v = JsonToBytes(*value, *def, false);
      // A value the source cannot read is still written as it is: the query's processing log
      // reports it, as it would for a bad record from any producer.
      raw.value = v.ok() ? v.value() : text(*value);
    } else {
      raw.value = text(*value);
    }
  }
  return raw;
}

}  // namespace eddy
