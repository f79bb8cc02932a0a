#pragma once
// The abstract syntax tree of eddy's ksqlDB dialect. Plain data, built by dsl::Parse and read
// by the analyzer. Every node carries the position of its first token (line and column from 1).
// Identifiers are already normalised: unquoted ones upper-cased, quoted ones (`x` or "x") kept.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/schema.h"
#include "engine/common/status.h"
#include "engine/common/type.h"

namespace eddy::dsl {

enum class ExprKind : uint8_t {
  kLiteral,      // lit_kind, text
  kColumnRef,    // qualifier (may be empty), name
  kBinary,       // bin_op, children[0] op children[1]
  kUnary,        // un_op, children[0]
  kFunctionCall, // name (upper-cased), children = arguments; star=true for COUNT(*)
  kCast,         // children[0], cast_type
  kSearchedCase, // CASE WHEN c0 THEN v0 ... [ELSE e] END: children = c0, v0, c1, v1, ..., [else]; has_else
  kSimpleCase,   // CASE x WHEN w0 THEN v0 ... END: children = x, w0, v0, ..., [else]; has_else
  kIsNull,       // children[0] IS [NOT] NULL; negated
  kBetween,      // children[0] [NOT] BETWEEN children[1] AND children[2]; negated
  kInList,       // children[0] [NOT] IN (children[1..]); negated
  kLike,         // children[0] [NOT] LIKE children[1] [ESCAPE children[2]]; negated
  kSubscript,    // children[0][children[1]]
  kDereference,  // children[0]->name (struct field)
  kArray,        // ARRAY[children...]
  kMap,          // MAP(k0 := v0, ...): children = k0, v0, k1, v1, ...
  kStruct,       // STRUCT(n0 := v0, ...): field_names[i] names children[i]
  kLambda,       // (p0, p1) => children[0]: field_names are the parameter names
  kIntervalUnit, // a time unit as a function argument (TIMESTAMPADD(SECONDS, ...)): name
  kDistinctFrom, // children[0] IS [NOT] DISTINCT FROM children[1]; negated
};

enum class LiteralKind : uint8_t {
  kNull,
  kBoolean,   // text "TRUE" / "FALSE"
  kInteger,   // text of digits; the analyzer picks INT or BIGINT by magnitude
  kDecimal,   // text like "7.2": a DECIMAL literal
  kDouble,    // text like "7.2E0": a DOUBLE literal
  kString,    // text is the unescaped content ('' already turned into ')
};

enum class BinaryOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kMod,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAnd, kOr,
  kConcat,  // || is not ksqlDB; reserved
};

enum class UnaryOp : uint8_t { kNot, kMinus, kPlus };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;
  LiteralKind lit_kind = LiteralKind::kNull;
  std::string text;       // kLiteral
  std::string qualifier;  // kColumnRef: source alias or name, empty if none
  std::string name;       // kColumnRef column, kFunctionCall function, kDereference field
  BinaryOp bin_op = BinaryOp::kAdd;
  UnaryOp un_op = UnaryOp::kNot;
  bool negated = false;   // kIsNull, kBetween, kInList, kLike
  bool has_else = false;  // kSearchedCase, kSimpleCase
  bool star = false;      // kFunctionCall: COUNT(*)
  TypePtr cast_type;      // kCast
  std::vector<std::string> field_names;  // kStruct, kLambda
  std::vector<ExprPtr> children;
};

// ksqlDB-style text of an expression, used for error messages, EXPLAIN and column names:
// `V.LAT`, `(A + 1)`, `GEO_DISTANCE(V.LAT, ...)`, `CAST(X AS DOUBLE)`.
std::string FormatExpr(const Expr& e);

// Hooks for printers that format differently (dsl/sql_formatter.h): each unset hook keeps the
// default. `qualify` names the source of an unqualified column reference ("" leaves it bare),
// `name` spells an identifier, `type` a CAST's type.
struct ExprFormatOptions {
  std::function<std::string(const Expr& column_ref)> qualify;
  std::function<std::string(const std::string& name)> name;
  std::function<std::string(const Type& type)> type;
};
std::string FormatExpr(const Expr& e, const ExprFormatOptions& options);

