#include <catch2/catch.hpp>

#include <functional>
#include <iostream>
#include <sstream>
#include <string>

#include "dsl/parser.h"

namespace eddy::dsl {
namespace {

// The truck tracker of the article eddy's first users started from, verbatim (its line and
// column numbers matter: it refers to an alias `O` at 44:49 that it never defines).
constexpr const char* kTruckTracker = R"sql(-- Create Table of JobLocation
CREATE TABLE JOBLOCATION (
    ID VARCHAR PRIMARY KEY,
    CUSTOMERNAME VARCHAR,
    EMAIL VARCHAR,
    ADDRESS VARCHAR,
    DEST_LAT DOUBLE,
    DEST_LONG DOUBLE,
    REPORTING_TIME BIGINT
) WITH (
    KAFKA_TOPIC = 'joblocation',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Create Vehicle Stream
CREATE STREAM VEHICLES (
    ID VARCHAR KEY,
    JOB_ID VARCHAR,
    STATE VARCHAR,
    LAT DOUBLE,
    LONG DOUBLE
) WITH (
    KAFKA_TOPIC = 'tradie_truck_location',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Create a truck tracking table for vehicle location and ETA.
CREATE TABLE TRUCK_TRACKER WITH (
    KAFKA_TOPIC = 'truck_tracker',
    PARTITIONS = 6
) AS
SELECT
    J.ID JOB_ID,
    LATEST_BY_OFFSET(V.ID) VEHICLE_ID,
    LATEST_BY_OFFSET(V.LAT) LAT,
    LATEST_BY_OFFSET(V.LONG) LONG,
    LATEST_BY_OFFSET(J.DEST_LAT) DEST_LAT,
    LATEST_BY_OFFSET(J.DEST_LONG) DEST_LONG,
    LATEST_BY_OFFSET(ROUND(GEO_DISTANCE(CAST(V.LAT as DOUBLE), CAST(V.LONG as DOUBLE), CAST(J.DEST_LAT as DOUBLE), CAST(J.DEST_LONG as DOUBLE), 'KM'), 2)) DISTANCE_FROM_DESTINATION,
    LATEST_BY_OFFSET(ROUND(GREATEST(ABS(V.LAT - O.DEST_LAT), ABS(V.LONG - O.DEST_LONG)) / (0.5 / 10 / 10) * 2, 2)) ETA_SECONDS
FROM VEHICLES AS V
JOIN JOBLOCATION AS J
ON ((V.JOB_ID = J.ID))
GROUP BY J.ID
EMIT CHANGES;

-- Fetch latest location data from truck tracking table
SELECT * from TRUCK_TRACKER;
)sql";

std::vector<Statement> ParseOk(std::string_view text) {
  auto r = ParseStatements(text);
  INFO(text);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

Statement ParseOne(std::string_view text) {
  std::vector<Statement> all = ParseOk(text);
  REQUIRE(all.size() == 1);
  return std::move(all[0]);
}

ExprPtr ExprOk(std::string_view text) {
  auto r = ParseExpression(text);
  INFO(text);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string Formatted(std::string_view text) { return FormatExpr(*ExprOk(text)); }

Status ParseError(std::string_view text, const ParseOptions& options = {}) {
  auto r = ParseStatements(text, options);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.status();
}

// Calls `f` on every expression node under `e`, parents first.
void Walk(const Expr& e, const std::function<void(const Expr&)>& f) {
  f(e);
  for (const ExprPtr& c : e.children) Walk(*c, f);
}

const Query& QueryOf(const Statement& s) {
  if (s.create_as_select) return s.create_as_select->query;
  if (s.insert_into) return s.insert_into->query;
  REQUIRE(s.select != nullptr);
  return s.select->query;
}

}  // namespace

TEST_CASE("the truck tracker parses into its four statements", "[parser]") {
  std::vector<Statement> st = ParseOk(kTruckTracker);
  REQUIRE(st.size() == 4);

  REQUIRE(st[0].kind == Statement::Kind::kCreateSource);
  const CreateSource& jobs = *st[0].create_source;
  CHECK(jobs.is_table);
  CHECK(jobs.name == "JOBLOCATION");
  CHECK(jobs.name_pos == SourcePos{2, 14});
  REQUIRE(jobs.elements.size() == 7);
  CHECK(jobs.elements[0].name == "ID");
  CHECK(jobs.elements[0].role == ColumnRole::kKey);
  CHECK(jobs.elements[0].primary_key);
  CHECK(jobs.elements[0].type->kind == TypeKind::kString);
  CHECK(jobs.elements[4].name == "DEST_LAT");
  CHECK(jobs.elements[4].type->kind == TypeKind::kDouble);
  CHECK(jobs.elements[4].role == ColumnRole::kValue);
  CHECK(jobs.elements[6].type->kind == TypeKind::kBigint);
  REQUIRE(jobs.properties.size() == 4);
  CHECK(jobs.properties[0].name == "KAFKA_TOPIC");
  CHECK(jobs.properties[0].value == "joblocation");
  CHECK(jobs.properties[0].kind == LiteralKind::kString);
  CHECK(jobs.properties[3].name == "PARTITIONS");
  CHECK(jobs.properties[3].value == "6");
  CHECK(jobs.properties[3].kind == LiteralKind::kInteger);
  CHECK(jobs.properties[3].pos == SourcePos{14, 5});

  REQUIRE(st[1].kind == Statement::Kind::kCreateSource);
  const CreateSource& vehicles = *st[1].create_source;
  CHECK_FALSE(vehicles.is_table);
  CHECK(vehicles.name == "VEHICLES");
  REQUIRE(vehicles.elements.size() == 5);
  CHECK(vehicles.elements[0].role == ColumnRole::kKey);
  CHECK_FALSE(vehicles.elements[0].primary_key);
  CHECK(vehicles.elements[2].name == "STATE");
  CHECK(vehicles.elements[4].name == "LONG");

  REQUIRE(st[2].kind == Statement::Kind::kCreateAsSelect);
  const CreateAsSelect& tracker = *st[2].create_as_select;
  CHECK(tracker.is_table);
  CHECK(tracker.name == "TRUCK_TRACKER");
  CHECK(tracker.properties.size() == 2);
  const Query& q = tracker.query;
  CHECK(q.pos == SourcePos{36, 1});
  REQUIRE(q.select.size() == 8);
  CHECK(FormatExpr(*q.select[0].expr) == "J.ID");
  CHECK(q.select[0].alias == "JOB_ID");
  CHECK(FormatExpr(*q.select[1].expr) == "LATEST_BY_OFFSET(V.ID)");
  CHECK(q.select[1].alias == "VEHICLE_ID");
  CHECK(q.select[7].alias == "ETA_SECONDS");
  CHECK(q.from.name == "VEHICLES");
  CHECK(q.from.alias == "V");
  REQUIRE(q.joins.size() == 1);
  CHECK(q.joins[0].type == JoinType::kInner);
  CHECK(q.joins[0].right.name == "JOBLOCATION");
  CHECK(q.joins[0].right.alias == "J");
  CHECK_FALSE(q.joins[0].within_before.has_value());
  CHECK(FormatExpr(*q.joins[0].on) == "(V.JOB_ID = J.ID)");
  REQUIRE(q.group_by.size() == 1);
  CHECK(FormatExpr(*q.group_by[0]) == "J.ID");
  CHECK(q.emit == EmitKind::kChanges);
  CHECK_FALSE(q.window.has_value());
  CHECK(q.where == nullptr);

  // The undefined alias O sits at 44:49; the analyzer reports it from this position.
  std::vector<SourcePos> o_refs;
  Walk(*q.select[7].expr, [&](const Expr& e) {
    if (e.kind == ExprKind::kColumnRef && e.qualifier == "O") o_refs.push_back(e.pos);
  });
  REQUIRE(o_refs.size() == 2);
  CHECK(o_refs[0] == SourcePos{44, 49});
  CHECK(FormatExpr(*q.select[6].expr) ==
        "LATEST_BY_OFFSET(ROUND(GEO_DISTANCE(CAST(V.LAT AS DOUBLE), CAST(V.LONG AS DOUBLE), "
        "CAST(J.DEST_LAT AS DOUBLE), CAST(J.DEST_LONG AS DOUBLE), 'KM'), 2))");

  REQUIRE(st[3].kind == Statement::Kind::kSelect);
  CHECK(st[3].pos == SourcePos{52, 1});
  CHECK(st[3].text == "SELECT * from TRUCK_TRACKER");
  CHECK(st[3].select->query.select[0].kind == SelectItemKind::kStar);
  CHECK(st[3].select->query.emit == EmitKind::kNone);
  CHECK(st[0].pos == SourcePos{2, 1});
  CHECK(st[0].text.rfind("CREATE TABLE JOBLOCATION (", 0) == 0);
  CHECK(st[0].text.back() == ')');
}

TEST_CASE("identifiers: unquoted upper-cased, quoted kept, keywords usable as names", "[parser]") {
  Statement s = ParseOne(
      "select a, s.b, \"Mixed\", `back`, `a``b`, \"a\"\"b\", `S`.c from src s;");
  const Query& q = QueryOf(s);
  REQUIRE(q.select.size() == 7);
  CHECK(q.select[0].expr->name == "A");
  CHECK(q.select[1].expr->qualifier == "S");
  CHECK(q.select[1].expr->name == "B");
  CHECK(q.select[2].expr->name == "Mixed");
  CHECK(q.select[3].expr->name == "back");
  CHECK(q.select[4].expr->name == "a`b");
  CHECK(q.select[5].expr->name == "a\"b");
  CHECK(q.select[6].expr->qualifier == "S");
  CHECK(q.from.name == "SRC");
  CHECK(q.from.alias == "S");

  Statement k = ParseOne(
      "SELECT state, long, timestamp, date, time, value, type, size, key, window_start, "
      "partition, emit, final, properties, topic FROM events;");
  const Query& kq = QueryOf(k);
  std::vector<std::string> names;
  for (const SelectItem& item : kq.select) names.push_back(item.expr->name);
  CHECK(names == std::vector<std::string>{"STATE", "LONG", "TIMESTAMP", "DATE", "TIME", "VALUE", "TYPE",
                                          "SIZE", "KEY", "WINDOW_START", "PARTITION", "EMIT", "FINAL",
                                          "PROPERTIES", "TOPIC"});

  // Keywords as column names in DDL, and keywords as field names.
  Statement ddl = ParseOne("CREATE STREAM s (timestamp BIGINT, date DATE, `Value` STRING, size INT) "
                           "WITH (kafka_topic='t');");
  CHECK(ddl.create_source->elements[0].name == "TIMESTAMP");
  CHECK(ddl.create_source->elements[1].type->kind == TypeKind::kDate);
  CHECK(ddl.create_source->elements[2].name == "Value");
  ExprPtr deref = ExprOk("s -> date");
  CHECK(deref->kind == ExprKind::kDereference);
  CHECK(deref->name == "DATE");

  // Keywords are case-insensitive.
  Statement mixed = ParseOne("sElEcT * FrOm x EmIt ChAnGeS");
  CHECK(QueryOf(mixed).emit == EmitKind::kChanges);
}

TEST_CASE("literal kinds", "[parser]") {
  ExprPtr i = ExprOk("7");
  CHECK(i->kind == ExprKind::kLiteral);
  CHECK(i->lit_kind == LiteralKind::kInteger);
  CHECK(i->text == "7");
  ExprPtr d = ExprOk("7.2");
  CHECK(d->lit_kind == LiteralKind::kDecimal);
  CHECK(d->text == "7.2");
  ExprPtr f = ExprOk("7.2e0");
  CHECK(f->lit_kind == LiteralKind::kDouble);
  CHECK(f->text == "7.2E0");
  CHECK(ExprOk("1E5")->lit_kind == LiteralKind::kDouble);
  ExprPtr s = ExprOk("'it''s'");
  CHECK(s->lit_kind == LiteralKind::kString);
  CHECK(s->text == "it's");
  CHECK(ExprOk("''")->text.empty());
  ExprPtr n = ExprOk("null");
  CHECK(n->lit_kind == LiteralKind::kNull);
  ExprPtr t = ExprOk("true");
  CHECK(t->lit_kind == LiteralKind::kBoolean);
  CHECK(t->text == "TRUE");
  CHECK(ExprOk("False")->text == "FALSE");
  // A negative number is one literal, so -2147483648 can still be an INT.
  ExprPtr neg = ExprOk("-2147483648");
  CHECK(neg->kind == ExprKind::kLiteral);
  CHECK(neg->text == "-2147483648");
  CHECK(ExprOk("-1.50")->text == "-1.50");
  // Too big for BIGINT: rejected (see the literals.json test case below).
  CHECK_FALSE(ParseExpression("9223372036854775808").ok());
  // Unary minus on anything else is an operator.
  ExprPtr minus = ExprOk("-x");
  CHECK(minus->kind == ExprKind::kUnary);
  CHECK(minus->un_op == UnaryOp::kMinus);
}

TEST_CASE("expressions: shapes, precedence and FormatExpr", "[parser]") {
  CHECK(Formatted("1 + 2 * 3") == "(1 + (2 * 3))");
  CHECK(Formatted("(1 + 2) * 3") == "((1 + 2) * 3)");
  CHECK(Formatted("a - b - c") == "((A - B) - C)");
  CHECK(Formatted("a % 2 = 0 AND NOT b OR c <> d") == "((((A % 2) = 0) AND (NOT B)) OR (C <> D))");
  CHECK(Formatted("a != b") == "(A <> B)");
  CHECK(Formatted("a <= b AND a >= c AND a < d AND a > e") ==
        "((((A <= B) AND (A >= C)) AND (A < D)) AND (A > E))");
  CHECK(Formatted("x IS NULL") == "(X IS NULL)");
  CHECK(Formatted("x IS NOT NULL") == "(X IS NOT NULL)");
  CHECK(Formatted("x NOT BETWEEN 1 AND 10") == "(X NOT BETWEEN 1 AND 10)");
  CHECK(Formatted("x IN (1, 2, 3)") == "(X IN (1, 2, 3))");
  CHECK(Formatted("name NOT LIKE 'a!%%' ESCAPE '!'") == "(NAME NOT LIKE 'a!%%' ESCAPE '!')");
  CHECK(Formatted("a IS NOT DISTINCT FROM b") == "(A IS NOT DISTINCT FROM B)");
  CHECK(Formatted("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END") ==
        "(CASE WHEN (A > 1) THEN 'big' WHEN (A > 0) THEN 'small' ELSE 'none' END)");
  CHECK(Formatted("CASE a WHEN 1 THEN 'one' END") == "(CASE A WHEN 1 THEN 'one' END)");
  CHECK(Formatted("CAST(x AS DECIMAL(4, 2))") == "CAST(X AS DECIMAL(4, 2))");
  CHECK(Formatted("count(*)") == "COUNT(*)");
  CHECK(Formatted("geo_distance(v.lat, v.long, 1.5, 2.5e0, 'KM')") ==
        "GEO_DISTANCE(V.LAT, V.LONG, 1.5, 2.5E0, 'KM')");
  CHECK(Formatted("arr[1][i + 1]") == "ARR[1][(I + 1)]");
  CHECK(Formatted("s->a->`b`") == "S->A->`b`");
  CHECK(Formatted("ARRAY[1, 2]") == "ARRAY[1, 2]");
  CHECK(Formatted("ARRAY[]") == "ARRAY[]");
  CHECK(Formatted("MAP('a' := 1, 'b' := 2)") == "MAP('a':=1, 'b':=2)");
  CHECK(Formatted("STRUCT(a := 1, `b` := 'x')") == "STRUCT(A:=1, `b`:='x')");
  CHECK(Formatted("transform(arr, x => x * 2)") == "TRANSFORM(ARR, (X) => (X * 2))");
  CHECK(Formatted("reduce(m, 0, (s, k, v) => s + v)") == "REDUCE(M, 0, (S, K, V) => (S + V))");
  CHECK(Formatted("- -x") == "- -X");
  CHECK(Formatted("1 - -5") == "(1 - -5)");
  CHECK(Formatted("a || b") == "(A || B)");

  ExprPtr c = ExprOk("count(*)");
  CHECK(c->kind == ExprKind::kFunctionCall);
  CHECK(c->star);
  CHECK(c->children.empty());
  ExprPtr call = ExprOk("timestampadd(seconds, 5, ts)");
  REQUIRE(call->children.size() == 3);
  CHECK(call->children[0]->kind == ExprKind::kIntervalUnit);
  CHECK(call->children[0]->name == "SECONDS");
  CHECK(ExprOk("filter(xs, x => x > 0)")->children[1]->kind == ExprKind::kLambda);
  CHECK_FALSE(ParseExpression("(x, y) => x").ok());  // a lambda is only a function argument
}

TEST_CASE("expressions: node fields and positions", "[parser]") {
  ExprPtr e = ExprOk("a + f(b, 'x')");
  CHECK(e->kind == ExprKind::kBinary);
  CHECK(e->bin_op == BinaryOp::kAdd);
  CHECK(e->pos == SourcePos{1, 1});
  CHECK(e->children[1]->kind == ExprKind::kFunctionCall);
  CHECK(e->children[1]->name == "F");
  CHECK(e->children[1]->pos == SourcePos{1, 5});
  CHECK(e->children[1]->children[1]->pos == SourcePos{1, 10});

  ExprPtr cs = ExprOk("CASE x WHEN 1 THEN 'a' ELSE 'b' END");
  CHECK(cs->kind == ExprKind::kSimpleCase);
  CHECK(cs->has_else);
  CHECK(cs->children.size() == 4);
  ExprPtr in = ExprOk("x NOT IN (1, 2)");
  CHECK(in->kind == ExprKind::kInList);
  CHECK(in->negated);
  CHECK(in->children.size() == 3);
  ExprPtr cast = ExprOk("CAST(x AS ARRAY<STRING>)");
  CHECK(cast->kind == ExprKind::kCast);
  CHECK(cast->cast_type->ToString() == "ARRAY<STRING>");
  ExprPtr st = ExprOk("STRUCT(a := 1)");
  CHECK(st->field_names == std::vector<std::string>{"A"});
  ExprPtr lam = ExprOk("transform(xs, (x, `y`) => x)");
  REQUIRE(lam->children[1]->kind == ExprKind::kLambda);
  CHECK(lam->children[1]->field_names == std::vector<std::string>{"X", "y"});

  // Line and column count from 1, across lines.
  ExprPtr multi = ExprOk("a\n  + b");
  CHECK(multi->children[1]->pos == SourcePos{2, 5});
}

TEST_CASE("syntax errors carry the offending token's position and ksqlDB's words", "[parser]") {
  // ksqlDB words a syntax error as "Syntax Error", then ANTLR's account of it.
  Status s = ParseError("SELECT * FORM x;");
  CHECK(s.code() == StatusCode::kInvalid);
  CHECK(s.pos() == SourcePos{1, 10});
  CHECK(s.message().rfind("Syntax Error\nExpecting {", 0) == 0);
  CHECK(s.message().find("'FROM'") != std::string::npos);
  CHECK(s.message().find("','") != std::string::npos);

  Status eof = ParseError("SELECT * FROM");
  CHECK(eof.pos() == SourcePos{1, 14});
  CHECK(eof.message().rfind("Syntax Error\n", 0) == 0);

  Status multi = ParseError("SELECT *\nFROM x\nWHERE a = = b;");
  CHECK(multi.pos() == SourcePos{3, 11});
  CHECK(multi.message().rfind("Syntax Error\n", 0) == 0);

  Status second = ParseError("SELECT 1 FROM a;\n  SELEC 2;");
  CHECK(second.pos() == SourcePos{2, 3});
  CHECK(second.message().rfind("Syntax Error\n", 0) == 0);

  Status prop = ParseError("CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='t' VALUE_FORMAT='JSON');");
  CHECK(prop.pos() == SourcePos{1, 47});
  CHECK(prop.message() == "Syntax Error\nExpecting {',', ')'}");

  // key-schemas.json: a type takes only a number or STRING in parentheses; ksqlDB's messages.
  Status param = ParseError("CREATE STREAM INPUT (K BIGINT (KEY)) WITH (kafka_topic='input',value_format='JSON');");
  CHECK(param.pos() == SourcePos{1, 32});
  CHECK(param.message() == "Syntax Error\nExpecting {'STRING', INTEGER_VALUE}");
  Status after = ParseError("CREATE STREAM INPUT (K VARCHAR(STRING) (KEY)) WITH (kafka_topic='input',value_format='JSON');");
  CHECK(after.pos() == SourcePos{1, 40});
  CHECK(after.message() == "Syntax Error\nExpecting {',', ')'}");
  CHECK(ParseStatements("CREATE STREAM S (A VARCHAR(STRING), B INT(10)) WITH (kafka_topic='t', value_format='JSON');").ok());
  // STRING still names columns and types.
  CHECK(ParseStatements("CREATE STREAM S (string STRING) WITH (kafka_topic='t', value_format='JSON');").ok());

  // What failed, for callers rendering errors as ksqlDB does.
  ParseErrorInfo info;
  ParseOptions po;
  po.error_info = &info;
  CHECK_FALSE(ParseStatements("SELECT * FORM x;", po).ok());
  CHECK(info.syntax);
  CHECK(info.token == "FORM");
  ParseErrorInfo built;
  po.error_info = &built;
  CHECK_FALSE(ParseStatements("SELECT 9223372036854775808 FROM x;", po).ok());
  CHECK_FALSE(built.syntax);

  Status str = ParseError("SELECT 'abc FROM x;");
  CHECK(str.pos() == SourcePos{1, 8});
  CHECK(str.message().find("unterminated string") != std::string::npos);
  Status chr = ParseError("SELECT a # b FROM x;");
  CHECK(chr.pos() == SourcePos{1, 10});
  CHECK(chr.message() == "unexpected character '#'");

  Status utf8 = ParseError("SELECT 'caf\xc3\xa9', '\xff' FROM x;");
  CHECK(utf8.pos() == SourcePos{1, 17});
  CHECK(utf8.message().find("UTF-8") != std::string::npos);

  // Nothing reaches the console, where ANTLR's default listeners would write.
  std::stringstream captured;
  std::streambuf* old_err = std::cerr.rdbuf(captured.rdbuf());
  std::streambuf* old_out = std::cout.rdbuf(captured.rdbuf());
  auto r1 = ParseStatements("SELECT ((( FROM");
  auto r2 = ParseExpression("1 +");
  std::cerr.rdbuf(old_err);
  std::cout.rdbuf(old_out);
  CHECK_FALSE(r1.ok());
  CHECK_FALSE(r2.ok());
  CHECK(captured.str().empty());
}

TEST_CASE("errors the AST builder finds", "[parser]") {
  CHECK(ParseError("CREATE STREAM s (a FOO) WITH (kafka_topic='t');").message() == "unknown type 'FOO'");
  CHECK(ParseError("CREATE STREAM s (a DECIMAL(2, 3)) WITH (kafka_topic='t');").message() ==
        "DECIMAL precision must be >= scale: DECIMAL(2,3)");
  Status dur = ParseError("SELECT * FROM x WINDOW TUMBLING (SIZE 1.5 SECONDS) EMIT CHANGES;");
  CHECK(dur.pos() == SourcePos{1, 39});
  Status key = ParseError("CREATE TABLE t (id INT KEY, v INT) WITH (kafka_topic='t');");
  CHECK(key.pos() == SourcePos{1, 17});
  CHECK(key.message() == "Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.");
  CHECK(ParseError("CREATE STREAM t (id INT PRIMARY KEY) WITH (kafka_topic='t');").message() ==
        "Column `ID` is a 'PRIMARY KEY' column: please use 'KEY' for streams.");
  CHECK(ParseError("SELECT * FROM x PARTITION BY ();").message() ==
        "PARTITION BY requires at least one expression");
  CHECK(ParseError("CREATE STREAM s (a INT) AS SELECT * FROM x;").code() == StatusCode::kInvalid);
  CHECK(ParseError("SELECT * FROM x LIMIT -1;").message() == "LIMIT takes a whole number, not '-1'");
  // ksqlDB accepts and ignores VARCHAR(STRING) and INT(10).
  Statement v = ParseOne("CREATE STREAM s (k VARCHAR(STRING) KEY, n INT(10)) WITH (kafka_topic='t');");
  CHECK(v.create_source->elements[0].type->kind == TypeKind::kString);
  CHECK(ParseError("CREATE STREAM s (k STRING (KEY)) WITH (kafka_topic='t');").pos() == SourcePos{1, 28});
}

TEST_CASE("nesting is bounded before it can exhaust the stack", "[parser]") {
  const std::string deep = std::string(20000, '(') + "1" + std::string(20000, ')');
  Status s = ParseError("SELECT " + deep + " FROM x;");
  CHECK(s.message() == "expression nested too deeply (more than 200 levels)");
  CHECK(s.pos() == SourcePos{1, 8 + 200});
  auto e = ParseExpression(deep);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().pos() == SourcePos{1, 201});

  // Prefix operators, CASE, brackets and types nest without parentheses.
  std::string nots;
  for (int i = 0; i < 20000; ++i) nots += "NOT ";
  CHECK_FALSE(ParseExpression(nots + "TRUE").ok());
  CHECK_FALSE(ParseExpression(std::string(20000, '-') + "1").ok());
  std::string cases;
  for (int i = 0; i < 20000; ++i) cases += "CASE WHEN a THEN ";
  CHECK_FALSE(ParseExpression(cases + "1").ok());
  CHECK_FALSE(ParseExpression("ARRAY" + std::string(20000, '[')).ok());
  std::string type;
  for (int i = 0; i < 20000; ++i) type += "ARRAY<";
  CHECK(ParseError("CREATE STREAM s (a " + type + "INT" + std::string(20000, '>') + ") WITH (kafka_topic='t');")
            .message() == "expression nested too deeply (more than 200 levels)");
  std::string explains;
  for (int i = 0; i < 20000; ++i) explains += "EXPLAIN ";
  CHECK_FALSE(ParseStatements(explains + "SELECT * FROM x;").ok());

  // A long flat chain is one loop for ANTLR but a deep AST; the builder bounds it.
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  auto c = ParseExpression(chain);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message() == "expression nested too deeply (more than 200 levels)");

  // Within the limit all is well, and the limit is an option.
  const std::string ok = std::string(150, '(') + "1" + std::string(150, ')');
  CHECK(ParseExpression(ok).ok());
  ParseOptions tight;
  tight.max_nesting = 10;
  CHECK(ParseExpression("((((((((((1))))))))))", tight).ok());
  auto over = ParseExpression("(((((((((((1)))))))))))", tight);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message() == "expression nested too deeply (more than 10 levels)");
  CHECK(over.status().pos() == SourcePos{1, 11});
}

TEST_CASE("comments, statement text and positions", "[parser]") {
  std::vector<Statement> st = ParseOk(
      "-- leading comment\n"
      "SELECT /* inline */ a -- trailing\n"
      "FROM x;  /* multi\n"
      "line */ ;;\n"
      "  DROP STREAM b");
  REQUIRE(st.size() == 2);
  CHECK(st[0].pos == SourcePos{2, 1});
  CHECK(st[0].text == "SELECT /* inline */ a -- trailing\nFROM x");
  CHECK(st[1].kind == Statement::Kind::kDrop);
  CHECK(st[1].pos == SourcePos{5, 3});
  CHECK(st[1].text == "DROP STREAM b");
  CHECK(ParseOk("").empty());
  CHECK(ParseOk("  -- only a comment\n;").empty());
  // A string may hold what looks like a comment.
  CHECK(ExprOk("'-- not a comment /* nor this */'")->text == "-- not a comment /* nor this */");
}

TEST_CASE("WITH properties keep their literal kinds", "[parser]") {
  Statement s = ParseOne(
      "CREATE STREAM s (a INT) WITH (kafka_topic='t', PARTITIONS=6, Replicas=1.5, "
      "wrap_single_value=false, \"lower\"=2.0e1, 'quoted'='x', n=NULL, neg=-3);");
  const std::vector<Property>& p = s.create_source->properties;
  REQUIRE(p.size() == 8);
  CHECK(p[0].name == "KAFKA_TOPIC");
  CHECK(p[0].kind == LiteralKind::kString);
  CHECK(p[0].value == "t");
  CHECK(p[1].name == "PARTITIONS");
  CHECK(p[1].kind == LiteralKind::kInteger);
  CHECK(p[1].value == "6");
  CHECK(p[2].name == "REPLICAS");
  CHECK(p[2].kind == LiteralKind::kDecimal);
  CHECK(p[2].value == "1.5");
  CHECK(p[3].kind == LiteralKind::kBoolean);
  CHECK(p[3].value == "FALSE");
  CHECK(p[4].name == "LOWER");
  CHECK(p[4].kind == LiteralKind::kDouble);
  CHECK(p[5].name == "QUOTED");
  CHECK(p[5].value == "x");
  CHECK(p[6].kind == LiteralKind::kNull);
  CHECK(p[7].value == "-3");
  CHECK(p[1].pos == SourcePos{1, 48});
}

TEST_CASE("joins: types, aliases, WITHIN and GRACE PERIOD", "[parser]") {
  Statement s = ParseOne(
      "SELECT * FROM a AS l "
      "INNER JOIN b r WITHIN 1 HOUR ON l.id = r.id "
      "LEFT OUTER JOIN c WITHIN (10 SECONDS, 2 MINUTES) GRACE PERIOD 500 MILLISECONDS ON l.id = c.id "
      "FULL JOIN d ON l.id = d.id "
      "RIGHT JOIN e ON l.id = e.id "
      "LEFT JOIN f WITHIN 1 DAY GRACE PERIOD 1 SECOND ON l.id = f.id "
      "JOIN g ON l.id = g.id "
      "EMIT CHANGES;");
  const Query& q = QueryOf(s);
  CHECK(q.from.alias == "L");
  REQUIRE(q.joins.size() == 6);
  CHECK(q.joins[0].type == JoinType::kInner);
  CHECK(q.joins[0].right.name == "B");
  CHECK(q.joins[0].right.alias == "R");
  CHECK(q.joins[0].within_before->millis == 3600000);
  CHECK(q.joins[0].within_after->millis == 3600000);
  CHECK_FALSE(q.joins[0].grace.has_value());
  CHECK(q.joins[0].pos == SourcePos{1, 22});
  CHECK(q.joins[1].type == JoinType::kLeft);
  CHECK(q.joins[1].right.alias.empty());
  CHECK(q.joins[1].within_before->millis == 10000);
  CHECK(q.joins[1].within_after->millis == 120000);
  CHECK(q.joins[1].grace->millis == 500);
  CHECK(FormatExpr(*q.joins[1].on) == "(L.ID = C.ID)");
  CHECK(q.joins[2].type == JoinType::kFull);
  CHECK(q.joins[3].type == JoinType::kRight);
  CHECK(q.joins[4].within_before->millis == 86400000);
  CHECK(q.joins[4].grace->millis == 1000);
  CHECK(q.joins[5].type == JoinType::kInner);
}

TEST_CASE("windows and the other query clauses", "[parser]") {
  Statement t = ParseOne(
      "CREATE TABLE t AS SELECT k, COUNT(*) AS n FROM s "
      "WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS, GRACE PERIOD 30 SECONDS) "
      "WHERE v > 0 GROUP BY k HAVING COUNT(*) > 1 EMIT FINAL;");
  const Query& tq = QueryOf(t);
  REQUIRE(tq.window.has_value());
  CHECK(tq.window->type == WindowType::kTumbling);
  CHECK(tq.window->size.millis == 60000);
  CHECK(tq.window->retention->millis == 2 * 86400000LL);
  CHECK(tq.window->grace->millis == 30000);
  CHECK_FALSE(tq.window->advance.has_value());
  CHECK(FormatExpr(*tq.where) == "(V > 0)");
  CHECK(FormatExpr(*tq.having) == "(COUNT(*) > 1)");
  CHECK(tq.emit == EmitKind::kFinal);
  CHECK(tq.select[1].alias == "N");

  Statement h = ParseOne(
      "SELECT k, SUM(v) FROM s WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 0 "
      "MILLISECONDS) GROUP BY (k, v) EMIT CHANGES LIMIT 10;");
  const Query& hq = QueryOf(h);
  CHECK(hq.window->type == WindowType::kHopping);
  CHECK(hq.window->size.millis == 10000);
  CHECK(hq.window->advance->millis == 5000);
  CHECK(hq.window->grace->millis == 0);
  CHECK(hq.group_by.size() == 2);
  CHECK(hq.limit == 10);

  Statement sess = ParseOne("SELECT k, COUNT(*) FROM s WINDOW SESSION (5 MINUTES) GROUP BY k EMIT CHANGES;");
  CHECK(QueryOf(sess).window->type == WindowType::kSession);
  CHECK(QueryOf(sess).window->size.millis == 300000);
  CHECK(QueryOf(sess).window->pos == SourcePos{1, 34});

  Statement p = ParseOne("CREATE STREAM o AS SELECT * FROM s PARTITION BY a, b->c EMIT CHANGES;");
  REQUIRE(QueryOf(p).partition_by.size() == 2);
  CHECK(FormatExpr(*QueryOf(p).partition_by[1]) == "B->C");

  Statement stars = ParseOne("SELECT *, l.*, s->*, s->a AS f FROM l;");
  const Query& sq = QueryOf(stars);
  CHECK(sq.select[0].kind == SelectItemKind::kStar);
  CHECK(sq.select[1].kind == SelectItemKind::kQualifiedStar);
  CHECK(sq.select[1].qualifier == "L");
  CHECK(sq.select[2].kind == SelectItemKind::kStructStar);
  CHECK(FormatExpr(*sq.select[2].expr) == "S");
  CHECK(sq.select[3].kind == SelectItemKind::kExpr);
  CHECK(sq.select[3].alias == "F");
}

TEST_CASE("types", "[parser]") {
  Statement s = ParseOne(
      "CREATE STREAM s (k STRING KEY, a BOOLEAN, b INT, c INTEGER, d BIGINT, e DOUBLE, f DECIMAL(4, 2), "
      "g VARCHAR, h BYTES, i TIMESTAMP, j DATE, l TIME, "
      "m ARRAY<MAP<STRING, STRUCT<a INT, `b` ARRAY<BIGINT>>>>, n STRUCT<>, "
      "hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, hk BYTES HEADER('trace')) "
      "WITH (kafka_topic='t', value_format='JSON');");
  const std::vector<TableElement>& e = s.create_source->elements;
  REQUIRE(e.size() == 16);
  std::vector<std::string> types;
  for (const TableElement& el : e) types.push_back(el.type->ToString());
  CHECK(types == std::vector<std::string>{
                     "STRING", "BOOLEAN", "INTEGER", "INTEGER", "BIGINT", "DOUBLE", "DECIMAL(4, 2)", "STRING",
                     "BYTES", "TIMESTAMP", "DATE", "TIME",
                     "ARRAY<MAP<STRING, STRUCT<`A` INTEGER, `b` ARRAY<BIGINT>>>>", "STRUCT<>",
                     "ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>", "BYTES"});
  CHECK(e[0].role == ColumnRole::kKey);
  CHECK(e[14].role == ColumnRole::kHeader);
  CHECK(e[14].header_key.empty());
  CHECK(e[15].role == ColumnRole::kHeader);
  CHECK(e[15].header_key == "trace");
  CHECK(e[6].pos == SourcePos{1, 81});
}

TEST_CASE("every statement kind", "[parser]") {
  using K = Statement::Kind;
  Statement cs = ParseOne(
      "CREATE OR REPLACE SOURCE TABLE IF NOT EXISTS t (id STRING PRIMARY KEY) WITH (kafka_topic='t')");
  REQUIRE(cs.kind == K::kCreateSource);
  CHECK(cs.create_source->or_replace);
  CHECK(cs.create_source->is_source);
  CHECK(cs.create_source->if_not_exists);
  CHECK(cs.create_source->is_table);
  CHECK(cs.create_source->name_pos == SourcePos{1, 46});

  Statement noschema = ParseOne("CREATE STREAM s WITH (kafka_topic='t', value_format='AVRO');");
  CHECK(noschema.create_source->elements.empty());

  Statement csas = ParseOne("CREATE STREAM IF NOT EXISTS o WITH (kafka_topic='o') AS SELECT * FROM s;");
  REQUIRE(csas.kind == K::kCreateAsSelect);
  CHECK_FALSE(csas.create_as_select->is_table);
  CHECK(csas.create_as_select->if_not_exists);
  CHECK(csas.create_as_select->properties.size() == 1);
  Statement ctas = ParseOne("CREATE OR REPLACE TABLE o AS SELECT k, COUNT(*) FROM s GROUP BY k;");
  CHECK(ctas.create_as_select->or_replace);
  CHECK(ctas.create_as_select->properties.empty());

  Statement ins = ParseOne("INSERT INTO o WITH (query_id='q1') SELECT * FROM s;");
  REQUIRE(ins.kind == K::kInsertInto);
  CHECK(ins.insert_into->target == "O");
  CHECK(ins.insert_into->properties[0].name == "QUERY_ID");

  Statement vals = ParseOne("INSERT INTO s (k, `v`) VALUES ('a', -1.5);");
  REQUIRE(vals.kind == K::kInsertValues);
  CHECK(vals.insert_values->columns == std::vector<std::string>{"K", "v"});
  REQUIRE(vals.insert_values->values.size() == 2);
  CHECK(vals.insert_values->values[1]->text == "-1.5");
  CHECK(ParseOne("INSERT INTO s VALUES ();").insert_values->values.empty());

  Statement drop = ParseOne("DROP TABLE IF EXISTS t DELETE TOPIC;");
  REQUIRE(drop.kind == K::kDrop);
  CHECK(drop.drop->is_table);
  CHECK(drop.drop->if_exists);
  CHECK(drop.drop->delete_topic);
  CHECK_FALSE(ParseOne("DROP STREAM s").drop->delete_topic);

  Statement set = ParseOne("SET 'auto.offset.reset' = 'earliest';");
  REQUIRE(set.kind == K::kSet);
  CHECK(set.set->name == "auto.offset.reset");
  CHECK(set.set->value == "earliest");
  CHECK_FALSE(set.set->unset);
  Statement unset = ParseOne("UNSET 'auto.offset.reset';");
  CHECK(unset.kind == K::kSet);
  CHECK(unset.set->unset);

  CHECK(ParseOne("SHOW STREAMS;").show->what == ShowKind::kStreams);
  CHECK(ParseOne("LIST TABLES EXTENDED;").show->extended);
  CHECK(ParseOne("show queries").show->what == ShowKind::kQueries);
  CHECK(ParseOne("SHOW ALL TOPICS").show->all);
  CHECK(ParseOne("SHOW FUNCTIONS").show->what == ShowKind::kFunctions);
  CHECK(ParseOne("SHOW PROPERTIES").show->what == ShowKind::kProperties);

  Statement d1 = ParseOne("DESCRIBE vehicles;");
  REQUIRE(d1.kind == K::kDescribe);
  CHECK(d1.describe->name == "VEHICLES");
  CHECK_FALSE(d1.describe->extended);
  CHECK(ParseOne("DESCRIBE EXTENDED vehicles").describe->extended);
  CHECK(ParseOne("DESCRIBE vehicles EXTENDED").describe->extended);
  Statement df = ParseOne("DESCRIBE FUNCTION geo_distance");
  CHECK(df.describe->function);
  CHECK(df.describe->name == "GEO_DISTANCE");
  CHECK(ParseOne("DESCRIBE STREAMS EXTENDED").describe->list == ShowKind::kStreams);
  CHECK(ParseOne("DESCRIBE TABLES").describe->list == ShowKind::kTables);

  Statement e1 = ParseOne("EXPLAIN CTAS_TRUCK_TRACKER_1;");
  REQUIRE(e1.kind == K::kExplain);
  CHECK(e1.explain->query_id == "CTAS_TRUCK_TRACKER_1");
  Statement e2 = ParseOne("EXPLAIN SELECT * FROM s EMIT CHANGES;");
  CHECK(e2.explain->statement_text == "SELECT * FROM s EMIT CHANGES");
  CHECK(e2.explain->query_id.empty());

  CHECK(ParseOne("TERMINATE CSAS_O_0").terminate->query_id == "CSAS_O_0");
  CHECK(ParseOne("TERMINATE ALL").terminate->all);

  Statement pr = ParseOne("PRINT 'My-Topic' FROM BEGINNING INTERVAL 2 LIMIT 3;");
  REQUIRE(pr.kind == K::kPrint);
  CHECK(pr.print->topic == "My-Topic");
  CHECK(pr.print->from_beginning);
  CHECK(pr.print->interval == 2);
  CHECK(pr.print->limit == 3);
  Statement pr2 = ParseOne("PRINT myTopic");
  CHECK(pr2.print->topic == "myTopic");  // topic names keep their case
  CHECK_FALSE(pr2.print->limit.has_value());

  CHECK(ParseOne("RUN SCRIPT '/tmp/x.sql'").run_script->path == "/tmp/x.sql");

  Statement av = ParseOne("ASSERT VALUES out (k, v) VALUES ('a', 1);");
  REQUIRE(av.kind == K::kAssertValues);
  CHECK(av.assert_values->target == "OUT");
  CHECK_FALSE(av.assert_values->null_values);
  CHECK(av.assert_values->columns == std::vector<std::string>{"K", "V"});
  CHECK(av.assert_values->values.size() == 2);
  Statement an = ParseOne("ASSERT NULL VALUES out (k) KEY ('a');");
  CHECK(an.assert_values->null_values);
  CHECK(an.assert_values->values.size() == 1);
  CHECK(ParseError("ASSERT VALUES out (k) KEY ('a');").code() == StatusCode::kInvalid);

  Statement as = ParseOne("ASSERT TABLE t (id STRING PRIMARY KEY, n BIGINT) WITH (kafka_topic='t');");
  REQUIRE(as.kind == K::kAssertSource);
  CHECK(as.assert_source->is_table);
  CHECK(as.assert_source->name == "T");
  CHECK(as.assert_source->elements.size() == 2);
  CHECK(as.assert_source->properties.size() == 1);
  CHECK_FALSE(ParseOne("ASSERT STREAM s;").assert_source->is_table);

  Statement sel = ParseOne("SELECT * FROM t WHERE id = 'x';");
  CHECK(sel.kind == K::kSelect);
  CHECK(sel.select != nullptr);
}

TEST_CASE("a DOUBLE literal past Double.MAX_VALUE is rejected as ksqlDB does (literals.json)", "[parser]") {
  Status pos = ParseError("SELECT 1.7976931348623159E308 FROM S;");
  CHECK(pos.message() == "Number overflows DOUBLE: 1.7976931348623159E308");
  CHECK(pos.pos() == SourcePos{1, 8});
  // The largest DOUBLE itself is fine.
  CHECK(ParseExpression("1.7976931348623157E308").ok());
}

TEST_CASE("an integer literal past BIGINT is rejected as ksqlDB does (literals.json)", "[parser]") {
  Status big = ParseError("SELECT 9223372036854775808 FROM S;");
  CHECK(big.message() == "Invalid numeric literal: 9223372036854775808");
  CHECK(big.pos() == SourcePos{1, 8});
  CHECK(ParseExpression("9223372036854775807").ok());
  CHECK(ParseExpression("-9223372036854775807").ok());
  // ksqlDB reads the digits without the sign (literals.json: "the LongLiteral is stored unsigned").
  CHECK_FALSE(ParseExpression("-9223372036854775808").ok());
}

TEST_CASE("ALTER STREAM|TABLE ... ADD COLUMN", "[parser]") {
  Statement a = ParseOne("ALTER STREAM s ADD COLUMN c INT, ADD d ARRAY<STRING>;");
  REQUIRE(a.kind == Statement::Kind::kAlter);
  CHECK_FALSE(a.alter->is_table);
  CHECK(a.alter->name == "S");
  CHECK(a.alter->name_pos == SourcePos{1, 14});
  REQUIRE(a.alter->columns.size() == 2);
  CHECK(a.alter->columns[0].name == "C");
  CHECK(a.alter->columns[0].type->ToString() == "INTEGER");
  CHECK(a.alter->columns[1].name == "D");
  CHECK(a.alter->columns[1].type->ToString() == "ARRAY<STRING>");
  CHECK(ParseOne("ALTER TABLE t ADD COLUMN c INT;").alter->is_table);
}

}  // namespace eddy::dsl
