#pragma once
// AstBuilder turns a parse tree of dsl/grammar/EddySql.g4 into the AST of dsl/ast.h: identifiers
// normalised, literals unescaped, durations in milliseconds, every node positioned. It also checks
// what the grammar leaves open (DECIMAL parameters, whole-number durations, ...).
//
// Lifecycle: made by dsl/parser.cc for one parse, used on the calling thread, then dropped. It
// never throws; it reads the tree and the character stream the tree was parsed from.
#include <string>
#include <vector>

#include "EddySqlParser.h"
#include "antlr4-runtime.h"
#include "dsl/ast.h"
#include "engine/common/status.h"

namespace eddy::dsl {

class AstBuilder {
 public:
  // `input` supplies statement text. Expressions and types nested deeper than `max_nesting` are
  // rejected, which bounds this builder's recursion (and the AST's depth for later passes).
  // `types` (may be null) are the custom types known before the text; the builder tracks the
  // text's own CREATE TYPE and DROP TYPE statements on a copy.
  AstBuilder(antlr4::CharStream* input, int max_nesting, const TypeRegistry* types = nullptr)
      : input_(input), max_nesting_(max_nesting), types_(types ? *types : TypeRegistry{}) {}

  Result<std::vector<Statement>> BuildScript(eddy_gen::EddySqlParser::ScriptContext* ctx);
  Result<ExprPtr> BuildSingleExpression(eddy_gen::EddySqlParser::SingleExpressionContext* ctx);

 private:
  using P = eddy_gen::EddySqlParser;

  Result<Statement> BuildStatement(P::StatementContext* ctx);
  Status BuildCreate(P::CreateStatementContext* ctx, Statement& out);
  Status BuildInsert(P::InsertStatementContext* ctx, Statement& out);
  Status BuildOther(P::StatementContext* ctx, Statement& out);
  Status BuildAssert(P::StatementContext* ctx, Statement& out);

  Result<Query> BuildQuery(P::QueryContext* ctx);
  Result<SelectItem> BuildSelectItem(P::SelectItemContext* ctx);
  Relation BuildRelation(P::AliasedRelationContext* ctx);
  Result<JoinClause> BuildJoin(P::JoinedSourceContext* ctx);
  Result<WindowSpec> BuildWindow(P::WindowExpressionContext* ctx);
  Result<Duration> BuildDuration(P::DurationContext* ctx);
  Result<std::vector<ExprPtr>> BuildExpressionList(P::ExpressionListContext* ctx);
  Result<std::vector<ExprPtr>> BuildValues(P::ValuesContext* ctx);
  std::vector<std::string> BuildColumns(P::ColumnsContext* ctx);
  Result<std::vector<TableElement>> BuildElements(P::TableElementsContext* ctx);
  Result<std::vector<Property>> BuildProperties(P::TablePropertiesContext* ctx);
  Result<int64_t> BuildCount(P::NumberContext* ctx, const char* what);

  // Expression builders. `depth` is the depth of the node being built in the AST; wrappers that
  // make no node of their own (parentheses, precedence levels) pass it on unchanged.
  Result<ExprPtr> BuildExpr(P::ExpressionContext* ctx, int depth);
  Result<ExprPtr> BuildBool(P::BooleanExpressionContext* ctx, int depth);
  Result<ExprPtr> BuildPredicated(P::PredicatedContext* ctx, int depth);
  Result<ExprPtr> BuildValue(P::ValueExpressionContext* ctx, int depth);
  Result<ExprPtr> BuildPrimary(P::PrimaryExpressionContext* ctx, int depth);
  Result<ExprPtr> BuildFunctionCall(P::FunctionCallContext* ctx, int depth);
  Result<ExprPtr> BuildCase(P::PrimaryExpressionContext* ctx, int depth);
  Result<ExprPtr> BuildLambda(P::LambdaContext* ctx, int depth);
  Result<TypePtr> BuildType(P::TypeContext* ctx, int depth);
  Result<TypePtr> BuildNamedType(P::NamedTypeContext* ctx);

  Status TooDeep(antlr4::ParserRuleContext* ctx) const;
  std::string SourceText(antlr4::ParserRuleContext* ctx) const;

  antlr4::CharStream* input_;
  int max_nesting_;
  TypeRegistry types_;
};

}  // namespace eddy::dsl
