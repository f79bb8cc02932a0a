#include "engine/server/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <deque>
#include <regex>

#include "dsl/parser.h"
#include "engine/common/json.h"
#include "engine/function/text_codec.h"
#include "engine/io/format.h"
#include "engine/io/json_format.h"
#include "engine/runtime/introspect.h"

namespace eddy {
namespace {

// ksqlDB's error codes (Errors.java): HTTP status * 100, plus a detail.
constexpr int kBadRequest = 40000, kBadStatement = 40001, kQueryEndpoint = 40002, kTooManyPushQueries = 40003,
              kUnauthorized = 40100, kNotFound = 40400, kServerError = 50000, kShuttingDown = 50300;

// ksqlDB's REST API level that eddy follows (clients compare it with their own).
constexpr const char* kApiVersion = "0.29.0";

JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }
JsonValue Int(int64_t v) { return JsonValue::Integer(v); }
JsonValue Obj(std::vector<JsonMember> m) { return JsonValue::Object(std::move(m)); }
JsonValue Arr(std::vector<JsonValue> items = {}) { return JsonValue::Array(std::move(items)); }

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void SendJson(HttpResponse& resp, int status, const JsonValue& v) { resp.Send(status, "application/json", WriteJson(v)); }
void SendError(HttpResponse& resp, int status, int code, std::string_view message) {
  resp.Send(status, "application/json", HttpServer::ErrorJson(code, message));
}

// "EMIT CHANGES" in a query's text: a push query (checked before it is parsed, to refuse one
// over the limit without starting it).
const std::regex& EmitChanges() {
  static const std::regex re("\\bEMIT\\s+CHANGES\\b", std::regex::icase);
  return re;
}

// The pseudo-columns ROWPARTITION and ROWOFFSET that `e` reads, added to `out` as "`A`, `B`".
void PseudoColumns(const dsl::Expr& e, std::string& out) {
  if (e.kind == dsl::ExprKind::kColumnRef) {
    std::string name = e.name;
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if ((name == "ROWPARTITION" || name == "ROWOFFSET") && out.find("`" + name + "`") == std::string::npos)
      out += (out.empty() ? "`" : ", `") + name + "`";
  }
  for (const auto& c : e.children)
    if (c) PseudoColumns(*c, out);
}

// A statement's error as ksqlDB's KsqlStatementErrorMessage.
JsonValue StatementError(int code, const std::string& message, const std::string& text, JsonValue entities) {
  return Obj({{"@type", Str("statement_error")},
              {"error_code", Int(code)},
              {"message", Str(message)},
              {"statementText", Str(text)},
              {"entities", std::move(entities)}});
}

// "line 2:8: message" when the status knows where, as ksqlDB's parser errors read.
std::string Positioned(const eddy::Status& st) {
  if (st.pos().known()) return fmt::format("line {}:{}: {}", st.pos().line, st.pos().column, st.message());
  return st.message();
}

// The body of a POST as a JSON object, or an error already sent.
bool ParseBody(const HttpRequest& req, HttpResponse& resp, JsonValue* out) {
  Result<JsonValue> j = ParseJson(req.body);
  if (!j.ok() || !j.value().is_object()) {
    SendError(resp, 400, kBadRequest,
              j.ok() ? "The request body must be a JSON object." : "Invalid JSON in request: " + Positioned(j.status()));
    return false;
  }
  *out = std::move(j).value();
  return true;
}

// Properties of a request (streamsProperties / properties), "ksql.streams." dropped as ksqlDB's
// clients send auto.offset.reset under either name.
std::map<std::string, std::string> RequestProperties(const JsonValue* props) {
  std::map<std::string, std::string> out;
  if (!props || !props->is_object()) return out;
  for (const auto& m : props->members()) {
    std::string k = m.key;
    if (k.rfind("ksql.streams.", 0) == 0) k = k.substr(13);
    out[k] = m.value.is_string() ? m.value.as_string() : WriteJson(m.value);
  }
  return out;
}

// Engine properties overridden for the length of one request.
class PropertyOverride {
 public:
  PropertyOverride(Engine& e, const std::map<std::string, std::string>& props) : e_(e), saved_(e.properties()) {
    for (const auto& [k, v] : props) e_.properties()[k] = v;
  }
  ~PropertyOverride() { e_.properties() = saved_; }

