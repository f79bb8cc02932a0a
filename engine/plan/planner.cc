#include "engine/plan/planner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <tuple>

#include "dsl/analyzer.h"
#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "engine/function/timestamp_text.h"
#include "engine/io/format.h"
#include "operators/aggregate.h"
#include "operators/window_aggregate.h"
#include "operators/table_aggregate.h"
#include "operators/having_filter.h"
#include "operators/filter.h"
#include "operators/flat_map.h"
#include "operators/fk_join.h"
#include "operators/project.h"
#include "operators/rekey.h"
#include "operators/sink.h"
#include "operators/source.h"
#include "operators/stream_stream_join.h"
#include "operators/stream_table_join.h"
#include "operators/table_table_join.h"
#include "operators/widen.h"

namespace eddy {
namespace {

using dsl::Expr;
using dsl::ExprKind;

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// ---- WITH properties -------------------------------------------------------------------------

class Props {
 public:
  explicit Props(const std::vector<dsl::Property>& props) : props_(props) {}
  const dsl::Property* Find(const std::string& name) const {
    for (const auto& p : props_)
      if (p.name == name) return &p;
    return nullptr;
  }
  std::optional<std::string> String(const std::string& name) const {
    const dsl::Property* p = Find(name);
    if (!p) return std::nullopt;
    return p->value;
  }
  Status CheckKnown(const std::set<std::string>& known) const {
    std::string bad;
    for (const auto& p : props_)
      if (!known.count(p.name)) bad += (bad.empty() ? "" : ", ") + p.name;
    if (!bad.empty()) return Status::Invalid(fmt::format("Invalid config variable(s) in the WITH clause: {}", bad));
    return Status::Ok();
  }
  // PARTITIONS, when given: a whole number from 1 to kMaxPartitions (every log keeps state per
  // partition, so an absurd count must not reach it). Absent leaves `out` as it is.
  static constexpr int64_t kMaxPartitions = 10000;
  Status Partitions(int& out) const {
    const dsl::Property* p = Find("PARTITIONS");
    if (!p) return Status::Ok();
    int64_t n = 0;
    const char* end = p->value.data() + p->value.size();
    auto [at, ec] = std::from_chars(p->value.data(), end, n);
    if (ec != std::errc() || at != end || n < 1 || n > kMaxPartitions) {
      return Status::Invalid(
          fmt::format("Invalid value '{}' for PARTITIONS: a whole number from 1 to {} is needed", p->value,
                      kMaxPartitions),
          p->pos);
    }
    out = static_cast<int>(n);
    return Status::Ok();
  }

 private:
  const std::vector<dsl::Property>& props_;
};

const std::set<std::string> kKnownFormats = {"JSON", "KAFKA", "DELIMITED", "NONE", "AVRO", "PROTOBUF",
                                             "PROTOBUF_NOSR", "JSON_SR"};

Status CheckFormatName(const std::string& f, SourcePos pos) {
  if (!kKnownFormats.count(f)) return Status::Invalid(fmt::format("Unknown format: {}", f), pos);
  if (f == "AVRO" || f == "PROTOBUF" || f == "JSON_SR")
    return Status::Unsupported(fmt::format("The {} format needs a schema registry, which eddy does not support yet", f), pos);
  return Status::Ok();
}

// Applies FORMAT / KEY_FORMAT / VALUE_FORMAT / WRAP_SINGLE_VALUE / VALUE_DELIMITER to `def`.
Status ApplyFormats(const Props& props, const std::vector<dsl::Property>& raw, SourceDef& def,
                    const PlanOptions& options, bool value_format_required) {
  auto fmt_prop = props.Find("FORMAT");
  auto key_prop = props.Find("KEY_FORMAT");
  auto val_prop = props.Find("VALUE_FORMAT");
  if (fmt_prop && (key_prop || val_prop)) {
    return Status::Invalid(fmt::format("Cannot supply both '{}' and 'FORMAT' properties, as 'FORMAT' sets both key "
                                       "and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and "
                                       "'VALUE_FORMAT'.", key_prop ? "KEY_FORMAT" : "VALUE_FORMAT"), fmt_prop->pos);
  }
  if (fmt_prop) {
    def.key_format = def.value_format = Upper(fmt_prop->value);
    RETURN_IF_ERROR(CheckFormatName(def.value_format, fmt_prop->pos));
  }
  if (key_prop) {
    def.key_format = Upper(key_prop->value);
    RETURN_IF_ERROR(CheckFormatName(def.key_format, key_prop->pos));
  }
  if (val_prop) {
    def.value_format = Upper(val_prop->value);
    RETURN_IF_ERROR(CheckFormatName(def.value_format, val_prop->pos));
  }
  if (!fmt_prop && !key_prop && value_format_required) {
    auto it = options.properties.find("ksql.persistence.default.format.key");
    if (it != options.properties.end()) def.key_format = Upper(it->second);
  }
  if (!fmt_prop && !val_prop && value_format_required) {
    auto it = options.properties.find("ksql.persistence.default.format.value");
    if (it == options.properties.end()) {
      return Status::Invalid("Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide "
                             "one or set a default via the 'ksql.persistence.default.format.value' config.");
    }
    def.value_format = Upper(it->second);
  }
  if (const dsl::Property* w = props.Find("WRAP_SINGLE_VALUE")) {
    def.wrap_single_value = Upper(w->value) == "TRUE";
  }
  // KEY_DELIMITER / VALUE_DELIMITER: one character, or TAB or SPACE; only for DELIMITED.
  for (const bool key : {true, false}) {
    const char* name = key ? "KEY_DELIMITER" : "VALUE_DELIMITER";
    const dsl::Property* d = props.Find(name);
    if (!d) continue;
    char& out = key ? def.key_delimiter : def.value_delimiter;
    std::string v = d->value;
    if (Upper(v) == "TAB") out = '\t';
    else if (Upper(v) == "SPACE") out = ' ';
    else if (v.size() == 1 && v != " " && v != "\t") out = v[0];
    else if (v.empty() || v == " " || v == "\t")
      return Status::Invalid(fmt::format("Failed to prepare statement: Configuration {} is invalid: Delimiter cannot "
                                         "be empty, if you meant to have a tab or space for delimiter, please use the "
                                         "special values 'TAB' or 'SPACE'\nExample valid value: ';'", name), d->pos);
    else
      return Status::Invalid(fmt::format("Failed to prepare statement: Configuration {} is invalid: "
                                         "Invalid delimiter value: '{}'. Delimiter must be a single character or "
                                         "TAB,SPACE\nExample valid value: ';'", name, v), d->pos);
    const std::string& format = key ? def.key_format : def.value_format;
    if (format != "DELIMITED")
      return Status::Invalid(fmt::format("{} does not support the following configs: [delimiter]", format), d->pos);
  }
  return Status::Ok();
}

FormatOptions KeyFormatOptions(const SourceDef& def) {
  FormatOptions o;
  o.is_key = true;
  o.delimiter = def.key_delimiter;
  return o;
}

FormatOptions ValueFormatOptions(const SourceDef& def) {
  FormatOptions o;
  o.wrap_single_value = def.wrap_single_value;
  o.delimiter = def.value_delimiter;
  return o;
}

bool HasNonStringMapKey(const Type& t) {
  if (t.kind == TypeKind::kMap) return t.key->kind != TypeKind::kString || HasNonStringMapKey(*t.element);
  if (t.kind == TypeKind::kArray) return HasNonStringMapKey(*t.element);
  if (t.kind == TypeKind::kStruct)
    for (const auto& f : t.fields)
      if (HasNonStringMapKey(*f.type)) return true;
  return false;
}

Status CheckFormats(const SourceDef& def) {
  if (def.value_format == "JSON") {
    for (const auto& c : def.schema.value)
      if (HasNonStringMapKey(*c.type)) return Status::Invalid("JSON only supports MAP types with STRING keys");
  }
  {
    auto f = MakeFormat(def.key_format, def.schema.key, KeyFormatOptions(def));
    if (!f.ok()) {
      // ksqlDB's wording, which names the format and the key's persistence schema.
      std::string cols;
      for (const auto& c : def.schema.key)
        cols += fmt::format("{}`{}` {} KEY", cols.empty() ? "" : ", ", c.name, c.type->ToString());
      return Status::Invalid(
                    fmt::format("Key format does not support schema.\nformat: {}\nschema: Persistence{{columns=[{}], "
                                "features=[]}}\nreason: {}", def.key_format, cols, f.status().message()),
                    f.status().pos());
    }
  }
  auto f = MakeFormat(def.value_format, def.schema.value, ValueFormatOptions(def));
  return f.status();
}

// Map keys serialize inconsistently, so ksqlDB refuses them (and anything holding a map).
bool ContainsMap(const Type& t) {
  if (t.kind == TypeKind::kMap) return true;
  if (t.kind == TypeKind::kArray) return ContainsMap(*t.element);
  if (t.kind == TypeKind::kStruct)
    for (const auto& f : t.fields)
      if (ContainsMap(*f.type)) return true;
  return false;
}

Status CheckKeyTypes(const Schema& schema, SourcePos pos) {
  for (const auto& c : schema.key) {
    if (!ContainsMap(*c.type)) continue;
    return Status::Invalid(fmt::format("Map keys, including types that contain maps, are not supported as they may "
                                       "lead to unexpected behavior due to inconsistent serialization. Key column "
                                       "name: `{}`. Column type: {}. See "
                                       "https://github.com/confluentinc/ksql/issues/6621 for more.",
                                       c.name, c.type->ToString()), pos);
  }
  return Status::Ok();
}

// ---- CREATE STREAM|TABLE ---------------------------------------------------------------------

const std::set<std::string> kCreateProps = {"KAFKA_TOPIC", "KEY_FORMAT", "VALUE_FORMAT", "FORMAT", "PARTITIONS",
                                            "REPLICAS", "TIMESTAMP", "TIMESTAMP_FORMAT", "WRAP_SINGLE_VALUE",
                                            "VALUE_DELIMITER", "KEY_DELIMITER", "WINDOW_TYPE", "WINDOW_SIZE",
                                            "RETENTION_MS", "KEY_SCHEMA_ID", "VALUE_SCHEMA_ID",
                                            "KEY_SCHEMA_FULL_NAME", "VALUE_SCHEMA_FULL_NAME",
                                            "VALUE_AVRO_SCHEMA_FULL_NAME", "SOURCE_CONNECTOR"};

// WITH (TIMESTAMP='col' [, TIMESTAMP_FORMAT='pattern']) on a source or a C*AS sink: the column
// (key or value) whose value is the record's event time, as ksqlDB's
// TimestampExtractionPolicyFactory checks it.
// The column a TIMESTAMP property names: a quoted identifier keeps its case; otherwise upper-case.
std::string TimestampColumnName(const dsl::Property& ts) {
  const std::string& col = ts.value;
  if (col.size() >= 2 && col.front() == '`' && col.back() == '`') return col.substr(1, col.size() - 2);
  return Upper(col);
}

Status ApplyTimestamp(const Props& props, SourceDef& def) {
  auto ts = props.Find("TIMESTAMP");
  if (!ts) return Status::Ok();
  std::string col = TimestampColumnName(*ts);
  const Column* column = nullptr;
  if (auto k = def.schema.KeyIndex(col)) column = &def.schema.key[*k];
  else if (auto v = def.schema.ValueIndex(col)) column = &def.schema.value[*v];
  if (!column) {
    return Status::Invalid(fmt::format("The TIMESTAMP column set in the WITH clause does not exist in the schema: "
                                       "'{}'", col), ts->pos);
  }
  TypeKind kind = column->type->kind;
  const dsl::Property* f = props.Find("TIMESTAMP_FORMAT");
  if (kind == TypeKind::kString) {
    if (!f)
      return Status::Invalid("A String timestamp field has been specified without also specifying the "
                             "timestamp_format", ts->pos);
    Result<TimestampTextParser> parser = TimestampTextParser::Make(f->value);
    if (!parser.ok())
      return Status::Invalid(fmt::format("Invalid datetime format for config:TIMESTAMP_FORMAT, reason:{}",
                                         parser.status().message()), f->pos);
    def.timestamp_format = f->value;
  } else if (f) {
    return Status::Invalid("'TIMESTAMP_FORMAT' set in the WITH clause can only be used when the timestamp column in "
                           "of type STRING.", f->pos);
  } else if (kind != TypeKind::kBigint && kind != TypeKind::kTimestamp) {
    return Status::Invalid(fmt::format("Timestamp column, `{}`, should be LONG(INT64), TIMESTAMP, or a String with a "
                                       "timestamp_format specified", col), ts->pos);
  }
  def.timestamp_column = col;
  return Status::Ok();
}

// WINDOW_TYPE / WINDOW_SIZE of CREATE STREAM|TABLE: the source's keys are windowed.
// WINDOW_SIZE is "<n> <unit>" (MILLISECOND(S) ... DAY(S)), required for the time windows and
// refused for SESSION, as ksqlDB does.
Status ApplyWindow(const Props& props, SourceDef& def) {
  const dsl::Property* type = props.Find("WINDOW_TYPE");
  const dsl::Property* size = props.Find("WINDOW_SIZE");
  if (!type) {
    if (size) return Status::Invalid("'WINDOW_SIZE' should only be set with 'WINDOW_TYPE'.", size->pos);
    return Status::Ok();
  }
  const std::string t = Upper(type->value);
  if (t != "SESSION" && t != "HOPPING" && t != "TUMBLING")
    return Status::Invalid(fmt::format("Invalid value {} for property WINDOW_TYPE: String must be one of: SESSION, "
                                       "HOPPING, TUMBLING", type->value), type->pos);
  def.window_type = t;
  if (def.schema.key.empty()) return Status::Invalid("Windowed sources require a key column.", type->pos);
  if (t == "SESSION") {
    if (size) return Status::Invalid("'WINDOW_SIZE' should not be set for SESSION windows.", size->pos);
    return Status::Ok();
  }
  if (!size)
    return Status::Invalid("Tumbling and Hopping window types should set 'WINDOW_SIZE' in the WITH clause.", type->pos);
  std::string text = Upper(size->value);
  size_t space = text.find(' ');
  int64_t n = 0;
  const std::string digits = text.substr(0, space);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  std::string unit = space == std::string::npos ? "" : text.substr(text.find_first_not_of(' ', space));
  if (!unit.empty() && unit.back() == 'S') unit.pop_back();
  static const std::map<std::string, int64_t> kUnits = {{"MILLISECOND", 1}, {"SECOND", 1000}, {"MINUTE", 60000},
                                                       {"HOUR", 3600000}, {"DAY", 86400000}};
  auto it = kUnits.find(unit);
  if (ec != std::errc() || end != digits.data() + digits.size() || n <= 0 || it == kUnits.end())
    return Status::Invalid(fmt::format("Invalid WINDOW_SIZE property : {}", size->value), size->pos);
  def.window_size_ms = n * it->second;
  return Status::Ok();
}

// The event-time column of a source or sink, as ApplyTimestamp checked it.
Result<std::optional<EventTimeColumn>> EventTimeOf(const SourceDef& def) {
  if (!def.timestamp_column) return std::optional<EventTimeColumn>();
  EventTimeColumn c;
  c.name = *def.timestamp_column;
  if (auto k = def.schema.KeyIndex(c.name)) {
    c.index = *k;
    c.in_key = true;
  } else if (auto v = def.schema.ValueIndex(c.name)) {
    c.index = *v;
  } else {
    return Status::Internal(fmt::format("timestamp column {} is not in {}", c.name, def.name));
  }
  if (!def.timestamp_format.empty()) {
    ASSIGN_OR_RETURN(TimestampTextParser parser, TimestampTextParser::Make(def.timestamp_format));
    c.parser = std::move(parser);
  }
  return std::optional<EventTimeColumn>(std::move(c));
}

bool HasHeaderColumns(const Schema& schema) {
  for (const auto& c : schema.value)
    if (c.role == ColumnRole::kHeader) return true;
  return false;
}

// A HEADERS or HEADER('k') column of a CREATE, against the header columns declared before it:
// ksqlDB's type rules; nothing after a HEADERS column, and one column per header key. (ksqlDB
// checks in declaration order: HEADER('k') after HEADERS is rejected, HEADERS after HEADER('k')
// is not.)
Status CheckHeaderColumn(const Column& c, const Schema& so_far) {
  if (!c.header_key.empty()) {
    if (c.type->kind != TypeKind::kBytes) {
      return Status::Invalid(fmt::format("Invalid type for HEADER('{}') column: expected BYTES, got {}", c.header_key,
                                         c.type->ToString()));
    }
  } else if (c.type->ToString() != "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>") {
    return Status::Invalid(fmt::format("Invalid type for HEADERS column: expected ARRAY<STRUCT<`KEY` STRING, `VALUE` "
                                       "BYTES>>, got {}", c.type->ToString()));
  }
  for (const auto& o : so_far.value) {
    if (o.role != ColumnRole::kHeader) continue;
    if (o.header_key.empty()) return Status::Invalid("Schema already contains a HEADERS column.");
    if (!c.header_key.empty() && o.header_key == c.header_key)
      return Status::Invalid(fmt::format("Schema already contains a HEADER('{}') column.", c.header_key));
  }
  return Status::Ok();
}

Result<PlannedStatement> PlanCreateSource(const dsl::Statement& st, const Catalog& catalog,
                                          const PlanOptions& options) {
  const dsl::CreateSource& cs = *st.create_source;
  const char* kind = cs.is_table ? "table" : "stream";
  if (cs.or_replace && cs.is_source)
    return Status::Invalid(fmt::format("Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}s.", kind,
                                       cs.name, kind), cs.name_pos);
  if (const SourceDef* existing = catalog.FindSource(cs.name)) {
    if (cs.if_not_exists) return PlannedStatement{};
    if (!cs.or_replace) {
      return Status::Invalid(fmt::format("Cannot add {} '{}': A {} with the same name already exists", kind, cs.name,
                                         existing->is_table ? "table" : "stream"), cs.name_pos);
    }
    if (cs.is_source || existing->is_source)
      return Status::Invalid(fmt::format("Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}s.",
                                         kind, cs.name, kind), cs.name_pos);
  }
  Props props(cs.properties);
  RETURN_IF_ERROR(props.CheckKnown(kCreateProps));
  SourceDef def;
  def.name = cs.name;
  def.is_table = cs.is_table;
  def.is_source = cs.is_source;
  def.statement_text = st.text;
  auto topic = props.String("KAFKA_TOPIC");
  if (!topic) return Status::Invalid("Missing required property \"KAFKA_TOPIC\" which has no default value.", st.pos);
  def.topic = *topic;
  RETURN_IF_ERROR(ApplyFormats(props, cs.properties, def, options, true));
  RETURN_IF_ERROR(props.Partitions(def.partitions));
  std::set<std::string> seen;
  for (const auto& el : cs.elements) {
    if (!seen.insert(el.name).second)
      return Status::Invalid(fmt::format("Duplicate column names: {}", el.name), el.pos);
    if (el.name == "ROWTIME" || el.name == "ROWPARTITION" || el.name == "ROWOFFSET" || el.name == "WINDOWSTART" ||
        el.name == "WINDOWEND")
      return Status::Invalid(fmt::format("'{}' is a reserved column name. You cannot use it as a name for a column.",
                                         el.name), el.pos);
    Column c{el.name, el.type, el.role, el.header_key};
    if (el.role == ColumnRole::kKey) {
      if (cs.is_table && !el.primary_key)
        return Status::Invalid(fmt::format("Column `{}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n"
                                           "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
                                           "Streams have KEYs, which have no uniqueness or NON NULL constraints.",
                                           el.name), el.pos);
      if (!cs.is_table && el.primary_key)
        return Status::Invalid(fmt::format("Column `{}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n"
                                           "Tables have PRIMARY KEYs, which are unique and NON NULL.\n"
                                           "Streams have KEYs, which have no uniqueness or NON NULL constraints.",
                                           el.name), el.pos);
      def.schema.key.push_back(std::move(c));
    } else if (el.role == ColumnRole::kHeader) {
      RETURN_IF_ERROR(CheckHeaderColumn(c, def.schema).WithPos(el.pos));
      def.schema.value.push_back(std::move(c));
    } else {
      def.schema.value.push_back(std::move(c));
    }
  }
  if (cs.is_table && def.schema.key.empty())
    return Status::Invalid("Tables require a PRIMARY KEY. Please define the PRIMARY KEY.", cs.name_pos);
  if (cs.elements.empty())
    return Status::Unsupported("inferring columns from a schema registry is not supported; list the columns",
                               cs.name_pos);
  RETURN_IF_ERROR(ApplyTimestamp(props, def));
  RETURN_IF_ERROR(ApplyWindow(props, def));
  RETURN_IF_ERROR(CheckKeyTypes(def.schema, st.pos));
  RETURN_IF_ERROR(CheckFormats(def).WithPos(st.pos));
  PlannedStatement out;
  out.kind = PlannedStatement::Kind::kCreateSource;
  out.topic = def.topic;
  out.topic_partitions = def.partitions;
  out.or_replace = cs.or_replace;
  out.source = std::move(def);
  return out;
}

// ---- queries -----------------------------------------------------------------------------------

struct SourceRef {
  SourceDef def;
  std::string alias;
  int offset = 0;  // first column in the wide row
  int width = 0;   // key + value + pseudo-columns
};

// One item of the select list after `*` is expanded.
struct OutputItem {
  const Expr* expr = nullptr;
  std::string name;
  SourcePos pos;
};

dsl::ExprPtr CloneExpr(const Expr& e) {
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->pos = e.pos;
  c->lit_kind = e.lit_kind;
  c->text = e.text;
  c->qualifier = e.qualifier;
  c->name = e.name;
  c->bin_op = e.bin_op;
  c->un_op = e.un_op;
  c->negated = e.negated;
  c->has_else = e.has_else;
  c->star = e.star;
  c->cast_type = e.cast_type;
  c->field_names = e.field_names;
  for (const auto& ch : e.children) c->children.push_back(CloneExpr(*ch));
  return c;
}

// ksqlDB's "magic" pseudo-timestamps: in WHERE and HAVING, a string literal compared with ROWTIME,
// WINDOWSTART or WINDOWEND (=, <>, <, <=, >, >=, or as a BETWEEN bound) is read as a point in
// time ('2018', '2019-01-01T00:00:00+0445') and replaced by its epoch milliseconds.
bool IsTimeColumn(const Expr& e) {
  return e.kind == ExprKind::kColumnRef && (e.name == "ROWTIME" || e.name == "WINDOWSTART" || e.name == "WINDOWEND");
}

Status ToEpochLiteral(Expr& e) {
  if (e.kind != ExprKind::kLiteral || e.lit_kind != dsl::LiteralKind::kString) return Status::Ok();
  Result<int64_t> ms = ParsePartialTimestamp(e.text);
  if (!ms.ok()) return Status::Invalid(ms.status().message(), e.pos);
  e.lit_kind = dsl::LiteralKind::kInteger;
  e.text = std::to_string(ms.value());
  return Status::Ok();
}

Status RewriteMagicTimestamps(Expr& e) {
  for (auto& c : e.children) RETURN_IF_ERROR(RewriteMagicTimestamps(*c));
  if (e.kind == ExprKind::kBetween && IsTimeColumn(*e.children[0])) {
    RETURN_IF_ERROR(ToEpochLiteral(*e.children[1]));
    return ToEpochLiteral(*e.children[2]);
  }
  bool comparison = e.bin_op == dsl::BinaryOp::kEq || e.bin_op == dsl::BinaryOp::kNe || e.bin_op == dsl::BinaryOp::kLt ||
                    e.bin_op == dsl::BinaryOp::kLe || e.bin_op == dsl::BinaryOp::kGt || e.bin_op == dsl::BinaryOp::kGe;
  if (e.kind != ExprKind::kBinary || !comparison) return Status::Ok();
  if (IsTimeColumn(*e.children[0])) return ToEpochLiteral(*e.children[1]);
  if (IsTimeColumn(*e.children[1])) return ToEpochLiteral(*e.children[0]);
  return Status::Ok();
}

bool IsAggregateCall(const Expr& e, const FunctionRegistry& reg) {
  return e.kind == ExprKind::kFunctionCall && reg.FindAggregate(e.name) && !reg.FindScalar(e.name);
}

bool ContainsAggregate(const Expr& e, const FunctionRegistry& reg) {
  bool found = false;
  dsl::VisitExpr(e, [&](const Expr& x) {
    if (IsAggregateCall(x, reg)) found = true;
    return !found;
  });
  return found;
}

// Puts an analysis error of one clause in ksqlDB's words: "WHERE column 'X' cannot be
// resolved.", "Error in WHERE expression: Cannot compare ...", "Invalid Select: Cast of ...".
Status ClauseError(const Status& st, const std::string& clause) {
  const std::string& m = st.message();
  if (st.code() == StatusCode::kNotFound && m.rfind("Column '", 0) == 0)
    return Status::NotFound(clause + " column '" + m.substr(8), st.pos());
  if (clause == "SELECT" && m.rfind("Cast of ", 0) == 0) return Status::Invalid("Invalid Select: " + m, st.pos());
  if ((clause == "WHERE" || clause == "HAVING") &&
      (m.rfind("Cannot compare ", 0) == 0 || m.rfind("Error processing expression", 0) == 0))
    return Status::Invalid(fmt::format("Error in {} expression: {}", clause, m), st.pos());
  return st;
}

bool IsNullLiteral(const Expr& e) { return e.kind == ExprKind::kLiteral && e.lit_kind == dsl::LiteralKind::kNull; }

// What a query's operators and output look like; built by QueryBuilder, at plan time to check
// the statement and again in QueryPlan::Build for each task.
class QueryBuilder {
 public:
  QueryBuilder(const dsl::Query& q, std::vector<SourceRef> sources, std::string sink_name, bool persistent,
               bool new_planner)
      : q_(q), sources_(std::move(sources)), sink_name_(std::move(sink_name)), persistent_(persistent),
        new_planner_(new_planner), reg_(FunctionRegistry::Builtins()) {}
  // The properties configurable functions read (COLLECT_LIST's limit, ...); must outlive Build.
  void set_function_properties(const std::map<std::string, std::string>* p) { function_properties_ = p; }