// A column in CREATE STREAM/TABLE (...).
struct TableElement {
  std::string name;
  TypePtr type;
  ColumnRole role = ColumnRole::kValue;  // KEY / PRIMARY KEY -> kKey; HEADERS / HEADER('k') -> kHeader
  bool primary_key = false;              // PRIMARY KEY (tables) rather than KEY (streams)
  std::string header_key;                // HEADER('k')
  SourcePos pos;
};

// One WITH property. Names are upper-cased. Values keep their literal kind.
struct Property {
  std::string name;
  LiteralKind kind = LiteralKind::kString;
  std::string value;  // string content, number text or TRUE/FALSE
  SourcePos pos;
};

struct Relation {
  std::string name;   // a stream or table
  std::string alias;  // empty if none
  SourcePos pos;
};

// A duration such as `10 SECONDS`.
struct Duration {
  int64_t millis = 0;
  int64_t value = 0;  // as written: `10` of `10 SECONDS`
  std::string unit;   // Java's TimeUnit name, as ksqlDB prints it: MILLISECONDS, SECONDS, ... DAYS
  SourcePos pos;
};

enum class JoinType : uint8_t { kInner, kLeft, kRight, kFull };

struct JoinClause {
  JoinType type = JoinType::kInner;
  Relation right;
  // WITHIN n UNIT (both set to n), or WITHIN (before, after); GRACE PERIOD g.
  std::optional<Duration> within_before;
  std::optional<Duration> within_after;
  std::optional<Duration> grace;
  ExprPtr on;
  SourcePos pos;
};

enum class WindowType : uint8_t { kTumbling, kHopping, kSession };

struct WindowSpec {
  WindowType type = WindowType::kTumbling;
  Duration size;                      // tumbling/hopping SIZE, session gap
  std::optional<Duration> advance;    // hopping ADVANCE BY
  std::optional<Duration> retention;
  std::optional<Duration> grace;
  SourcePos pos;
};

enum class SelectItemKind : uint8_t {
  kExpr,
  kStar,
  kQualifiedStar,
  kStructStar,  // `S->*`: every field of the struct `expr`
};

struct SelectItem {
  SelectItemKind kind = SelectItemKind::kExpr;
  ExprPtr expr;           // kExpr, kStructStar
  std::string alias;      // kExpr, optional (AS is optional too)
  std::string qualifier;  // kQualifiedStar: `V.*`
  SourcePos pos;
};

enum class EmitKind : uint8_t { kNone, kChanges, kFinal };

struct Query {
  std::vector<SelectItem> select;
  Relation from;
  std::vector<JoinClause> joins;
  std::optional<WindowSpec> window;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  std::vector<ExprPtr> partition_by;
  EmitKind emit = EmitKind::kNone;
  std::optional<int64_t> limit;
  SourcePos pos;
};

struct CreateSource {          // CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] x (...) WITH (...)
  bool is_table = false;
  bool or_replace = false;
  bool if_not_exists = false;
  bool is_source = false;
  std::string name;
  SourcePos name_pos;
  std::vector<TableElement> elements;
  std::vector<Property> properties;
};

struct CreateAsSelect {        // CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] x [WITH (...)] AS SELECT ...
  bool is_table = false;
  bool or_replace = false;
  bool if_not_exists = false;
  std::string name;
  SourcePos name_pos;
  std::vector<Property> properties;
  Query query;
};

struct InsertInto {            // INSERT INTO x [WITH (...)] SELECT ...
  std::string target;
  SourcePos target_pos;
  std::vector<Property> properties;
  Query query;
};

struct InsertValues {          // INSERT INTO x [(c, ...)] VALUES (v, ...)
  std::string target;
  SourcePos target_pos;
  std::vector<std::string> columns;  // empty: all columns, key columns first
  std::vector<ExprPtr> values;
};

struct SelectStatement {       // a transient query: SELECT ... [EMIT CHANGES]
  Query query;
};

struct Drop {                  // DROP STREAM|TABLE [IF EXISTS] x [DELETE TOPIC]
  bool is_table = false;
  bool if_exists = false;
  bool delete_topic = false;
  std::string name;
  SourcePos name_pos;
};

struct SetProperty {           // SET 'k' = 'v';  UNSET 'k';
  std::string name;
  std::string value;
  bool unset = false;
};

