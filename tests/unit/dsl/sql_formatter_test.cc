// FormatStatement against ksqlDB's own expectations: the expected texts come from ksqlDB's
// SqlFormatterTest (ksqldb-parser) and, for sanitized statements, from the error messages of
// its golden tests (group-by.json), which embed the statement as ksqlDB's formatter prints it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dsl/parser.h"
#include "dsl/sql_formatter.h"

namespace eddy::dsl {
namespace {

std::string Format(std::string_view text, const std::vector<FormatSource>* sources = nullptr,
                   const ParseOptions& po = {}) {
  auto r = ParseStatements(text, po);
  INFO(text);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  StatementFormatOptions o;
  o.sources = sources;
  return FormatStatement((*r)[0], o);
}

TEST_CASE("statements print as ksqlDB's SqlFormatter prints them", "[formatter]") {
  CHECK(Format("CREATE STREAM S AS SELECT a.address->city FROM address a;") ==
        "CREATE STREAM S AS SELECT A.ADDRESS->CITY\nFROM ADDRESS A\nEMIT CHANGES");
  CHECK(Format("CREATE OR REPLACE STREAM S AS SELECT a.address->city FROM address a;") ==
        "CREATE OR REPLACE STREAM S AS SELECT A.ADDRESS->CITY\nFROM ADDRESS A\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT * FROM address;") ==
        "CREATE STREAM S AS SELECT *\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, \"SIZE\" FROM address;") ==
        "CREATE STREAM S AS SELECT\n  ITEMID,\n  `SIZE`\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT address AS `STREAM` FROM address;") ==
        "CREATE STREAM S AS SELECT ADDRESS `STREAM`\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT address AS `foO` FROM address;") ==
        "CREATE STREAM S AS SELECT ADDRESS `foO`\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT *, address AS city FROM address;") ==
        "CREATE STREAM S AS SELECT\n  *,\n  ADDRESS CITY\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT address.*, itemid.* "
               "FROM address INNER JOIN itemid ON address.address = itemid.address->address;") ==
        "CREATE STREAM S AS SELECT\n  ADDRESS.*,\n  ITEMID.*\nFROM ADDRESS ADDRESS\n"
        "INNER JOIN ITEMID ITEMID ON ((ADDRESS.ADDRESS = ITEMID.ADDRESS->ADDRESS))\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT address.*, itemid.ordertime "
               "FROM address INNER JOIN itemid ON address.address = itemid.address->address;") ==
        "CREATE STREAM S AS SELECT\n  ADDRESS.*,\n  ITEMID.ORDERTIME\nFROM ADDRESS ADDRESS\n"
        "INNER JOIN ITEMID ITEMID ON ((ADDRESS.ADDRESS = ITEMID.ADDRESS->ADDRESS))\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S AS SELECT address AS one, address AS two FROM address;") ==
        "CREATE STREAM S AS SELECT\n  ADDRESS ONE,\n  ADDRESS TWO\nFROM ADDRESS ADDRESS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM S WITH(partitions=4) AS SELECT * FROM address;")
            .rfind("CREATE STREAM S WITH (PARTITIONS=4) AS SELECT", 0) == 0);
  CHECK(Format("CREATE TABLE S WITH(partitions=4) AS SELECT * FROM address;")
            .rfind("CREATE TABLE S WITH (PARTITIONS=4) AS SELECT", 0) == 0);
  CHECK(Format("CREATE STREAM S AS SELECT * FROM ADDRESS PARTITION BY ADDRESS;") ==
        "CREATE STREAM S AS SELECT *\nFROM ADDRESS ADDRESS\nPARTITION BY ADDRESS\nEMIT CHANGES");
  CHECK(Format("INSERT INTO ADDRESS SELECT * FROM ADDRESS PARTITION BY ADDRESS;") ==
        "INSERT INTO ADDRESS SELECT *\nFROM ADDRESS ADDRESS\nPARTITION BY ADDRESS\nEMIT CHANGES");
  CHECK(Format("SELECT ITEMID FROM ORDERS EMIT CHANGES;") == "SELECT ITEMID\nFROM ORDERS ORDERS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM X AS SELECT ITEMID FROM ORDERS EMIT CHANGES;") ==
        "CREATE STREAM X AS SELECT ITEMID\nFROM ORDERS ORDERS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM X AS SELECT ITEMID FROM ORDERS;") ==
        "CREATE STREAM X AS SELECT ITEMID\nFROM ORDERS ORDERS\nEMIT CHANGES");
  CHECK(Format("CREATE STREAM a AS SELECT `SELECT` FROM `TABLE`;") ==
        "CREATE STREAM A AS SELECT `SELECT`\nFROM `TABLE` `TABLE`\nEMIT CHANGES");
}

