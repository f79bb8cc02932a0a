#include "engine/runtime/introspect.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "engine/function/registry.h"
#include "engine/function/temporal.h"

namespace eddy {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TextTable ShowSources(const Engine& e, bool tables) {
  TextTable t;
  t.columns = {tables ? "Table Name" : "Stream Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"};
  for (const auto& [name, def] : e.catalog().sources()) {
    if (def.is_table != tables) continue;
    t.rows.push_back({name, def.topic, def.key_format, def.value_format, "false"});
  }
  return t;
}

TextTable ShowQueries(const Engine& e) {
  TextTable t;
  t.columns = {"Query ID", "Status", "Sink Name", "Query String"};
  for (const auto& [id, q] : e.catalog().queries()) t.rows.push_back({id, "RUNNING", q.sink, q.statement_text});
  return t;
}

TextTable ShowTopics(Engine& e) {
  TextTable t;
  t.columns = {"Kafka Topic", "Partitions", "Records"};
  for (const auto& topic : e.log().Topics()) {
    int n = e.log().Partitions(topic);
    int64_t records = 0;
    for (int p = 0; p < n; ++p) records += e.log().EndOffset(topic, p);
    t.rows.push_back({topic, std::to_string(n), std::to_string(records)});
  }
  return t;
}

TextTable ShowFunctions() {
  TextTable t;
  t.columns = {"Function Name", "Type"};
  const auto& reg = FunctionRegistry::Builtins();
  for (const auto& [name, f] : reg.scalars()) t.rows.push_back({name, "SCALAR"});
  for (const auto& [name, f] : reg.aggregates()) t.rows.push_back({name, "AGGREGATE"});
  for (const auto& [name, f] : reg.tables()) t.rows.push_back({name, "TABLE"});
  std::sort(t.rows.begin(), t.rows.end());
  return t;
}

// A setting whose name says it is a secret is never shown.
bool IsSecret(const std::string& key) {
  std::string k = Lower(key);
  for (const char* word : {"password", "secret", "jaas", "token", "credential", "ssl.key"})
    if (k.find(word) != std::string::npos) return true;
  return false;
}

TextTable ShowProperties(Engine& e) {
  TextTable t;
  t.columns = {"Property", "Value", "Set by"};
  // The settings eddy reads, with their defaults, then whatever SET, --set or eddy.yaml gave.
  const std::pair<const char*, const char*> kDefaults[] = {
      {"auto.offset.reset", "latest"},
      {"ksql.persistence.default.format.key", "KAFKA"},
      {"ksql.persistence.default.format.value", ""},
      {"processing.guarantee", "at_least_once"},
  };
  for (const auto& [k, v] : kDefaults)
    if (!e.properties().count(k)) t.rows.push_back({k, v, "default"});
  for (const auto& [k, v] : e.properties()) t.rows.push_back({k, IsSecret(k) ? "[hidden]" : v, "set"});
  std::sort(t.rows.begin(), t.rows.end());
  return t;
}

Result<TextTable> DescribeSource(const Engine& e, const std::string& name, bool extended) {
  const SourceDef* def = e.catalog().FindSource(name);
  if (!def) return Status::NotFound(fmt::format("Could not find STREAM/TABLE '{}' in the Metastore", name));
  TextTable t;
  t.columns = {"Field", "Type"};
  for (const auto& c : def->schema.key)
    t.rows.push_back({c.name, c.type->ToString() + (def->is_table ? " (primary key)" : " (key)")});
  for (const auto& c : def->schema.value) t.rows.push_back({c.name, c.type->ToString()});
  std::string note = fmt::format("Name: {}\nType: {}\nKafka topic: {} (partitions: {})\nKey format: {}\nValue format: {}\n",
                                 def->name, def->is_table ? "TABLE" : "STREAM", def->topic, def->partitions,
                                 def->key_format, def->value_format);
  if (def->timestamp_column) note += "Timestamp column: " + *def->timestamp_column + "\n";
  if (extended) {
    std::string writes, reads;
    for (const auto& [id, q] : e.catalog().queries()) {
      if (q.sink == name) writes += (writes.empty() ? "" : ", ") + id;
      if (std::find(q.sources.begin(), q.sources.end(), name) != q.sources.end())
        reads += (reads.empty() ? "" : ", ") + id;
    }
    note += "Queries that write into it: " + (writes.empty() ? std::string("none") : writes) + "\n";
    note += "Queries that read from it: " + (reads.empty() ? std::string("none") : reads) + "\n";
    // Runtime counts since this engine started: the topic's records, and each query's.
    int64_t records = 0;
    for (int p = 0; p < std::max(1, e.log().Partitions(def->topic)); ++p) records += e.log().EndOffset(def->topic, p);
    note += fmt::format("Records in its topic: {}\n", records);
    for (const auto& [id, q] : e.catalog().queries()) {
      if (q.sink != name && std::find(q.sources.begin(), q.sources.end(), name) == q.sources.end()) continue;
      std::optional<Engine::QueryStats> s = e.Stats(id);
      if (!s) continue;
      note += fmt::format("Query {}: {} records in, {} out, stream time {}\n", id, s->records_in, s->records_out,
                          s->stream_time == INT64_MIN ? std::string("none yet")
                                                      : temporal::FormatTimestamp(s->stream_time));
      // Lag, errors and restores (over Kafka: of the tasks this instance runs).
      note += fmt::format("Query {}: {}, lag {}, {} processing errors, restored {} of {} changelog records\n", id,
                          s->restoring ? "restoring" : "running", s->lag < 0 ? std::string("unknown") : std::to_string(s->lag),
                          e.processing_log().count(id), s->restored, s->to_restore);
    }
    if (!def->statement_text.empty()) note += "Statement: " + def->statement_text + "\n";
  }
  t.note = note;
  return t;
}

Result<TextTable> DescribeFunction(const std::string& name) {
  const auto& reg = FunctionRegistry::Builtins();
  std::string signatures, description, example, kind;
  if (const ScalarFunction* f = reg.FindScalar(name)) {
    signatures = f->signatures, description = f->description, example = f->example, kind = "SCALAR";
  } else if (const AggregateFunction* a = reg.FindAggregate(name)) {
    signatures = a->signatures, description = a->description, example = a->example, kind = "AGGREGATE";
  } else if (const TableFunction* tf = reg.FindTable(name)) {
    signatures = tf->signatures, description = tf->description, example = tf->example, kind = "TABLE";
  } else {
    return Status::NotFound(fmt::format("Can't find any functions with the name '{}'", name));
  }
  TextTable t;
  t.note = fmt::format("Name: {}\nType: {}\nSignatures: {}\nDescription: {}\nExample: {}\n", name, kind, signatures,
                       description, example);
  return t;
}

}  // namespace