 private:
  Engine& e_;
  std::map<std::string, std::string> saved_;
};

// ksqlDB's SqlBaseType names and schema shape ({"type", "fields", "memberSchema"}).
JsonValue SchemaJson(const Type& t) {
  std::string name;
  switch (t.kind) {
    case TypeKind::kBoolean: name = "BOOLEAN"; break;
    case TypeKind::kInt: name = "INTEGER"; break;
    case TypeKind::kBigint: name = "BIGINT"; break;
    case TypeKind::kDouble: name = "DOUBLE"; break;
    case TypeKind::kDecimal: name = "DECIMAL"; break;
    case TypeKind::kString: name = "STRING"; break;
    case TypeKind::kBytes: name = "BYTES"; break;
    case TypeKind::kTimestamp: name = "TIMESTAMP"; break;
    case TypeKind::kDate: name = "DATE"; break;
    case TypeKind::kTime: name = "TIME"; break;
    case TypeKind::kArray: name = "ARRAY"; break;
    case TypeKind::kMap: name = "MAP"; break;
    case TypeKind::kStruct: name = "STRUCT"; break;
  }
  JsonValue fields;
  if (t.kind == TypeKind::kStruct) {
    fields = Arr();
    for (const auto& f : t.fields) fields.Append(Obj({{"name", Str(f.name)}, {"schema", SchemaJson(*f.type)}}));
  }
  JsonValue member = (t.kind == TypeKind::kArray || t.kind == TypeKind::kMap) && t.element ? SchemaJson(*t.element)
                                                                                           : JsonValue();
  JsonValue out = Obj({{"type", Str(name)}, {"fields", std::move(fields)}, {"memberSchema", std::move(member)}});
  if (t.kind == TypeKind::kDecimal)
    out.Set("parameters", Obj({{"scale", Int(t.scale)}, {"precision", Int(t.precision)}}));
  return out;
}

JsonValue FieldsJson(const Schema& s, bool mark_keys) {
  JsonValue fields = Arr();
  for (const auto& c : s.key) {
    JsonValue f = Obj({{"name", Str(c.name)}, {"schema", SchemaJson(*c.type)}});
    if (mark_keys) f.Set("type", Str("KEY"));
    fields.Append(std::move(f));
  }
  for (const auto& c : s.value) fields.Append(Obj({{"name", Str(c.name)}, {"schema", SchemaJson(*c.type)}}));
  return fields;
}

// ksqlDB's RunningQuery entity of a persistent query.
JsonValue RunningQuery(const Engine& e, const QueryDef& q) {
  const SourceDef* sink = e.catalog().FindSource(q.sink);
  return Obj({{"queryString", Str(q.statement_text)},
              {"sinks", Arr({Str(q.sink)})},
              {"sinkKafkaTopics", Arr({Str(sink ? sink->topic : "")})},
              {"id", Str(q.id)},
              {"statusCount", Obj({{"RUNNING", Int(1)}})},
              {"queryType", Str("PERSISTENT")},
              {"state", Str("RUNNING")}});
}

JsonValue QueryIds(const Engine& e, const std::string& source, bool writes) {
  JsonValue out = Arr();
  for (const auto& [id, q] : e.catalog().queries()) {
    bool match = writes ? q.sink == source : std::find(q.sources.begin(), q.sources.end(), source) != q.sources.end();
    if (match) out.Append(RunningQuery(e, q));
  }
  return out;
}

JsonValue SourceDescription(const Engine& e, const SourceDef& def, bool extended) {
  std::string stats, errors;
  if (extended) {
    for (const auto& [id, q] : e.catalog().queries()) {
      if (q.sink != def.name) continue;
      if (std::optional<Engine::QueryStats> s = e.Stats(id)) {
        stats += fmt::format("{}: {} records in, {} records out, {}, lag {}, restored {} of {} changelog records ", id,
                             s->records_in, s->records_out, s->restoring ? "restoring" : "running",
                             s->lag < 0 ? std::string("unknown") : std::to_string(s->lag), s->restored, s->to_restore);
        errors += fmt::format("{}: {} processing errors ", id, e.processing_log().count(id));
      }
    }
  }
  return Obj({{"name", Str(def.name)},
              {"windowType", JsonValue()},
              {"readQueries", QueryIds(e, def.name, false)},
              {"writeQueries", QueryIds(e, def.name, true)},
              {"fields", FieldsJson(def.schema, true)},
              {"type", Str(def.is_table ? "TABLE" : "STREAM")},
              {"timestamp", Str(def.timestamp_column.value_or(""))},
              {"statistics", Str(stats)},
              {"errorStats", Str(errors)},
              {"extended", JsonValue::Bool(extended)},
              {"keyFormat", Str(def.key_format)},
              {"valueFormat", Str(def.value_format)},
              {"topic", Str(def.topic)},
              {"partitions", Int(def.partitions)},
              {"replication", Int(1)},
              {"statement", Str(def.statement_text)},
              {"queryOffsetSummaries", Arr()},
              {"sourceConstraints", Arr()},
              {"clusterStatistics", Arr()},
              {"clusterErrorStats", Arr()}});
}

JsonValue CurrentStatus(const std::string& text, const std::string& command_id, const std::string& message,
                        const std::string& query_id, int64_t seq) {
  return Obj({{"@type", Str("currentStatus")},
              {"statementText", Str(text)},
              {"commandId", Str(command_id)},
              {"commandStatus", Obj({{"status", Str("SUCCESS")},
                                     {"message", Str(message)},
                                     {"queryId", query_id.empty() ? JsonValue() : Str(query_id)}})},
              {"commandSequenceNumber", Int(seq)},
              {"warnings", Arr()}});
}

// The answer of an introspection statement as ksqlDB's entity.
Result<JsonValue> IntrospectEntity(Engine& e, const dsl::Statement& st) {
  using K = dsl::Statement::Kind;
  const std::string& text = st.text;
  if (st.kind == K::kShow) {
    switch (st.show->what) {
      case dsl::ShowKind::kStreams:
      case dsl::ShowKind::kTables: {
        bool tables = st.show->what == dsl::ShowKind::kTables;
        JsonValue list = Arr();
        for (const auto& [name, def] : e.catalog().sources()) {
          if (def.is_table != tables) continue;
          list.Append(Obj({{"type", Str(tables ? "TABLE" : "STREAM")},
                           {"name", Str(name)},
                           {"topic", Str(def.topic)},
                           {"keyFormat", Str(def.key_format)},
                           {"valueFormat", Str(def.value_format)},
                           {"isWindowed", JsonValue::Bool(false)}}));
        }
        return Obj({{"@type", Str(tables ? "tables" : "streams")},
                    {"statementText", Str(text)},
                    {tables ? "tables" : "streams", std::move(list)},
                    {"warnings", Arr()}});
      }
      case dsl::ShowKind::kQueries: {
        JsonValue list = Arr();
        for (const auto& [id, q] : e.catalog().queries()) list.Append(RunningQuery(e, q));
        return Obj({{"@type", Str("queries")}, {"statementText", Str(text)}, {"queries", std::move(list)}, {"warnings", Arr()}});
      }
      case dsl::ShowKind::kTopics: {
        JsonValue list = Arr();
        for (const auto& topic : e.log().Topics()) {
          JsonValue replicas = Arr();
          for (int p = 0; p < std::max(1, e.log().Partitions(topic)); ++p) replicas.Append(Int(1));
          list.Append(Obj({{"name", Str(topic)}, {"replicaInfo", std::move(replicas)}}));
        }
        return Obj({{"@type", Str("kafka_topics")}, {"statementText", Str(text)}, {"topics", std::move(list)}, {"warnings", Arr()}});
      }
      case dsl::ShowKind::kFunctions: {
        ASSIGN_OR_RETURN(TextTable t, Introspect(e, st));
        JsonValue list = Arr();
        for (const auto& row : t.rows)
          list.Append(Obj({{"name", Str(row[0])}, {"type", Str(row[1])}, {"category", Str("")}}));
        return Obj({{"@type", Str("function_names")}, {"statementText", Str(text)}, {"functions", std::move(list)}, {"warnings", Arr()}});
      }
      case dsl::ShowKind::kProperties: {
        // Introspect's table: secrets hidden, defaults told apart.
        ASSIGN_OR_RETURN(TextTable t, Introspect(e, st));
        JsonValue list = Arr(), defaults = Arr();
        for (const auto& row : t.rows) {
          list.Append(Obj({{"name", Str(row[0])}, {"scope", Str("KSQL")}, {"value", Str(row[1])}}));
          if (row[2] == "default") defaults.Append(Str(row[0]));
        }
        return Obj({{"@type", Str("properties")},
                    {"statementText", Str(text)},
                    {"properties", std::move(list)},
                    {"overwrittenProperties", Arr()},
                    {"defaultProperties", std::move(defaults)},
                    {"warnings", Arr()}});
      }
      case dsl::ShowKind::kTypes: {
        std::vector<JsonMember> types;
        for (const auto& [name, type] : e.catalog().types()) types.push_back({name, SchemaJson(*type)});
        return Obj({{"@type", Str("type_list")}, {"statementText", Str(text)}, {"types", Obj(std::move(types))}, {"warnings", Arr()}});
      }
    }
  }
  if (st.kind == K::kDescribe) {
    const dsl::Describe& d = *st.describe;
    if (d.function) {
      ASSIGN_OR_RETURN(TextTable t, Introspect(e, st));
      return Obj({{"@type", Str("describe_function")}, {"statementText", Str(text)}, {"name", Str(Upper(d.name))},
                  {"description", Str(t.note)}, {"warnings", Arr()}});
    }
    if (d.list) {
      JsonValue list = Arr();
      for (const auto& [name, def] : e.catalog().sources())
        if (def.is_table == (*d.list == dsl::ShowKind::kTables)) list.Append(SourceDescription(e, def, d.extended));
      return Obj({{"@type", Str("source_descriptions")}, {"statementText", Str(text)},
                  {"sourceDescriptions", std::move(list)}, {"warnings", Arr()}});
    }
    const SourceDef* def = e.catalog().FindSource(d.name);
    if (!def) return eddy::Status::NotFound(fmt::format("Could not find STREAM/TABLE '{}' in the Metastore", d.name));
    return Obj({{"@type", Str("sourceDescription")}, {"statementText", Str(text)},
                {"sourceDescription", SourceDescription(e, *def, d.extended)}, {"warnings", Arr()}});
  }
  if (st.kind == K::kExplain) {
    const std::string& id = st.explain->query_id;
    auto it = e.catalog().queries().find(id);
    std::string topology = e.Explain(id);
    if (it == e.catalog().queries().end() || topology.empty())
      return eddy::Status::NotFound(fmt::format("Query with id:{} does not exist, use SHOW QUERIES to view the full set of running queries.", id));
    const QueryDef& q = it->second;
    const SourceDef* sink = e.catalog().FindSource(q.sink);
    JsonValue sources = Arr();
    for (const auto& s : q.sources) sources.Append(Str(s));
    return Obj({{"@type", Str("queryDescription")},
                {"statementText", Str(text)},
                {"queryDescription",
                 Obj({{"id", Str(id)},
                      {"statementText", Str(q.statement_text)},
                      {"windowType", JsonValue()},
                      {"fields", sink ? FieldsJson(sink->schema, true) : Arr()},
                      {"sources", std::move(sources)},
                      {"sinks", Arr({Str(q.sink)})},
                      {"topology", Str(topology)},
                      {"executionPlan", Str(topology)},
                      {"overriddenProperties", Obj({})},
                      {"ksqlHostQueryStatus", Obj({})},
                      {"queryType", Str("PERSISTENT")},
                      {"queryErrors", Arr()},
                      {"tasksMetadata", Arr()},
                      {"state", Str("RUNNING")}})},
                {"warnings", Arr()}});
  }
  return eddy::Status::Unsupported("This statement is not supported over the REST API.");
}

// The columns of a query's rows in the order ksqlDB lists them: the SELECT's order, where eddy's
// output schema has the key columns first. Position i < key.size() is key column i, else value
// column i - key.size(). Schema order when the SELECT does not tell (joins, unnamed expressions).
struct Projection {
  const Schema* schema = nullptr;
  std::vector<size_t> order;
  bool mark_keys = false;  // "KEY" after key columns in the header (pull queries over tables)
  // Over a windowed source, WINDOWSTART and WINDOWEND belong to the key (KEY in a pull query's
  // header). `SELECT *` lists them after the key columns, read from the record's window:
  // positions kWindowStart / kWindowEnd in `order`.
  bool windowed = false;
};

constexpr size_t kWindowStart = static_cast<size_t>(-2), kWindowEnd = static_cast<size_t>(-1);

Projection MakeProjection(const Schema& s, const dsl::Query* q, const Catalog* catalog, bool mark_keys) {
  Projection p;
  p.schema = &s;
  p.mark_keys = mark_keys;
  const size_t n = s.key.size() + s.value.size();
  for (size_t i = 0; i < n; ++i) p.order.push_back(i);
  if (!q || !q->joins.empty()) return p;
  const SourceDef* from = catalog ? catalog->FindSource(q->from.name) : nullptr;
  p.windowed = from && !from->window_type.empty();
  std::vector<std::string> names;
  size_t window_columns = 0;  // WINDOWSTART / WINDOWEND added by a SELECT * (not in `s`)
  for (const auto& item : q->select) {
    if (item.kind == dsl::SelectItemKind::kStar) {
      if (!from) return p;
      for (const auto& c : from->schema.key) names.push_back(c.name);
      if (p.windowed) {
        names.push_back("WINDOWSTART");
        names.push_back("WINDOWEND");
        window_columns += 2;
      }
      for (const auto& c : from->schema.value) names.push_back(c.name);
    } else if (item.kind == dsl::SelectItemKind::kExpr && !item.alias.empty()) {
      names.push_back(item.alias);
    } else if (item.kind == dsl::SelectItemKind::kExpr && item.expr && item.expr->kind == dsl::ExprKind::kColumnRef) {
      names.push_back(item.expr->name);
    } else {
      return p;
    }
  }
  std::vector<size_t> order;
  std::vector<bool> used(n, false);
  bool star_window = false;  // the star's WINDOWSTART / WINDOWEND come from the record's window
  if (window_columns > 0) {
    bool in_schema = false;
    for (const auto& c : s.value) in_schema = in_schema || c.name == "WINDOWSTART";
    star_window = !in_schema;
  }
  if (names.size() != n + (star_window ? window_columns : 0)) return p;
  for (const auto& name : names) {
    if (star_window && (name == "WINDOWSTART" || name == "WINDOWEND")) {
      order.push_back(name == "WINDOWSTART" ? kWindowStart : kWindowEnd);
      continue;
    }
    size_t found = n;
    for (size_t i = 0; i < n && found == n; ++i) {
      const Column& c = i < s.key.size() ? s.key[i] : s.value[i - s.key.size()];
      if (!used[i] && c.name == name) found = i;
    }
    if (found == n) return p;
    used[found] = true;
    order.push_back(found);
  }
  p.order = std::move(order);
  return p;
}

std::string ColumnName(const Schema& s, size_t i) {
  if (i == kWindowStart) return "WINDOWSTART";
  if (i == kWindowEnd) return "WINDOWEND";
  return i < s.key.size() ? s.key[i].name : s.value[i - s.key.size()].name;
}
std::string ColumnType(const Schema& s, size_t i) {
  if (i == kWindowStart || i == kWindowEnd) return "BIGINT";
  return (i < s.key.size() ? s.key[i] : s.value[i - s.key.size()]).type->ToString();
}

// "`A` STRING KEY, `B` INTEGER": ksqlDB's header schema.
std::string HeaderSchema(const Projection& p) {
  std::string out;
  for (size_t i : p.order) {
    std::string name = ColumnName(*p.schema, i);
    bool key = i < p.schema->key.size() || (p.windowed && (name == "WINDOWSTART" || name == "WINDOWEND"));
    out += fmt::format("{}`{}` {}{}", out.empty() ? "" : ", ", name, ColumnType(*p.schema, i),
                       p.mark_keys && key ? " KEY" : "");
  }
  return out;
}

JsonValue ColumnNames(const Projection& p) {
  JsonValue out = Arr();
  for (size_t i : p.order) out.Append(Str(ColumnName(*p.schema, i)));
  return out;
}
JsonValue ColumnTypes(const Projection& p) {
  JsonValue out = Arr();
  for (size_t i : p.order) out.Append(Str(ColumnType(*p.schema, i)));
  return out;
}

// A row's columns as a JSON array, in the projection's order.
std::string RowColumns(const Projection& p, const Record& row) {
  const Schema& s = *p.schema;
  std::string out = "[";
  for (size_t n = 0; n < p.order.size(); ++n) {
    size_t i = p.order[n];
    if (i == kWindowStart || i == kWindowEnd) {
      if (n) out += ",";
      out += row.window ? std::to_string(i == kWindowStart ? row.window->start : row.window->end) : "null";
      continue;
    }
    const Value* v = nullptr;
    if (i < s.key.size()) v = i < row.key.size() ? &row.key[i] : nullptr;
    else if (row.value && i - s.key.size() < row.value->size()) v = &(*row.value)[i - s.key.size()];
    if (n) out += ",";
    if (!v || v->is_null()) out += "null";
    else AppendJsonValue(*v, *(i < s.key.size() ? s.key[i] : s.value[i - s.key.size()]).type, out);
  }
  out += "]";
  return out;
}

std::string KeyText(const Record& row) {
  std::string key;
  for (const auto& k : row.key) key += k.DebugString() + "\x1f";
  if (row.window) key += std::to_string(row.window->start) + "\x1f" + std::to_string(row.window->end);  // a row per window
  return key;
}

// The value of a member named `name` exactly, else case-insensitively.
const JsonValue* FindColumn(const JsonValue& obj, const std::string& name) {
  if (const JsonValue* v = obj.Find(name)) return v;
  for (const auto& m : obj.members())
    if (Upper(m.key) == name) return &m.value;
  return nullptr;
}

}  // namespace