TEST_CASE("windows print with their units as written", "[formatter]") {
  const std::string head = "CREATE STREAM S AS SELECT\n  ITEMID,\n  COUNT(*)\nFROM ORDERS ORDERS\n";
  const std::string tail = "GROUP BY ITEMID\nEMIT CHANGES";
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW TUMBLING (SIZE 7 DAYS) "
               "GROUP BY ITEMID;") == head + "WINDOW TUMBLING ( SIZE 7 DAYS ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW TUMBLING (SIZE 7 DAYS, "
               "RETENTION 14 DAYS) GROUP BY ITEMID;") ==
        head + "WINDOW TUMBLING ( SIZE 7 DAYS , RETENTION 14 DAYS ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW HOPPING (SIZE 20 SECONDS, "
               "ADVANCE BY 5 SECONDS) GROUP BY ITEMID;") ==
        head + "WINDOW HOPPING ( SIZE 20 SECONDS , ADVANCE BY 5 SECONDS ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW HOPPING (SIZE 20 SECONDS, "
               "ADVANCE BY 5 SECONDS, GRACE PERIOD 2 HOURS) GROUP BY ITEMID;") ==
        head + "WINDOW HOPPING ( SIZE 20 SECONDS , ADVANCE BY 5 SECONDS , GRACE PERIOD 2 HOURS ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW SESSION (15 MINUTES) "
               "GROUP BY ITEMID;") == head + "WINDOW SESSION ( 15 MINUTES ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW SESSION (15 MINUTES, "
               "RETENTION 2 DAYS, GRACE PERIOD 1 HOUR) GROUP BY ITEMID;") ==
        head + "WINDOW SESSION ( 15 MINUTES , RETENTION 2 DAYS , GRACE PERIOD 1 HOURS ) \n" + tail);
  CHECK(Format("CREATE STREAM S AS SELECT ITEMID, COUNT(*) FROM ORDERS WINDOW TUMBLING (SIZE 7 DAYS, "
               "GRACE PERIOD 1 DAY) GROUP BY ITEMID EMIT FINAL;") ==
        head + "WINDOW TUMBLING ( SIZE 7 DAYS , GRACE PERIOD 1 DAYS ) \nGROUP BY ITEMID\nEMIT FINAL");
}

TEST_CASE("DDL and other statements print as ksqlDB's SqlFormatter prints them", "[formatter]") {
  CHECK(Format("CREATE OR REPLACE TABLE TEST (`k3` STRING PRIMARY KEY, `Foo` STRING) "
               "WITH (value_format='JSON', kafka_topic='topic_test');") ==
        "CREATE OR REPLACE TABLE TEST (`k3` STRING PRIMARY KEY, `Foo` STRING) "
        "WITH (KAFKA_TOPIC='topic_test', VALUE_FORMAT='JSON');");
  CHECK(Format("CREATE TABLE TEST (`k3` STRING PRIMARY KEY, `Foo` STRING) WITH (value_format='JSON', "
               "timestamp_format='%s', kafka_topic='topic_test', timestamp='Foo');") ==
        "CREATE TABLE TEST (`k3` STRING PRIMARY KEY, `Foo` STRING) WITH (KAFKA_TOPIC='topic_test', "
        "TIMESTAMP='Foo', TIMESTAMP_FORMAT='%s', VALUE_FORMAT='JSON');");
  CHECK(Format("CREATE STREAM s (foo STRUCT<`END` VARCHAR>) WITH (kafka_topic='foo', value_format='JSON');") ==
        "CREATE STREAM S (FOO STRUCT<`END` STRING>) WITH (KAFKA_TOPIC='foo', VALUE_FORMAT='JSON');");
  CHECK(Format("CREATE STREAM `SELECT` (foo VARCHAR) WITH (kafka_topic='foo', value_format='JSON');") ==
        "CREATE STREAM `SELECT` (FOO STRING) WITH (KAFKA_TOPIC='foo', VALUE_FORMAT='JSON');");
  CHECK(Format("CREATE STREAM TEST (`GROUP` STRING, `Having` STRING) WITH (kafka_topic='t');") ==
        "CREATE STREAM TEST (`GROUP` STRING, `Having` STRING) WITH (KAFKA_TOPIC='t');");
  CHECK(Format("DROP STREAM IF EXISTS SOMETHING DELETE TOPIC;") == "DROP STREAM IF EXISTS SOMETHING DELETE TOPIC");
  CHECK(Format("DROP STREAM IF EXISTS SOMETHING;") == "DROP STREAM IF EXISTS SOMETHING");
  CHECK(Format("DROP TABLE SOMETHING;") == "DROP TABLE SOMETHING");
  CHECK(Format("TERMINATE ALL;") == "TERMINATE ALL");
  CHECK(Format("SHOW TABLES;") == "SHOW TABLES");
  CHECK(Format("SHOW TABLES EXTENDED;") == "SHOW TABLES EXTENDED");
  CHECK(Format("SHOW STREAMS;") == "SHOW STREAMS");
  CHECK(Format("SHOW STREAMS EXTENDED;") == "SHOW STREAMS EXTENDED");
  CHECK(Format("DESCRIBE TABLES;") == "DESCRIBE TABLES");
  CHECK(Format("DESCRIBE STREAMS;") == "DESCRIBE STREAMS");
  CHECK(Format("DESCRIBE ORDERS;") == "DESCRIBE ORDERS");
  CHECK(Format("INSERT INTO ADDRESS (NUMBER, STREET, CITY) VALUES (2, 'high', 'palo alto');") ==
        "INSERT INTO ADDRESS (NUMBER, STREET, CITY) VALUES (2, 'high', 'palo alto')");
  CHECK(Format("INSERT INTO ADDRESS VALUES (2);") == "INSERT INTO ADDRESS VALUES (2)");
  CHECK(Format("INSERT INTO ADDRESS VALUES (2 + 1);") == "INSERT INTO ADDRESS VALUES ((2 + 1))");
  CHECK(Format("ALTER STREAM FOO ADD COLUMN A STRING, ADD COLUMN B INT;") ==
        "ALTER STREAM FOO\nADD COLUMN A STRING,\nADD COLUMN B INTEGER;");
}

