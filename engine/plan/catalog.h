#pragma once
// The catalog: every stream, table and persistent query the engine knows, with the schema,
// topic and formats of each source. Statements are checked against it and change it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/schema.h"
#include "engine/common/status.h"

namespace eddy {

struct SourceDef {
  std::string name;
  bool is_table = false;
  bool is_source = false;       // CREATE SOURCE STREAM|TABLE: read-only
  Schema schema;
  std::string topic;
  std::string key_format = "KAFKA";
  std::string value_format = "JSON";
  std::optional<bool> wrap_single_value;
  char key_delimiter = ',';     // KEY_DELIMITER, for a DELIMITED key
  char value_delimiter = ',';
  int partitions = 1;
  std::optional<std::string> timestamp_column;
  std::string timestamp_format;
  // A windowed source (WITH WINDOW_TYPE, or the output of a windowed aggregate): its keys carry
  // a window. window_type is "", "TUMBLING", "HOPPING" or "SESSION"; window_size_ms for the
  // time windows, when known.
  std::string window_type;
  std::optional<int64_t> window_size_ms;
  std::string query_id;         // the persistent query writing it (C*AS), empty for CREATE
  std::string statement_text;   // the statement that created it
};

struct QueryDef {
  std::string id;               // CSAS_OUTPUT_1, CTAS_X_3, INSERTQUERY_5
  std::string sink;
  std::vector<std::string> sources;
  std::string statement_text;
};

class Catalog {
 public:
  const SourceDef* FindSource(const std::string& name) const;
  Status AddSource(SourceDef def, bool or_replace);
  Status DropSource(const std::string& name);
  void AddQuery(QueryDef q) { queries_[q.id] = std::move(q); }
  void RemoveQuery(const std::string& id) { queries_.erase(id); }
  const std::map<std::string, SourceDef>& sources() const { return sources_; }
  const std::map<std::string, QueryDef>& queries() const { return queries_; }
  // Custom types (CREATE TYPE), by upper-cased name; the parser resolves type names with them.
  const std::map<std::string, TypePtr>& types() const { return types_; }
  // CREATE TYPE: ksqlDB's error when the name is taken, unless `if_not_exists`.
  Status AddType(const std::string& name, TypePtr type, bool if_not_exists);
  // DROP TYPE: ksqlDB's error when there is none, unless `if_exists`.
  Status DropType(const std::string& name, bool if_exists);
  // A fresh query id: "<PREFIX>_<NAME>_<n>", n counting statements as ksqlDB does.
  std::string NextQueryId(const std::string& prefix, const std::string& name);

 private:
  std::map<std::string, SourceDef> sources_;
  std::map<std::string, QueryDef> queries_;
  std::map<std::string, TypePtr> types_;
  int next_query_ = 0;
};

}  // namespace eddy