// A push query being streamed: rows (already JSON) go from the engine's thread to the
// connection's thread through this queue.
struct KsqlApi::PushStream {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> rows;
  int64_t limit = -1;
  int64_t taken = 0;
  bool limit_reached = false;
  bool overflow = false;
  bool closed = false;  // /close-query
};

namespace {

// Whether `authorization` ("Basic base64(user:password)") names one of `users`.
bool Authorized(const std::string& authorization, const std::map<std::string, std::string>& users) {
  if (authorization.size() < 6 || Upper(authorization.substr(0, 6)) != "BASIC ") return false;
  std::optional<std::string> decoded = text::Base64DecodeStrict(authorization.substr(6));
  if (!decoded) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  auto it = users.find(decoded->substr(0, colon));
  if (it == users.end()) return false;
  // Compared in full whatever differs first, so the time taken tells nothing.
  std::string_view given = std::string_view(*decoded).substr(colon + 1);
  const std::string& want = it->second;
  unsigned char diff = given.size() == want.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ (i < want.size() ? want[i] : 0));
  return diff == 0;
}

}  // namespace

void KsqlApi::Handle(const HttpRequest& req, HttpResponse& resp) {
  ++requests_;
  if (!options_.users.empty() && !Authorized(req.Header("authorization"), options_.users)) {
    resp.add_header("WWW-Authenticate: Basic realm=\"eddy\"\r\n");
    return SendError(resp, 401, kUnauthorized, "Unauthorized");
  }
  std::string path = req.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  auto post_only = [&]() {
    if (req.method == "POST") return true;
    SendError(resp, 405, 40500, fmt::format("{} takes POST, not {}.", path, req.method));
    return false;
  };
  if (path == "/info") {
    SendJson(resp, 200,
             Obj({{"KsqlServerInfo", Obj({{"version", Str(kApiVersion)},
                                          {"kafkaClusterId", Str(options_.kafka_cluster_id)},
                                          {"ksqlServiceId", Str(options_.service_id)},
                                          {"serverStatus", Str("RUNNING")}})}}));
  } else if (path == "/healthcheck") {
    bool alive = loop_.Call([](Engine&) {});
    JsonValue ok = Obj({{"isHealthy", JsonValue::Bool(true)}});
    JsonValue engine = Obj({{"isHealthy", JsonValue::Bool(alive)}});
    SendJson(resp, alive ? 200 : 503,
             Obj({{"isHealthy", JsonValue::Bool(alive)},
                  {"details", Obj({{"metastore", ok}, {"kafka", ok}, {"commandRunner", engine}})}}));
  } else if (path == "/ksql") {
    if (post_only()) Ksql(req, resp);
  } else if (path == "/query") {
    if (post_only()) Query(req, resp, false);
  } else if (path == "/query-stream") {
    if (post_only()) Query(req, resp, true);
  } else if (path == "/inserts-stream") {
    if (post_only()) InsertsStream(req, resp);
  } else if (path == "/close-query") {
    if (post_only()) CloseQuery(req, resp);
  } else if (path == "/status" || path.rfind("/status/", 0) == 0) {
    Status(req, resp);
  } else if (path == "/metrics") {
    Metrics(resp);
  } else {
    SendError(resp, 404, kNotFound, fmt::format("No endpoint {} {} here (see docs/rest-api.md).", req.method, path));
  }
}

