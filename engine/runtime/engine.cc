#include "engine/runtime/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <cctype>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "dsl/parser.h"
#include "operators/operator.h"
#include "operators/aggregate.h"
#include "operators/fk_join.h"
#include "operators/rekey.h"
#include "operators/table_aggregate.h"
#include "operators/window_aggregate.h"
#include "operators/repartition.h"
#include "operators/sink.h"
#include "engine/state/kv_store.h"

namespace eddy {

namespace {

uint32_t Murmur2(std::string_view data) {
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  size_t length = data.size();
  uint32_t h = seed ^ static_cast<uint32_t>(length);
  size_t length4 = length / 4;
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  for (size_t i = 0; i < length4; i++) {
    size_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(d[i4]) | (static_cast<uint32_t>(d[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(d[i4 + 2]) << 16) | (static_cast<uint32_t>(d[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= static_cast<uint32_t>(d[(length & ~3u) + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(d[(length & ~3u) + 1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(d[length & ~3u]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

// The last operator of a transient query: hands rows to the engine's callback.
class CallbackOperator final : public Operator {
 public:
  CallbackOperator(std::string id, Schema schema, const RowCallback* cb)
      : id_(std::move(id)), schema_(std::move(schema)), cb_(cb) {}
  Status Process(Record record, int) override {
    if (*cb_) (*cb_)(id_, schema_, record);
    return Status::Ok();
  }
  std::string Describe() const override { return "Print rows"; }

 private:
  std::string id_;
  Schema schema_;
  const RowCallback* cb_;
};

// On a partitioned runtime (Kafka, a task per partition) records must meet the state of their key
// in one task. Splices repartition topics into a task's topology (their sources go to `sources`)
// and returns the topics with their partition counts, the same for every build of one plan:
// - after a re-key (a join on a non-key column, PARTITION BY): by the new key;
// - before a stream aggregation: by its group;
// - before a table aggregation or a foreign-key join, whose state is not partitioned by the key
//   the records arrive with: everything into one partition (one task does that step).
std::vector<std::pair<std::string, int>> SpliceRepartitions(Topology& t, const std::string& prefix, int partitions,
                                                            std::vector<RepartitionSourceOperator*>* sources) {
  std::vector<std::pair<std::string, int>> topics;
  std::vector<OperatorPtr> added;
  // A re-key feeds a join with a table (whose partitions follow its key format) or with another
  // stream: its keys are partitioned as the table's (else the first source's) key format writes
  // them; a key that format cannot write is partitioned by its encoded row.
  const Format* table_key_format = nullptr;
  for (const SourceOperator* s : t.sources)
    if (!table_key_format && s->spec().is_table && s->spec().key_format) table_key_format = s->spec().key_format.get();
  // With streams only, a stream's: a re-keyed stream meets a stream partitioned by its own key.
  if (!table_key_format && !t.sources.empty() && t.sources[0]->spec().key_format)
    table_key_format = t.sources[0]->spec().key_format.get();
  auto splice = [&](int topic_partitions, const std::vector<CompiledExprPtr>* group_by, const Format* key_format) {
    topics.emplace_back(fmt::format("{}-{}-repartition", prefix, topics.size()), topic_partitions);
    auto sink = std::make_unique<RepartitionSinkOperator>(topics.back().first, group_by, key_format);
    auto source = std::make_unique<RepartitionSourceOperator>(topics.back().first);
    if (sources) sources->push_back(source.get());
    std::pair<Operator*, Operator*> ends{sink.get(), source.get()};
    added.push_back(std::move(sink));
    added.push_back(std::move(source));
    return ends;
  };
  // Who feeds `op`, with the port (listed before anything is rewired).
  auto feeders = [&](const Operator* op) {
    std::vector<Operator*> out;
    for (const auto& o : t.operators)
      if (o->downstream() == op) out.push_back(o.get());
    return out;
  };
  for (const auto& op_ptr : t.operators) {
    Operator* op = op_ptr.get();
    if (dynamic_cast<RekeyOperator*>(op)) {
      auto [sink, source] = splice(partitions, nullptr, table_key_format);
      source->set_downstream(op->downstream(), op->downstream_port());
      op->set_downstream(sink);
      continue;
    }
    const std::vector<CompiledExprPtr>* group_by = nullptr;
    if (auto* a = dynamic_cast<AggregateOperator*>(op)) group_by = &a->group_by();
    if (auto* a = dynamic_cast<WindowAggregateOperator*>(op)) group_by = &a->group_by();
    if (group_by) {
      std::vector<Operator*> ups = feeders(op);
      auto [sink, source] = splice(partitions, group_by, nullptr);
      for (Operator* up : ups) up->set_downstream(sink);
      source->set_downstream(op, 0);
      continue;
    }
    if (dynamic_cast<TableAggregateOperator*>(op) || dynamic_cast<ForeignKeyJoinOperator*>(op)) {
      for (Operator* up : feeders(op)) {
        auto [sink, source] = splice(1, nullptr, nullptr);
        source->set_downstream(op, up->downstream_port());
        up->set_downstream(sink);
      }
    }
  }
  for (auto& o : added) t.operators.push_back(std::move(o));
  return topics;
}

}  // namespace

int32_t KafkaPartition(std::string_view key, int partitions) {
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

class Engine::LogWriter final : public RecordWriter {
 public:
  explicit LogWriter(Engine* e) : engine_(e) {}
  Status Write(const std::string& topic, RawRecord record) override {
    record.partition = engine_->PartitionFor(topic, record);
    engine_->dirty_ = true;
    return engine_->options_.log->Append(topic, record);
  }

 private:
  Engine* engine_;
};

// A persistent query over Kafka runs as tasks, one per partition number of its inputs, each with
// a topology and state stores of its own; the query's consumer group decides which partitions
// (tasks) this instance runs. The group's reader is shared by its tasks.
struct Engine::QueryGroup {
  std::string id;
  std::string group;
  std::shared_ptr<const QueryPlan> plan;
  std::shared_ptr<LogReader> reader;
  int partitions = 1;                           // tasks: the most partitions of any input
  std::string sink_topic;
};

struct Engine::RunningQuery {
  std::string id;
  bool transient = false;
  int task = -1;  // the partition this task runs; -1: every partition
  int task_partitions = 1;
  std::shared_ptr<const QueryPlan> plan;
  std::unique_ptr<Topology> topology;
  OperatorContext ctx;
  std::vector<std::string> topics;  // each input topic once
  std::shared_ptr<LogReader> reader;
  std::vector<RepartitionSourceOperator*> repartition_sources;
  std::string sink_topic;                   // the topic the query writes ("" for a transient query)
  int levels = 0;                           // the most re-keys a record goes through
  std::string group;                        // the consumer group (Kafka)
  std::vector<std::string> changelogged;    // stores backed by a changelog topic (Kafka)
  // Next offset to read per (topic, partition), and records read ahead but not yet processed.
  struct Input {
    std::string topic;
    int partition = 0;
    int64_t offset = 0;
    std::vector<RawRecord> buffer;
    size_t next = 0;
    // Over Kafka, with repartition topics: what the input feeds. kMerging inputs meet records
    // that come back through a repartition topic (a table joined with a re-keyed stream).
    enum class Stage : uint8_t { kPlain, kRepartition, kMerging } stage = Stage::kPlain;
    int level = 0;  // re-keys a record has been through when it arrives here (or meets it: kMerging)
    bool written_here = false;  // a query running here writes the topic (as of queries_epoch_)
    uint64_t written_epoch = 0;
  };
  std::vector<Input> inputs;
  uint64_t restored = 0, to_restore = 0;  // changelog records restored, of the offsets to restore
  bool restoring = false;
};

namespace {

std::string Be64(uint64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}
uint64_t FromBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}
std::string SinkTopic(const Topology& t) {
  for (const auto& op : t.operators)
    if (const auto* sink = dynamic_cast<const SinkOperator*>(op.get())) return sink->topic();
  return "";
}
std::string OffsetKey(const std::string& query, const std::string& topic, int partition) {
  return query + '\0' + topic + '\0' + std::to_string(partition);
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)), writer_(std::make_unique<LogWriter>(this)) {
  Status st = Init();
  if (!st.ok()) {
    // Only an in-memory database can be opened here; failing that is a broken invariant.
    std::fprintf(stderr, "eddy: cannot open the in-memory state: %s\n", st.ToString().c_str());
    std::abort();
  }
}

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  std::unique_ptr<Engine> e(new Engine(std::move(options)));
  RETURN_IF_ERROR(e->Replay());
  return e;
}

Status Engine::Init() {
  db_ = options_.db;
  if (!db_) {
    StateDbOptions so;
    so.in_memory = true;
    ASSIGN_OR_RETURN(own_db_, StateDb::Open("/eddy-memory", so));
    db_ = own_db_.get();
  }
  ASSIGN_OR_RETURN(statements_store_, db_->Store("engine.statements"));
  ASSIGN_OR_RETURN(offsets_store_, db_->Store("engine.offsets"));
  return Status::Ok();
}

Engine::~Engine() {
  for (auto& q : queries_) (void)q->topology->Close();
}

int Engine::PartitionFor(const std::string& topic, const RawRecord& record) const {
  if (options_.single_partition) return 0;
  int n = options_.log->Partitions(topic);
  if (n <= 1 || !record.key) return 0;
  return KafkaPartition(*record.key, n);
}

Result<std::vector<std::string>> Engine::StoredStatements(StateDb* db) {
  ASSIGN_OR_RETURN(KvStore * store, db->Store("engine.statements"));
  std::vector<std::string> texts;
  RETURN_IF_ERROR(store->Scan([&](std::string_view, std::string_view v) {
    texts.emplace_back(v);
    return true;
  }));
  return texts;
}

Status Engine::Replay() {
  RETURN_IF_ERROR(statements_store_->Scan([&](std::string_view k, std::string_view) {
    next_statement_ = static_cast<int64_t>(FromBe64(k)) + 1;
    return true;
  }));
  ASSIGN_OR_RETURN(std::vector<std::string> texts, StoredStatements(db_));
  if (!options_.command_topic.empty()) {
    ASSIGN_OR_RETURN(texts, JoinCommandTopic(texts));
  }
  RETURN_IF_ERROR(Seed(texts));
  committed_statements_ = next_statement_;
  return Status::Ok();
}

Result<std::vector<std::string>> Engine::JoinCommandTopic(const std::vector<std::string>& local) {
  if (options_.instance_id.empty()) options_.instance_id = fmt::format("{:016x}", std::random_device{}() * 0x9e3779b97f4a7c15ULL);
  RETURN_IF_ERROR(options_.log->CreateRetainedTopic(options_.command_topic));
  std::vector<RawRecord> records;
  RETURN_IF_ERROR(ReadCommands(records));
  // The topic is the catalog; statements only this state directory holds (written before the
  // topic existed, or persisted here just before a crash kept them from the topic) follow it.
  std::vector<std::string> texts;
  std::map<std::string, int> in_topic;
  for (auto& r : records) {
    texts.push_back(r.value ? *r.value : std::string());
    in_topic[texts.back()]++;
  }
  std::vector<std::string> only_here;
  for (const auto& t : local) {
    auto it = in_topic.find(t);
    if (it != in_topic.end() && it->second > 0) --it->second;
    else only_here.push_back(t);
  }
  for (const auto& t : only_here) {
    RETURN_IF_ERROR(AppendCommand(t));
    texts.push_back(t);
  }
  if (!only_here.empty()) RETURN_IF_ERROR(options_.log->CommitOutputs({}));
  if (texts != local) {
    // The state directory's copy follows the topic's order.
    std::vector<std::string> keys;
    RETURN_IF_ERROR(statements_store_->Scan([&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }));
    for (const auto& k : keys) RETURN_IF_ERROR(statements_store_->Delete(k));
    next_statement_ = 0;
    for (const auto& t : texts) RETURN_IF_ERROR(statements_store_->Put(Be64(static_cast<uint64_t>(next_statement_++)), t));
    RETURN_IF_ERROR(db_->Commit());
  }
  return texts;
}

Status Engine::ReadCommands(std::vector<RawRecord>& out) {
  for (;;) {
    size_t before = out.size();
    RETURN_IF_ERROR(options_.log->Read(options_.command_topic, 0, command_offset_, 1000, out));
    if (out.size() == before) return Status::Ok();
    command_offset_ = out.back().offset + 1;
  }
}

Status Engine::AppendCommand(const std::string& text) {
  RawRecord r;
  r.key.emplace(fmt::format("{}:{}", options_.instance_id, command_seq_++));
  r.value.emplace(text);
  r.partition = 0;
  r.timestamp = options_.now_ms ? options_.now_ms() : 0;
  dirty_ = true;
  return options_.log->Append(options_.command_topic, r);
}

Status Engine::PollCommands() {
  if (options_.command_topic.empty()) return Status::Ok();
  auto now = std::chrono::steady_clock::now();
  if (now < next_command_poll_) return Status::Ok();
  next_command_poll_ = now + std::chrono::seconds(1);
  if (options_.log->EndOffset(options_.command_topic, 0) <= command_offset_) return Status::Ok();
  std::vector<RawRecord> records;
  RETURN_IF_ERROR(ReadCommands(records));
  const std::string mine = options_.instance_id + ":";
  for (const auto& r : records) {
    if (r.key && r.key->compare(0, mine.size(), mine) == 0) continue;  // this instance's own
    const std::string text = r.value ? *r.value : std::string();
    dsl::ParseOptions po;
    po.types = &catalog_.types();
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text, po);
    Status st = parsed.status();
    from_command_topic_ = true;
    for (size_t i = 0; st.ok() && i < parsed.value().size(); ++i) {
      dsl::Statement& s = parsed.value()[i];
      if (s.kind == dsl::Statement::Kind::kInsertValues) {  // its rows are in the log already
        st = Persist(s);
        continue;
      }
      st = Execute(std::make_shared<const dsl::Statement>(std::move(s)));
    }
    from_command_topic_ = false;
    if (!st.ok()) {
      // Kept in the catalog all the same, so that a restart replays the topic's statements in
      // its order. A statement this instance ran itself too (two instances that started one
      // service's file at once both added it) finds it done: no news.
      if (!done_.count(text))
        std::fprintf(stderr, "eddy: cannot run the statement another instance added to %s: %s\n  %s\n",
                     options_.command_topic.c_str(), st.ToString().c_str(), text.c_str());
      done_[text]++;
      RETURN_IF_ERROR(statements_store_->Put(Be64(static_cast<uint64_t>(next_statement_++)), text));
    }
  }
  return Status::Ok();
}

Status Engine::Seed(const std::vector<std::string>& texts) {
  replaying_ = true;
  for (const auto& text : texts) {
    const int times = ++done_[text];
    dsl::ParseOptions po;
    po.types = &catalog_.types();
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text, po);
    if (!parsed.ok()) {
      replaying_ = false;
      return Status::Internal("the state directory holds a statement that no longer parses: " + text);
    }
    for (auto& st : parsed.value()) {
      if (st.kind == dsl::Statement::Kind::kInsertValues) continue;
      Status s = Execute(std::make_shared<const dsl::Statement>(std::move(st)));
      // Two instances that started one service's file at once both put it in the command
      // topic: the second copy of a statement finds it done ("already exists").
      if (!s.ok() && times > 1) continue;
      if (!s.ok()) {
        replaying_ = false;
        return Status::Internal(fmt::format("cannot resume the statement `{}`: {}", text, s.ToString()));
      }
    }
  }
  replaying_ = false;
  return Status::Ok();
}

Status Engine::Terminate(const std::string& query_id) {
  bool found = false;
  for (auto it = queries_.begin(); it != queries_.end();) {
    if (query_id.empty() ? !(*it)->transient : (*it)->id == query_id) {
      RETURN_IF_ERROR((*it)->topology->Close());
      catalog_.RemoveQuery((*it)->id);
      it = queries_.erase(it);
      found = true;
    } else {
      ++it;
    }
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (query_id.empty() || (*it)->id == query_id) {
      catalog_.RemoveQuery((*it)->id);
      it = groups_.erase(it);
      found = true;
    } else {
      ++it;
    }
  }
  if (!query_id.empty() && !found) return Status::NotFound(fmt::format("Unknown queryId: {}", query_id));
  return Status::Ok();
}

void Engine::StopTransientQueries() {
  for (auto it = queries_.begin(); it != queries_.end();) {
    if ((*it)->transient) {
      (void)(*it)->topology->Close();
      it = queries_.erase(it);
    } else {
      ++it;
    }
  }
}

Status Engine::Produce(const std::string& topic, RawRecord record) { return writer_->Write(topic, std::move(record)); }

Status Engine::Persist(const dsl::Statement& st) {
  if (replaying_) return Status::Ok();
  done_[st.text]++;
  RETURN_IF_ERROR(statements_store_->Put(Be64(static_cast<uint64_t>(next_statement_++)), st.text));
  if (options_.command_topic.empty() || from_command_topic_) return Status::Ok();
  // Into the command topic, committed with everything done so far (one transaction with
  // exactly_once_v2), before the statement counts as done.
  RETURN_IF_ERROR(AppendCommand(st.text));
  return Commit();
}

Status Engine::ExecuteScript(std::string_view text, bool skip_done) {
  dsl::ParseOptions po;
  po.types = &catalog_.types();
  ASSIGN_OR_RETURN(std::vector<dsl::Statement> statements, dsl::ParseStatements(text, po));
  std::map<std::string, int> seen;
  for (auto& st : statements) {
    SourcePos pos = st.pos;
    if (skip_done && st.kind != dsl::Statement::Kind::kSelect) {
      int n = ++seen[st.text];
      auto it = done_.find(st.text);
      if (it != done_.end() && n <= it->second) continue;
    }
    RETURN_IF_ERROR(Execute(std::make_shared<const dsl::Statement>(std::move(st))).WithPos(pos));
  }
  return Status::Ok();
}

Status Engine::Execute(std::shared_ptr<const dsl::Statement> statement) {
  if (statement->kind == dsl::Statement::Kind::kSet) {
    const dsl::SetProperty& s = *statement->set;
    if (s.unset) options_.properties.erase(s.name);
    else options_.properties[s.name] = s.value;
    return Persist(*statement);
  }
  if (statement->kind == dsl::Statement::Kind::kTerminate) {
    RETURN_IF_ERROR(Terminate(statement->terminate->all ? "" : statement->terminate->query_id));
    return Persist(*statement);
  }
  if (statement->kind == dsl::Statement::Kind::kCreateType) {
    const dsl::CreateType& t = *statement->create_type;
    RETURN_IF_ERROR(catalog_.AddType(t.name, t.type, t.if_not_exists).WithPos(t.name_pos));
    return Persist(*statement);
  }
  if (statement->kind == dsl::Statement::Kind::kDropType) {
    RETURN_IF_ERROR(catalog_.DropType(statement->drop_type->name, statement->drop_type->if_exists)
                        .WithPos(statement->drop_type->name_pos));
    return Persist(*statement);
  }
  PlanOptions po;
  po.properties = options_.properties;
  po.now_ms = options_.now_ms ? options_.now_ms() : 0;
  ASSIGN_OR_RETURN(PlannedStatement planned, PlanStatement(statement, catalog_, po));
  statements_.push_back(statement);
  using K = PlannedStatement::Kind;
  switch (planned.kind) {
    case K::kNone: return Status::Ok();
    case K::kCreateSource:
      RETURN_IF_ERROR(options_.log->CreateTopic(planned.topic, planned.topic_partitions));
      RETURN_IF_ERROR(catalog_.AddSource(std::move(*planned.source), planned.or_replace));
      return Persist(*statement);
    case K::kPersistentQuery: {
      RETURN_IF_ERROR(options_.log->CreateTopic(planned.topic, planned.topic_partitions));
      if (planned.source) RETURN_IF_ERROR(catalog_.AddSource(std::move(*planned.source), planned.or_replace));
      catalog_.AddQuery(planned.query_def);
      RETURN_IF_ERROR(StartQuery(planned.query, false));
      return Persist(*statement);
    }
    case K::kTransientQuery: return StartQuery(planned.query, true);
    case K::kInsertValues:
      for (auto& r : planned.records) RETURN_IF_ERROR(writer_->Write(planned.topic, std::move(r)));
      return Persist(*statement);
    case K::kDrop: {
      const SourceDef* def = catalog_.FindSource(planned.drop_name);
      std::string query_id = def ? def->query_id : "";
      RETURN_IF_ERROR(catalog_.DropSource(planned.drop_name));
      // When resuming, only if the topic is empty (made again by the replayed statements): a
      // later statement may have made it anew and written to it.
      bool delete_topic = !planned.drop_topic.empty();
      for (int p = 0; delete_topic && replaying_ && p < options_.log->Partitions(planned.drop_topic); ++p)
        delete_topic = options_.log->EndOffset(planned.drop_topic, p) == 0;
      if (delete_topic) RETURN_IF_ERROR(options_.log->DeleteTopic(planned.drop_topic));
      if (!query_id.empty()) {
        for (auto it = queries_.begin(); it != queries_.end();) {
          if ((*it)->id == query_id) {
            (void)(*it)->topology->Close();
            it = queries_.erase(it);
          } else {
            ++it;
          }
        }
        for (auto it = groups_.begin(); it != groups_.end();) {
          if ((*it)->id == query_id) it = groups_.erase(it);
          else ++it;
        }
      }
      return Persist(*statement);
    }
  }
  return Status::Ok();
}

Status Engine::Follow(const std::string& name) {
  const SourceDef* def = catalog_.FindSource(name);
  if (!def) return Status::NotFound(fmt::format("--follow: no stream or table named {}", name));
  return ExecuteScript(fmt::format("SELECT * FROM `{}` EMIT CHANGES;", name));
}

Status Engine::StartQuery(std::shared_ptr<const QueryPlan> plan, bool transient) {
  if (!transient && !options_.group_prefix.empty()) return StartGroup(std::move(plan));
  auto q = std::make_unique<RunningQuery>();
  q->id = plan->query_id();
  last_started_query_ = q->id;
  q->transient = transient;
  q->plan = plan;
  ASSIGN_OR_RETURN(q->topology, plan->Build());
  if (transient) {
    auto cb = std::make_unique<CallbackOperator>(q->id, q->topology->output_schema, &row_callback_);
    q->topology->last->set_downstream(cb.get());
    q->topology->last = cb.get();
    q->topology->operators.push_back(std::move(cb));
  }
  q->ctx.state = db_;
  q->ctx.processing_log = &processing_log_;
  q->ctx.writer = writer_.get();
  q->ctx.query_id = q->id;
  RETURN_IF_ERROR(q->topology->Open(q->ctx));
  q->sink_topic = SinkTopic(*q->topology);
  ++queries_epoch_;
  // Persistent queries start from their committed offsets, else the earliest; transient ones
  // from the latest unless auto.offset.reset says otherwise.
  auto reset = options_.properties.find("auto.offset.reset");
  bool from_latest = transient && (reset == options_.properties.end() || reset->second != "earliest");
  for (SourceOperator* s : q->topology->sources) {
    if (std::find(q->topics.begin(), q->topics.end(), s->topic()) == q->topics.end()) q->topics.push_back(s->topic());
  }
  q->group = transient || options_.group_prefix.empty() ? "" : options_.group_prefix + q->id;
  q->reader = options_.log->NewReader(q->group);
  if (!q->reader) return Status::IoError(fmt::format("cannot read the inputs of {}", q->id));
  if (!transient && !options_.changelog_prefix.empty()) {
    for (const auto& name : db_->StoreNames())
      if (name.rfind(q->id + ".", 0) == 0) q->changelogged.push_back(name);
    RETURN_IF_ERROR(RestoreChangelogs(*q));
  }
  for (const auto& topic : q->topics) {
    int n = std::max(1, options_.log->Partitions(topic));
    for (int p = 0; p < n; ++p) {
      RunningQuery::Input in;
      in.topic = topic;
      in.partition = p;
      in.offset = from_latest ? options_.log->EndOffset(topic, p) : 0;
      if (!transient) {
        std::string v;
        ASSIGN_OR_RETURN(bool found, offsets_store_->Get(OffsetKey(q->id, topic, p), &v));
        if (found) in.offset = static_cast<int64_t>(FromBe64(v));
        // Over Kafka the group's committed offset wins when it is ahead: the outputs of that
        // commit are in Kafka, and so is the state they left (restored from the changelog).
        if (!q->group.empty()) in.offset = std::max(in.offset, q->reader->Committed(topic, p));
      }
      q->inputs.push_back(std::move(in));
    }
  }
  queries_.push_back(std::move(q));
  return Status::Ok();
}

Status Engine::StartGroup(std::shared_ptr<const QueryPlan> plan) {
  auto g = std::make_unique<QueryGroup>();
  g->id = plan->query_id();
  g->group = options_.group_prefix + g->id;
  g->plan = plan;
  ASSIGN_OR_RETURN(std::unique_ptr<Topology> probe, plan->Build());
  g->sink_topic = SinkTopic(*probe);
  ++queries_epoch_;
  std::vector<std::string> topics;
  for (SourceOperator* s : probe->sources) {
    if (std::find(topics.begin(), topics.end(), s->topic()) == topics.end()) topics.push_back(s->topic());
    g->partitions = std::max(g->partitions, options_.log->Partitions(s->topic()));
  }
  for (const auto& [topic, partitions] : SpliceRepartitions(*probe, options_.changelog_prefix + g->id, g->partitions, nullptr)) {
    RETURN_IF_ERROR(options_.log->CreateTopic(topic, partitions));
    topics.push_back(topic);
  }
  std::unique_ptr<LogReader> reader = options_.log->NewReader(g->group);
  if (!reader) return Status::IoError(fmt::format("cannot read the inputs of {}", g->id));
  RETURN_IF_ERROR(reader->Subscribe(topics));
  g->reader = std::move(reader);
  groups_.push_back(std::move(g));
  return Status::Ok();
}

Status Engine::StartTask(QueryGroup& g, int partition, const std::vector<std::string>& topics,
                         std::vector<std::pair<std::pair<std::string, int>, int64_t>>& offsets) {
  auto q = std::make_unique<RunningQuery>();
  q->id = g.id;
  q->task = partition;
  q->task_partitions = g.partitions;
  q->plan = g.plan;
  q->group = g.group;
  q->reader = g.reader;
  q->topics = topics;
  ASSIGN_OR_RETURN(q->topology, g.plan->Build());
  SpliceRepartitions(*q->topology, options_.changelog_prefix + g.id, g.partitions, &q->repartition_sources);

  q->ctx.state = db_;
  q->ctx.processing_log = &processing_log_;
  q->ctx.writer = writer_.get();
  q->ctx.query_id = q->id;
  q->ctx.store_suffix = "#" + std::to_string(partition);
  RETURN_IF_ERROR(q->topology->Open(q->ctx));
  q->sink_topic = SinkTopic(*q->topology);
  ++queries_epoch_;
  if (!options_.changelog_prefix.empty()) {
    for (const auto& name : q->ctx.opened_stores)
      if (std::find(q->changelogged.begin(), q->changelogged.end(), name) == q->changelogged.end())
        q->changelogged.push_back(name);
    RETURN_IF_ERROR(RestoreChangelogs(*q));
  }
  // Levels: how many re-keys a record has been through when it reaches an input (a repartition
  // topic written by plain inputs is level 1, one written from level 1 is level 2, ...). Inputs
  // that meet repartitioned records (whose path reaches an operator a repartition source also
  // feeds) are merging, at the level of what they meet.
  std::map<std::string, int> level;  // repartition topic -> level
  auto first_sink = [](const Operator* op) -> const RepartitionSinkOperator* {
    for (; op; op = op->downstream())
      if (const auto* sink = dynamic_cast<const RepartitionSinkOperator*>(op)) return sink;
    return nullptr;
  };
  for (const SourceOperator* src : q->topology->sources)
    if (const RepartitionSinkOperator* sink = first_sink(src)) level[sink->topic()] = 1;
  for (size_t round = 0; round < q->repartition_sources.size(); ++round)
    for (const RepartitionSourceOperator* src : q->repartition_sources)
      if (const RepartitionSinkOperator* sink = first_sink(src->downstream()))
        level[sink->topic()] = std::max(level[sink->topic()], level[src->topic()] + 1);
  std::map<const Operator*, int> after_repartition;  // operator -> the level of what reaches it
  for (const RepartitionSourceOperator* src : q->repartition_sources)
    for (const Operator* op = src->downstream(); op && !dynamic_cast<const RepartitionSinkOperator*>(op); op = op->downstream())
      after_repartition[op] = std::max(after_repartition[op], level[src->topic()]);
  std::map<std::string, int> merging;
  std::set<std::string> repartitioned;
  for (const RepartitionSourceOperator* src : q->repartition_sources) {
    repartitioned.insert(src->topic());
    q->levels = std::max(q->levels, level[src->topic()]);
  }
  for (const SourceOperator* src : q->topology->sources)
    for (const Operator* op = src; op && !dynamic_cast<const RepartitionSinkOperator*>(op); op = op->downstream())
      if (auto it = after_repartition.find(op); it != after_repartition.end())
        merging[src->topic()] = std::max(merging[src->topic()], it->second);
  for (const auto& topic : topics) {
    RunningQuery::Input in;
    in.topic = topic;
    in.partition = partition;
    if (repartitioned.count(topic)) {
      in.stage = RunningQuery::Input::Stage::kRepartition;
      in.level = level[topic];
    } else if (merging.count(topic)) {
      in.stage = RunningQuery::Input::Stage::kMerging;
      in.level = merging[topic];
    }
    std::string v;
    ASSIGN_OR_RETURN(bool found, offsets_store_->Get(OffsetKey(q->id, topic, partition), &v));
    if (found) in.offset = static_cast<int64_t>(FromBe64(v));
    in.offset = std::max(in.offset, q->reader->Committed(topic, partition));
    offsets.push_back({{topic, partition}, in.offset});
    q->inputs.push_back(std::move(in));
  }
  queries_.push_back(std::move(q));
  return Status::Ok();
}

Status Engine::ServeGroups() {
  RETURN_IF_ERROR(PollCommands());
  for (auto& gp : groups_) {
    QueryGroup& g = *gp;
    RETURN_IF_ERROR(g.reader->PollGroup());
    LogReader::Rebalance ev;
    while (g.reader->TakeRebalance(ev)) {
      if (!ev.assign) {
        // Hand the work over: commit what the tasks did, then stop them (their stores stay, to
        // be caught up from the changelogs should the partitions come back).
        RETURN_IF_ERROR(Commit());
        for (auto it = queries_.begin(); it != queries_.end();) {
          if ((*it)->task >= 0 && (*it)->id == g.id) {
            (void)(*it)->topology->Close();
            it = queries_.erase(it);
          } else {
            ++it;
          }
        }
        RETURN_IF_ERROR(g.reader->Unassign(ev.partitions));
        continue;
      }
      std::map<int, std::vector<std::string>> tasks;
      for (const auto& [topic, partition] : ev.partitions) tasks[partition].push_back(topic);
      std::vector<std::pair<std::pair<std::string, int>, int64_t>> offsets;
      std::string owned;
      for (const auto& [partition, topics] : tasks) {
        RETURN_IF_ERROR(StartTask(g, partition, topics, offsets));
        owned += (owned.empty() ? "" : ",") + std::to_string(partition);
      }
      RETURN_IF_ERROR(g.reader->Assign(offsets));
      std::fprintf(stderr, "eddy: %s: runs partitions [%s] of %d\n", g.id.c_str(), owned.c_str(), g.partitions);
    }
  }
  return Status::Ok();
}

bool Engine::MayMerge(RunningQuery& q, int64_t timestamp, int level) {
  using Stage = RunningQuery::Input::Stage;
  // No task of the query here may still hold an earlier record that could end up where this one
  // goes, at this record's level (re-keys so far) or before it: a record on its way into a
  // repartition topic waits for the tasks' earlier records on their way in (so that each
  // repartition partition gets its records in timestamp order); a record that meets re-keyed
  // records (a table's, or a re-keyed one itself) also waits for the earlier records of lower
  // levels still on their way (a query can re-key several times, each level feeding the next).
  // Records of its own level in other tasks matter too: what they become is re-keyed again, or
  // goes to a sink partitioned otherwise than the tasks (by the sink's key format).
  for (auto& t : queries_) {
    if (t->id != q.id) continue;
    for (auto& in : t->inputs) {
      if (in.stage == Stage::kMerging || in.level > level) continue;
      if (in.stage == Stage::kRepartition) {
        // Every record this instance wrote to the partition that is not later than this one has
        // been fetched (buffers are refilled once consumed: fetch what follows the buffered
        // records, which may wait behind this one).
        int64_t fetched = in.next < in.buffer.size() ? in.buffer.back().offset + 1 : in.offset;
        int64_t unfetched = options_.log->UnfetchedLow(in.topic, in.partition, fetched);
        if (unfetched <= timestamp && in.next < in.buffer.size()) {
          if (!t->reader->Read(in.topic, in.partition, fetched, 512, in.buffer).ok()) return false;
          unfetched = options_.log->UnfetchedLow(in.topic, in.partition, in.buffer.back().offset + 1);
        }
        if (unfetched <= timestamp) {
          in_flight_wait_ = true;
          return false;
        }
        if (in.next < in.buffer.size() && in.buffer[in.next].timestamp < timestamp) return false;
        continue;
      }
      if (in.next < in.buffer.size()) {
        if (in.buffer[in.next].timestamp < timestamp) return false;
      } else if (!t->reader->AtEnd(in.topic, in.partition, in.offset)) {
        return false;
      } else if (const size_t i = static_cast<size_t>(&in - t->inputs.data());
                 WrittenHere(*t, i) && InputLow(*t, i, q.id, 0) <= timestamp) {
        return false;  // a query here that writes the input is behind
      }
    }
  }
  return true;
}

bool Engine::WrittenHere(RunningQuery& t, size_t i) {
  RunningQuery::Input& in = t.inputs[i];
  if (in.written_epoch != queries_epoch_) {
    in.written_epoch = queries_epoch_;
    in.written_here = std::any_of(queries_.begin(), queries_.end(), [&](const auto& w) {
      return !w->transient && w->sink_topic == in.topic;
    }) || std::any_of(groups_.begin(), groups_.end(), [&](const auto& g) { return g->sink_topic == in.topic; });
  }
  return in.written_here;
}

int64_t Engine::InputLow(RunningQuery& t, size_t i, const std::string& reader, int depth) {
  RunningQuery::Input& in = t.inputs[i];
  if (in.next < in.buffer.size()) return in.buffer[in.next].timestamp;
  if (!t.reader->AtEnd(in.topic, in.partition, in.offset)) return INT64_MIN;  // can't tell yet
  // Records this process wrote to the partition that the reader has not fetched yet (over
  // Kafka: acknowledged but not fetched, or still on their way to the broker).
  int64_t low = INT64_MAX;
  if (options_.log->WrittenEnd(in.topic, in.partition, &low) > in.offset) return INT64_MIN;
  return std::min(low, WritersLow(in.topic, reader, depth + 1));
}

int64_t Engine::WritersLow(const std::string& topic, const std::string& reader, int depth) {
  // The queries running here that write `topic`: the earliest record any of their tasks still
  // holds, or may still fetch from an input (recursively: from the queries that write that).
  int64_t low = INT64_MAX;
  if (depth > 16) return low;  // a query feeding its own input: no alignment
  for (auto& g : groups_)  // over Kafka: a writer whose partitions are not assigned yet
    if (g->sink_topic == topic && g->id != reader && !g->reader->has_assignment()) return INT64_MIN;
  for (auto& t : queries_) {
    if (t->transient || t->sink_topic != topic || t->id == reader) continue;
    for (size_t i = 0; i < t->inputs.size(); ++i) {
      low = std::min(low, InputLow(*t, i, reader, depth));
      if (low == INT64_MIN) return low;
    }
  }
  return low;
}

Result<size_t> Engine::Step(RunningQuery& q, size_t budget) {
  size_t done = 0;
  // Over Kafka, a query that re-keys: its tasks take turns in timestamp order, so that each
  // repartition partition gets its records in timestamp order and what the query makes of them
  // (a join's or an aggregate's changes) comes out in timestamp order too, as downstream queries
  // expect.
  using Stage = RunningQuery::Input::Stage;
  const bool rekeys = q.task >= 0 && !q.repartition_sources.empty();
  // Per input: the earliest timestamp a query running here may still write to it (computed once
  // an input runs dry; nothing upstream moves while this task runs).
  std::vector<int64_t>& upstream = upstream_low_;
  upstream.assign(q.inputs.size(), kUnknownLow);
  while (done < budget) {
    // Refill empty buffers, then take the waiting record with the smallest timestamp.
    // A partition with nothing buffered that is not known to be at its end may still hold an
    // earlier record (over Kafka, one not fetched yet): wait for it rather than guess.
    RunningQuery::Input* best = nullptr;
    RunningQuery::Input* best_plain = nullptr;  // of the inputs a re-keying query re-keys
    bool waiting = false, waiting_plain = false;
    for (auto& in : q.inputs) {
      if (in.next >= in.buffer.size()) {
        in.buffer.clear();
        in.next = 0;
        RETURN_IF_ERROR(q.reader->Read(in.topic, in.partition, in.offset, 512, in.buffer));
        if (in.buffer.empty() && !q.reader->AtEnd(in.topic, in.partition, in.offset)) {
          waiting = true;
          waiting_plain = waiting_plain || in.stage == Stage::kPlain;
        }
      }
      if (in.next >= in.buffer.size()) continue;
      const int64_t t = in.buffer[in.next].timestamp;
      if (!best || t < best->buffer[best->next].timestamp) best = &in;
      if (rekeys && in.stage == Stage::kPlain && (!best_plain || t < best_plain->buffer[best_plain->next].timestamp))
        best_plain = &in;
    }
    // A task of a query that re-keys takes its turn in timestamp order across the query's tasks
    // (see MayMerge): its records go through repartition topics to other tasks, which must see
    // them in order.
    bool take = best && !waiting &&
                (!(best->stage == Stage::kMerging || rekeys) ||
                 MayMerge(q, best->buffer[best->next].timestamp, best->level));
    // An input of another topic that has run dry but is written by queries here that are behind
    // (a table another query keeps): wait for them, so that this record meets what their
    // earlier inputs make of the table, whatever order the queries run in. (A record on its way
    // into a repartition topic meets nothing yet.)
    if (take && !(rekeys && best->stage == Stage::kPlain)) {
      const int64_t ts = best->buffer[best->next].timestamp;
      for (size_t i = 0; i < q.inputs.size() && take; ++i) {
        RunningQuery::Input& in = q.inputs[i];
        if (in.next < in.buffer.size() || in.topic == best->topic || in.stage == Stage::kRepartition) continue;
        if (upstream[i] == kUnknownLow) upstream[i] = InputLow(q, i, q.id, 0);
        take = upstream[i] > ts;
      }
    }
    // While the earliest record waits (for re-keyed records on their way back, say), a later one
    // on its way into a repartition topic can go: it meets nothing before it comes back.
    if (!take && best_plain && best_plain != best && !waiting_plain &&
        MayMerge(q, best_plain->buffer[best_plain->next].timestamp, 0)) {
      best = best_plain;
      take = true;
    }
    if (!take) {
      // Over Kafka, a partition with nothing fetched that is not at its end has records on their
      // way from the broker: not idle (RunUntilIdle hurries on rather than commit and sleep).
      if (waiting && q.task >= 0) in_flight_wait_ = true;
      break;
    }
    const int64_t ts = best->buffer[best->next].timestamp;

    const RawRecord& r = best->buffer[best->next++];
    best->offset = r.offset + 1;
    // A query that reads one topic twice (a self-join) feeds every source of it.
    for (SourceOperator* s : q.topology->sources)
      if (s->topic() == best->topic) RETURN_IF_ERROR(s->Ingest(r));
    for (RepartitionSourceOperator* s : q.repartition_sources)
      if (s->topic() == best->topic) RETURN_IF_ERROR(s->Ingest(r));
    ++done;
  }
  return done;
}

Status Engine::RunUntilIdle(const std::atomic<bool>* stop) {
  bool progress = true;
  while (progress) {
    progress = false;
    RETURN_IF_ERROR(ServeGroups());
    // The tasks of one query (next to each other) take turns until none of them can go on, up
    // to a budget, before the next query's: tasks that take turns in timestamp order may each
    // go only a record or two at a time.
    for (size_t i = 0; i < queries_.size();) {
      size_t end = i + 1;
      while (end < queries_.size() && queries_[i]->task >= 0 && queries_[end]->id == queries_[i]->id) ++end;
      size_t done = 0;
      bool again = true;
      while (again && done < 16384) {
        again = false;
        for (size_t k = i; k < end && k < queries_.size(); ++k) {
          if (stop && stop->load()) return Commit();
          ASSIGN_OR_RETURN(size_t n, Step(*queries_[k], 1024));
          if (n > 0) progress = again = true;
          done += n;
          since_commit_ += n;
          if (n > 0) dirty_ = true;
          if (since_commit_ >= options_.commit_every) {
            RETURN_IF_ERROR(Commit());  // (after a rewind the tasks are new: go on with the next round)
            again = false;
            break;
          }
        }
        if (end - i == 1) break;
      }
      i = end;
    }
    // A task waiting for its own records to come back through a repartition topic: not idle.
    // Hurry the writes on (up to a millisecond) and go on, rather than commit and sleep.
    if (progress) {
      in_flight_spins_ = 0;
    } else if (in_flight_wait_ && in_flight_spins_ < 1000) {
      ++in_flight_spins_;
      options_.log->Hurry(1);
      progress = true;
    }
    in_flight_wait_ = false;
  }
  in_flight_spins_ = 0;
  return Commit();
}

Status Engine::Commit() {
  // Over Kafka an idle engine commits every few milliseconds: with nothing new, nothing to write.
  if (!options_.group_prefix.empty() && !dirty_) return db_->Commit();
  if (!options_.group_prefix.empty()) {
    // Kafka: the state changes go to their changelogs, then outputs, changelogs and input
    // offsets are committed (one transaction with exactly_once_v2), then the StateDb with the
    // changelog offsets it now matches.
    std::vector<std::pair<std::string, int>> written;
    for (auto& q : queries_) {
      if (q->transient) continue;
      for (const auto& store : q->changelogged) {
        std::string topic = ChangelogTopic(store);
        int partition = std::max(0, q->task);
        bool any = false;
        RETURN_IF_ERROR(db_->ForEachPending(store, [&](std::string_view k, const std::string_view* v) {
          RawRecord r;
          r.key.emplace(k);
          if (v) r.value.emplace(*v);
          r.partition = partition;
          any = true;
          return options_.log->Append(topic, r);
        }));
        if (any) written.emplace_back(topic, partition);
      }
    }
    std::vector<GroupOffsets> groups;
    std::map<std::string, size_t> group_index;  // a group's tasks commit as one
    for (auto& q : queries_) {
      if (q->transient || q->group.empty()) continue;
      auto [it, added] = group_index.try_emplace(q->group, groups.size());
      if (added) {
        groups.emplace_back();
        groups.back().group = q->group;
        groups.back().reader = q->reader.get();
      }
      GroupOffsets& g = groups[it->second];
      for (const auto& in : q->inputs) g.offsets.push_back({{in.topic, in.partition}, in.offset});
    }
    RETURN_IF_ERROR(options_.log->CommitOutputs(groups));
    if (options_.log->TakeAborted()) return Rewind();
    PurgeRepartitionTopics();
    for (const auto& [topic, partition] : written)
      RETURN_IF_ERROR(offsets_store_->Put(OffsetKey("changelog", topic, partition),
                                          Be64(static_cast<uint64_t>(options_.log->EndOffset(topic, partition)))));
  }
  for (auto& q : queries_) {
    if (q->transient) continue;
    for (const auto& in : q->inputs) {
      RETURN_IF_ERROR(offsets_store_->Put(OffsetKey(q->id, in.topic, in.partition),
                                          Be64(static_cast<uint64_t>(in.offset))));
    }
  }
  since_commit_ = 0;
  dirty_ = false;
  committed_statements_ = next_statement_;
  return db_->Commit();
}

Status Engine::Rewind() {
  // A statement persisted since the last commit went with it: the catalog cannot go back.
  if (next_statement_ != committed_statements_)
    return Status::IoError("Kafka: the commit of a statement was aborted; restart eddy to resume");
  std::map<QueryGroup*, std::map<int, std::vector<std::string>>> tasks;  // group -> partition -> topics
  for (auto it = queries_.begin(); it != queries_.end();) {
    RunningQuery& q = **it;
    QueryGroup* g = nullptr;
    for (auto& gp : groups_)
      if (!q.transient && q.task >= 0 && gp->id == q.id) g = gp.get();
    if (!g) {
      ++it;
      continue;
    }
    tasks[g][q.task] = q.topics;
    (void)q.topology->Close();
    it = queries_.erase(it);
  }
  db_->Discard();
  since_commit_ = 0;
  dirty_ = false;
  for (auto& [g, parts] : tasks) {
    std::vector<std::pair<std::pair<std::string, int>, int64_t>> offsets;
    for (const auto& [partition, topics] : parts) RETURN_IF_ERROR(StartTask(*g, partition, topics, offsets));
    RETURN_IF_ERROR(g->reader->Assign(offsets));
    std::fprintf(stderr, "eddy: %s: %zu tasks restarted from the last commit\n", g->id.c_str(), parts.size());
  }
  return Status::Ok();
}

void Engine::PurgeRepartitionTopics() {
  // As Kafka Streams does: records of an internal repartition topic that its tasks here have
  // consumed and committed are deleted (every repartition.purge.interval.ms, 30 s by default).
  auto now = std::chrono::steady_clock::now();
  if (now < next_purge_) return;
  int64_t interval_ms = 30000;
  for (const char* key : {"repartition.purge.interval.ms", "ksql.streams.repartition.purge.interval.ms"}) {
    auto it = options_.properties.find(key);
    if (it != options_.properties.end()) interval_ms = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  next_purge_ = now + std::chrono::milliseconds(std::max<int64_t>(0, interval_ms));
  std::vector<std::pair<std::pair<std::string, int>, int64_t>> before;
  for (const auto& q : queries_) {
    if (q->transient) continue;
    for (const auto& in : q->inputs)
      if (in.stage == RunningQuery::Input::Stage::kRepartition && in.offset > 0)
        before.push_back({{in.topic, in.partition}, in.offset});
  }
  if (!before.empty()) options_.log->PurgeBefore(before);
}

bool Engine::CaughtUp() {
  for (auto& g : groups_)
    if (!g->reader->has_assignment()) return false;
  for (auto& q : queries_) {
    for (auto& in : q->inputs) {
      if (in.next < in.buffer.size() || !q->reader->AtEnd(in.topic, in.partition, in.offset)) return false;
    }
    // A repartition topic this engine has just written to may not have been fetched yet: its
    // reader's end is behind what the producer wrote.
    for (const RepartitionSourceOperator* s : q->repartition_sources)
      for (auto& in : q->inputs)
        if (in.topic == s->topic() && in.offset < options_.log->EndOffset(in.topic, in.partition)) return false;
  }
  return true;
}

std::string Engine::ChangelogTopic(const std::string& store) const {
  // "<query id>.<store>" -> "<prefix><query id>-<store>-changelog", in a topic name's letters.
  std::string name = store.substr(0, store.find('#'));  // a task's stores share the topic
  size_t dot = name.find('.');
  if (dot != std::string::npos) name[dot] = '-';
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  return options_.changelog_prefix + name + "-changelog";
}

Status Engine::RestoreChangelogs(RunningQuery& q) {
  if (q.changelogged.empty()) return Status::Ok();
  // Commit what is pending first: what the restore writes goes straight to the StateDb.
  RETURN_IF_ERROR(Commit());
  std::unique_ptr<LogReader> reader = options_.log->NewReader("");
  if (!reader) return Status::IoError("cannot read the changelog topics");
  const int partition = std::max(0, q.task);
  for (const auto& store : q.changelogged) {
    std::string topic = ChangelogTopic(store);
    RETURN_IF_ERROR(options_.log->CreateCompactedTopic(topic, q.task_partitions));
    std::string v;
    int64_t offset = 0;
    ASSIGN_OR_RETURN(bool found, offsets_store_->Get(OffsetKey("changelog", topic, partition), &v));
    if (found) offset = static_cast<int64_t>(FromBe64(v));
    ASSIGN_OR_RETURN(KvStore * kv, db_->Store(store));
    size_t restored = 0;
    const int64_t end = options_.log->EndOffset(topic, partition);
    if (end > offset) q.to_restore += static_cast<uint64_t>(end - offset);
    q.restoring = true;
    std::vector<RawRecord> batch;
    for (;;) {
      batch.clear();
      RETURN_IF_ERROR(reader->Read(topic, partition, offset, 4096, batch));
      for (const auto& r : batch) {
        if (!r.key) continue;
        if (r.value) RETURN_IF_ERROR(kv->Put(*r.key, *r.value));
        else RETURN_IF_ERROR(kv->Delete(*r.key));
        offset = r.offset + 1;
        ++restored;
      }
      q.restored += batch.size();
      if (batch.empty()) {
        if (reader->AtEnd(topic, partition, offset)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    if (restored > 0)
      std::fprintf(stderr, "eddy: %s: restored %zu changes of %s from %s\n", q.id.c_str(), restored, store.c_str(), topic.c_str());
    RETURN_IF_ERROR(offsets_store_->Put(OffsetKey("changelog", topic, partition), Be64(static_cast<uint64_t>(offset))));
  }
  q.restoring = false;
  return db_->Commit();
}

std::optional<Engine::QueryStats> Engine::Stats(const std::string& query_id) const {
  // Over Kafka: the sum over the tasks this instance runs.
  bool found = false;
  QueryStats s;
  for (const auto& q : queries_) {
    if (q->id != query_id) continue;
    found = true;
    for (const SourceOperator* src : q->topology->sources) {
      s.records_in += src->records_out();
      s.stream_time = std::max(s.stream_time, src->max_timestamp_out());
    }
    s.records_out += q->topology->last ? q->topology->last->records_out() : 0;
    s.restored += q->restored;
    s.to_restore += q->to_restore;
    s.restoring = s.restoring || q->restoring;
    if (q->transient) continue;
    for (const auto& in : q->inputs) {
      // Everything handed out processed and the reader at the partition's end: no lag (over
      // Kafka the end counts transaction markers, which no record stands for).
      if (in.next >= in.buffer.size() && q->reader->AtEnd(in.topic, in.partition, in.offset)) {
        s.lag = std::max<int64_t>(s.lag, 0);
        continue;
      }
      const int64_t end = q->reader->EndOffset(in.topic, in.partition);
      if (end < 0) continue;
      s.lag = std::max<int64_t>(s.lag, 0) + std::max<int64_t>(0, end - in.offset);
    }
  }
  for (const auto& g : groups_) found = found || g->id == query_id;
  if (!found) return std::nullopt;
  return s;
}

const Schema* Engine::OutputSchema(const std::string& query_id) const {
  for (const auto& q : queries_)
    if (q->id == query_id) return &q->topology->output_schema;
  return nullptr;
}

std::string Engine::Explain(const std::string& query_id, const std::string& format) const {
  for (const auto& q : queries_) {
    if (q->id != query_id) continue;
    if (format == "dot") return q->topology->ToDot();
    if (format == "mermaid") return q->topology->ToMermaid();
    return q->topology->Explain();
  }
  for (const auto& g : groups_) {
    if (g->id != query_id) continue;
    // No task of the query runs here: the plan as built.
    Result<std::unique_ptr<Topology>> t = g->plan->Build();
    if (!t.ok()) return "";
    if (format == "dot") return t.value()->ToDot();
    if (format == "mermaid") return t.value()->ToMermaid();
    return t.value()->Explain();
  }
  return "";
}

// Pull queries: a SELECT without EMIT CHANGES answered from a table's current rows.
Status Engine::Pull(std::shared_ptr<const dsl::Statement> statement) {
  if (statement->kind != dsl::Statement::Kind::kSelect) return Status::Invalid("a pull query is a SELECT");
  PlanOptions po;
  po.properties = options_.properties;
  po.now_ms = options_.now_ms ? options_.now_ms() : 0;
  ASSIGN_OR_RETURN(PlannedStatement planned, PlanStatement(statement, catalog_, po));
  if (planned.kind != PlannedStatement::Kind::kTransientQuery) return Status::Invalid("a pull query is a SELECT");
  statements_.push_back(statement);

  // A table written by a running query: that query's sink keeps the table's rows.
  const dsl::Query& query = statement->select->query;
  std::string materializing;
  if (query.joins.empty()) {
    const SourceDef* def = catalog_.FindSource(query.from.name);
    if (def && def->is_table && !def->query_id.empty()) {
      for (const auto& q : queries_)
        if (!q->transient && q->id == def->query_id) materializing = q->id;
      for (const auto& g : groups_)
        if (g->id == def->query_id) materializing = g->id;
    }
  }

  RETURN_IF_ERROR(StartQuery(planned.query, /*transient=*/true));
  std::unique_ptr<RunningQuery> q = std::move(queries_.back());
  queries_.pop_back();
  Status status = Status::Ok();
  if (!materializing.empty()) {
    // Over Kafka each task keeps the rows of its partition ("<store>#<partition>").
    std::string base = materializing + "." + kMaterializedStore;
    // Only the partitions this instance runs now: another's rows may have changed since.
    std::vector<std::string> names;
    for (const auto& running : queries_)
      if (running->id == materializing)
        names.push_back(running->task < 0 ? base : base + "#" + std::to_string(running->task));
    for (const auto& name : names) {
      if (!status.ok()) break;
      ASSIGN_OR_RETURN(KvStore * rows, db_->Store(name));
      RETURN_IF_ERROR(rows->Scan([&](std::string_view key, std::string_view value) {
        Result<RawRecord> raw = MaterializedRecord(key, value);
        if (!raw.ok()) {
          status = raw.status();
          return false;
        }
        for (SourceOperator* s : q->topology->sources) {
          status = s->Ingest(raw.value());
          if (!status.ok()) return false;
        }
        return true;
      }));
    }
  } else {
    // Anything else is read from its topics from the beginning.
    for (auto& in : q->inputs) in.offset = 0;
    while (status.ok()) {
      Result<size_t> n = Step(*q, 4096);
      if (!n.ok()) status = n.status();
      else if (n.value() == 0) break;
    }
  }
  Status closed = q->topology->Close();
  return status.ok() ? closed : status;
}

}  // namespace eddy
