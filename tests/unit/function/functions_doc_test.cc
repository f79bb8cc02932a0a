// docs/functions.md is generated from the registry: run
//   eddy_test_function "[.generate-docs]"
// to rewrite it; the check below fails when it is out of date.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "engine/function/registry.h"

using namespace eddy;

namespace {

std::string RenderFunctionsDoc() {
  const FunctionRegistry& r = FunctionRegistry::Builtins();
  std::string out =
      "# Functions\n\n"
      "Generated from eddy's function registry (`engine/function/`); do not edit by hand. Rewrite it with\n"
      "`build/tests/eddy_test_function \"[.generate-docs]\"`.\n\n"
      "Semantics follow ksqlDB's built-in functions: NULL handling, Java `String` positions (UTF-16 code\n"
      "units, 1-based), Java number formatting. Overloads resolve as ksqlDB's do: an exact match first,\n"
      "then implicit widening (INT -> BIGINT -> DECIMAL -> DOUBLE; a STRING for a DATE, TIME, TIMESTAMP\n"
      "or BYTES); an untyped NULL fits any parameter.\n\n"
      "## Scalar functions\n\n";
  for (const auto& [name, fn] : r.scalars()) {
    out += "### " + name + "\n\n`" + fn.signatures + "`\n\n" + fn.description + "\n\nExample: `" + fn.example + "`\n\n";
  }
  out += "## Aggregate functions\n\n";
  for (const auto& [name, fn] : r.aggregates()) {
    out += "### " + name + "\n\n`" + fn.signatures + "`\n\n" + fn.description + "\n\nExample: `" + fn.example + "`\n\n";
  }
  out += "## Table functions\n\nA SELECT item that calls one turns each input row into as many rows as it returns values.\n\n";
  for (const auto& [name, fn] : r.tables()) {
    out += "### " + name + "\n\n`" + fn.signatures + "`\n\n" + fn.description + "\n\nExample: `" + fn.example + "`\n\n";
  }
  return out;
}

std::string DocPath() { return std::string(EDDY_SOURCE_DIR) + "/docs/functions.md"; }

}  // namespace

TEST_CASE("docs/functions.md matches the registry", "[function][docs]") {
  std::ifstream in(DocPath());
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == RenderFunctionsDoc());
}

TEST_CASE("generate docs/functions.md", "[.generate-docs]") {
  std::ofstream out(DocPath());
  out << RenderFunctionsDoc();
  REQUIRE(out.good());
}