bool IsIntrospection(const dsl::Statement& st) {
  using K = dsl::Statement::Kind;
  return st.kind == K::kShow || st.kind == K::kDescribe || st.kind == K::kPrint ||
         (st.kind == K::kExplain && st.explain && !st.explain->query_id.empty());
}

Result<TextTable> Introspect(Engine& engine, const dsl::Statement& st) {
  using K = dsl::Statement::Kind;
  switch (st.kind) {
    case K::kShow:
      switch (st.show->what) {
        case dsl::ShowKind::kStreams: return ShowSources(engine, false);
        case dsl::ShowKind::kTables: return ShowSources(engine, true);
        case dsl::ShowKind::kQueries: return ShowQueries(engine);
        case dsl::ShowKind::kTopics: return ShowTopics(engine);
        case dsl::ShowKind::kFunctions: return ShowFunctions();
        case dsl::ShowKind::kProperties: return ShowProperties(engine);
        case dsl::ShowKind::kTypes: {
          // ksqlDB's listing: each custom type's name and schema.
          TextTable t;
          t.columns = {"Type Name", "Schema"};
          for (const auto& [name, type] : engine.catalog().types()) t.rows.push_back({name, type->ToString()});
          return t;
        }
      }
      break;
    case K::kDescribe: {
      const dsl::Describe& d = *st.describe;
      if (d.list) {
        TextTable all;
        for (const auto& [name, def] : engine.catalog().sources()) {
          if (def.is_table != (*d.list == dsl::ShowKind::kTables)) continue;
          ASSIGN_OR_RETURN(TextTable one, DescribeSource(engine, name, d.extended));
          all.note += one.note + "\n";
        }
        return all;
      }
      if (d.function) return DescribeFunction(d.name);
      return DescribeSource(engine, d.name, d.extended);
    }
    case K::kExplain: {
      std::string text = engine.Explain(st.explain->query_id);
      if (text.empty()) return Status::NotFound(fmt::format("Query with id:{} does not exist", st.explain->query_id));
      TextTable t;
      t.note = text;
      return t;
    }
    case K::kPrint: {
      const dsl::PrintTopic& p = *st.print;
      if (!engine.log().HasTopic(p.topic)) return Status::NotFound(fmt::format("Could not find topic '{}'", p.topic));
      TextTable t;
      t.columns = {"rowtime", "partition", "offset", "key", "value"};
      int64_t limit = p.limit.value_or(INT64_MAX);
      for (int part = 0; part < engine.log().Partitions(p.topic) && limit > 0; ++part) {
        std::vector<RawRecord> recs;
        RETURN_IF_ERROR(engine.log().Read(p.topic, part, 0, static_cast<size_t>(limit), recs));
        for (const auto& r : recs) {
          t.rows.push_back({std::to_string(r.timestamp), std::to_string(part), std::to_string(r.offset),
                            r.key ? *r.key : "<null>", r.value ? *r.value : "<null>"});
          if (--limit <= 0) break;
        }
      }
      return t;
    }
    default: break;
  }
  return Status::Invalid("not an introspection statement");
}

