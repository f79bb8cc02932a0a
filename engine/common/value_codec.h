#pragma once
// A compact, self-describing binary encoding of Values and Rows, used for state-store keys and
// values. Equal rows encode to equal bytes, so an encoded key row is a store key. Stored
// values start with kStateFormatVersion so a later layout can be told apart.
#include <string>
#include <string_view>

#include "engine/common/status.h"
#include "engine/common/value.h"

namespace eddy {

inline constexpr uint8_t kStateFormatVersion = 1;

void EncodeValue(const Value& v, std::string& out);
void EncodeRow(const Row& row, std::string& out);
// Decodes one value at `in`, advancing it.
Result<Value> DecodeValue(std::string_view& in);
Result<Row> DecodeRow(std::string_view in);

// A stored state row: kStateFormatVersion, then the encoded row. EncodeState replaces `out`.
void EncodeState(const Row& row, std::string& out);
// Reads what EncodeState wrote; another version byte is an error naming `what` is stored.
Result<Row> DecodeState(std::string_view in, std::string_view what);

}  // namespace eddy
