#pragma once
// Records written as JSON, as QTT files and `--input` files give them ({"key": ..., "value":
// ..., "timestamp": ...}), turned into the bytes a source of the topic reads, and back.
#include <optional>
#include <string>

#include "engine/common/json.h"
#include "engine/common/record.h"
#include "engine/plan/catalog.h"

namespace eddy {

// The source reading `topic` (a CREATE STREAM|TABLE rather than a query's sink when both exist).
const SourceDef* SourceForTopic(const Catalog& catalog, const std::string& topic);

// The bytes of one side of a record as a source of `def` reads them: JSON is written as it is,
// a DELIMITED value is given as its line of text, a KAFKA value is read as the column's type, a
// PROTOBUF_NOSR side as an object of its columns.
Result<std::string> JsonToBytes(const JsonValue& v, const SourceDef& def, bool is_key);

// Record headers as QTT files give them: [{"KEY": "k", "VALUE": "<base64>" or null}, ...].
Result<Headers> HeadersFromJson(const JsonValue& headers);

// A JSON Lines `--input` record -> a RawRecord for `def` (null key/value when absent/null).
// "key_bytes"/"value_bytes" (base64) give a side's exact bytes instead, whatever the format;
// "headers" the record's headers (as HeadersFromJson reads them).
Result<RawRecord> JsonToRawRecord(const JsonValue& record, const SourceDef* def);

}  // namespace eddy