void KsqlApi::Ksql(const HttpRequest& req, HttpResponse& resp) {
  JsonValue body;
  if (!ParseBody(req, resp, &body)) return;
  const JsonValue* ksql = body.Find("ksql");
  if (!ksql || !ksql->is_string()) return SendError(resp, 400, kBadRequest, "The request needs a \"ksql\" string.");
  std::map<std::string, std::string> props = RequestProperties(body.Find("streamsProperties"));
  const std::string& text = ksql->as_string();
  int status = 200;
  JsonValue answer;
  bool ran = loop_.Call([&](Engine& e) {
    JsonValue entities = Arr();
    dsl::ParseOptions po;
    po.types = &e.catalog().types();
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text, po);
    if (!parsed.ok()) {
      status = 400;
      answer = StatementError(kBadStatement, Positioned(parsed.status()), text, std::move(entities));
      return;
    }
    std::map<std::string, std::string> overrides = props;
    using K = dsl::Statement::Kind;
    for (auto& parsed_st : parsed.value()) {
      auto st = std::make_shared<const dsl::Statement>(std::move(parsed_st));
      auto fail = [&](int code, const std::string& message) {
        status = code == kServerError ? 500 : 400;
        answer = StatementError(code, message, st->text + ";", std::move(entities));
      };
      if (st->kind == K::kSelect || st->kind == K::kPrint)
        return fail(kQueryEndpoint,
                    "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT");
      if (st->kind == K::kSet) {  // as in ksqlDB: for the rest of this request only
        if (st->set->unset) overrides.erase(st->set->name);
        else overrides[st->set->name] = st->set->value;
        continue;
      }
      if (st->kind == K::kRunScript || st->kind == K::kAssertValues || st->kind == K::kAssertSource)
        return fail(kBadStatement, "This statement is not supported over the REST API.");
      PropertyOverride scope(e, overrides);
      if (IsIntrospection(*st)) {
        Result<JsonValue> entity = IntrospectEntity(e, *st);
        if (!entity.ok()) return fail(kBadStatement, Positioned(entity.status()));
        entity.value().Set("statementText", Str(st->text + ";"));
        entities.Append(std::move(entity).value());
        continue;
      }
      size_t queries_before = e.catalog().queries().size();
      std::string dropped_topic;
      if (st->kind == K::kDrop)
        if (const SourceDef* def = e.catalog().FindSource(st->drop->name)) dropped_topic = def->topic;
      eddy::Status s = e.Execute(st);
      if (s.ok()) s = e.RunUntilIdle();
      if (!s.ok()) return fail(s.code() == StatusCode::kInternal || s.code() == StatusCode::kIoError ? kServerError : kBadStatement, Positioned(s));
      std::string stmt = st->text + ";";
      int64_t seq = static_cast<int64_t>(e.catalog().sources().size() + e.catalog().queries().size());
      switch (st->kind) {
        case K::kCreateSource: {
          const auto& c = *st->create_source;
          entities.Append(CurrentStatus(stmt, fmt::format("{}/`{}`/create", c.is_table ? "table" : "stream", c.name),
                                        c.is_table ? "Table created" : "Stream created", "", seq));
          break;
        }
        case K::kCreateAsSelect:
        case K::kInsertInto: {
          std::string id = e.catalog().queries().size() > queries_before || st->kind == K::kCreateAsSelect
                               ? e.last_started_query() : "";
          bool table = st->kind == K::kCreateAsSelect && st->create_as_select->is_table;
          std::string name = st->kind == K::kCreateAsSelect ? st->create_as_select->name : st->insert_into->target;
          entities.Append(CurrentStatus(stmt,
                                        fmt::format("{}/`{}`/create", table ? "table" : "stream", name),
                                        id.empty() ? "Done" : "Created query with ID " + id, id, seq));
          break;
        }
        case K::kDrop:
          entities.Append(CurrentStatus(stmt, fmt::format("{}/`{}`/drop", st->drop->is_table ? "table" : "stream", st->drop->name),
                                        fmt::format("Source `{}` (topic: {}) was dropped.", st->drop->name, dropped_topic), "", seq));
          break;
        case K::kTerminate:
          entities.Append(CurrentStatus(stmt,
                                        fmt::format("terminate/{}/execute", st->terminate->all ? "ALL" : st->terminate->query_id),
                                        "Query terminated.", "", seq));
          break;
        case K::kInsertValues: break;  // ksqlDB answers INSERT ... VALUES with no entity
        default:
          entities.Append(CurrentStatus(stmt, "statement/execute", "Done", "", seq));
          break;
      }
    }
    answer = std::move(entities);
  });
  if (!ran) return SendError(resp, 503, kShuttingDown, "The server is shutting down.");
  SendJson(resp, status, answer);
}

