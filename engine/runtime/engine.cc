#include "engine/runtime/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

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
  std::shared_ptr<const QueryPlan> plan;
  std::unique_ptr<StateDb> state;
  std::unique_ptr<Topology> topology;
  OperatorContext ctx;
  std::vector<std::string> topics;  // each input topic once
  // Next offset to read per (topic, partition).
  std::map<std::pair<std::string, int>, int64_t> offsets;
};

Engine::Engine(EngineOptions options) : options_(std::move(options)), writer_(std::make_unique<LogWriter>(this)) {}

Engine::~Engine() {
  for (auto& q : queries_) (void)q->topology->Close();
}

int Engine::PartitionFor(const std::string& topic, const RawRecord& record) const {
  if (options_.single_partition) return 0;
  int n = options_.log->Partitions(topic);
  if (n <= 1 || !record.key) return 0;
  return KafkaPartition(*record.key, n);
}

Status Engine::ExecuteScript(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<dsl::Statement> statements, dsl::ParseStatements(text));
  for (auto& st : statements) {
    SourcePos pos = st.pos;
    RETURN_IF_ERROR(Execute(std::make_shared<const dsl::Statement>(std::move(st))).WithPos(pos));
  }
  return Status::Ok();
}

Status Engine::Execute(std::shared_ptr<const dsl::Statement> statement) {
  if (statement->kind == dsl::Statement::Kind::kSet) {
    const dsl::SetProperty& s = *statement->set;
    if (s.unset) options_.properties.erase(s.name);
    else options_.properties[s.name] = s.value;
    return Status::Ok();
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
      return catalog_.AddSource(std::move(*planned.source), planned.or_replace);
    case K::kPersistentQuery: {
      RETURN_IF_ERROR(options_.log->CreateTopic(planned.topic, planned.topic_partitions));
      if (planned.source) RETURN_IF_ERROR(catalog_.AddSource(std::move(*planned.source), planned.or_replace));
      catalog_.AddQuery(planned.query_def);
      return StartQuery(planned.query, false);
    }
    case K::kTransientQuery: return StartQuery(planned.query, true);
    case K::kInsertValues:
      for (auto& r : planned.records) RETURN_IF_ERROR(writer_->Write(planned.topic, std::move(r)));
      return Status::Ok();
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
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status Engine::StartQuery(std::shared_ptr<const QueryPlan> plan, bool transient) {
  auto q = std::make_unique<RunningQuery>();
  q->id = plan->query_id();
  q->plan = plan;
  ASSIGN_OR_RETURN(q->topology, plan->Build());
  StateDbOptions so;
  so.in_memory = options_.in_memory_state;
  std::string path = options_.in_memory_state ? "/eddy-state/" + q->id : options_.state_dir + "/state/" + q->id;
  if (!options_.in_memory_state) std::filesystem::create_directories(path);
  ASSIGN_OR_RETURN(q->state, StateDb::Open(path, so));
  if (transient) {
    auto cb = std::make_unique<CallbackOperator>(q->id, q->topology->output_schema, &row_callback_);
    q->topology->last->set_downstream(cb.get());
    q->topology->last = cb.get();
    q->topology->operators.push_back(std::move(cb));
  }
  q->ctx.state = q->state.get();
  q->ctx.processing_log = &processing_log_;
  q->ctx.writer = writer_.get();
  q->ctx.query_id = q->id;
  RETURN_IF_ERROR(q->topology->Open(q->ctx));
  // Persistent queries start from the earliest offset; transient ones from the latest unless
  // auto.offset.reset says otherwise.
  auto reset = options_.properties.find("auto.offset.reset");
  bool from_latest = transient && (reset == options_.properties.end() || reset->second != "earliest");
  for (SourceOperator* s : q->topology->sources) {
    if (std::find(q->topics.begin(), q->topics.end(), s->topic()) == q->topics.end()) q->topics.push_back(s->topic());
  }
  for (const auto& topic : q->topics) {
    int n = std::max(1, options_.log->Partitions(topic));
    for (int p = 0; p < n; ++p) q->offsets[{topic, p}] = from_latest ? options_.log->EndOffset(topic, p) : 0;
  }
  queries_.push_back(std::move(q));
  return Status::Ok();
}

Status Engine::RunUntilIdle() {
  std::vector<RawRecord> batch;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& q : queries_) {
      for (const auto& topic : q->topics) {
        int n = std::max(1, options_.log->Partitions(topic));
        for (int p = 0; p < n; ++p) {
          int64_t& offset = q->offsets[{topic, p}];
          while (offset < options_.log->EndOffset(topic, p)) {
            batch.clear();
            RETURN_IF_ERROR(options_.log->Read(topic, p, offset, 1024, batch));
            if (batch.empty()) break;
            for (const auto& r : batch) {
              // A query that reads one topic twice (a self-join) feeds every source of it.
              for (SourceOperator* t : q->topology->sources)
                if (t->topic() == topic) RETURN_IF_ERROR(t->Ingest(r));
              offset = r.offset + 1;
            }
            progress = true;
          }
        }
      }
    }
  }
  for (auto& q : queries_) RETURN_IF_ERROR(q->state->Commit());
  return Status::Ok();
}

std::string Engine::Explain(const std::string& query_id) const {
  for (const auto& q : queries_)
    if (q->id == query_id) return q->topology->Explain();
  return "";
}

}  // namespace eddy