  // Builds the operators up to (not including) the sink.
  Status Build() {
    topo_ = std::make_unique<Topology>();
    BuildScope();
    RETURN_IF_ERROR(BuildInputs());
    if (q_.where) {
      // ksqlDB checks WHERE against the source's columns first: a windowed aggregate's window
      // bounds are not among them (a windowed source's are).
      const Expr* bound = nullptr;
      dsl::VisitExpr(*q_.where, [&](const Expr& x) {
        if (!bound && q_.window && IsWindowBound(x) && !dsl::ResolveColumnRef(x, scope_)) bound = &x;
        return !bound;
      });
      if (bound)
        return Status::Invalid(fmt::format("Error in WHERE expression: Unknown column {}.", bound->name), bound->pos);
      if (ContainsAggregate(*q_.where, reg_))
        return Status::Invalid("Aggregate functions are not allowed in the WHERE clause.", q_.where->pos);
      where_rewritten_ = CloneExpr(*q_.where);
      RETURN_IF_ERROR(RewriteMagicTimestamps(*where_rewritten_));
      Result<CompiledExprPtr> analyzed = dsl::AnalyzeExpr(*where_rewritten_, scope_, reg_);
      if (!analyzed.ok()) return ClauseError(analyzed.status(), "WHERE");
      CompiledExprPtr pred = std::move(analyzed).value();
      if (pred->type()->kind != TypeKind::kBoolean)
        return Status::Invalid(fmt::format("Type error in WHERE expression: Should evaluate to boolean but is {} ({}) "
                                           "instead.", dsl::FormatExpr(*q_.where), pred->type()->ToString()),
                               q_.where->pos);
      where_ = Add(std::make_unique<FilterOperator>(std::move(pred), dsl::FormatExpr(*q_.where),
                                                    !output_is_table_));
    }
    if (!q_.partition_by.empty()) RETURN_IF_ERROR(BuildPartitionBy());
    RETURN_IF_ERROR(ExpandSelect());
    RETURN_IF_ERROR(CheckSinkTimestamp());
    bool aggregate = !q_.group_by.empty();
    for (const auto& item : items_) aggregate = aggregate || ContainsAggregate(*item.expr, reg_);
    if (q_.having) aggregate = true;
    if (q_.window && !aggregate)
      return Status::Unsupported("WINDOW without GROUP BY is not supported yet", q_.window->pos);
    if (q_.emit == dsl::EmitKind::kFinal && !(aggregate && q_.window))
      return Status::Invalid("EMIT FINAL is only supported for windowed aggregations.", q_.pos);
    RETURN_IF_ERROR(BuildTableFunctions(aggregate));
    aggregate_ = aggregate;
    if (aggregate) return BuildAggregate();
    // A table's WHERE deletes a row that stops matching (FilterOperator::set_track_passing).
    if (where_ && output_is_table_ && persistent_) where_->set_track_passing(fmt::format("{}-where", sink_name_));
    return BuildProjection();
  }

  std::unique_ptr<Topology> TakeTopology() { return std::move(topo_); }
  // The sink's WITH (TIMESTAMP=...) column, which the projection must name (checked before the
  // projection's shape, as ksqlDB does).
  void set_sink_timestamp(std::string column, SourcePos pos) { sink_timestamp_ = {std::move(column), pos}; }
  bool output_is_table() const { return output_is_table_; }
  const Schema& output_schema() const { return output_schema_; }
  // The window type and size of the output's keys: a windowed aggregate's; without an aggregate,
  // the first source's (a join of windowed sources keeps their windows). "" when not windowed.
  std::pair<std::string, std::optional<int64_t>> OutputWindow() const {
    if (aggregate_) {
      if (!q_.window) return {"", std::nullopt};
      switch (q_.window->type) {
        case dsl::WindowType::kSession: return {"SESSION", std::nullopt};
        case dsl::WindowType::kHopping: return {"HOPPING", q_.window->size.millis};
        case dsl::WindowType::kTumbling: return {"TUMBLING", q_.window->size.millis};
      }
    }
    return {sources_[0].def.window_type, sources_[0].def.window_size_ms};
  }

 private:
  void BuildScope() {
    int offset = 0;
    for (auto& s : sources_) {
      s.offset = offset;
      int i = offset;
      std::string q = s.alias.empty() ? s.def.name : s.alias;
      scope_.sources.emplace_back(q, s.def.name);
      for (const auto& c : s.def.schema.key) scope_.columns.push_back({q, s.def.name, c.name, c.type, i++, false});
      for (const auto& c : s.def.schema.value) scope_.columns.push_back({q, s.def.name, c.name, c.type, i++, false});
      scope_.columns.push_back({q, s.def.name, "ROWTIME", Type::Bigint(), i++, true});
      scope_.columns.push_back({q, s.def.name, "ROWPARTITION", Type::Int(), i++, true});
      scope_.columns.push_back({q, s.def.name, "ROWOFFSET", Type::Bigint(), i++, true});
      if (!s.def.window_type.empty()) {
        // A windowed source's window bounds (WidenOperator appends them).
        scope_.columns.push_back({q, s.def.name, "WINDOWSTART", Type::Bigint(), i++, true});
        scope_.columns.push_back({q, s.def.name, "WINDOWEND", Type::Bigint(), i++, true});
      }
      s.width = i - offset;
      offset = i;
    }
  }