namespace {

// Characters on screen: UTF-8 continuation bytes take no column of their own.
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `columns` characters of `s` (whole UTF-8 sequences), removed from it.
std::string TakeColumns(std::string_view& s, size_t columns) {
  size_t i = 0, seen = 0;
  while (i < s.size()) {
    bool starts = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (starts && seen == columns) break;
    seen += starts;
    ++i;
  }
  std::string out(s.substr(0, i));
  s.remove_prefix(i);
  return out;
}

}  // namespace

std::vector<size_t> FitWidths(std::vector<size_t> widths, size_t max_width) {
  constexpr size_t kMinWidth = 8;
  size_t frame = 3 * widths.size() + 1;
  if (max_width == 0 || max_width <= frame) return widths;
  size_t budget = max_width - frame, total = 0;
  for (size_t w : widths) total += w;
  while (total > budget) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= kMinWidth) break;
    --*widest;
    --total;
  }
  return widths;
}

std::string RenderSeparator(const std::vector<size_t>& widths) {
  std::string sep = "+";
  for (size_t w : widths) sep += std::string(w + 2, '-') + "+";
  return sep + "\n";
}

std::string RenderRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths, bool wrap) {
  std::vector<std::string_view> rest;
  for (size_t i = 0; i < widths.size(); ++i) rest.push_back(i < cells.size() ? std::string_view(cells[i]) : "");
  std::string out;
  bool first = true;
  while (first || std::any_of(rest.begin(), rest.end(), [](std::string_view r) { return !r.empty(); })) {
    first = false;
    out += "|";
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string piece = TakeColumns(rest[i], wrap ? std::max<size_t>(widths[i], 1) : rest[i].size());
      out += " " + piece + std::string(widths[i] - std::min(widths[i], DisplayWidth(piece)), ' ') + " |";
    }
    out += "\n";
  }
  return out;
}

std::string RenderTable(const TextTable& t, size_t max_width) {
  std::string out;
  if (!t.columns.empty()) {
    std::vector<size_t> w;
    for (const auto& c : t.columns) w.push_back(DisplayWidth(c));
    for (const auto& r : t.rows)
      for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], DisplayWidth(r[i]));
    w = FitWidths(std::move(w), max_width);
    std::string sep = RenderSeparator(w);
    out += sep + RenderRow(t.columns, w) + sep;
    for (const auto& r : t.rows) out += RenderRow(r, w);
    out += sep;
  }
  out += t.note;
  (void)Lower;
  return out;
}

}  // namespace eddy
