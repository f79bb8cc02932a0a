#pragma once
// The planner: checks a parsed statement against the catalog and says what executing it means —
// a catalog change, a persistent query to start, records to write, or a transient query.
// Every error carries the position of the AST node at fault.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "engine/common/record.h"
#include "engine/plan/catalog.h"
#include "engine/plan/topology.h"

namespace eddy {

// A query that can build its topology any number of times (once per task, again on restart).
class QueryPlan {
 public:
  virtual ~QueryPlan() = default;
  virtual Result<std::unique_ptr<Topology>> Build() const = 0;
  const std::string& query_id() const { return query_id_; }
  // The topics the query reads, in FROM/JOIN order.
  const std::vector<std::string>& input_topics() const { return input_topics_; }

 protected:
  std::string query_id_;
  std::vector<std::string> input_topics_;
};

struct PlannedStatement {
  enum class Kind : uint8_t {
    kNone,              // nothing to run (SET, SHOW ... are answered by the caller)
    kCreateSource,      // add `source` to the catalog
    kPersistentQuery,   // add `source` (if set) and start `query`, writing `sink`
    kInsertValues,      // write `records` to `topic`
    kTransientQuery,    // run `query` and print its rows
    kDrop,              // drop `drop_name`
  };
  Kind kind = Kind::kNone;
  std::optional<SourceDef> source;
  bool or_replace = false;
  std::shared_ptr<const QueryPlan> query;
  QueryDef query_def;
  std::string topic;
  int topic_partitions = 1;
  std::vector<RawRecord> records;
  std::string drop_name;
  std::string drop_topic;  // DROP ... DELETE TOPIC: the topic to delete
  bool drop_if_exists = false;
};

struct PlanOptions {
  // Properties in force (SET and the test's properties), upper- or lower-case keys as given.
  std::map<std::string, std::string> properties;
  // The wall-clock time INSERT ... VALUES stamps on rows that give no ROWTIME.
  int64_t now_ms = 0;
};

// `statement` must outlive nothing: the plan keeps what it needs.
Result<PlannedStatement> PlanStatement(std::shared_ptr<const dsl::Statement> statement, Catalog& catalog,
                                       const PlanOptions& options);

}  // namespace eddy