void KsqlApi::Query(const HttpRequest& req, HttpResponse& resp, bool query_stream) {
  JsonValue body;
  if (!ParseBody(req, resp, &body)) return;
  const JsonValue* sql = body.Find(query_stream ? "sql" : "ksql");
  if (!sql || !sql->is_string())
    return SendError(resp, 400, kBadRequest, fmt::format("The request needs a \"{}\" string.", query_stream ? "sql" : "ksql"));
  std::map<std::string, std::string> props =
      RequestProperties(body.Find(query_stream ? "properties" : "streamsProperties"));
  std::string accept = req.Header("accept");
  bool delimited = query_stream && !(accept.find("application/json") != std::string::npos &&
                                     accept.find("delimited") == std::string::npos);
  const std::string& text = sql->as_string();

  int status = 200;
  JsonValue error;
  bool push = false;
  bool over_stream = false;  // a pull query reading a stream's topic: ksqlDB ends it "Query Completed"
  bool limit_reached = false;  // ... or "Limit Reached" when its LIMIT cut the rows
  // The columns of the answer; shared with the push query's row sink, which outlives this call.
  struct Shape {
    Schema schema;
    Projection projection;
    Shape() { projection.schema = &schema; }
    void Set(const Schema& s, const dsl::Query& q, const Catalog& c, bool mark_keys) {
      schema = s;
      projection = MakeProjection(schema, &q, &c, mark_keys);
    }
  };
  auto shape = std::make_shared<Shape>();
  std::string query_id;
  std::vector<std::string> rows;  // a pull query's answer
  auto stream = std::make_shared<PushStream>();
  size_t max_queued = options_.max_queued_rows;
  // A push query holds one of ksql.max.push.queries slots from before it starts until it ends;
  // one over is refused as ksqlDB refuses it.
  struct Slot {
    std::atomic<int>& n;
    bool held;
    ~Slot() {
      if (held) --n;
    }
  } slot{loop_.active_push_queries, std::regex_search(text, EmitChanges())};
  if (slot.held && ++loop_.active_push_queries > options_.max_push_queries)
    return SendError(resp, 400, kTooManyPushQueries, "Maximum number of push queries exceeded");
  bool ran = loop_.Call([&](Engine& e) {
    dsl::ParseOptions po;
    po.types = &e.catalog().types();
    Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(text, po);
    if (!parsed.ok()) {
      status = 400;
      error = StatementError(kBadStatement, Positioned(parsed.status()), text, Arr());
      return;
    }
    if (parsed.value().size() != 1 || parsed.value()[0].kind != dsl::Statement::Kind::kSelect) {
      status = 400;
      error = StatementError(kBadStatement,
                             parsed.value().size() != 1 ? "Expected exactly one SELECT statement."
                                                        : "Only SELECT statements are served here (PRINT is not supported over the API yet).",
                             text, Arr());
      return;
    }
    auto st = std::make_shared<const dsl::Statement>(std::move(parsed.value()[0]));
    const dsl::Query& q = st->select->query;
    push = q.emit == dsl::EmitKind::kChanges;
    if (!push) {
      // ksqlDB's pull queries look up state: no joins, windows or grouping of their own.
      const char* clause = !q.joins.empty() ? "JOIN" : q.window ? "WINDOW" : !q.group_by.empty() ? "GROUP BY" : nullptr;
      // Nor ROWPARTITION / ROWOFFSET, which a table's state does not keep.
      std::string in_select, in_where;
      for (const auto& item : q.select)
        if (item.expr) PseudoColumns(*item.expr, in_select);
      if (q.where) PseudoColumns(*q.where, in_where);
      if (!clause && (!in_select.empty() || !in_where.empty())) {
        status = 400;
        error = StatementError(kBadStatement,
                               fmt::format("Pull queries don't support the following columns in {} clauses: {}",
                                           in_select.empty() ? "WHERE" : "SELECT", in_select.empty() ? in_where : in_select),
                               text, Arr());
        return;
      }
      if (clause) {
        status = 400;
        error = StatementError(kBadStatement,
                               fmt::format("Pull queries don't support {} clauses. See https://cnfl.io/queries for more "
                                           "info.\nAdd EMIT CHANGES if you intended to issue a push query.", clause),
                               text, Arr());
        return;
      }
    }
    PropertyOverride scope(e, props);
    const SourceDef* from = q.joins.empty() ? e.catalog().FindSource(q.from.name) : nullptr;
    if (push) {
      eddy::Status s = e.Execute(st);
      if (!s.ok()) {
        status = 400;
        error = StatementError(kBadStatement, Positioned(s), text, Arr());
        return;
      }
      query_id = e.last_started_query();
      if (const Schema* out = e.OutputSchema(query_id)) shape->Set(*out, q, e.catalog(), false);
      stream->limit = q.limit.value_or(-1);
      if (stream->limit == 0) stream->limit_reached = true;
      // A deleted row of a table is sent as ksqlDB does (its key, "tombstone": true); a stream
      // has no deletions, so a record without a value is not a row.
      bool table = (from && from->is_table) || !q.group_by.empty();
      loop_.Subscribe(query_id, [stream, shape, max_queued, query_stream, table](const Schema&, const Record& row) {
        if (!row.value && (!table || query_stream)) return;
        std::string cols = RowColumns(shape->projection, row);
        std::lock_guard<std::mutex> lock(stream->mu);
        if (stream->limit_reached || stream->overflow || stream->closed) return;
        if (stream->rows.size() >= max_queued) {
          stream->overflow = true;
        } else {
          if (query_stream) stream->rows.push_back(std::move(cols));
          else stream->rows.push_back("{\"row\":{\"columns\":" + cols + (row.value ? "}}" : ",\"tombstone\":true}}"));
          if (stream->limit >= 0 && ++stream->taken >= stream->limit) stream->limit_reached = true;
        }
        stream->cv.notify_all();
      });
      return;
    }
    // A pull query: read what the running queries have made of every input so far.
    eddy::Status s = e.RunUntilIdle();
    bool latest_per_key = from && from->is_table;
    over_stream = from && !from->is_table;
    std::map<std::string, size_t> index;
    std::vector<std::optional<std::string>> collected;
    bool have_schema = false;
    loop_.set_catch_all([&](const Schema& sch, const Record& row) {
      if (!have_schema) shape->Set(sch, q, e.catalog(), latest_per_key), have_schema = true;
      std::optional<std::string> cols;
      if (row.value) cols = RowColumns(shape->projection, row);
      if (!latest_per_key) {
        if (cols) collected.push_back(std::move(cols));
        return;
      }
      auto [it, inserted] = index.emplace(KeyText(row), collected.size());
      if (inserted) collected.push_back(std::move(cols));
      else collected[it->second] = std::move(cols);
    });
    if (s.ok()) s = e.Pull(st);
    loop_.set_catch_all(nullptr);
    query_id = e.last_started_query();
    if (!s.ok()) {
      status = 400;
      error = StatementError(kBadStatement, Positioned(s), text, Arr());
      return;
    }
    if (!have_schema) {
      // No row: the query started once more only to tell its columns, and stopped at once.
      if (e.Execute(st).ok()) {
        std::string id = e.last_started_query();
        if (const Schema* out = e.OutputSchema(id)) shape->Set(*out, q, e.catalog(), latest_per_key);
        (void)e.Terminate(id);
      }
    }
    int64_t limit = q.limit.value_or(-1);
    for (auto& c : collected) {
      if (!c) continue;
      if (limit >= 0 && static_cast<int64_t>(rows.size()) >= limit) break;
      rows.push_back(std::move(*c));
    }
    limit_reached = limit >= 0 && static_cast<int64_t>(rows.size()) >= limit;
  });
  if (!ran) return SendError(resp, 503, kShuttingDown, "The server is shutting down.");
  if (status != 200) return SendJson(resp, status, error);

  const char* content_type = !query_stream ? "application/json"
                             : delimited   ? "application/vnd.ksqlapi.delimited.v1"
                                           : "application/json";
  const Projection& projection = shape->projection;
  auto header = [&]() {
    if (query_stream)
      return WriteJson(Obj({{"queryId", Str(query_id)}, {"columnNames", ColumnNames(projection)}, {"columnTypes", ColumnTypes(projection)}}));
    return WriteJson(Obj({{"header", Obj({{"queryId", Str(query_id)}, {"schema", Str(HeaderSchema(projection))}})}}));
  };
  auto row_text = [&](const std::string& cols) {
    return query_stream ? cols : "{\"row\":{\"columns\":" + cols + "}}";
  };
  // Between entries: "\n" delimited, "," in a JSON array; /query follows each entry with ",\n".
  const char* sep = !query_stream ? ",\n" : delimited ? "\n" : ",";

  if (!push) {
    std::string out = delimited ? "" : "[";
    out += header();
    for (const auto& r : rows) out += sep + row_text(r);
    if (over_stream && !query_stream)
      out += std::string(sep) + (limit_reached ? "{\"finalMessage\":\"Limit Reached\"}" : "{\"finalMessage\":\"Query Completed\"}");
    out += delimited ? "\n" : "]";
    resp.Send(200, content_type, out);
    return;
  }

  // A push query: the header once the first row fixed the schema or at once when the plan
  // gives it; then rows as they come, a newline every second while idle (ksqlDB's keep-alive,
  // which also finds a client gone), until LIMIT, /close-query, a client gone or shutdown.
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_[query_id] = stream;
  }
  bool ok = resp.Start(200, content_type) && resp.Chunk((delimited ? "" : "[") + header() + sep);
  auto waited = std::chrono::steady_clock::now();
  while (ok) {
    std::deque<std::string> batch;
    bool limit_reached = false, overflow = false, closed = false;
    {
      std::unique_lock<std::mutex> lock(stream->mu);
      stream->cv.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return !stream->rows.empty() || stream->limit_reached || stream->overflow || stream->closed;
      });
      batch.swap(stream->rows);
      limit_reached = stream->limit_reached;
      overflow = stream->overflow;
      closed = stream->closed;
    }
    std::string out;
    for (const auto& r : batch) out += r + sep;
    if (limit_reached || closed || overflow) {
      if (overflow)
        out += HttpServer::ErrorJson(kServerError, "The client reads rows too slowly: the push query was stopped.") + sep;
      if (!query_stream && limit_reached) out += "{\"finalMessage\":\"Limit Reached\"}";
      if (!delimited) {
        // A JSON array of /query-stream has no separator after its last entry.
        if (query_stream && !out.empty() && out.back() == ',') out.pop_back();
        out += query_stream ? "]" : "]\n";
      }
      ok = resp.Chunk(out) && resp.End();
      break;
    }
    if (!out.empty() && !(ok = resp.Chunk(out))) break;
    if (resp.ClientGone()) break;
    auto now = std::chrono::steady_clock::now();
    if (!batch.empty()) {
      waited = now;
    } else if (now - waited >= std::chrono::seconds(1)) {
      // ksqlDB's keep-alive while no row comes: a newline (clients skip it), which also finds
      // a client that has gone.
      waited = now;
      if (!query_stream) ok = resp.Chunk("\n");
    }
  }
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.erase(query_id);
  }
  loop_.Call([&](Engine& e) {
    (void)e.Terminate(query_id);
    loop_.Unsubscribe(query_id);
  });
}