enum class ShowKind : uint8_t { kStreams, kTables, kQueries, kTopics, kFunctions, kProperties, kTypes };
struct Show {                  // SHOW|LIST STREAMS|TABLES|QUERIES|TOPICS|FUNCTIONS|PROPERTIES [EXTENDED]
  ShowKind what = ShowKind::kStreams;
  bool extended = false;
  bool all = false;  // SHOW ALL TOPICS: internal topics too
};

struct Describe {              // DESCRIBE [EXTENDED] x | DESCRIBE FUNCTION f | DESCRIBE STREAMS|TABLES
  std::string name;
  bool extended = false;
  bool function = false;
  std::optional<ShowKind> list;  // DESCRIBE STREAMS|TABLES: every stream (kStreams) or table (kTables)
};

struct Explain {               // EXPLAIN query-id | EXPLAIN <statement text>
  std::string query_id;
  std::string statement_text;
};

struct Terminate {             // TERMINATE query-id | TERMINATE ALL
  std::string query_id;
  bool all = false;
};

struct PrintTopic {            // PRINT 'topic' | PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]
  std::string topic;  // as written: as in ksqlDB, an unquoted topic name keeps its case
  bool from_beginning = false;
  std::optional<int64_t> interval;  // INTERVAL n (or SAMPLE n): print every n-th record
  std::optional<int64_t> limit;
};

struct RunScript {             // RUN SCRIPT 'path'
  std::string path;
};

// run-ksql-test assertions.
struct AssertValues {          // ASSERT [NULL] VALUES x (c, ...) VALUES (v, ...) | ASSERT NULL VALUES x (c, ...) KEY (v, ...)
  std::string target;
  SourcePos target_pos;
  bool null_values = false;
  std::vector<std::string> columns;
  std::vector<ExprPtr> values;
};

struct AlterSource {           // ALTER STREAM|TABLE x ADD [COLUMN] c type, ...
  bool is_table = false;
  std::string name;
  SourcePos name_pos;
  std::vector<TableElement> columns;  // value columns to add
};

struct AssertSource {          // ASSERT STREAM|TABLE x (elements) WITH (...)
  bool is_table = false;
  std::string name;
  std::vector<TableElement> elements;
  std::vector<Property> properties;
};

struct CreateType {            // CREATE TYPE [IF NOT EXISTS] x AS type
  bool if_not_exists = false;
  std::string name;
  SourcePos name_pos;
  TypePtr type;                // resolved: custom types in it are already replaced
};

struct DropType {              // DROP TYPE [IF EXISTS] x
  bool if_exists = false;
  std::string name;
  SourcePos name_pos;
};

// Custom types (CREATE TYPE) by upper-cased name, as the parser resolves them.
using TypeRegistry = std::map<std::string, TypePtr>;

struct Statement {
  enum class Kind : uint8_t {
    kCreateSource, kCreateAsSelect, kInsertInto, kInsertValues, kSelect, kDrop, kSet, kShow,
    kDescribe, kExplain, kTerminate, kPrint, kRunScript, kAssertValues, kAssertSource, kAlter,
    kCreateType, kDropType,
  };
  Kind kind = Kind::kSelect;
  SourcePos pos;       // of the first token
  std::string text;    // the statement's source text, without the trailing ';'

  // Exactly the member for `kind` is set.
  std::unique_ptr<CreateSource> create_source;
  std::unique_ptr<CreateAsSelect> create_as_select;
  std::unique_ptr<InsertInto> insert_into;
  std::unique_ptr<InsertValues> insert_values;
  std::unique_ptr<SelectStatement> select;
  std::unique_ptr<Drop> drop;
  std::unique_ptr<SetProperty> set;
  std::unique_ptr<Show> show;
  std::unique_ptr<Describe> describe;
  std::unique_ptr<Explain> explain;
  std::unique_ptr<Terminate> terminate;
  std::unique_ptr<PrintTopic> print;
  std::unique_ptr<RunScript> run_script;
  std::unique_ptr<AssertValues> assert_values;
  std::unique_ptr<AssertSource> assert_source;
  std::unique_ptr<AlterSource> alter;
  std::unique_ptr<CreateType> create_type;
  std::unique_ptr<DropType> drop_type;
};

}  // namespace eddy::dsl
