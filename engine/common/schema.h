#pragma once
// Schema: the named, typed columns of a stream or table, split into key and value columns as
// ksqlDB's LogicalSchema is. Rows are positional; this is where the names live.
#include <optional>
#include <string>
#include <vector>

#include "engine/common/type.h"

namespace eddy {

enum class ColumnRole : uint8_t { kKey, kValue, kHeader };

struct Column {
  std::string name;   // already case-normalised (unquoted names upper-cased)
  TypePtr type;
  ColumnRole role = ColumnRole::kValue;
  std::string header_key;  // HEADER('k'); empty for HEADERS or non-header columns
};

// Pseudo-columns every source offers.
enum class PseudoColumn : uint8_t { kRowtime, kRowpartition, kRowoffset, kWindowstart, kWindowend };

struct Schema {
  std::vector<Column> key;
  std::vector<Column> value;

  // Position of a key or value column by exact name.
  std::optional<size_t> KeyIndex(const std::string& name) const;
  std::optional<size_t> ValueIndex(const std::string& name) const;
  // ksqlDB's DESCRIBE form: "`A` STRING KEY, `B` INTEGER".
  std::string ToString() const;
};

}  // namespace eddy