void KsqlApi::InsertsStream(const HttpRequest& req, HttpResponse& resp) {
  // The body: {"target": "S"} on the first line, then one JSON object a line.
  std::vector<std::string_view> lines;
  std::string_view rest = req.body;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  if (lines.empty()) return SendError(resp, 400, kBadRequest, "The body must start with a line like {\"target\": \"STREAM\"}.");
  Result<JsonValue> first = ParseJson(lines[0]);
  const JsonValue* target = first.ok() && first.value().is_object() ? first.value().Find("target") : nullptr;
  if (!target || !target->is_string())
    return SendError(resp, 400, kBadRequest, "The body must start with a line like {\"target\": \"STREAM\"}.");
  std::string accept = req.Header("accept");
  bool json_array = accept.find("application/json") != std::string::npos && accept.find("delimited") == std::string::npos;
  std::vector<std::string> acks;
  int status = 200;
  std::string error;
  bool ran = loop_.Call([&](Engine& e) {
    const SourceDef* def = e.catalog().FindSource(target->as_string());
    if (!def) def = e.catalog().FindSource(Upper(target->as_string()));
    if (!def) {
      status = 400;
      error = fmt::format("Cannot insert values into an unknown stream/table: {}", target->as_string());
      return;
    }
    // The formats are made once per request: JSON reading each row's members (names matched
    // exactly or upper-cased), the source's own formats writing the key and the value.
    FormatOptions read_opts;
    read_opts.wrap_single_value = true;
    FormatOptions key_read = read_opts;
    key_read.is_key = true;
    FormatOptions key_opts;
    key_opts.is_key = true;
    key_opts.delimiter = def->key_delimiter;
    FormatOptions value_opts;
    value_opts.wrap_single_value = def->wrap_single_value;
    value_opts.delimiter = def->value_delimiter;
    auto key_json = MakeFormat("JSON", def->schema.key, key_read);
    auto value_json = MakeFormat("JSON", def->schema.value, read_opts);
    auto key_fmt = MakeFormat(def->key_format, def->schema.key, key_opts);
    auto value_fmt = MakeFormat(def->value_format, def->schema.value, value_opts);
    if (!key_json.ok() || !value_json.ok() || !key_fmt.ok() || !value_fmt.ok()) {
      status = 400;
      error = fmt::format("Cannot insert into {}: its formats cannot be written here.", def->name);
      return;
    }
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (size_t i = 1; i < lines.size(); ++i) {
      int64_t seq = static_cast<int64_t>(i - 1);
      auto fail = [&](const std::string& message) {
        std::string ack = "{\"status\":\"error\",\"seq\":" + std::to_string(seq) + ",\"error_code\":" +
                          std::to_string(kBadRequest) + ",\"message\":";
        AppendJsonString(message, ack);
        acks.push_back(ack + "}");
      };
      Result<JsonValue> row = ParseJson(lines[i]);
      if (!row.ok() || !row.value().is_object()) {
        fail(row.ok() ? "Each row must be a JSON object." : "Invalid JSON: " + Positioned(row.status()));
        break;
      }
      RawRecord raw;
      raw.timestamp = now;
      if (const JsonValue* t = FindColumn(row.value(), "ROWTIME"); t && t->AsInt64()) raw.timestamp = *t->AsInt64();
      JsonValue key_obj = Obj({}), value_obj = Obj({});
      bool any_key = false;
      for (const auto& c : def->schema.key)
        if (const JsonValue* v = FindColumn(row.value(), c.name)) key_obj.Set(c.name, *v), any_key = any_key || !v->is_null();
      for (const auto& c : def->schema.value)
        if (const JsonValue* v = FindColumn(row.value(), c.name)) value_obj.Set(c.name, *v);
      Row key_row(def->schema.key.size()), value_row(def->schema.value.size());
      eddy::Status s = key_json.value()->Deserialize(WriteJson(key_obj), key_row);
      if (s.ok()) s = value_json.value()->Deserialize(WriteJson(value_obj), value_row);
      std::string key_bytes, value_bytes;
      if (s.ok() && any_key) s = key_fmt.value()->Serialize(key_row, key_bytes);
      if (s.ok()) s = value_fmt.value()->Serialize(value_row, value_bytes);
      if (!s.ok()) {
        fail(s.message());
        break;
      }
      if (any_key) raw.key = std::move(key_bytes);
      raw.value = std::move(value_bytes);
      s = e.Produce(def->topic, std::move(raw));
      if (!s.ok()) {
        fail(s.message());
        break;
      }
      acks.push_back("{\"status\":\"ok\",\"seq\":" + std::to_string(seq) + "}");
    }
    eddy::Status s = e.RunUntilIdle();
    if (!s.ok()) {
      status = 500;
      error = s.message();
    }
  });
  if (!ran) return SendError(resp, 503, kShuttingDown, "The server is shutting down.");
  if (status != 200) return SendError(resp, status, status == 500 ? kServerError : kBadStatement, error);
  std::string out;
  if (json_array) {
    out = "[";
    for (size_t i = 0; i < acks.size(); ++i) out += (i ? "," : "") + acks[i];
    out += "]";
  } else {
    for (const auto& a : acks) out += a + "\n";
  }
  resp.Send(200, json_array ? "application/json" : "application/vnd.ksqlapi.delimited.v1", out);
}

