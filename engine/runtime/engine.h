#pragma once
// Engine: executes statements and runs the persistent queries they start, over a Log. One
// engine serves the test driver (MemoryLog, in-memory state, run to idle after each input
// record) and `eddy run` (the embedded log in the state directory).
//
// Durability: the engine keeps its catalog (the statements it executed), every query's state
// and every query's input offsets in one StateDb. With the embedded log, whose records live in
// that StateDb too, Commit() makes inputs consumed, state changed and outputs written durable in
// one atomic write: a crash loses nothing committed and repeats nothing.
//
// Threading: an Engine is used from one thread.
#include <atomic>
#include <climits>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  // The database for the catalog, state and offsets; when null the engine opens one in memory.
  StateDb* db = nullptr;
  // Every record goes to partition 0 (the test driver), or by key hash (Kafka's murmur2).
  bool single_partition = true;
  std::map<std::string, std::string> properties;
  // The clock INSERT ... VALUES uses when a row gives no ROWTIME.
  std::function<int64_t()> now_ms;
  // Commit after this many input records (and whenever the engine goes idle).
  size_t commit_every = 10000;
  // Kafka: each persistent query reads as the consumer group `group_prefix + query id` and
  // commits that group's offsets with its outputs (Log::CommitOutputs).
  std::string group_prefix;
  // Kafka: when set, every state store of a persistent query is backed by the compacted topic
  // `changelog_prefix + query id + "-" + store + "-changelog"`: each commit writes the store's
  // changes there first, and a starting query reads the changelog's tail from the offset
  // checkpointed in the StateDb before it processes anything.
  std::string changelog_prefix;
  // Kafka: the catalog's statements are also kept in this topic (ksqlDB's command topic,
  // `_confluent-ksql-<service id>_command_topic`), so a restarted instance with a fresh state
  // directory, or a second instance of the service, resumes the same sources and queries. Each
  // record is one statement's text, keyed `<instance_id>:<n>`; statements other instances add
  // while this one runs are picked up within a second.
  std::string command_topic;
  std::string instance_id;
};

// What a transient query (a SELECT) emits: one call per output row.
using RowCallback = std::function<void(const std::string& query_id, const Schema& schema, const Record& row)>;

class Engine {
 public:
  // Opens the engine and resumes what its database holds: the statements executed before are
  // replayed (INSERT ... VALUES excepted: their rows are already in the log) and each query
  // continues from its committed offsets.
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  explicit Engine(EngineOptions options);  // for tests: a fresh in-memory engine
  ~Engine();

  // Parses and executes the statements of `text` in order. Stops at the first failing
  // statement; its Status is positioned in `text`. With `skip_done`, a statement whose exact
  // text the catalog already holds (as often as it occurs here) is skipped: a restarted
  // `eddy run` neither creates its sources twice nor inserts its VALUES twice.
  Status ExecuteScript(std::string_view text, bool skip_done = false);
  Status Execute(std::shared_ptr<const dsl::Statement> statement);
  // Processes every record waiting on the inputs of running queries, taking the record with
  // the smallest timestamp first across a query's inputs, and following records through
  // chains of queries, until none is left or *stop becomes true; commits as it goes.
  Status RunUntilIdle(const std::atomic<bool>* stop = nullptr);
  // Makes everything processed so far durable.
  Status Commit();
  // True when every input of every running query has been read to its end (for `--once`).
  bool CaughtUp();

  const Catalog& catalog() const { return catalog_; }
  ProcessingLog& processing_log() { return processing_log_; }
  const ProcessingLog& processing_log() const { return processing_log_; }
  Log& log() { return *options_.log; }
  const Log& log() const { return *options_.log; }
  void set_row_callback(RowCallback cb) { row_callback_ = std::move(cb); }
  std::map<std::string, std::string>& properties() { return options_.properties; }
  // What a running query has done since this engine started it (DESCRIBE EXTENDED).
  struct QueryStats {
    uint64_t records_in = 0;   // read from its inputs and deserialized
    uint64_t records_out = 0;  // written to its sink (or handed to the row callback)
    int64_t stream_time = INT64_MIN;  // the largest input timestamp seen
    // Lag: over the input partitions it runs here, the records between where it stands and the
    // partition's end (Kafka: librdkafka's cached high watermark); -1 when no end is known.
    int64_t lag = -1;
    // Restores of its tasks' state from their changelogs (Kafka): records restored, and the
    // changelog offsets they spanned; restoring while a task is at it.
    uint64_t restored = 0;
    uint64_t to_restore = 0;
    bool restoring = false;
  };
  std::optional<QueryStats> Stats(const std::string& query_id) const;
  // EXPLAIN of a running query: "text", "dot" or "mermaid"; empty when there is no such query.
  std::string Explain(const std::string& query_id, const std::string& format = "text") const;
  // Answers a pull query (a SELECT without EMIT CHANGES), handing each row to the row callback:
  // from the rows the writing query keeps for a table made by CREATE TABLE AS SELECT, else by
  // reading the source's topics from the beginning. Runs nothing else.
  Status Pull(std::shared_ptr<const dsl::Statement> select);
  // Starts a transient `SELECT * FROM name EMIT CHANGES` (for `eddy run --follow`).
  Status Follow(const std::string& name);
  // Stops a running query (all of them when `query_id` is empty) and forgets its catalog entry.
  Status Terminate(const std::string& query_id);
  // Stops every transient query (a cancelled SELECT).
  void StopTransientQueries();
  // The id of the query the last Execute or Pull started (a push query's, for the server).
  const std::string& last_started_query() const { return last_started_query_; }
  // The columns a running query emits (a transient query's rows); null when there is no such query.
  const Schema* OutputSchema(const std::string& query_id) const;
  // Appends a record to a topic, choosing its partition as a sink would.
  Status Produce(const std::string& topic, RawRecord record);
  // Executes statements as if they had run before (not persisted again; INSERT ... VALUES
  // skipped): lets a scratch engine check a file against an existing state directory.
  Status Seed(const std::vector<std::string>& texts);
  // The statements a database holds, in the order they ran.
  static Result<std::vector<std::string>> StoredStatements(StateDb* db);