  template <typename Op>
  Op* Add(std::unique_ptr<Op> op, bool chain = true) {
    Op* raw = op.get();
    if (chain && tail_) tail_->set_downstream(raw);
    if (chain) tail_ = raw;
    topo_->operators.push_back(std::move(op));
    return raw;
  }

  Result<SourceOperator*> MakeSource(const SourceDef& def) {
    SourceSpec spec;
    spec.name = def.name;
    spec.topic = def.topic;
    spec.is_table = def.is_table;
    spec.key_columns = def.schema.key.size();
    spec.value_columns = def.schema.value.size();
    ASSIGN_OR_RETURN(spec.key_format, MakeFormat(def.key_format, def.schema.key, KeyFormatOptions(def)));
    ASSIGN_OR_RETURN(spec.value_format, MakeFormat(def.value_format, def.schema.value, ValueFormatOptions(def)));
    ASSIGN_OR_RETURN(spec.timestamp_column, EventTimeOf(def));
    for (size_t i = 0; i < def.schema.value.size(); ++i) {
      const Column& c = def.schema.value[i];
      if (c.role == ColumnRole::kHeader) spec.header_columns.push_back({i, c.header_key.empty(), c.header_key});
    }
    // ksqlDB passes a stream's null values through projections and PARTITION BY (joins and
    // aggregates drop them).
    spec.forward_null_values = !def.is_table;
    auto op = std::make_unique<SourceOperator>(std::move(spec));
    SourceOperator* raw = op.get();
    topo_->operators.push_back(std::move(op));
    topo_->sources.push_back(raw);
    return raw;
  }

  // Which source (index) every column reference in `e` belongs to; -1 if none, -2 if several.
  int SourceOf(const Expr& e) {
    int found = -1;
    dsl::VisitExpr(e, [&](const Expr& x) {
      if (x.kind == ExprKind::kColumnRef) {
        const dsl::ScopeColumn* c = dsl::ResolveColumnRef(x, scope_);
        if (c) {
          int idx = 0;
          for (size_t i = 0; i < sources_.size(); ++i)
            if (c->index >= sources_[i].offset && c->index < sources_[i].offset + sources_[i].width) idx = static_cast<int>(i);
          if (found == -1) found = idx;
          else if (found != idx) found = -2;
        }
      }
      return true;
    });
    return found;
  }

  Status BuildInputs() {
    ASSIGN_OR_RETURN(SourceOperator* left, MakeSource(sources_[0].def));
    tail_ = left;
    Add(std::make_unique<WidenOperator>(!sources_[0].def.window_type.empty()));
    output_is_table_ = sources_[0].def.is_table;
    if (q_.joins.empty()) return Status::Ok();
    return BuildJoins();
  }

  Status CheckSinkTimestamp() const {
    if (!sink_timestamp_) return Status::Ok();
    for (const auto& item : items_)
      if (item.name == sink_timestamp_->first) return Status::Ok();
    return Status::Invalid(fmt::format("The TIMESTAMP column set in the WITH clause does not exist in the schema: "
                                       "'{}'", sink_timestamp_->first), sink_timestamp_->second);
  }

  // ---- joins ---------------------------------------------------------------------------------
  // ksqlDB builds a left-deep tree: each JOIN joins everything so far (the left side, its rows
  // the prefix of the wide row) to one more source. Streams are re-keyed by their join
  // expression; tables must be joined on their primary key. The result's key is the join key.

  static const char* JoinTypeText(dsl::JoinType t) {
    switch (t) {
      case dsl::JoinType::kInner: return "[INNER] JOIN";
      case dsl::JoinType::kLeft: return "LEFT [OUTER] JOIN";
      case dsl::JoinType::kRight: return "RIGHT [OUTER] JOIN";
      case dsl::JoinType::kFull: return "[FULL] OUTER JOIN";
    }
    return "JOIN";
  }

  std::string SourceLabel(int i) const {
    return sources_[i].alias.empty() ? sources_[i].def.name : sources_[i].alias;
  }

  // The columns of source `i` alone, indexed from 0: the scope of its own rows before a join.
  dsl::Scope SourceScope(int i) const {
    dsl::Scope s;
    s.sources.push_back(scope_.sources[i]);
    const SourceRef& src = sources_[i];
    for (const auto& c : scope_.columns) {
      if (c.index < src.offset || c.index >= src.offset + src.width) continue;
      dsl::ScopeColumn copy = c;
      copy.index -= src.offset;
      s.columns.push_back(copy);
    }
    return s;
  }

  // Whether `e` is a reference to the (single) key column of source `i`.
  bool IsKeyOf(const Expr& e, int i) {
    const dsl::ScopeColumn* c = e.kind == ExprKind::kColumnRef ? dsl::ResolveColumnRef(e, scope_) : nullptr;
    return c && sources_[i].def.schema.key.size() == 1 && c->index == sources_[i].offset;
  }

  bool InSet(const std::vector<const Expr*>& set, const Expr& e) {
    for (const Expr* x : set)
      if (Matches(*x, e)) return true;
    return false;
  }

  // The synthetic key column's name: ROWKEY, or ROWKEY_n past every ROWKEY_n of the sources.
  std::string SyntheticKeyName() const {
    int next = -1;
    for (const auto& s : sources_) {
      auto consider = [&](const std::string& n) {
        if (n == "ROWKEY") next = std::max(next, 1);
        if (n.rfind("ROWKEY_", 0) == 0 && n.size() > 7 &&
            n.find_first_not_of("0123456789", 7) == std::string::npos)
          next = std::max(next, std::atoi(n.c_str() + 7) + 1);
      };
      for (const auto& c : s.def.schema.key) consider(c.name);
      for (const auto& c : s.def.schema.value) consider(c.name);
    }
    return next < 0 ? "ROWKEY" : fmt::format("ROWKEY_{}", next);
  }

  Status CheckJoinSources() {
    const int n = static_cast<int>(sources_.size());
    for (int i = 1; i < n; ++i) {
      for (int k = 0; k < i; ++k) {
        if (sources_[k].def.name != sources_[i].def.name) continue;
        if (n == 2)
          return Status::Invalid(fmt::format("Can not join '{}' to '{}': self joins are not yet supported.",
                                             sources_[k].def.name, sources_[i].def.name), q_.joins[i - 1].right.pos);
        return Status::Invalid(fmt::format("N-way joins do not support multiple occurrences of the same source. "
                                           "Source: '{}'", sources_[i].def.name), q_.joins[i - 1].right.pos);
      }
    }
    std::vector<std::string> kafka;
    for (const auto& s : sources_)
      if (s.def.value_format == "KAFKA") kafka.push_back(s.def.name);
    if (!kafka.empty())
      return Status::Invalid(fmt::format("Source(s) {} are using the 'KAFKA' value format. This format does not yet "
                                         "support JOIN.", fmt::join(kafka, ", ")), q_.joins[0].pos);
    return Status::Ok();
  }

  // Whether the statement that made `def` gave PARTITIONS (the test driver leaves the others'
  // counts open, as ksqlDB's does).
  static bool DeclaresPartitions(const SourceDef& def) {
    const std::string text = Upper(def.statement_text);
    for (size_t at = text.find("PARTITIONS"); at != std::string::npos; at = text.find("PARTITIONS", at + 1)) {
      size_t next = text.find_first_not_of(" \t\r\n", at + 10);
      if (next != std::string::npos && text[next] == '=') return true;
    }
    return false;
  }

  // The checks ksqlDB makes on every join criterion before it plans any join.
  Status CheckJoinCriteria() {
    for (size_t i = 1; i < sources_.size(); ++i) {
      const int ri = static_cast<int>(i);
      const Expr& on = *q_.joins[i - 1].on;
      if (on.kind == ExprKind::kBinary && on.bin_op == dsl::BinaryOp::kAnd)
        return Status::Invalid(fmt::format("Invalid join condition: joins on multiple conditions are not yet "
                                           "supported. Got {}.", dsl::FormatExpr(*Qualified(on))), on.pos);
      if (on.kind != ExprKind::kBinary || on.bin_op != dsl::BinaryOp::kEq) {
        return Status::Invalid(fmt::format("Unsupported join expression: {}. Only equality joins are supported.",
                                           dsl::FormatExpr(on)), on.pos);
      }
      if (Status q = dsl::CheckQualifiers(on, scope_); !q.ok()) return ClauseError(q, "JOIN ON");
      for (const auto& side : on.children) {
        Result<CompiledExprPtr> e = dsl::AnalyzeExpr(*side, scope_, reg_);
        if (!e.ok()) return ClauseError(e.status(), "JOIN ON");
      }
      int a = SourceOf(*on.children[0]);
      int b = SourceOf(*on.children[1]);
      for (int k = 0; k < 2; ++k) {
        int s = k == 0 ? a : b;
        if (s < 0) {
          const Expr& bad = *on.children[k];
          return Status::Invalid(fmt::format("Invalid comparison expression '{}' in join '{}'. Each side of the join "
                                             "comparision must contain references from exactly one source.",
                                             dsl::FormatExpr(bad), dsl::FormatExpr(*Qualified(on))), bad.pos);
        }
      }
      if (a == b) {
        return Status::Invalid(fmt::format("Each side of the join must reference exactly one source and not the same "
                                           "source. Left side references `{}` and right references `{}`",
                                           SourceLabel(a), SourceLabel(b)), on.pos);
      }
      RETURN_IF_ERROR(CheckJoinWindows(a, b, on.pos));
      if ((a != ri && b != ri) || a > ri || b > ri) {
        return Status::Invalid(fmt::format("A join criteria is expected to reference the source (`{}`) in the FROM "
                                           "clause, instead the right source references `{}` and the left source "
                                           "references `{}`", SourceLabel(ri), SourceLabel(b), SourceLabel(a)), on.pos);
      }
    }
    return Status::Ok();
  }

  // ksqlDB joins windowed sources only to windowed sources of a compatible kind (session to
  // session; tumbling and hopping to each other).
  Status CheckJoinWindows(int a, int b, SourcePos pos) const {
    const std::string& lw = sources_[a].def.window_type;
    const std::string& rw = sources_[b].def.window_type;
    if (lw.empty() != rw.empty()) {
      return Status::Invalid(fmt::format("Can not join windowed source to non-windowed source.\n`{}` is {} windowed\n"
                                         "`{}` is {} windowed", SourceLabel(a), lw.empty() ? "not" : lw,
                                         SourceLabel(b), rw.empty() ? "not" : rw), pos);
    }
    if (lw.empty()) return Status::Ok();
    const bool compatible = lw == "SESSION" ? rw == "SESSION" : rw != "SESSION";
    if (!compatible) {
      return Status::Invalid(fmt::format("Incompatible windowed sources.\nLeft source: {}\nRight source: {}\nSession "
                                         "windowed sources can only be joined to other session windowed sources, and "
                                         "may still not result in expected behaviour as session bounds must be an "
                                         "exact match for the join to work\nHopping and tumbling windowed sources can "
                                         "only be joined to other hopping and tumbling windowed sources", lw, rw), pos);
    }
    return Status::Ok();
  }

  // A windowed source cannot be re-keyed (its key is the window's too), nor joined to one whose
  // windows differ in size (their keys are not alike either).
  Status CheckWindowedRepartition(int left_source, const Expr& left_expr, int right_source, const Expr& right_expr,
                                  SourcePos pos) {
    const SourceDef& l = sources_[left_source].def;
    const SourceDef& r = sources_[right_source].def;
    if (l.window_type.empty() && r.window_type.empty()) return Status::Ok();
    const bool rekey = (!l.window_type.empty() && !IsKeyOf(left_expr, left_source)) ||
                       (!r.window_type.empty() && !IsKeyOf(right_expr, right_source)) ||
                       l.window_size_ms != r.window_size_ms;
    if (!rekey) return Status::Ok();
    return Status::Invalid("Implicit repartitioning of windowed sources is not supported. See "
                           "https://github.com/confluentinc/ksql/issues/4385.", pos);
  }

  // What ksqlDB accepts of a foreign-key join (join `i`, 1-based): the first join of a query
  // only, INNER or LEFT.
  Status CheckForeignKeyJoin(const dsl::JoinClause& j, size_t i) {
    const Expr& on = *j.on;
    if (j.type == dsl::JoinType::kFull) {
      return Status::Invalid(fmt::format("Invalid join type: full-outer join not supported for foreign-key "
                                         "table-table join. Got {} {} {}.", sources_[i - 1].def.name,
                                         JoinTypeText(j.type), sources_[i].def.name), j.pos);
    }
    if (i > 1) {
      return Status::Invalid(fmt::format("Invalid join condition: foreign-key table-table joins are not supported "
                                         "as part of n-way joins. Got {} = {}.",
                                         dsl::FormatExpr(*Qualified(*on.children[0])),
                                         dsl::FormatExpr(*Qualified(*on.children[1]))), on.pos);
    }
    if (j.type == dsl::JoinType::kRight)
      return Status::Invalid("RIGHT OUTER JOIN on a foreign key is not supported", j.pos);
    return Status::Ok();
  }