TEST_CASE("CREATE TYPE prints with its type, and later statements see the type", "[formatter]") {
  CHECK(Format("CREATE TYPE ADDRESS AS STRUCT<number INTEGER, street VARCHAR>;") ==
        "CREATE TYPE ADDRESS AS STRUCT<NUMBER INTEGER, STREET STRING>;");
  CHECK(Format("CREATE TYPE IF NOT EXISTS x AS MAP<STRING, DOUBLE>;") ==
        "CREATE TYPE IF NOT EXISTS X AS MAP<STRING, DOUBLE>;");
  CHECK(Format("DROP TYPE IF EXISTS x;") == "DROP TYPE IF EXISTS X");
  TypeRegistry types{{"ADDRESS", Type::Struct({{"CITY", Type::String()}})}};
  ParseOptions po;
  po.types = &types;
  CHECK(Format("CREATE STREAM s (a ADDRESS, b ARRAY<address>) WITH (kafka_topic='t');", nullptr, po) ==
        "CREATE STREAM S (A STRUCT<CITY STRING>, B ARRAY<STRUCT<CITY STRING>>) WITH (KAFKA_TOPIC='t');");
  CHECK(Format("SELECT CAST(x AS ADDRESS) FROM s;", nullptr, po) ==
        "SELECT CAST(X AS STRUCT<CITY STRING>)\nFROM S S");
}

// The statements ksqlDB's golden tests show in their errors, sanitized against the sources.
TEST_CASE("a sanitized query qualifies columns and names unnamed items", "[formatter]") {
  std::vector<FormatSource> test{{"TEST", {"F1", "F2"}, false}};
  CHECK(Format("CREATE TABLE OUTPUT AS SELECT f2, f1, f2+f1, COUNT(*) FROM TEST GROUP BY f1, f2;", &test) ==
        "CREATE TABLE OUTPUT AS SELECT\n  TEST.F2 F2,\n  TEST.F1 F1,\n  (TEST.F2 + TEST.F1) KSQL_COL_0,\n"
        "  COUNT(*) KSQL_COL_1\nFROM TEST TEST\nGROUP BY TEST.F1, TEST.F2\nEMIT CHANGES");
  CHECK(Format("CREATE TABLE OUTPUT AS SELECT f2 AS key, COUNT(*) AS total FROM TEST GROUP BY f2;", &test) ==
        "CREATE TABLE OUTPUT AS SELECT\n  TEST.F2 KEY,\n  COUNT(*) TOTAL\nFROM TEST TEST\nGROUP BY TEST.F2\n"
        "EMIT CHANGES");
  CHECK(Format("CREATE TABLE OUTPUT WITH (KEY_FORMAT='KAFKA') AS SELECT f1 AS k1, f2 AS k2, COUNT(*) AS total "
               "FROM TEST GROUP BY f1, f2;",
               &test) ==
        "CREATE TABLE OUTPUT WITH (KEY_FORMAT='KAFKA') AS SELECT\n  TEST.F1 K1,\n  TEST.F2 K2,\n  COUNT(*) TOTAL\n"
        "FROM TEST TEST\nGROUP BY TEST.F1, TEST.F2\nEMIT CHANGES");
  // simple-struct.json names `itemid->itemid` ITEMID_1: ITEMID is a column of the source.
  std::vector<FormatSource> orders{{"ORDERS", {"K", "ITEMID", "ORDERID"}, false}};
  CHECK(Format("CREATE STREAM S4 AS SELECT K, itemid->itemid, itemid->name FROM orders;", &orders) ==
        "CREATE STREAM S4 AS SELECT\n  ORDERS.K K,\n  ORDERS.ITEMID->ITEMID ITEMID_1,\n  ORDERS.ITEMID->NAME NAME\n"
        "FROM ORDERS ORDERS\nEMIT CHANGES");
  // A column both sides of a join have is named after its source.
  std::vector<FormatSource> join{{"L", {"ID", "V"}, false}, {"R", {"ID", "W"}, false}};
  CHECK(Format("CREATE STREAM J AS SELECT l.id, v, w FROM a l JOIN b r WITHIN 10 SECONDS ON l.id = r.id;", &join) ==
        "CREATE STREAM J AS SELECT\n  L.ID L_ID,\n  L.V V,\n  R.W W\nFROM A L\n"
        "INNER JOIN B R WITHIN 10 SECONDS ON ((L.ID = R.ID))\nEMIT CHANGES");
}

}  // namespace
}  // namespace eddy::dsl
