#include "engine/runtime/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>

#include "dsl/parser.h"
#include "operators/operator.h"
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

struct Engine::RunningQuery {
  std::string id;
  bool transient = false;
  std::shared_ptr<const QueryPlan> plan;
  std::unique_ptr<Topology> topology;
  OperatorContext ctx;
  std::vector<std::string> topics;  // each input topic once
  std::unique_ptr<LogReader> reader;
  std::string group;                        // the consumer group (Kafka)
  std::vector<std::string> changelogged;    // stores backed by a changelog topic (Kafka)
  // Next offset to read per (topic, partition), and records read ahead but not yet processed.
  struct Input {
    std::string topic;
    int partition = 0;
    int64_t offset = 0;
    std::vector<RawRecord> buffer;
    size_t next = 0;
  };
  std::vector<Input> inputs;
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
  return Seed(texts);
}

Status Engine::Seed(const std::vector<std::string>& texts) {
  replaying_ = true;
  for (const auto& text : texts) {
    done_[text]++;
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text);
    if (!parsed.ok()) {
      replaying_ = false;
      return Status::Internal("the state directory holds a statement that no longer parses: " + text);
    }
    for (auto& st : parsed.value()) {
      if (st.kind == dsl::Statement::Kind::kInsertValues) continue;
      Status s = Execute(std::make_shared<const dsl::Statement>(std::move(st)));
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
  return statements_store_->Put(Be64(static_cast<uint64_t>(next_statement_++)), st.text);
}

Status Engine::ExecuteScript(std::string_view text, bool skip_done) {
  ASSIGN_OR_RETURN(std::vector<dsl::Statement> statements, dsl::ParseStatements(text));
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
        for (auto it = queries_.begin(); it != queries_.end(); ++it) {
          if ((*it)->id == query_id) {
            (void)(*it)->topology->Close();
            queries_.erase(it);
            break;
          }
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
  auto q = std::make_unique<RunningQuery>();
  q->id = plan->query_id();
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

Result<size_t> Engine::Step(RunningQuery& q, size_t budget) {
  size_t done = 0;
  while (done < budget) {
    // Refill empty buffers, then take the waiting record with the smallest timestamp.
    // A partition with nothing buffered that is not known to be at its end may still hold an
    // earlier record (over Kafka, one not fetched yet): wait for it rather than guess.
    RunningQuery::Input* best = nullptr;
    bool waiting = false;
    for (auto& in : q.inputs) {
      if (in.next >= in.buffer.size()) {
        in.buffer.clear();
        in.next = 0;
        RETURN_IF_ERROR(q.reader->Read(in.topic, in.partition, in.offset, 512, in.buffer));
        if (in.buffer.empty() && !q.reader->AtEnd(in.topic, in.partition, in.offset)) waiting = true;
      }
      if (in.next < in.buffer.size() &&
          (!best || in.buffer[in.next].timestamp < best->buffer[best->next].timestamp))
        best = &in;
    }
    if (!best || waiting) break;
    const RawRecord& r = best->buffer[best->next++];
    best->offset = r.offset + 1;
    // A query that reads one topic twice (a self-join) feeds every source of it.
    for (SourceOperator* s : q.topology->sources)
      if (s->topic() == best->topic) RETURN_IF_ERROR(s->Ingest(r));
    ++done;
  }
  return done;
}

Status Engine::RunUntilIdle(const std::atomic<bool>* stop) {
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t i = 0; i < queries_.size(); ++i) {
      if (stop && stop->load()) return Commit();
      ASSIGN_OR_RETURN(size_t n, Step(*queries_[i], 1024));
      if (n > 0) progress = true;
      since_commit_ += n;
      if (n > 0) dirty_ = true;
      if (since_commit_ >= options_.commit_every) RETURN_IF_ERROR(Commit());
    }
  }
  return Commit();
}

Status Engine::Commit() {
  // Over Kafka an idle engine commits every few milliseconds: with nothing new, nothing to write.
  if (!options_.group_prefix.empty() && !dirty_) return db_->Commit();
  if (!options_.group_prefix.empty()) {
    // Kafka: the state changes go to their changelogs, then outputs, changelogs and input
    // offsets are committed (one transaction with exactly_once_v2), then the StateDb with the
    // changelog offsets it now matches.
    std::vector<std::string> written;
    for (auto& q : queries_) {
      if (q->transient) continue;
      for (const auto& store : q->changelogged) {
        std::string topic = ChangelogTopic(store);
        bool any = false;
        RETURN_IF_ERROR(db_->ForEachPending(store, [&](std::string_view k, const std::string_view* v) {
          RawRecord r;
          r.key.emplace(k);
          if (v) r.value.emplace(*v);
          r.partition = 0;
          any = true;
          return options_.log->Append(topic, r);
        }));
        if (any) written.push_back(topic);
      }
    }
    std::vector<GroupOffsets> groups;
    for (auto& q : queries_) {
      if (q->transient || q->group.empty()) continue;
      GroupOffsets g;
      g.group = q->group;
      g.reader = q->reader.get();
      for (const auto& in : q->inputs) g.offsets.push_back({{in.topic, in.partition}, in.offset});
      groups.push_back(std::move(g));
    }
    RETURN_IF_ERROR(options_.log->CommitOutputs(groups));
    for (const auto& topic : written)
      RETURN_IF_ERROR(offsets_store_->Put(OffsetKey("changelog", topic, 0), Be64(static_cast<uint64_t>(options_.log->EndOffset(topic, 0)))));
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
  return db_->Commit();
}

bool Engine::CaughtUp() {
  for (auto& q : queries_) {
    for (auto& in : q->inputs) {
      if (in.next < in.buffer.size() || !q->reader->AtEnd(in.topic, in.partition, in.offset)) return false;
    }
  }
  return true;
}

std::string Engine::ChangelogTopic(const std::string& store) const {
  // "<query id>.<store>" -> "<prefix><query id>-<store>-changelog", in a topic name's letters.
  std::string name = store;
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
  for (const auto& store : q.changelogged) {
    std::string topic = ChangelogTopic(store);
    RETURN_IF_ERROR(options_.log->CreateCompactedTopic(topic, 1));
    std::string v;
    int64_t offset = 0;
    ASSIGN_OR_RETURN(bool found, offsets_store_->Get(OffsetKey("changelog", topic, 0), &v));
    if (found) offset = static_cast<int64_t>(FromBe64(v));
    ASSIGN_OR_RETURN(KvStore * kv, db_->Store(store));
    size_t restored = 0;
    std::vector<RawRecord> batch;
    for (;;) {
      batch.clear();
      RETURN_IF_ERROR(reader->Read(topic, 0, offset, 4096, batch));
      for (const auto& r : batch) {
        if (!r.key) continue;
        if (r.value) RETURN_IF_ERROR(kv->Put(*r.key, *r.value));
        else RETURN_IF_ERROR(kv->Delete(*r.key));
        offset = r.offset + 1;
        ++restored;
      }
      if (batch.empty()) {
        if (reader->AtEnd(topic, 0, offset)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    if (restored > 0)
      std::fprintf(stderr, "eddy: %s: restored %zu changes of %s from %s\n", q.id.c_str(), restored, store.c_str(), topic.c_str());
    RETURN_IF_ERROR(offsets_store_->Put(OffsetKey("changelog", topic, 0), Be64(static_cast<uint64_t>(offset))));
  }
  return db_->Commit();
}

std::optional<Engine::QueryStats> Engine::Stats(const std::string& query_id) const {
  for (const auto& q : queries_) {
    if (q->id != query_id) continue;
    QueryStats s;
    for (const SourceOperator* src : q->topology->sources) {
      s.records_in += src->records_out();
      s.stream_time = std::max(s.stream_time, src->max_timestamp_out());
    }
    s.records_out = q->topology->last ? q->topology->last->records_out() : 0;
    return s;
  }
  return std::nullopt;
}

std::string Engine::Explain(const std::string& query_id, const std::string& format) const {
  for (const auto& q : queries_) {
    if (q->id != query_id) continue;
    if (format == "dot") return q->topology->ToDot();
    if (format == "mermaid") return q->topology->ToMermaid();
    return q->topology->Explain();
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
    if (def && def->is_table && !def->query_id.empty())
      for (const auto& q : queries_)
        if (!q->transient && q->id == def->query_id) materializing = q->id;
  }

  RETURN_IF_ERROR(StartQuery(planned.query, /*transient=*/true));
  std::unique_ptr<RunningQuery> q = std::move(queries_.back());
  queries_.pop_back();
  Status status = Status::Ok();
  if (!materializing.empty()) {
    ASSIGN_OR_RETURN(KvStore* rows, db_->Store(materializing + "." + kMaterializedStore));
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