  Status BuildJoins() {
    RETURN_IF_ERROR(CheckJoinSources());
    RETURN_IF_ERROR(CheckJoinCriteria());
    bool left_is_table = sources_[0].def.is_table;
    std::vector<const Expr*> equivalent;  // expressions equal to the current join key
    std::vector<const Expr*> viable;      // source columns that hold the current join key
    for (size_t i = 1; i < sources_.size(); ++i) {
      const int ri = static_cast<int>(i);
      const dsl::JoinClause& j = q_.joins[i - 1];
      const SourceRef& r = sources_[i];
      const Expr& on = *j.on;
      const int a = SourceOf(*on.children[0]);
      const int b = SourceOf(*on.children[1]);
      const bool flipped = a == ri;
      const Expr& left_expr = flipped ? *on.children[1] : *on.children[0];
      const Expr& right_expr = flipped ? *on.children[0] : *on.children[1];
      const int left_source = flipped ? b : a;
      ASSIGN_OR_RETURN(CompiledExprPtr lkey, dsl::AnalyzeExpr(left_expr, scope_, reg_));
      dsl::Scope right_scope = SourceScope(ri);
      ASSIGN_OR_RETURN(CompiledExprPtr rkey, dsl::AnalyzeExpr(right_expr, right_scope, reg_));
      if (!TypesEqual(lkey->type(), rkey->type())) {
        const Expr& x = *on.children[0];
        const Expr& y = *on.children[1];
        const TypePtr& xt = flipped ? rkey->type() : lkey->type();
        const TypePtr& yt = flipped ? lkey->type() : rkey->type();
        return Status::Invalid(fmt::format("Invalid join condition: types don't match. Got {}{{{}}} = {}{{{}}}.",
                                           dsl::FormatExpr(*Qualified(x)), xt->ToString(),
                                           dsl::FormatExpr(*Qualified(y)), yt->ToString()), on.pos);
      }
      join_key_type_ = lkey->type();
      if (ContainsMap(*join_key_type_)) {
        // Re-keying by the join expression makes it a key column, named as in the join's schema.
        const dsl::ScopeColumn* c = dsl::ResolveColumnRef(left_expr, scope_);
        Schema key;
        key.key.push_back({c && left_expr.kind == ExprKind::kColumnRef ? c->qualifier + "_" + c->name
                                                                        : SyntheticKeyName(),
                           join_key_type_, ColumnRole::kKey, ""});
        RETURN_IF_ERROR(CheckKeyTypes(key, on.pos));
      }
      RETURN_IF_ERROR(CheckWindowedRepartition(left_source, left_expr, ri, right_expr, on.pos));
      // ksqlDB compares the partition counts of the two sides (a join's own count is its right side's).
      const SourceRef& lp = sources_[i == 1 ? 0 : i - 1];
      // A foreign-key table-table join: the right side joined on its key, the left on anything
      // but its own key. It repartitions, so partition counts may differ.
      const bool fk_join = left_is_table && r.def.is_table && IsKeyOf(right_expr, ri) &&
                           !(i == 1 ? IsKeyOf(left_expr, 0) : InSet(equivalent, left_expr));
      if (!fk_join && lp.def.partitions != r.def.partitions && DeclaresPartitions(lp.def) &&
          DeclaresPartitions(r.def)) {
        return Status::Invalid(fmt::format("Can't join `{}` with `{}` since the number of partitions don't match. "
                                           "`{}` partitions = {}; `{}` partitions = {}. Please repartition either one "
                                           "so that the number of partitions match.", SourceLabel(0), SourceLabel(ri),
                                           SourceLabel(0), lp.def.partitions, SourceLabel(ri), r.def.partitions), j.pos);
      }
      const bool left_outer = j.type == dsl::JoinType::kLeft || j.type == dsl::JoinType::kFull;
      const bool right_outer = j.type == dsl::JoinType::kRight || j.type == dsl::JoinType::kFull;
      const std::string text = fmt::format("{} {} {} ON {}", i == 1 ? SourceLabel(0) : "(join)", JoinTypeText(j.type),
                                           SourceLabel(ri), dsl::FormatExpr(on));
      const std::string store = fmt::format("{}-join-{}", sink_name_, r.def.name);
      int left_width = 0;
      for (size_t k = 0; k < i; ++k) left_width += sources_[k].width;
      Operator* join = nullptr;
      if (left_is_table && !r.def.is_table) {
        return Status::Invalid(fmt::format("Invalid join order: table-stream joins are not supported; only "
                                           "stream-table joins. Got {} {} {}.", SourceLabel(left_source),
                                           JoinTypeText(j.type), SourceLabel(ri)), j.pos);
      }
      if (!left_is_table && r.def.is_table) {
        if (j.within_before)
          return Status::Invalid("A window definition was provided for a Stream-Table join. These joins are not "
                                 "windowed. Please drop the window definition (ie. the WITHIN clause) and try to "
                                 "execute your join again.", j.within_before->pos);
        if (j.type != dsl::JoinType::kInner && j.type != dsl::JoinType::kLeft) {
          return Status::Invalid(fmt::format("Invalid join type: {} join not supported for stream-table join. Only "
                                             "INNER and LEFT joins are supported.",
                                             j.type == dsl::JoinType::kFull ? "full-outer" : "right-outer"), j.pos);
        }
        if (!IsKeyOf(right_expr, ri)) {
          return Status::Invalid(fmt::format("Invalid join condition: stream-table joins require to join on the "
                                             "table's primary key. Got {}.", dsl::FormatExpr(*Qualified(on))), on.pos);
        }
        std::vector<CompiledExprPtr> keys;
        keys.push_back(std::move(lkey));
        Add(std::make_unique<RekeyOperator>(std::move(keys), dsl::FormatExpr(left_expr)));
        StreamTableJoinSpec spec;
        spec.left_outer = left_outer;
        spec.table_width = static_cast<size_t>(r.width);
        spec.store_name = store;
        spec.text = text;
        join = AddJoin(std::make_unique<StreamTableJoinOperator>(std::move(spec)));
      } else if (!left_is_table) {
        if (!j.within_before)
          return Status::Invalid("Stream-Stream joins must have a WITHIN clause specified. None was provided. To "
                                 "learn about how to specify a WITHIN clause with a stream-stream join, please "
                                 "visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html"
                                 "#create-stream-as-select", j.pos);
        std::vector<CompiledExprPtr> keys;
        keys.push_back(std::move(lkey));
        // Windowed sources match only when their windows are the same too (ksqlDB compares the
        // windowed keys' bytes): the window bounds join the key.
        const bool windowed = !sources_[left_source].def.window_type.empty() && !r.def.window_type.empty();
        if (windowed) {
          const SourceRef& ls = sources_[left_source];
          keys.push_back(MakeColumn(Section::kValue, ls.offset + ls.width - 2, Type::Bigint()));
          keys.push_back(MakeColumn(Section::kValue, ls.offset + ls.width - 1, Type::Bigint()));
        }
        Add(std::make_unique<RekeyOperator>(std::move(keys), dsl::FormatExpr(left_expr)));
        StreamStreamJoinSpec spec;
        spec.left_outer = left_outer;
        spec.right_outer = right_outer;
        spec.before = j.within_before->millis;
        spec.after = j.within_after ? j.within_after->millis : j.within_before->millis;
        if (j.grace) spec.grace = j.grace->millis;
        spec.left_width = static_cast<size_t>(left_width);
        spec.right_width = static_cast<size_t>(r.width);
        spec.store_name = store;
        spec.text = text;
        join = AddJoin(std::make_unique<StreamStreamJoinOperator>(std::move(spec)));
        std::vector<CompiledExprPtr> rkeys;
        rkeys.push_back(std::move(rkey));
        if (windowed) {
          rkeys.push_back(MakeColumn(Section::kValue, r.width - 2, Type::Bigint()));
          rkeys.push_back(MakeColumn(Section::kValue, r.width - 1, Type::Bigint()));
        }
        right_rekey_ = std::make_unique<RekeyOperator>(std::move(rkeys), dsl::FormatExpr(right_expr));
      } else {
        if (j.within_before)
          return Status::Invalid("A window definition was provided for a Table-Table join. These joins are not "
                                 "windowed. Please drop the window definition (i.e. the WITHIN clause) and try to "
                                 "execute your Table-Table join again.", j.within_before->pos);
        if (!IsKeyOf(right_expr, ri)) {
          return Status::Invalid(fmt::format("Invalid join condition: table-table joins require to join on the "
                                             "primary key of the right input table. Got {} = {}.",
                                             dsl::FormatExpr(*Qualified(*on.children[0])),
                                             dsl::FormatExpr(*Qualified(*on.children[1]))), on.pos);
        }
        if (fk_join) {
          RETURN_IF_ERROR(CheckForeignKeyJoin(j, i));
          ForeignKeyJoinSpec spec;
          spec.left_outer = left_outer;
          spec.foreign_key = std::move(lkey);
          spec.left_width = static_cast<size_t>(left_width);
          spec.right_width = static_cast<size_t>(r.width);
          spec.store_name = store;
          spec.text = text;
          join = AddJoin(std::make_unique<ForeignKeyJoinOperator>(std::move(spec)));
        } else {
          TableTableJoinSpec spec;
          spec.left_outer = left_outer;
          spec.right_outer = right_outer;
          spec.left_width = static_cast<size_t>(left_width);
          spec.right_width = static_cast<size_t>(r.width);
          spec.store_name = store;
          spec.text = text;
          join = AddJoin(std::make_unique<TableTableJoinOperator>(std::move(spec)));
        }
      }
      // The right source, re-keyed when it is a stream.
      ASSIGN_OR_RETURN(SourceOperator* right, MakeSource(r.def));
      auto widen = std::make_unique<WidenOperator>(!r.def.window_type.empty());
      right->set_downstream(widen.get());
      Operator* right_tail = widen.get();
      topo_->operators.push_back(std::move(widen));
      if (right_rekey_) {
        right_tail->set_downstream(right_rekey_.get());
        right_tail = right_rekey_.get();
        topo_->operators.push_back(std::move(right_rekey_));
      }
      right_tail->set_downstream(join, 1);
      left_is_table = left_is_table && r.def.is_table;

      // Which expressions the new key equals (ksqlDB's join equivalence set), and which source
      // columns hold it. A FULL OUTER join's key equals neither side.
      if (fk_join) {
        // The result is keyed by the left table's primary key (ksqlDB allows a foreign-key join
        // only as the first join, so that is source 0's).
        equivalent.clear();
        viable.clear();
        fk_join_only_ = sources_.size() == 2;
        if (sources_[0].def.schema.key.size() == 1) {
          auto ref = std::make_unique<Expr>();
          ref->kind = ExprKind::kColumnRef;
          ref->qualifier = SourceLabel(0);
          ref->name = sources_[0].def.schema.key[0].name;
          ref->pos = on.pos;
          equivalent.push_back(ref.get());
          viable.push_back(ref.get());
          owned_.push_back(std::move(ref));
        }
      } else if (j.type == dsl::JoinType::kFull) {
        equivalent.clear();
        viable.clear();
      } else {
        bool include_left = InSet(equivalent, left_expr) || InSet(equivalent, right_expr);
        std::vector<const Expr*> next = {&left_expr, &right_expr};
        if (include_left)
          for (const Expr* e : equivalent)
            if (!InSet(next, *e)) next.push_back(e);
        std::vector<const Expr*> candidates = viable;
        candidates.push_back(&left_expr);
        candidates.push_back(&right_expr);
        viable.clear();
        for (const Expr* c : candidates)
          if (c->kind == ExprKind::kColumnRef && InSet(next, *c) && !InSet(viable, *c)) viable.push_back(c);
        equivalent = std::move(next);
      }
    }
    output_is_table_ = left_is_table;
    join_keys_ = viable;
    if (viable.empty() && !fk_join_only_) synthetic_key_ = SyntheticKeyName();
    return Status::Ok();
  }

  Operator* AddJoin(OperatorPtr op) {
    Operator* raw = op.get();
    tail_->set_downstream(raw, 0);
    topo_->operators.push_back(std::move(op));
    tail_ = raw;
    return raw;
  }

  // The projection of a foreign-key join: its key is the left table's primary key, every column
  // of which a persistent query must project, once.
  Status FinishForeignKeyProjection() {
    RETURN_IF_ERROR(CheckItems(scope_, nullptr));
    const std::vector<Column>& keys = sources_[0].def.schema.key;
    std::vector<std::pair<int, int>> found;  // (projection item, position in the record's key)
    std::vector<std::string> missing;
    for (size_t k = 0; k < keys.size(); ++k) {
      int first = -1;
      std::vector<std::string> aliases;
      for (size_t i = 0; i < items_.size(); ++i) {
        const dsl::ScopeColumn* c = dsl::ResolveColumnRef(*items_[i].expr, scope_);
        if (!c || c->pseudo || c->index != sources_[0].offset + static_cast<int>(k)) continue;
        if (first < 0) first = static_cast<int>(i);
        aliases.push_back(items_[i].name);
      }
      if (aliases.size() > 1) {
        std::sort(aliases.begin(), aliases.end());
        return Status::Invalid(fmt::format("The projection contains a key column (`{}_{}`) more than once, aliased "
                                           "as: {}.", SourceLabel(0), keys[k].name, fmt::join(aliases, " and ")),
                               items_[first].pos);
      }
      if (first < 0) missing.push_back("`" + keys[k].name + "`");
      else found.emplace_back(first, static_cast<int>(k));
    }
    if (!missing.empty() && persistent_) {
      const char* what = missing.size() == 1 ? "column" : "columns";
      return Status::Invalid(fmt::format("Primary key {0} missing in projection. For foreign-key table-table joins, "
                                         "the projection must include all primary key columns from the left input "
                                         "table (`{1}`). Missing {0}: {2}.", what, SourceLabel(0),
                                         fmt::join(missing, ", ")), q_.pos);
    }
    std::sort(found.begin(), found.end());
    std::vector<int> key_items;
    for (const auto& [item, position] : found) {
      key_items.push_back(item);
      record_key_index_.push_back(position);
    }
    join_key_from_record_ = true;
    return FinishProjection(key_items, scope_, nullptr, output_is_table_, 0);
  }