void KsqlApi::CloseQuery(const HttpRequest& req, HttpResponse& resp) {
  JsonValue body;
  if (!ParseBody(req, resp, &body)) return;
  const JsonValue* id = body.Find("queryId");
  if (!id || !id->is_string()) return SendError(resp, 400, kBadRequest, "The request needs a \"queryId\" string.");
  std::shared_ptr<PushStream> stream;
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    auto it = streams_.find(id->as_string());
    if (it != streams_.end()) stream = it->second;
  }
  if (!stream) return SendError(resp, 400, kBadRequest, fmt::format("No query with id {}", id->as_string()));
  {
    std::lock_guard<std::mutex> lock(stream->mu);
    stream->closed = true;
    stream->cv.notify_all();
  }
  resp.Send(200, "application/json", "");
}

void KsqlApi::Status(const HttpRequest& req, HttpResponse& resp) {
  std::string path = UrlDecode(req.path);
  JsonValue statuses = Obj({});
  bool ran = loop_.Call([&](Engine& e) {
    for (const auto& [name, def] : e.catalog().sources())
      statuses.Set(fmt::format("{}/`{}`/create", def.is_table ? "table" : "stream", name), Str("SUCCESS"));
  });
  if (!ran) return SendError(resp, 503, kShuttingDown, "The server is shutting down.");
  if (path == "/status" || path == "/status/") return SendJson(resp, 200, Obj({{"commandStatuses", statuses}}));
  std::string id = path.substr(8);
  if (statuses.Find(id))
    return SendJson(resp, 200, Obj({{"status", Str("SUCCESS")}, {"message", Str(id.rfind("table", 0) == 0 ? "Table created" : "Stream created")}}));
  SendError(resp, 404, kNotFound, "Command not found: " + id);
}

