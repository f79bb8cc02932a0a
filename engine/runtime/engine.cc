#include "engine/runtime/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "dsl/parser.h"
#include "operators/operator.h"

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
    RunningQuery::Input* best = nullptr;
    for (auto& in : q.inputs) {
      if (in.next >= in.buffer.size()) {
        in.buffer.clear();
        in.next = 0;
        if (in.offset < options_.log->EndOffset(in.topic, in.partition))
          RETURN_IF_ERROR(options_.log->Read(in.topic, in.partition, in.offset, 512, in.buffer));
      }
      if (in.next < in.buffer.size() &&
          (!best || in.buffer[in.next].timestamp < best->buffer[best->next].timestamp))
        best = &in;
    }
    if (!best) break;
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
      if (since_commit_ >= options_.commit_every) RETURN_IF_ERROR(Commit());
    }
  }
  return Commit();
}

Status Engine::Commit() {
  for (auto& q : queries_) {
    if (q->transient) continue;
    for (const auto& in : q->inputs) {
      RETURN_IF_ERROR(offsets_store_->Put(OffsetKey(q->id, in.topic, in.partition),
                                          Be64(static_cast<uint64_t>(in.offset))));
    }
  }
  since_commit_ = 0;
  return db_->Commit();
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

}  // namespace eddy