  // The projection of a join: its key is the join key (read from the record's key, so a side
  // padded with NULLs does not blank it). The first viable key column in the projection becomes
  // the key column; with a synthetic key, the projection must name it (ROWKEY).
  Status FinishJoinProjection() {
    if (fk_join_only_) return FinishForeignKeyProjection();
    dsl::AnalyzeHooks hooks;
    hooks.substitute = [&](const Expr& e) -> Result<CompiledExprPtr> {
      if (!synthetic_key_.empty() && e.kind == ExprKind::kColumnRef && e.qualifier.empty() && e.name == synthetic_key_ &&
          !dsl::ResolveColumnRef(e, scope_))
        return MakeColumn(Section::kKey, 0, join_key_type_);
      return CompiledExprPtr();
    };
    RETURN_IF_ERROR(CheckItems(scope_, &hooks));
    int key_item = -1;
    std::string key_name;
    std::vector<std::string> aliases;
    if (!synthetic_key_.empty()) {
      for (size_t i = 0; i < items_.size(); ++i) {
        const Expr& e = *items_[i].expr;
        if (e.kind == ExprKind::kColumnRef && e.qualifier.empty() && e.name == synthetic_key_) {
          if (key_item < 0) key_item = static_cast<int>(i);
          aliases.push_back(items_[i].name);
        }
      }
      key_name = synthetic_key_;
    } else {
      for (const Expr* v : join_keys_) {
        for (size_t i = 0; i < items_.size(); ++i) {
          if (!Matches(*items_[i].expr, *v)) continue;
          if (key_item < 0) key_item = static_cast<int>(i);
          aliases.push_back(items_[i].name);
        }
        if (key_item >= 0) {
          const dsl::ScopeColumn* c = dsl::ResolveColumnRef(*v, scope_);
          key_name = c ? c->qualifier + "_" + c->name : items_[key_item].name;
          break;
        }
      }
    }
    if (aliases.size() > 1) {
      std::sort(aliases.begin(), aliases.end());
      return Status::Invalid(fmt::format("The projection contains a key column (`{}`) more than once, aliased as: {}.",
                                         key_name, fmt::join(aliases, " and ")), items_[key_item].pos);
    }
    if (key_item < 0 && persistent_) {
      if (!synthetic_key_.empty())
        return Status::Invalid(fmt::format("Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"
                                           "The query used to build `{0}` must include the join expression {1} in its "
                                           "projection (eg, SELECT {1}...).\n{1} was added as a synthetic key column "
                                           "because the join criteria did not match any source column. This "
                                           "expression must be included in the projection and may be aliased. ",
                                           sink_name_, synthetic_key_), q_.pos);
      std::vector<std::string> names;
      for (const Expr* v : join_keys_) names.push_back(dsl::FormatExpr(*Qualified(*v)));
      std::string list;
      for (size_t i = 0; i < names.size(); ++i)
        list += (i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ")) + names[i];
      return Status::Invalid(fmt::format("Key missing from projection (ie, SELECT). \nThe query used to build `{}` "
                                         "must include the join expression{} {} in its projection (eg, SELECT {}...).",
                                         sink_name_, names.size() > 1 ? "s" : "", list, names[0]), q_.pos);
    }
    join_key_from_record_ = true;
    return FinishProjection({key_item}, scope_, &hooks, output_is_table_, 0);
  }

  Status ExpandSelect() {
    bool joined = sources_.size() > 1;
    std::vector<size_t> field_named;  // items named after the struct field they read
    for (size_t i = 0; i < q_.select.size(); ++i) {
      const dsl::SelectItem& item = q_.select[i];
      if (item.kind == dsl::SelectItemKind::kExpr) {
        OutputItem o{item.expr.get(), item.alias, item.pos};
        if (o.name.empty()) {
          // A PARTITION BY expression in the projection reads the new key column, and is named after it.
          for (const auto& pk : partition_)
            if (o.name.empty() && Matches(*item.expr, *pk.expr)) o.name = pk.name;
        }
        if (o.name.empty()) {
          // In a join, a column whose name more than one source has keeps its source in its
          // name: T.ID -> T_ID when both sides have an ID; T.F1 -> F1 when only T has one.
          const dsl::ScopeColumn* c =
              joined && item.expr->kind == ExprKind::kColumnRef ? dsl::ResolveColumnRef(*item.expr, scope_) : nullptr;
          std::set<std::string> owners;
          if (c)
            for (const auto& other : scope_.columns)
              if (other.name == c->name) owners.insert(other.qualifier);
          if (c && owners.size() > 1)
            o.name = c->qualifier + "_" + c->name;
          else if (item.expr->kind == ExprKind::kColumnRef) o.name = item.expr->name;
          else if (item.expr->kind == ExprKind::kDereference) {
            o.name = item.expr->name;
            field_named.push_back(items_.size());
          } else o.name = NextSyntheticName();
        }
        items_.push_back(o);
        continue;
      }
      if (item.kind == dsl::SelectItemKind::kStructStar) {
        // S->*: one column per field of the struct, named after the field.
        ASSIGN_OR_RETURN(CompiledExprPtr base, dsl::AnalyzeExpr(*item.expr, scope_, reg_));
        const Type& t = *base->type();
        if (t.kind != TypeKind::kStruct)
          return Status::Invalid(fmt::format("{} is not a STRUCT: ->* needs one", dsl::FormatExpr(*item.expr)), item.pos);
        for (const auto& f : t.fields) {
          auto deref = std::make_unique<Expr>();
          deref->kind = ExprKind::kDereference;
          deref->name = f.name;
          deref->pos = item.pos;
          deref->children.push_back(CloneExpr(*item.expr));
          items_.push_back({deref.get(), f.name, item.pos});
          owned_.push_back(std::move(deref));
        }
        continue;
      }
      if (partitioned_ && item.kind == dsl::SelectItemKind::kStar) {
        ExpandPartitionedStar(item.pos);
        continue;
      }
      bool any = false;
      if (item.kind == dsl::SelectItemKind::kStar && !synthetic_key_.empty()) {
        // A join's synthetic key column comes first.
        auto ref = std::make_unique<Expr>();
        ref->kind = ExprKind::kColumnRef;
        ref->name = synthetic_key_;
        ref->pos = item.pos;
        items_.push_back({ref.get(), synthetic_key_, item.pos});
        owned_.push_back(std::move(ref));
      }
      for (const auto& c : scope_.columns) {
        if (c.pseudo) continue;
        if (item.kind == dsl::SelectItemKind::kQualifiedStar && c.qualifier != item.qualifier && c.source != item.qualifier)
          continue;
        any = true;
        auto ref = std::make_unique<Expr>();
        ref->kind = ExprKind::kColumnRef;
        ref->qualifier = c.qualifier;
        ref->name = c.name;
        ref->pos = item.pos;
        items_.push_back({ref.get(), joined ? c.qualifier + "_" + c.name : c.name, item.pos});
        owned_.push_back(std::move(ref));
      }
      if (!any && item.kind == dsl::SelectItemKind::kQualifiedStar)
        return Status::Invalid(fmt::format("'{}' is not a valid stream/table name or alias.", item.qualifier), item.pos);
    }
    // A field's name another item or a source column already has takes the first free suffix:
    // B, B_1, B_2 (ksqlDB's generator starts from the sources' column names).
    if (!field_named.empty()) {
      std::set<std::string> taken;
      for (const auto& c : scope_.columns)
        if (!c.pseudo) taken.insert(c.name);
      for (size_t i = 0; i < items_.size(); ++i)
        if (std::find(field_named.begin(), field_named.end(), i) == field_named.end()) taken.insert(items_[i].name);
      for (size_t i : field_named) {
        std::string base = items_[i].name;
        for (int n = 1; taken.count(items_[i].name); ++n) items_[i].name = fmt::format("{}_{}", base, n);
        taken.insert(items_[i].name);
      }
    }
    std::set<std::string> names;
    for (const auto& o : items_) {
      if (o.name == "ROWTIME" || o.name == "ROWPARTITION" || o.name == "ROWOFFSET" || o.name == "WINDOWSTART" ||
          o.name == "WINDOWEND") {
        if (!persistent_) continue;
        bool partition_key = false;  // PARTITION BY ROWTIME names its key column ROWTIME
        for (const auto& pk : partition_) partition_key = partition_key || Matches(*o.expr, *pk.expr);
        if (partition_key && names.insert(o.name).second) continue;
        // A pseudo column selected as it is, or another column aliased to a reserved name.
        const bool aliased = !(o.expr->kind == ExprKind::kColumnRef && o.expr->name == o.name);
        if (aliased) {
          return Status::Invalid(fmt::format("`{}` is a reserved column name. You cannot use it as an alias for a "
                                             "column.", o.name), o.pos);
        }
        return Status::Invalid(fmt::format("Reserved column name in select: `{}`. Please remove or alias the column.",
                                           o.name), o.pos);
      }
      if (!names.insert(o.name).second) {
        // A grouping expression's alias clashing with another item's: ksqlDB finds it when it
        // builds the aggregate's schema (key column vs value column).
        bool grouping = false;
        for (const auto& other : items_)
          if (other.name == o.name)
            for (const auto& g : q_.group_by) grouping = grouping || Matches(*other.expr, *g);
        if (grouping) {
          clashing_key_alias_ = o.name;
          continue;
        }
        return Status::Invalid(fmt::format("Duplicate value column name: `{}`", o.name), o.pos);
      }
    }
    return Status::Ok();
  }

  // Splits items into key and value columns: an item is a key column when it matches one of
  // `key_exprs` (by structure, or by naming the same column).
  bool Matches(const Expr& e, const Expr& k) {
    if (dsl::SameExpr(e, k)) return true;
    const dsl::ScopeColumn* a = dsl::ResolveColumnRef(e, scope_);
    const dsl::ScopeColumn* b = dsl::ResolveColumnRef(k, scope_);
    return a && b && a->index == b->index;
  }

  Result<CompiledExprPtr> AnalyzeItem(const OutputItem& item, const dsl::Scope& scope, const dsl::AnalyzeHooks* hooks) {
    if (IsNullLiteral(*item.expr)) {
      return Status::Invalid("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null "
                             "AS VARCHAR).", item.expr->pos);
    }
    dsl::AnalyzeHooks with_table_functions;
    if (!table_calls_.empty()) {
      // A table function call reads the column the FlatMapOperator appended for it.
      with_table_functions.substitute = [this, hooks](const Expr& e) -> Result<CompiledExprPtr> {
        for (const auto& tc : table_calls_)
          if (dsl::SameExpr(e, *tc.expr)) return MakeColumn(Section::kValue, tc.index, tc.type);
        return hooks && hooks->substitute ? hooks->substitute(e) : CompiledExprPtr();
      };
      hooks = &with_table_functions;
    }
    Result<CompiledExprPtr> e = dsl::AnalyzeExpr(*item.expr, scope, reg_, hooks);
    if (!e.ok()) return ClauseError(e.status(), "SELECT");
    return e;
  }

  // Analyzes every projection item once, so that an error in one is reported before any
  // complaint about the projection's shape (a missing key column).
  Status CheckItems(const dsl::Scope& scope, const dsl::AnalyzeHooks* hooks) {
    for (const auto& item : items_) RETURN_IF_ERROR(AnalyzeItem(item, scope, hooks).status());
    return Status::Ok();
  }

  Status FinishProjection(const std::vector<int>& key_items, const dsl::Scope& scope, const dsl::AnalyzeHooks* hooks,
                          bool forward_tombstones, size_t input_width) {
    ProjectSpec spec;
    spec.forward_tombstones = forward_tombstones;
    spec.input_width = input_width;
    spec.tombstone_keeps_key = partitioned_ || join_key_from_record_;
    std::set<int> keyset;
    for (int k : key_items) {
      if (k < 0) continue;
      keyset.insert(k);
      ASSIGN_OR_RETURN(CompiledExprPtr e, AnalyzeItem(items_[k], scope, hooks));
      output_schema_.key.push_back({items_[k].name, e->type(), ColumnRole::kKey, ""});
      if (join_key_from_record_)
        e = MakeColumn(Section::kKey, record_key_index_.empty() ? 0 : record_key_index_[spec.key.size()], e->type());
      spec.key.push_back(std::move(e));
    }
    for (size_t i = 0; i < items_.size(); ++i) {
      if (keyset.count(static_cast<int>(i))) continue;
      ASSIGN_OR_RETURN(CompiledExprPtr e, AnalyzeItem(items_[i], scope, hooks));
      output_schema_.value.push_back({items_[i].name, e->type(), ColumnRole::kValue, ""});
      spec.value.push_back(std::move(e));
    }
    if (!clashing_key_alias_.empty()) {
      for (const auto& c : output_schema_.value)
        if (c.name == clashing_key_alias_)
          return Status::Invalid(fmt::format("Duplicate value columns found in schema: `{}` {}", c.name,
                                             c.type->ToString()), q_.pos);
      return Status::Invalid(fmt::format("Duplicate key columns found in schema: `{}`", clashing_key_alias_), q_.pos);
    }
    if (persistent_ && output_schema_.value.empty())
      return Status::Invalid("The projection contains no value columns.", q_.pos);
    std::string text;
    for (const auto& it : items_) text += (text.empty() ? "" : ", ") + dsl::FormatExpr(*it.expr) + " AS " + it.name;
    spec.text = text;
    Add(std::make_unique<ProjectOperator>(std::move(spec)));
    topo_->last = tail_;
    topo_->output_schema = output_schema_;
    return Status::Ok();
  }

  Status BuildProjection() {
    if (partitioned_) {
      std::vector<int> key_items;
      dsl::AnalyzeHooks hooks;
      hooks.substitute = [&](const Expr& e) -> Result<CompiledExprPtr> {
        for (const auto& pk : partition_)
          if (Matches(e, *pk.expr)) return MakeColumn(Section::kValue, pk.index, pk.type);
        return CompiledExprPtr();
      };
      RETURN_IF_ERROR(CheckItems(scope_, &hooks));
      std::vector<const Expr*> keys;
      std::vector<std::string> texts;
      for (const auto& pk : partition_) {
        keys.push_back(pk.expr);
        texts.push_back(dsl::FormatExpr(*Qualified(*pk.expr)));
      }
      RETURN_IF_ERROR(RequireInProjection(keys, texts, "partitioning expression", &key_items));
      return FinishProjection(key_items, scope_, &hooks, true, 0);
    }
    if (!q_.joins.empty()) return FinishJoinProjection();
    RETURN_IF_ERROR(CheckItems(scope_, nullptr));
    std::vector<const Expr*> key_refs;
    std::vector<std::string> texts;
    for (size_t i = 0; i < sources_[0].def.schema.key.size(); ++i) {
      auto ref = std::make_unique<Expr>();
      ref->kind = ExprKind::kColumnRef;
      ref->qualifier = scope_.columns[i].qualifier;
      ref->name = sources_[0].def.schema.key[i].name;
      key_refs.push_back(ref.get());
      texts.push_back(ref->name);
      owned_.push_back(std::move(ref));
    }
    std::vector<int> key_items;
    // ksqlDB's new planner lets a stream's projection leave its key columns out: they are dropped.
    const bool key_optional = new_planner_ && !sources_[0].def.is_table;
    RETURN_IF_ERROR(RequireInProjection(key_refs, texts, "key column", &key_items, key_optional));
    // ksqlDB's new planner lists key columns in projection order; the old (default) one in source order.
    if (new_planner_) std::sort(key_items.begin(), key_items.end());
    return FinishProjection(key_items, scope_, nullptr, true, static_cast<size_t>(sources_[0].width));
  }

  // Table functions (EXPLODE, ...) called in SELECT items: one FlatMapOperator evaluates them all
  // and appends one column per distinct call to the wide row, which the projection then reads.
  Status BuildTableFunctions(bool aggregate) {
    const FunctionRegistry& reg = reg_;
    auto is_table_call = [&reg](const Expr& x) {
      return x.kind == ExprKind::kFunctionCall && reg.FindTable(x.name) && !reg.FindScalar(x.name);
    };
    std::vector<const Expr*> calls;
    for (const auto& it : items_) {
      dsl::VisitExpr(*it.expr, [&](const Expr& x) {
        if (!is_table_call(x)) return true;
        for (const Expr* c : calls)
          if (dsl::SameExpr(*c, x)) return false;
        calls.push_back(&x);
        return false;
      });
    }
    if (calls.empty()) return Status::Ok();
    if (aggregate) return Status::Invalid("Table functions cannot be used with aggregations.", calls[0]->pos);
    if (sources_[0].def.is_table && q_.joins.empty())
      return Status::Invalid("Table source is not supported with table functions", calls[0]->pos);
    int width = 0;
    for (const auto& s : sources_) width += s.width;
    width += static_cast<int>(partition_.size());
    FlatMapSpec spec;
    for (const Expr* c : calls) {
      std::vector<TypePtr> types;
      TableFunctionCall call;
      for (const auto& a : c->children) {
        if (is_table_call(*a) || ContainsAggregate(*a, reg_))
          return Status::Invalid("Table functions cannot be nested or take aggregate functions.", a->pos);
        Result<CompiledExprPtr> e = dsl::AnalyzeExpr(*a, scope_, reg_);
        if (!e.ok()) return ClauseError(e.status(), "SELECT");
        types.push_back(e.value()->type());
        call.args.push_back(std::move(e).value());
      }
      auto bound = reg_.FindTable(c->name)->bind(types);
      if (!bound.ok()) return bound.status().WithPos(c->pos);
      call.impl = std::move(bound.value().impl);
      table_calls_.push_back({c, width + static_cast<int>(table_calls_.size()), bound.value().return_type});
      spec.calls.push_back(std::move(call));
      spec.text += (spec.text.empty() ? "" : ", ") + dsl::FormatExpr(*c);
    }
    Add(std::make_unique<FlatMapOperator>(std::move(spec)));
    return Status::Ok();
  }

  // A name for an unnamed projection item: KSQL_COL_n, skipping names PARTITION BY took.
  std::string NextSyntheticName() {
    for (;;) {
      std::string name = fmt::format("KSQL_COL_{}", synthetic_++);
      bool taken = false;
      for (const auto& pk : partition_) taken = taken || pk.name == name;
      if (!taken) return name;
    }
  }

  // `e` with every column reference qualified by its source, as ksqlDB prints expressions in
  // its messages: ABS(ID) -> ABS(INPUT.ID).
  dsl::ExprPtr Qualified(const Expr& e) {
    dsl::ExprPtr c = CloneExpr(e);
    std::function<void(Expr&)> fix = [&](Expr& x) {
      if (x.kind == ExprKind::kColumnRef && x.qualifier.empty()) {
        if (const dsl::ScopeColumn* sc = dsl::ResolveColumnRef(x, scope_)) x.qualifier = sc->source;
      }
      for (auto& ch : x.children) fix(*ch);
    };
    fix(*c);
    return c;
  }

  // PARTITION BY: the stream is re-keyed by the expressions, whose values are also appended to
  // the wide row. A column reference keeps the column's name; a struct field its field's name;
  // any other expression gets the first free KSQL_COL_n. PARTITION BY NULL leaves no key.
  Status BuildPartitionBy() {
    if (!q_.group_by.empty())
      return Status::Invalid("PARTITION BY and GROUP BY in the same query is not supported.", q_.partition_by[0]->pos);
    bool has_null = false;
    for (const auto& e : q_.partition_by)
      has_null = has_null || (e->kind == ExprKind::kLiteral && e->lit_kind == dsl::LiteralKind::kNull);
    if (has_null && q_.partition_by.size() > 1)
      return Status::Invalid("Cannot PARTITION BY multiple columns including NULL", q_.partition_by[0]->pos);
    partitioned_ = true;
    int width = 0;
    for (const auto& s : sources_) width += s.width;
    if (has_null) {
      Add(std::make_unique<RekeyOperator>(std::vector<CompiledExprPtr>{}, "NULL", true, width));
      return Status::Ok();
    }
    std::set<std::string> used;
    for (const auto& c : scope_.columns) used.insert(c.name);
    int generated = 0;
    std::vector<CompiledExprPtr> keys;
    std::string text;
    for (const auto& e : q_.partition_by) {
      Result<CompiledExprPtr> compiled = dsl::AnalyzeExpr(*e, scope_, reg_);
      if (!compiled.ok()) return PartitionByError(*e, compiled.status());
      PartitionKey pk;
      pk.expr = e.get();
      pk.type = compiled.value()->type();
      pk.index = width + static_cast<int>(partition_.size());
      if (const dsl::ScopeColumn* c = dsl::ResolveColumnRef(*e, scope_); c && e->kind == ExprKind::kColumnRef) {
        // After a join, a column keeps its source in its name, as in the join's schema (L_B).
        pk.name = sources_.size() > 1 ? c->qualifier + "_" + c->name : c->name;
        pk.column = c->index;
      } else if (e->kind == ExprKind::kDereference) {
        pk.name = e->name;
      } else {
        do pk.name = fmt::format("KSQL_COL_{}", generated++);
        while (used.count(pk.name));
      }
      used.insert(pk.name);
      // On a null value only an expression of the key columns (or of none) has a value.
      bool key_only = true;
      dsl::VisitExpr(*e, [&](const Expr& x) {
        if (x.kind == ExprKind::kColumnRef) {
          const dsl::ScopeColumn* c = dsl::ResolveColumnRef(x, scope_);
          if (!c || c->index >= static_cast<int>(sources_[0].def.schema.key.size())) key_only = false;
        }
        return key_only;
      });
      key_only_.push_back(key_only);
      text += (text.empty() ? "" : ", ") + dsl::FormatExpr(*e);
      keys.push_back(std::move(compiled).value());
      partition_.push_back(std::move(pk));
    }
    // New names (KSQL_COL_0, a struct field's name) can be selected like columns.
    for (const auto& pk : partition_) {
      if (pk.column >= 0) continue;
      bool exists = false;
      for (const auto& c : scope_.columns) exists = exists || c.name == pk.name;
      if (!exists)
        scope_.columns.push_back({scope_.sources[0].first, sources_[0].def.name, pk.name, pk.type, pk.index, false});
    }
    auto rekey = std::make_unique<RekeyOperator>(std::move(keys), text, true, static_cast<size_t>(width));
    rekey->set_null_value_keys(key_only_);
    Add(std::move(rekey));
    return Status::Ok();
  }

  Status PartitionByError(const Expr& e, const Status& st) {
    if (st.code() != StatusCode::kNotFound) return st;
    std::string missing;
    dsl::VisitExpr(e, [&](const Expr& x) {
      if (missing.empty() && x.kind == ExprKind::kColumnRef && x.qualifier.empty() && !dsl::ResolveColumnRef(x, scope_))
        missing = x.name;
      return missing.empty();
    });
    if (missing.empty()) return st;
    std::string msg = fmt::format("PARTITION BY column '{}' cannot be resolved.", missing);
    for (const auto& item : q_.select) {
      if (item.kind == dsl::SelectItemKind::kExpr && item.alias == missing) {
        msg += fmt::format(" '{}' must be a column in the source schema since PARTITION BY is applied on the input.",
                           missing);
        break;
      }
    }
    return Status::NotFound(msg, st.pos());
  }

  // SELECT * after PARTITION BY: the new key columns, then the source's value columns, then its
  // old key columns, leaving out the columns that became keys. After a join, ksqlDB's join schema
  // is re-keyed: per source its value columns, ROWTIME, ROWPARTITION, ROWOFFSET, then its key
  // columns, each named SOURCE_COLUMN.
  void ExpandPartitionedStar(SourcePos pos) {
    std::set<int> moved;
    for (const auto& pk : partition_) {
      if (pk.column >= 0) moved.insert(pk.column);
      items_.push_back({pk.expr, pk.name, pos});
    }
    const bool joined = sources_.size() > 1;
    for (const SourceRef& src : sources_) {
      int keys = static_cast<int>(src.def.schema.key.size());
      int values = static_cast<int>(src.def.schema.value.size());
      auto add = [&](int index) {
        if (moved.count(src.offset + index)) return;
        const dsl::ScopeColumn& c = scope_.columns[src.offset + index];
        auto ref = std::make_unique<Expr>();
        ref->kind = ExprKind::kColumnRef;
        ref->qualifier = c.qualifier;
        ref->name = c.name;
        ref->pos = pos;
        items_.push_back({ref.get(), joined ? c.qualifier + "_" + c.name : c.name, pos});
        owned_.push_back(std::move(ref));
      };
      for (int i = 0; i < values; ++i) add(keys + i);
      if (joined)
        for (int i = 0; i < 3; ++i) add(keys + values + i);  // ROWTIME, ROWPARTITION, ROWOFFSET
      for (int i = 0; i < keys; ++i) add(i);
      if (!joined) break;
    }
  }

  // Every key expression (a key column, a grouping or a partitioning expression) must appear in
  // the projection, once. `texts` name them in messages.
  Status RequireInProjection(const std::vector<const Expr*>& keys, const std::vector<std::string>& texts,
                             const char* what, std::vector<int>* key_items, bool allow_missing = false) {
    bool missing = false;
    for (size_t k = 0; k < keys.size(); ++k) {
      int found = -1;
      for (size_t i = 0; i < items_.size(); ++i) {
        if (!Matches(*items_[i].expr, *keys[k])) continue;
        if (found >= 0 && std::string(what) == "grouping expression") {
          // ksqlDB's aggregate planner words it differently from the others.
          return Status::Invalid(fmt::format("The projection contains a key column more than once: `{}` and `{}`.",
                                             items_[found].name, items_[i].name), items_[i].pos);
        }
        if (found >= 0) {
          std::string name = texts[k].substr(texts[k].rfind('.') == std::string::npos ? 0 : texts[k].rfind('.') + 1);
          return Status::Invalid(fmt::format("The projection contains a key column (`{}`) more than once, aliased "
                                             "as: {} and {}.", name, items_[found].name, items_[i].name),
                                 items_[i].pos);
        }
        found = static_cast<int>(i);
      }
      missing = missing || found < 0;
      key_items->push_back(found);
    }
    if (missing && persistent_ && !allow_missing) {
      // Grouping expressions are listed when missing; key columns and partitioning expressions all.
      std::vector<std::string> listed;
      for (size_t i = 0; i < texts.size(); ++i)
        if ((*key_items)[key_items->size() - texts.size() + i] < 0 || std::string(what) != "grouping expression")
          listed.push_back(texts[i]);
      std::string list;
      for (size_t i = 0; i < listed.size(); ++i)
        list += (i == 0 ? "" : (i + 1 == listed.size() ? " and " : ", ")) + listed[i];
      return Status::Invalid(fmt::format("The query used to build `{}` must include the {}{} {} in its projection "
                                         "(eg, SELECT {}...).", sink_name_, what, listed.size() > 1 ? "s" : "",
                                         list, fmt::join(listed, ", ")), q_.pos);
    }
    return Status::Ok();
  }

  std::vector<const Expr*> GroupByAndHaving() const {
    std::vector<const Expr*> out;
    for (const auto& g : q_.group_by) out.push_back(g.get());
    if (q_.having) out.push_back(q_.having.get());
    return out;
  }

  // Window bounds exist only after a windowed aggregate, for SELECT.
  Status NoWindowBounds(const Expr& root) const {
    Status st = Status::Ok();
    dsl::VisitExpr(root, [&](const Expr& x) {
      if (st.ok() && IsWindowBound(x))
        st = Status::Invalid(fmt::format("Window bounds column {} can only be used in the SELECT clause of "
                                         "windowed aggregations", x.name), x.pos);
      return st.ok();
    });
    return st;
  }

  static bool IsWindowBound(const Expr& e) {
    return e.kind == ExprKind::kColumnRef && (e.name == "WINDOWSTART" || e.name == "WINDOWEND");
  }

  // ---- ksqlDB's aggregate analysis -----------------------------------------------------------
  // The grouping set: the GROUP BY expressions, and for a windowed aggregate the window bounds.
  bool InGroupingSet(const Expr& e) {
    if (q_.window && IsWindowBound(e) && !dsl::ResolveColumnRef(e, scope_)) return true;
    for (const auto& g : q_.group_by)
      if (Matches(e, *g)) return true;
    return false;
  }

  // An expression as ksqlDB prints it in the aggregate analysis: column references unqualified
  // (after a join, named SOURCE_COLUMN as in the join's schema).
  dsl::ExprPtr Unqualified(const Expr& e) {
    dsl::ExprPtr c = CloneExpr(e);
    std::function<void(Expr&)> fix = [&](Expr& x) {
      if (x.kind == ExprKind::kColumnRef) {
        const dsl::ScopeColumn* sc = dsl::ResolveColumnRef(x, scope_);
        if (sc && sources_.size() > 1) x.name = sc->qualifier + "_" + sc->name;
        if (sc) x.qualifier.clear();
      }
      for (auto& ch : x.children) fix(*ch);
    };
    fix(*c);
    return c;
  }

  // Walks one clause's expression as ksqlDB's AggregateVisitor does: a column reference is
  // reported (with the aggregate call it sits in, if any) unless it sits inside an expression of
  // the grouping set outside any aggregate. Once an aggregate call has been seen, every later
  // reference of the expression is reported (ksqlDB's flag is never reset). Nested aggregate
  // calls are an error.
  struct AggregateWalk {
    const Expr* in_grouping = nullptr;
    bool seen_aggregate = false;
    const Expr* aggregate = nullptr;
    Status status = Status::Ok();
  };

  Status WalkAggregates(const Expr& e, AggregateWalk& w,
                        const std::function<Status(const Expr* aggregate, const Expr& column)>& report) {
    if (!w.in_grouping && InGroupingSet(e)) w.in_grouping = &e;
    const bool agg = IsAggregateCall(e, reg_);
    if (agg) {
      if (w.aggregate) {
        return Status::Invalid(fmt::format("Aggregate functions can not be nested: {}({}())", w.aggregate->name, e.name),
                               e.pos);
      }
      w.seen_aggregate = true;
      w.aggregate = &e;
    }
    if (e.kind == ExprKind::kColumnRef) {
      const bool bound = IsWindowBound(e) && !dsl::ResolveColumnRef(e, scope_);
      if ((bound || dsl::ResolveColumnRef(e, scope_)) && (!w.in_grouping || w.seen_aggregate || bound))
        RETURN_IF_ERROR(report(w.aggregate, e));
    }
    for (const auto& ch : e.children) RETURN_IF_ERROR(WalkAggregates(*ch, w, report));
    if (agg) w.aggregate = nullptr;
    if (w.in_grouping == &e) w.in_grouping = nullptr;
    return Status::Ok();
  }

  Status WindowBoundInAggregate(const Expr& column) {
    if (!q_.window || !IsWindowBound(column) || dsl::ResolveColumnRef(column, scope_)) return Status::Ok();
    return Status::Invalid(fmt::format("Window bounds column {} can only be used in the SELECT clause of windowed "
                                       "aggregations and can not be passed to aggregate functions.\nSee "
                                       "https://github.com/confluentinc/ksql/issues/4397", column.name), column.pos);
  }

  // The checks ksqlDB's analyzer makes on a GROUP BY query before it plans anything: the value
  // format, duplicate grouping expressions, then (AggregateAnalyzer) every SELECT item either a
  // grouping expression or built only of grouping expressions and aggregate calls, and HAVING
  // reading only grouping columns outside its aggregate calls.
  Status CheckGroupBy() {
    for (const auto& s : sources_) {
      if (s.def.value_format == "KAFKA" && q_.joins.empty())
        return Status::Invalid(fmt::format("Source(s) {} are using the 'KAFKA' value format. This format does not "
                                           "yet support GROUP BY.", s.def.name), q_.group_by[0]->pos);
    }
    for (size_t i = 1; i < q_.group_by.size(); ++i)
      for (size_t k = 0; k < i; ++k)
        if (Matches(*q_.group_by[i], *q_.group_by[k]))
          return Status::Invalid(fmt::format("Duplicate GROUP BY expression: {}",
                                             dsl::FormatExpr(*Qualified(*q_.group_by[i]))), q_.group_by[i]->pos);
    std::vector<std::string> loose_select;
    SourcePos loose_pos;
    bool any_aggregate = false;
    for (const auto& it : items_) {
      std::vector<const Expr*> loose;
      AggregateWalk w;
      RETURN_IF_ERROR(WalkAggregates(*it.expr, w, [&](const Expr* aggregate, const Expr& column) -> Status {
        if (aggregate) return WindowBoundInAggregate(column);
        if (!InGroupingSet(column)) loose.push_back(&column);
        return Status::Ok();
      }));
      any_aggregate = any_aggregate || w.seen_aggregate;
      if (InGroupingSet(*it.expr) || loose.empty()) continue;
      if (loose_select.empty()) loose_pos = it.pos;
      loose_select.push_back(dsl::FormatExpr(*Unqualified(*it.expr)));
    }
    if (q_.where) {
      AggregateWalk w;
      RETURN_IF_ERROR(WalkAggregates(*q_.where, w, [&](const Expr*, const Expr& column) {
        return WindowBoundInAggregate(column);
      }));
    }
    for (const auto& g : q_.group_by) {
      AggregateWalk w;
      RETURN_IF_ERROR(WalkAggregates(*g, w, [&](const Expr* aggregate, const Expr& column) -> Status {
        if (aggregate)
          return Status::Invalid(fmt::format("GROUP BY does not support aggregate functions: {} is an aggregate "
                                             "function.", aggregate->name), g->pos);
        return WindowBoundInAggregate(column);
      }));
    }
    std::vector<std::string> loose_having;
    SourcePos having_pos;
    if (q_.having) {
      AggregateWalk w;
      RETURN_IF_ERROR(WalkAggregates(*q_.having, w, [&](const Expr* aggregate, const Expr& column) -> Status {
        RETURN_IF_ERROR(WindowBoundInAggregate(column));
        if (!aggregate && !InGroupingSet(column)) {
          if (loose_having.empty()) having_pos = column.pos;
          loose_having.push_back(dsl::FormatExpr(*Unqualified(column)));
        }
        return Status::Ok();
      }));
      any_aggregate = any_aggregate || w.seen_aggregate;
    }
    if (!any_aggregate) return Status::Ok();  // reported with its own message later
    if (!loose_select.empty()) {
      return Status::Invalid(fmt::format("Non-aggregate SELECT expression(s) not part of GROUP BY: {}\nEither add the "
                                         "column(s) to the GROUP BY or remove them from the SELECT.",
                                         fmt::join(loose_select, ", ")), loose_pos);
    }
    if (!loose_having.empty()) {
      return Status::Invalid(fmt::format("Non-aggregate HAVING expression not part of GROUP BY: {}\nConsider switching "
                                         "the HAVING clause to a WHERE clause before the GROUP BY.",
                                         fmt::join(loose_having, ", ")), having_pos);
    }
    return Status::Ok();
  }

  Status BuildAggregate() {
    const bool table_source = output_is_table_;
    if (q_.group_by.empty()) {
      // ksqlDB names the SELECT items that read columns outside any aggregate.
      std::vector<std::string> loose;
      for (const auto& it : items_) {
        bool column = false;
        dsl::VisitExpr(*it.expr, [&](const Expr& x) {
          if (IsAggregateCall(x, reg_)) return false;
          if (x.kind == ExprKind::kColumnRef) column = true;
          return !column;
        });
        if (column) loose.push_back(dsl::FormatExpr(*it.expr));
      }
      if (!loose.empty())
        return Status::Invalid(fmt::format("Non-aggregate SELECT expression(s) not part of GROUP BY: {}",
                                           fmt::join(loose, ", ")), q_.pos);
      const Expr* first = nullptr;
      for (const auto& it : items_)
        dsl::VisitExpr(*it.expr, [&](const Expr& x) {
          if (!first && IsAggregateCall(x, reg_)) first = &x;
          return !first;
        });
      if (persistent_ && first) {
        // ksqlDB prints COUNT(*) as COUNT(ROWTIME).
        std::string call = first->star ? first->name + "(ROWTIME)" : dsl::FormatExpr(*first);
        return Status::Invalid(fmt::format("CREATE TABLE AS SELECT statement does not support aggregate function [{}] "
                                           "without a GROUP BY clause.", call), q_.pos);
      }
      return Status::Unsupported("aggregation without GROUP BY is not supported yet", q_.pos);
    }
    RETURN_IF_ERROR(CheckGroupBy());
    if (q_.window) {
      // Window bounds exist only after the windowed aggregate, for SELECT.
      for (const Expr* root : GroupByAndHaving()) RETURN_IF_ERROR(NoWindowBounds(*root));
    }
    AggregateSpec spec;
    std::vector<TypePtr> group_types;
    std::string text = "GROUP BY ";
    for (const auto& g : q_.group_by) {
      if (ContainsAggregate(*g, reg_)) {
        std::string name;
        dsl::VisitExpr(*g, [&](const Expr& x) {
          if (name.empty() && IsAggregateCall(x, reg_)) name = x.name;
          return true;
        });
        return Status::Invalid(fmt::format("GROUP BY does not support aggregate functions: {} is an aggregate function.",
                                           name), g->pos);
      }
      ASSIGN_OR_RETURN(CompiledExprPtr e, dsl::AnalyzeExpr(*g, scope_, reg_));
      group_types.push_back(e->type());
      spec.group_by.push_back(std::move(e));
      text += dsl::FormatExpr(*g) + " ";
    }
    // Every aggregate call in SELECT and HAVING, once each.
    std::vector<const Expr*> calls;
    auto collect = [&](const Expr& root) {
      dsl::VisitExpr(root, [&](const Expr& x) {
        if (!IsAggregateCall(x, reg_)) return true;
        for (const Expr* c : calls)
          if (dsl::SameExpr(*c, x)) return false;
        calls.push_back(&x);
        return false;
      });
    };
    for (const auto& it : items_) collect(*it.expr);
    if (q_.having) collect(*q_.having);
    if (calls.empty()) {
      // Name errors (an unknown function, say) explain more than the missing aggregate does.
      for (const auto& it : items_) RETURN_IF_ERROR(dsl::AnalyzeExpr(*it.expr, scope_, reg_).status());
    }
    if (calls.empty())
      return Status::Invalid("GROUP BY requires aggregate functions in either the SELECT or HAVING clause.", q_.pos);
    std::vector<TypePtr> result_types;
    for (const Expr* c : calls) {
      if (q_.window) RETURN_IF_ERROR(NoWindowBounds(*c));
      const AggregateFunction* fn = reg_.FindAggregate(c->name);
      if (fn->complex_state && sources_[0].def.value_format == "DELIMITED") {
        return Status::Invalid("One of the functions used in the statement has an intermediate type that the value "
                               "format can not handle. Please remove the function or change the format.", c->pos);
      }
      if (fn->stream_only && output_is_table_ && !table_source) {
        return Status::Invalid(fmt::format("The aggregation function {} cannot be applied to a table source, only to "
                                           "a stream source.", c->name), c->pos);
      }
      std::vector<CompiledExprPtr> args;
      std::vector<TypePtr> types;
      std::vector<const Value*> constants;
      for (const auto& a : c->children) {
        if (ContainsAggregate(*a, reg_))
          return Status::Invalid("Aggregate functions can not be nested", a->pos);
        ASSIGN_OR_RETURN(CompiledExprPtr e, dsl::AnalyzeExpr(*a, scope_, reg_));
        types.push_back(e->type());
        args.push_back(std::move(e));
      }
      for (const auto& a : args) constants.push_back(a->constant());
      size_t input_args = 0;
      auto bound = fn->bind(types, constants, &input_args);
      if (!bound.ok()) {
        // An argument that must be a literal (COLLECT_LIST's limit, ...) given as an expression:
        // the call would bind with some literal there, and ksqlDB names the argument.
        for (size_t k = 1; k < args.size(); ++k) {
          if (constants[k]) continue;
          Value stand_in;
          switch (types[k]->kind) {
            case TypeKind::kInt: stand_in = Value::Int(1); break;
            case TypeKind::kBigint: stand_in = Value::Bigint(1); break;
            case TypeKind::kBoolean: stand_in = Value::Boolean(true); break;
            case TypeKind::kString: stand_in = Value::String("x"); break;
            default: continue;
          }
          std::vector<const Value*> tried = constants;
          tried[k] = &stand_in;
          size_t ignored = 0;
          if (fn->bind(types, tried, &ignored).ok()) {
            return Status::Invalid(fmt::format("Parameter {} passed to function {} must be a literal constant, but "
                                               "was expression: '{}'", k + 1, c->name,
                                               dsl::FormatExpr(*Unqualified(*c->children[k]))), c->children[k]->pos);
          }
        }
        return bound.status().WithPos(c->pos);
      }
      args.resize(std::min(args.size(), input_args));
      if (function_properties_) RETURN_IF_ERROR(bound.value()->Configure(*function_properties_).WithPos(c->pos));
      result_types.push_back(bound.value()->return_type());
      spec.calls.push_back({std::move(bound).value(), std::move(args)});
    }
    spec.store_name = fmt::format("{}-aggregate", sink_name_);
    spec.text = text;
    if (table_source) {
      if (q_.window) return Status::Unsupported("windowed aggregation of a table is not supported yet", q_.window->pos);
      // A table row's update takes its old contribution back out: every function must be able to undo.
      std::vector<std::string> stream_only;
      for (size_t i = 0; i < spec.calls.size(); ++i)
        if (!spec.calls[i].aggregator->can_undo() || reg_.FindAggregate(calls[i]->name)->stream_only)
          stream_only.push_back(calls[i]->name);
      if (!stream_only.empty()) {
        std::string list;
        for (size_t i = 0; i < stream_only.size(); ++i)
          list += (i == 0 ? "" : (i + 1 == stream_only.size() ? " and " : ", ")) + stream_only[i];
        return Status::Invalid(fmt::format("The aggregation function{} {} cannot be applied to a table source, only to "
                                           "a stream source.", stream_only.size() > 1 ? "s" : "", list), q_.pos);
      }
      if (where_) where_->set_non_matching_as_tombstone();
      Add(std::make_unique<TableAggregateOperator>(std::move(spec)));
    } else if (q_.window) {
      WindowOptions w;
      w.emit_final = q_.emit == dsl::EmitKind::kFinal;
      const dsl::WindowSpec& ws = *q_.window;
      w.kind = ws.type == dsl::WindowType::kSession   ? WindowKind::kSession
               : ws.type == dsl::WindowType::kHopping ? WindowKind::kHopping
                                                      : WindowKind::kTumbling;
      w.size = ws.size.millis;
      w.advance = ws.advance ? ws.advance->millis : ws.size.millis;
      if (ws.grace) w.grace = ws.grace->millis;
      else if (w.emit_final) w.grace = 0;  // ksqlDB's EMIT FINAL tests: a window without GRACE closes at its end
      if (ws.retention) w.retention = ws.retention->millis;
      if (w.size <= 0) return Status::Invalid("Window size must be positive.", ws.pos);
      if (w.kind == WindowKind::kHopping && (w.advance <= 0 || w.advance > w.size))
        return Status::Invalid("Window advance must be positive and no larger than the window size.", ws.pos);
      Add(std::make_unique<WindowAggregateOperator>(std::move(spec), w));
    } else {
      Add(std::make_unique<AggregateOperator>(std::move(spec)));
    }
    output_is_table_ = true;

    // After the aggregate: [group key..., results..., ROWTIME].
    dsl::Scope post;
    post.sources = scope_.sources;
    dsl::AnalyzeHooks hooks;
    hooks.substitute = [&](const Expr& e) -> Result<CompiledExprPtr> {
      for (size_t i = 0; i < q_.group_by.size(); ++i)
        if (Matches(e, *q_.group_by[i])) return MakeColumn(Section::kValue, static_cast<int>(i), group_types[i]);
      for (size_t j = 0; j < calls.size(); ++j)
        if (dsl::SameExpr(e, *calls[j]))
          return MakeColumn(Section::kValue, static_cast<int>(q_.group_by.size() + j), result_types[j]);
      if (e.kind == ExprKind::kColumnRef) {
        if (e.name == "ROWTIME" && e.qualifier.empty())
          return MakeColumn(Section::kValue, static_cast<int>(q_.group_by.size() + calls.size()), Type::Bigint());
        if (q_.window && IsWindowBound(e) && !q_.joins.empty())
          return Status::Invalid(fmt::format("SELECT column '{}' cannot be resolved.", e.name), e.pos);
        if (q_.window && IsWindowBound(e))
          return MakeColumn(Section::kValue,
                            static_cast<int>(q_.group_by.size() + calls.size() + (e.name == "WINDOWSTART" ? 1 : 2)),
                            Type::Bigint());
        RETURN_IF_ERROR(dsl::AnalyzeExpr(e, scope_, reg_).status());
        return Status::Invalid(fmt::format("Non-aggregate SELECT expression(s) not part of GROUP BY: {}",
                                           dsl::FormatExpr(e)), e.pos);
      }
      return CompiledExprPtr();
    };
    if (q_.having) {
      dsl::ExprPtr rewritten = CloneExpr(*q_.having);
      RETURN_IF_ERROR(RewriteMagicTimestamps(*rewritten));
      Result<CompiledExprPtr> having = dsl::AnalyzeExpr(*rewritten, post, reg_, &hooks);
      if (!having.ok()) return ClauseError(having.status(), "HAVING");
      CompiledExprPtr pred = std::move(having).value();
      Add(std::make_unique<HavingFilterOperator>(std::move(pred), dsl::FormatExpr(*q_.having),
                                                 fmt::format("{}-having", sink_name_)));
    }
    std::vector<const Expr*> keys;
    std::vector<std::string> texts;
    for (const auto& g : q_.group_by) {
      keys.push_back(g.get());
      texts.push_back(dsl::FormatExpr(*g));
    }
    std::vector<int> key_items;
    RETURN_IF_ERROR(RequireInProjection(keys, texts, "grouping expression", &key_items));
    return FinishProjection(key_items, post, &hooks, /*forward_tombstones=*/true, 0);
  }

  const dsl::Query& q_;
  std::vector<SourceRef> sources_;
  std::string sink_name_;
  bool persistent_;
  bool new_planner_;  // ksql.new.query.planner.enabled
  const std::map<std::string, std::string>* function_properties_ = nullptr;
  std::optional<std::pair<std::string, SourcePos>> sink_timestamp_;
  dsl::ExprPtr where_rewritten_;  // the WHERE clause with magic timestamps replaced
  const FunctionRegistry& reg_;
  dsl::Scope scope_;
  std::unique_ptr<Topology> topo_;
  Operator* tail_ = nullptr;
  std::vector<OutputItem> items_;
  std::vector<std::unique_ptr<Expr>> owned_;
  std::vector<const Expr*> join_keys_;  // source columns holding the join key, in ksqlDB's order
  std::string synthetic_key_;           // the join key's name when no source column holds it
  TypePtr join_key_type_;
  bool join_key_from_record_ = false;   // the projection's key column is the record's key
  // A foreign-key join alone: the result's key is the left source's whole primary key, each
  // projected key column reading its position of the record's key.
  bool fk_join_only_ = false;
  std::vector<int> record_key_index_;   // per key item of FinishProjection; empty: all read 0
  std::string clashing_key_alias_;      // a grouping item's name another item also has
  std::unique_ptr<RekeyOperator> right_rekey_;
  int synthetic_ = 0;
  struct PartitionKey {
    const Expr* expr = nullptr;
    std::string name;
    TypePtr type;
    int index = 0;    // where the RekeyOperator appended its value in the wide row
    int column = -1;  // the wide-row index of the column it names, for a plain column reference
  };
  std::vector<PartitionKey> partition_;
  bool partitioned_ = false;
  std::vector<bool> key_only_;  // per partition key: computable from the key columns alone
  bool output_is_table_ = false;
  bool aggregate_ = false;
  FilterOperator* where_ = nullptr;
  struct TableCall {
    const Expr* expr;
    int index;  // where the FlatMapOperator appended its value in the wide row
    TypePtr type;
  };
  std::vector<TableCall> table_calls_;
  Schema output_schema_;
};

bool NewPlanner(const PlanOptions& options) {
  auto it = options.properties.find("ksql.new.query.planner.enabled");
  return it != options.properties.end() && Upper(it->second) == "TRUE";
}

bool ThrowOnInvalidTimestamp(const PlanOptions& options) {
  auto it = options.properties.find("ksql.timestamp.throw.on.invalid");
  return it != options.properties.end() && Upper(it->second) == "TRUE";
}

Result<std::vector<SourceRef>> ResolveSources(const dsl::Query& q, const Catalog& catalog) {
  std::vector<SourceRef> out;
  auto add = [&](const dsl::Relation& r) -> Status {
    const SourceDef* def = catalog.FindSource(r.name);
    if (!def) return Status::NotFound(fmt::format("{} does not exist.", r.name), r.pos);
    out.push_back({*def, r.alias, 0, 0});
    return Status::Ok();
  };
  RETURN_IF_ERROR(add(q.from));
  for (const auto& j : q.joins) RETURN_IF_ERROR(add(j.right));
  return out;
}

class BuiltQueryPlan final : public QueryPlan {
 public:
  BuiltQueryPlan(std::shared_ptr<const dsl::Statement> st, const dsl::Query* q, std::vector<SourceRef> sources,
                 std::optional<SourceDef> sink, std::string sink_name, std::string id, bool new_planner)
      : st_(std::move(st)), q_(q), sources_(std::move(sources)), sink_(std::move(sink)), sink_name_(std::move(sink_name)),
        new_planner_(new_planner) {
    query_id_ = std::move(id);
    for (const auto& s : sources_) input_topics_.push_back(s.def.topic);
  }

