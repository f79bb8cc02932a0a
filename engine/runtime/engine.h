#pragma once
// Engine: executes statements and runs the persistent queries they start, over a Log. One
// engine serves the test driver (MemoryLog, in-memory state, run to idle after each input
// record) and `eddy run` (a durable log and state directory).
//
// Threading: an Engine is used from one thread.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "engine/io/log.h"
#include "engine/plan/catalog.h"
#include "engine/plan/planner.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

struct EngineOptions {
  Log* log = nullptr;
  // State of each query: in memory (tests), or in RocksDB under state_dir/<query id>.
  bool in_memory_state = true;
  std::string state_dir;
  // Every record goes to partition 0 (the test driver), or by key hash (Kafka's murmur2).
  bool single_partition = true;
  std::map<std::string, std::string> properties;
  // The clock INSERT ... VALUES uses when a row gives no ROWTIME.
  std::function<int64_t()> now_ms;
};

// What a transient query (a SELECT) emits: one call per output row.
using RowCallback = std::function<void(const std::string& query_id, const Schema& schema, const Record& row)>;

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();

  // Parses and executes the statements of `text` in order. Stops at the first failing
  // statement; its Status is positioned in `text`.
  Status ExecuteScript(std::string_view text);
  Status Execute(std::shared_ptr<const dsl::Statement> statement);
  // Processes every record waiting on the inputs of running queries, following records through
  // chains of queries, until none is left; then commits state.
  Status RunUntilIdle();

  const Catalog& catalog() const { return catalog_; }
  ProcessingLog& processing_log() { return processing_log_; }
  Log& log() { return *options_.log; }
  void set_row_callback(RowCallback cb) { row_callback_ = std::move(cb); }
  std::map<std::string, std::string>& properties() { return options_.properties; }
  // EXPLAIN text of a running query.
  std::string Explain(const std::string& query_id) const;

 private:
  struct RunningQuery;
  Status StartQuery(std::shared_ptr<const QueryPlan> plan, bool transient);
  int PartitionFor(const std::string& topic, const RawRecord& record) const;

  EngineOptions options_;
  Catalog catalog_;
  ProcessingLog processing_log_;
  RowCallback row_callback_;
  std::vector<std::unique_ptr<RunningQuery>> queries_;
  std::vector<std::shared_ptr<const dsl::Statement>> statements_;  // plans point into these
  class LogWriter;
  std::unique_ptr<LogWriter> writer_;
};

// Kafka's default partitioner: murmur2 of the key bytes, as Java clients compute it.
int32_t KafkaPartition(std::string_view key, int partitions);

}  // namespace eddy