void KsqlApi::Metrics(HttpResponse& resp) {
  std::string out;
  bool ran = loop_.Call([&](Engine& e) {
    struct Row {
      std::string id;
      Engine::QueryStats stats;
      uint64_t state_bytes = 0, state_keys = 0;
      int64_t errors = 0;
    };
    std::vector<Row> rows;
    std::vector<std::string> stores = options_.db ? options_.db->StoreNames() : std::vector<std::string>{};
    for (const auto& [id, q] : e.catalog().queries()) {
      Row r;
      r.id = id;
      if (auto s = e.Stats(id)) r.stats = *s;
      for (const auto& store : stores) {
        if (store.rfind(id + ".", 0) != 0) continue;
        StateDb::Size size = options_.db->EstimateSize(store);
        r.state_bytes += size.bytes;
        r.state_keys += size.keys;
      }
      r.errors = e.processing_log().count(id);
      rows.push_back(std::move(r));
    }
    auto family = [&](const char* name, const char* type, const char* help, auto value) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
      for (const auto& r : rows) out += fmt::format("{}{{query_id=\"{}\"}} {}\n", name, r.id, value(r));
    };
    family("eddy_query_records_in_total", "counter", "Records a persistent query read from its inputs since start.",
           [](const Row& r) { return r.stats.records_in; });
    family("eddy_query_records_out_total", "counter", "Records a persistent query wrote to its sink since start.",
           [](const Row& r) { return r.stats.records_out; });
    family("eddy_query_processing_errors_total", "counter", "Processing-log entries of a query since start.",
           [](const Row& r) { return r.errors; });
    family("eddy_query_state_bytes", "gauge", "RocksDB's estimate of the bytes of a query's state stores.",
           [](const Row& r) { return r.state_bytes; });
    family("eddy_query_state_keys", "gauge", "RocksDB's estimate of the keys in a query's state stores.",
           [](const Row& r) { return r.state_keys; });
    family("eddy_query_stream_time_ms", "gauge", "The largest input timestamp a query has seen (ms).",
           [](const Row& r) { return r.stats.stream_time == INT64_MIN ? 0 : r.stats.stream_time; });
    family("eddy_query_consumer_lag", "gauge",
           "Records of a query's input partitions (those this instance runs) after its position; -1: unknown.",
           [](const Row& r) { return r.stats.lag; });
    family("eddy_query_restoring", "gauge", "1 while a task of the query restores its state from a changelog, else 0.",
           [](const Row& r) { return r.stats.restoring ? 1 : 0; });
    family("eddy_query_restored_records_total", "counter",
           "Changelog records the query's tasks running here restored when they started.",
           [](const Row& r) { return r.stats.restored; });
    family("eddy_query_records_to_restore_total", "counter",
           "Changelog offsets the query's tasks running here had to restore (records and transaction markers).",
           [](const Row& r) { return r.stats.to_restore; });
    out += "# HELP eddy_topic_end_offset The next offset of a partition of a topic.\n# TYPE eddy_topic_end_offset gauge\n";
    for (const auto& topic : e.log().Topics())
      for (int p = 0; p < std::max(1, e.log().Partitions(topic)); ++p)
        out += fmt::format("eddy_topic_end_offset{{topic=\"{}\",partition=\"{}\"}} {}\n", topic, p, e.log().EndOffset(topic, p));
    out += fmt::format("# HELP eddy_push_queries Push queries being streamed to clients.\n# TYPE eddy_push_queries gauge\neddy_push_queries {}\n",
                       loop_.active_push_queries.load());
    out += fmt::format("# HELP eddy_http_requests_total Requests served.\n# TYPE eddy_http_requests_total counter\neddy_http_requests_total {}\n",
                       requests_.load());
  });
  if (!ran) return SendError(resp, 503, kShuttingDown, "The server is shutting down.");
  resp.Send(200, "text/plain; version=0.0.4", out);
}

}  // namespace eddy