  // A C*AS's WITH (TIMESTAMP=...) stamps the records it writes (INSERT INTO's target keeps
  // the record's own time).
  bool stamp_sink = false;
  // ksql.timestamp.throw.on.invalid: a source record without a valid event time fails the query.
  bool throw_on_invalid_timestamp = false;
  // The properties in force when the query was planned, for configurable functions.
  std::map<std::string, std::string> properties;

  Result<std::unique_ptr<Topology>> Build() const override {
    QueryBuilder b(*q_, sources_, sink_name_, sink_.has_value(), new_planner_);
    b.set_function_properties(&properties);
    RETURN_IF_ERROR(b.Build());
    std::unique_ptr<Topology> topo = b.TakeTopology();
    topo->query_id = query_id_;
    for (SourceOperator* s : topo->sources) s->set_throw_on_invalid_timestamp(throw_on_invalid_timestamp);
    if (sink_) {
      SinkSpec spec;
      spec.name = sink_->name;
      spec.topic = sink_->topic;
      spec.materialize = sink_->is_table;  // pull queries read its rows
      if (stamp_sink) {
        ASSIGN_OR_RETURN(spec.timestamp_column, EventTimeOf(*sink_));
      }
      ASSIGN_OR_RETURN(spec.key_format, MakeFormat(sink_->key_format, sink_->schema.key, KeyFormatOptions(*sink_)));
      ASSIGN_OR_RETURN(spec.value_format,
                       MakeFormat(sink_->value_format, sink_->schema.value, ValueFormatOptions(*sink_)));
      auto sink = std::make_unique<SinkOperator>(std::move(spec));
      topo->last->set_downstream(sink.get());
      topo->last = sink.get();
      topo->operators.push_back(std::move(sink));
    }
    return topo;
  }