 private:
  struct RunningQuery;
  struct QueryGroup;
  Status Init();
  Status Replay();
  Status StartQuery(std::shared_ptr<const QueryPlan> plan, bool transient);
  // Kafka: a persistent query joins its consumer group; tasks start as partitions are assigned.
  Status StartGroup(std::shared_ptr<const QueryPlan> plan);
  Status StartTask(QueryGroup& g, int partition, const std::vector<std::string>& topics,
                   std::vector<std::pair<std::pair<std::string, int>, int64_t>>& offsets);
  // Serves the groups' rebalances: revoked partitions are committed and their tasks stopped;
  // assigned ones get tasks, restored from their changelogs, reading from the committed offsets.
  Status ServeGroups();
  // The command topic: joined at start (the topic's statements, then those only this state
  // directory holds), appended to by Persist, polled for other instances' statements.
  Result<std::vector<std::string>> JoinCommandTopic(const std::vector<std::string>& local);
  Status ReadCommands(std::vector<RawRecord>& out);
  Status AppendCommand(const std::string& text);
  Status PollCommands();
  void PurgeRepartitionTopics();
  std::chrono::steady_clock::time_point next_purge_{};
  bool in_flight_wait_ = false;  // a task waits for records on their way through a repartition topic
  int in_flight_spins_ = 0;
  int64_t command_offset_ = 0;
  uint64_t command_seq_ = 0;
  bool from_command_topic_ = false;
  std::chrono::steady_clock::time_point next_command_poll_{};
  Status Persist(const dsl::Statement& st);
  int PartitionFor(const std::string& topic, const RawRecord& record) const;
  // Over Kafka: whether a record at `timestamp` may meet repartitioned records in task `q` now,
  // or must wait for this instance's earlier records to come back through the repartition topic
  // (so one instance gives the same results as processing in timestamp order would).
  bool MayMerge(RunningQuery& q, int64_t timestamp, int level);
  // The earliest timestamp a query running here (other than `reader`) may still write to `topic`:
  // INT64_MAX when none can, INT64_MIN when one cannot tell yet (an input not fetched to its end).
  int64_t WritersLow(const std::string& topic, const std::string& reader, int depth);
  // The same for input `i` of task `t`: its next record's, or what may still arrive on it.
  int64_t InputLow(RunningQuery& t, size_t i, const std::string& reader, int depth);
  static constexpr int64_t kUnknownLow = INT64_MIN + 1;
  uint64_t queries_epoch_ = 1;  // moves when a query or task starts
  bool WrittenHere(RunningQuery& t, size_t i);  // whether a query here writes input i's topic
  std::vector<int64_t> upstream_low_;  // Step's scratch
  // Processes up to `budget` waiting records of `q`; returns how many it processed.
  Result<size_t> Step(RunningQuery& q, size_t budget);

  EngineOptions options_;
  std::unique_ptr<StateDb> own_db_;
  StateDb* db_ = nullptr;
  KvStore* statements_store_ = nullptr;
  KvStore* offsets_store_ = nullptr;
  int64_t next_statement_ = 0;
  bool replaying_ = false;
  std::map<std::string, int> done_;  // statement text -> times executed and persisted
  Catalog catalog_;
  ProcessingLog processing_log_;
  RowCallback row_callback_;
  std::vector<std::unique_ptr<QueryGroup>> groups_;
  std::vector<std::unique_ptr<RunningQuery>> queries_;  // transient queries and tasks
  std::vector<std::shared_ptr<const dsl::Statement>> statements_;  // plans point into these
  class LogWriter;
  std::unique_ptr<LogWriter> writer_;
  size_t since_commit_ = 0;
  bool dirty_ = false;  // outputs or input offsets not committed yet
  Status RestoreChangelogs(RunningQuery& q);
  // Kafka: the log gave up the outputs since the last commit (Log::TakeAborted): the tasks start
  // again from the last commit, with the state it left.
  Status Rewind();
  int64_t committed_statements_ = 0;  // next_statement_ at the last commit
  std::string ChangelogTopic(const std::string& store) const;
  std::string last_started_query_;
};

// Kafka's default partitioner: murmur2 of the key bytes, as Java clients compute it.
int32_t KafkaPartition(std::string_view key, int partitions);

}  // namespace eddy