 private:
  std::shared_ptr<const dsl::Statement> st_;
  const dsl::Query* q_;
  std::vector<SourceRef> sources_;
  std::optional<SourceDef> sink_;
  std::string sink_name_;
  bool new_planner_;
};

const std::set<std::string> kCasProps = {"KAFKA_TOPIC", "KEY_FORMAT", "VALUE_FORMAT", "FORMAT", "PARTITIONS",
                                         "REPLICAS", "TIMESTAMP", "TIMESTAMP_FORMAT", "WRAP_SINGLE_VALUE",
                                         "VALUE_DELIMITER", "KEY_DELIMITER", "RETENTION_MS"};

Result<PlannedStatement> PlanCreateAsSelect(std::shared_ptr<const dsl::Statement> st, Catalog& catalog,
                                            const PlanOptions& options) {
  const dsl::CreateAsSelect& cas = *st->create_as_select;
  const char* kind = cas.is_table ? "table" : "stream";
  if (const SourceDef* existing = catalog.FindSource(cas.name)) {
    if (cas.if_not_exists) return PlannedStatement{};
    if (!cas.or_replace)
      return Status::Invalid(fmt::format("Cannot add {} '{}': A {} with the same name already exists", kind, cas.name,
                                         existing->is_table ? "table" : "stream"), cas.name_pos);
  }
  Props props(cas.properties);
  RETURN_IF_ERROR(props.CheckKnown(kCasProps));
  ASSIGN_OR_RETURN(std::vector<SourceRef> sources, ResolveSources(cas.query, catalog));

  QueryBuilder check(cas.query, sources, cas.name, true, NewPlanner(options));
  check.set_function_properties(&options.properties);
  if (const dsl::Property* ts = props.Find("TIMESTAMP")) check.set_sink_timestamp(TimestampColumnName(*ts), ts->pos);
  RETURN_IF_ERROR(check.Build());
  if (check.output_is_table() != cas.is_table) {
    return Status::Invalid(fmt::format("Invalid result type. Your SELECT query produces a {}. Please use CREATE {} AS "
                                       "SELECT statement instead.", check.output_is_table() ? "TABLE" : "STREAM",
                                       check.output_is_table() ? "TABLE" : "STREAM"), st->pos);
  }
  SourceDef sink;
  sink.name = cas.name;
  sink.is_table = cas.is_table;
  sink.schema = check.output_schema();
  sink.statement_text = st->text;
  std::tie(sink.window_type, sink.window_size_ms) = check.OutputWindow();
  const SourceDef& first = sources[0].def;
  sink.key_format = first.key_format;
  sink.value_format = first.value_format;
  sink.key_delimiter = first.key_delimiter;
  sink.value_delimiter = first.value_delimiter;
  sink.partitions = first.partitions;
  sink.topic = props.String("KAFKA_TOPIC").value_or(cas.name);
  RETURN_IF_ERROR(ApplyFormats(props, cas.properties, sink, options, false));
  if (!props.Find("KEY_FORMAT") && !props.Find("FORMAT") && sink.key_format == "NONE" && !sink.schema.key.empty()) {
    auto it = options.properties.find("ksql.persistence.default.format.key");
    sink.key_format = it == options.properties.end() ? "KAFKA" : Upper(it->second);
  }
  if (sink.schema.key.empty() && !cas.is_table) {
    if (const dsl::Property* kp = props.Find("KEY_FORMAT"); kp && Upper(kp->value) != "NONE")
      return Status::Invalid("Key format specified for stream without key columns.", kp->pos);
    if (!props.Find("FORMAT")) sink.key_format = "NONE";
  }
  RETURN_IF_ERROR(CheckKeyTypes(sink.schema, st->pos));
  RETURN_IF_ERROR(props.Partitions(sink.partitions));
  RETURN_IF_ERROR(CheckFormats(sink).WithPos(st->pos));
  RETURN_IF_ERROR(ApplyTimestamp(props, sink));

  std::string id = catalog.NextQueryId(cas.is_table ? "CTAS" : "CSAS", cas.name);
  sink.query_id = id;
  PlannedStatement out;
  out.kind = PlannedStatement::Kind::kPersistentQuery;
  out.topic = sink.topic;
  out.topic_partitions = sink.partitions;
  out.or_replace = cas.or_replace;
  out.query_def = QueryDef{id, cas.name, {}, st->text};
  for (const auto& s : sources) out.query_def.sources.push_back(s.def.name);
  auto plan = std::make_shared<BuiltQueryPlan>(st, &cas.query, std::move(sources), sink, cas.name, id,
                                               NewPlanner(options));
  plan->stamp_sink = sink.timestamp_column.has_value();
  plan->throw_on_invalid_timestamp = ThrowOnInvalidTimestamp(options);
  plan->properties = options.properties;
  out.query = std::move(plan);
  out.source = std::move(sink);
  return out;
}

Result<PlannedStatement> PlanInsertInto(std::shared_ptr<const dsl::Statement> st, Catalog& catalog,
                                        const PlanOptions& options) {
  const dsl::InsertInto& ins = *st->insert_into;
  const SourceDef* target = catalog.FindSource(ins.target);
  if (!target) return Status::NotFound(fmt::format("Source `{}` does not exist.", ins.target), ins.target_pos);
  if (target->is_table) return Status::Invalid("INSERT INTO can only be used to insert into a stream. " + target->name + " is a table.", ins.target_pos);
  if (HasHeaderColumns(target->schema)) {
    return Status::Invalid(fmt::format("Cannot insert into {} because it has header columns", ins.target),
                           ins.target_pos);
  }
  if (target->is_source)
    return Status::Invalid(fmt::format("Cannot insert into read-only stream: {}", target->name), ins.target_pos);
  ASSIGN_OR_RETURN(std::vector<SourceRef> sources, ResolveSources(ins.query, catalog));
  QueryBuilder check(ins.query, sources, ins.target, true, NewPlanner(options));
  check.set_function_properties(&options.properties);
  RETURN_IF_ERROR(check.Build());
  if (check.output_is_table())
    return Status::Invalid("INSERT INTO can only be used to insert from a stream.", st->pos);
  const Schema& got = check.output_schema();
  bool same = got.key.size() == target->schema.key.size() && got.value.size() == target->schema.value.size();
  for (size_t i = 0; same && i < got.key.size(); ++i)
    same = got.key[i].name == target->schema.key[i].name && TypesEqual(got.key[i].type, target->schema.key[i].type);
  for (size_t i = 0; same && i < got.value.size(); ++i)
    same = got.value[i].name == target->schema.value[i].name && TypesEqual(got.value[i].type, target->schema.value[i].type);
  if (!same) {
    return Status::Invalid(fmt::format("Incompatible schema between results and sink.\nResult schema is {}\nSink schema "
                                       "is {}", got.ToString(), target->schema.ToString()), st->pos);
  }
  std::string id = catalog.NextQueryId("INSERTQUERY", "");
  id = fmt::format("INSERTQUERY_{}", id.substr(id.rfind('_') + 1));
  PlannedStatement out;
  out.kind = PlannedStatement::Kind::kPersistentQuery;
  out.topic = target->topic;
  out.topic_partitions = target->partitions;
  out.query_def = QueryDef{id, target->name, {}, st->text};
  for (const auto& s : sources) out.query_def.sources.push_back(s.def.name);
  auto plan = std::make_shared<BuiltQueryPlan>(st, &ins.query, std::move(sources), *target, target->name, id,
                                               NewPlanner(options));
  plan->throw_on_invalid_timestamp = ThrowOnInvalidTimestamp(options);
  plan->properties = options.properties;
  out.query = std::move(plan);
  return out;
}

Result<PlannedStatement> PlanInsertValues(const dsl::Statement& st, const Catalog& catalog,
                                          const PlanOptions& options) {
  const dsl::InsertValues& iv = *st.insert_values;
  const SourceDef* target = catalog.FindSource(iv.target);
  if (!target) {
    // ksqlDB's words, with a hint when only the case differs (quoted vs unquoted names).
    std::string msg = fmt::format("Cannot insert values into an unknown stream/table: `{}`", iv.target);
    for (const auto& [name, def] : catalog.sources()) {
      if (Upper(name) != Upper(iv.target)) continue;
      if (name == Upper(name)) {
        msg += fmt::format("\nDid you mean {}? Hint: try removing double quotes from the source name.", name);
      } else {
        msg += fmt::format("\nDid you mean \"{}\"? Hint: wrap the source name in double quotes to make it "
                           "case-sensitive.", name);
      }
      break;
    }
    return Status::NotFound(msg, iv.target_pos);
  }
  if (target->is_source) {
    return Status::Invalid(fmt::format("Cannot insert values into read-only {}: {}",
                                       target->is_table ? "table" : "stream", target->name), iv.target_pos);
  }
  std::vector<std::string> columns = iv.columns;
  {
    // ksqlDB's runner never writes headers: naming a header column (or every column, by naming
    // none) is an error.
    std::string headers;
    for (const auto& c : target->schema.value) {
      if (c.role != ColumnRole::kHeader) continue;
      if (!columns.empty() && std::find(columns.begin(), columns.end(), c.name) == columns.end()) continue;
      headers += (headers.empty() ? "" : ", ") + c.name;
    }
    if (!headers.empty()) return Status::Invalid("Cannot insert into HEADER columns: " + headers, iv.target_pos);
  }
  if (columns.empty()) {
    for (const auto& c : target->schema.key) columns.push_back(c.name);
    for (const auto& c : target->schema.value) columns.push_back(c.name);
  }
  if (columns.size() != iv.values.size()) {
    return Status::Invalid(fmt::format("Failed to prepare statement: Expected number columns and values to match: "
                                       "{}, {}", columns.size(), iv.values.size()), st.pos);
  }
  Row key(target->schema.key.size()), value(target->schema.value.size());
  int64_t ts = options.now_ms;
  dsl::Scope empty;
  Record none;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& name = columns[i];
    TypePtr type;
    Value* slot = nullptr;
    if (auto k = target->schema.KeyIndex(name)) {
      type = target->schema.key[*k].type;
      slot = &key[*k];
    } else if (auto v = target->schema.ValueIndex(name)) {
      type = target->schema.value[*v].type;
      slot = &value[*v];
    } else if (name == "ROWTIME") {
      type = Type::Bigint();
    } else {
      return Status::NotFound(fmt::format("Column name {} does not exist.", name), iv.values[i]->pos);
    }
    ASSIGN_OR_RETURN(CompiledExprPtr e, dsl::AnalyzeExpr(*iv.values[i], empty, FunctionRegistry::Builtins()));
    Result<CompiledExprPtr> coerced = Coerce(std::move(e), type);
    if (!coerced.ok()) return coerced.status().WithPos(iv.values[i]->pos);
    EvalContext ec{&none, {}};
    Value v = coerced.value()->Eval(ec);
    if (!ec.error.empty()) return Status::Invalid(ec.error, iv.values[i]->pos);
    if (slot) *slot = std::move(v);
    else if (!v.is_null()) ts = v.as_bigint();
  }
  ASSIGN_OR_RETURN(auto kf, MakeFormat(target->key_format, target->schema.key, KeyFormatOptions(*target)));
  ASSIGN_OR_RETURN(auto vf, MakeFormat(target->value_format, target->schema.value, ValueFormatOptions(*target)));
  RawRecord rec;
  rec.timestamp = ts;
  if (!kf->SerializesToNull(key)) {
    std::string kb;
    RETURN_IF_ERROR(kf->Serialize(key, kb).WithPos(st.pos));
    rec.key = std::move(kb);
  }
  if (!vf->SerializesToNull(value)) {
    std::string vb;
    RETURN_IF_ERROR(vf->Serialize(value, vb).WithPos(st.pos));
    rec.value = std::move(vb);
  }
  PlannedStatement out;
  out.kind = PlannedStatement::Kind::kInsertValues;
  out.topic = target->topic;
  out.topic_partitions = target->partitions;
  out.records.push_back(std::move(rec));
  return out;
}

}  // namespace

// ALTER STREAM|TABLE x ADD COLUMN ...: the source, re-registered with the value columns added
// (queries already running keep the schema they started with, as in ksqlDB).
Result<PlannedStatement> PlanAlter(const dsl::Statement& st, const Catalog& catalog) {
  const dsl::AlterSource& a = *st.alter;
  const char* kind = a.is_table ? "table" : "stream";
  const SourceDef* def = catalog.FindSource(a.name);
  if (def && def->is_source) {
    return Status::Invalid(fmt::format("Cannot alter {} '{}': ALTER operations are not supported on source {}s.", kind,
                                       a.name, kind), a.name_pos);
  }
  if (!def) return Status::NotFound(fmt::format("Source {} does not exist.", a.name), a.name_pos);
  if (def->is_table != a.is_table) {
    return Status::Invalid(fmt::format("Incompatible data source type is {}, but statement was ALTER {}",
                                       def->is_table ? "TABLE" : "STREAM", a.is_table ? "TABLE" : "STREAM"),
                           a.name_pos);
  }
  if (!def->query_id.empty()) {
    return Status::Invalid("ALTER command is not supported for CREATE ... AS statements.", a.name_pos);
  }
  SourceDef altered = *def;
  for (const auto& col : a.columns) {
    if (altered.schema.KeyIndex(col.name) || altered.schema.ValueIndex(col.name)) {
      return Status::Invalid(fmt::format("Cannot add column `{}` to schema. A column with the same name already "
                                         "exists.", col.name), col.pos);
    }
    altered.schema.value.push_back(Column{col.name, col.type, ColumnRole::kValue, ""});
  }
  RETURN_IF_ERROR(CheckFormats(altered));
  altered.statement_text = st.text;
  PlannedStatement out;
  out.kind = PlannedStatement::Kind::kCreateSource;
  out.topic = altered.topic;
  out.topic_partitions = altered.partitions;
  out.source = std::move(altered);
  out.or_replace = true;
  return out;
}

Result<PlannedStatement> PlanStatement(std::shared_ptr<const dsl::Statement> statement, Catalog& catalog,
                                       const PlanOptions& options) {
  const dsl::Statement& st = *statement;
  using K = dsl::Statement::Kind;
  switch (st.kind) {
    case K::kCreateSource: return PlanCreateSource(st, catalog, options);
    case K::kCreateAsSelect: return PlanCreateAsSelect(statement, catalog, options);
    case K::kInsertInto: return PlanInsertInto(statement, catalog, options);
    case K::kInsertValues: return PlanInsertValues(st, catalog, options);
    case K::kSelect: {
      const dsl::Query& q = st.select->query;
      ASSIGN_OR_RETURN(std::vector<SourceRef> sources, ResolveSources(q, catalog));
      QueryBuilder check(q, sources, "", false, NewPlanner(options));
      check.set_function_properties(&options.properties);
      RETURN_IF_ERROR(check.Build());
      PlannedStatement out;
      out.kind = PlannedStatement::Kind::kTransientQuery;
      std::string id = catalog.NextQueryId("TRANSIENT", "QUERY");
      auto plan = std::make_shared<BuiltQueryPlan>(statement, &q, std::move(sources), std::nullopt, "transient", id,
                                                   NewPlanner(options));
      plan->throw_on_invalid_timestamp = ThrowOnInvalidTimestamp(options);
      plan->properties = options.properties;
      out.query = std::move(plan);
      return out;
    }
    case K::kDrop: {
      const dsl::Drop& d = *st.drop;
      const SourceDef* def = catalog.FindSource(d.name);
      if (!def) {
        if (d.if_exists) return PlannedStatement{};
        return Status::NotFound(fmt::format("{} {} does not exist.", d.is_table ? "Table" : "Stream", d.name), d.name_pos);
      }
      if (def->is_table != d.is_table) {
        return Status::Invalid(fmt::format("Incompatible data source type is {}, but statement was DROP {}",
                                           def->is_table ? "TABLE" : "STREAM", d.is_table ? "TABLE" : "STREAM"),
                               d.name_pos);
      }
      if (d.delete_topic && def->is_source)
        return Status::Invalid(fmt::format("Cannot delete topic for read-only source: {}", def->name), d.name_pos);
      PlannedStatement out;
      out.kind = PlannedStatement::Kind::kDrop;
      out.drop_name = d.name;
      if (d.delete_topic) out.drop_topic = def->topic;
      return out;
    }
    case K::kAlter: return PlanAlter(st, catalog);
    default:
      return PlannedStatement{};
  }
}

}  // namespace eddy
