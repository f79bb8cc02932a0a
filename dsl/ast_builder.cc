#include "dsl/ast_builder.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace eddy::dsl {
namespace {

using P = eddy_gen::EddySqlParser;

SourcePos PosOf(const antlr4::Token* t) {
  if (t == nullptr) return {};
  return {static_cast<int>(t->getLine()), static_cast<int>(t->getCharPositionInLine()) + 1};
}
SourcePos PosOf(antlr4::ParserRuleContext* c) { return PosOf(c->getStart()); }
SourcePos PosOf(antlr4::tree::TerminalNode* n) { return PosOf(n->getSymbol()); }

std::string ToUpper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Strips the surrounding quotes and turns each doubled quote into one: 'it''s' -> it's.
std::string Unquote(const std::string& text, char quote) {
  std::string out;
  if (text.size() < 2) return out;
  out.reserve(text.size() - 2);
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    out += text[i];
    if (text[i] == quote && text[i + 1] == quote) ++i;
  }
  return out;
}

std::string StringValue(antlr4::Token* t) { return Unquote(t->getText(), '\''); }
std::string StringValue(antlr4::tree::TerminalNode* n) { return StringValue(n->getSymbol()); }

// Unquoted identifiers are upper-cased; "quoted" and `quoted` ones keep their case.
std::string Ident(P::IdentifierContext* ctx) {
  std::string text = ctx->getStart()->getText();
  if (dynamic_cast<P::DoubleQuotedIdentifierContext*>(ctx) != nullptr) return Unquote(text, '"');
  if (dynamic_cast<P::BackQuotedIdentifierContext*>(ctx) != nullptr) return Unquote(text, '`');
  return ToUpper(std::move(text));
}

std::string Ident(P::SourceNameContext* ctx) { return Ident(ctx->identifier()); }

ExprPtr NewExpr(ExprKind kind, SourcePos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

struct LiteralValue {
  LiteralKind kind = LiteralKind::kNull;
  std::string text;
};

LiteralValue NumberValue(P::NumberContext* ctx) {
  if (auto* c = dynamic_cast<P::IntegerLiteralContext*>(ctx)) {
    return {LiteralKind::kInteger, (c->MINUS() ? "-" : "") + c->INTEGER_VALUE()->getText()};
  }
  if (auto* c = dynamic_cast<P::DecimalLiteralContext*>(ctx)) {
    return {LiteralKind::kDecimal, (c->MINUS() ? "-" : "") + c->DECIMAL_VALUE()->getText()};
  }
  auto* c = dynamic_cast<P::DoubleLiteralContext*>(ctx);
  return {LiteralKind::kDouble, (c->MINUS() ? "-" : "") + ToUpper(c->FLOATING_POINT_VALUE()->getText())};
}

LiteralValue LiteralOf(P::LiteralContext* ctx) {
  if (dynamic_cast<P::NullLiteralContext*>(ctx) != nullptr) return {LiteralKind::kNull, "NULL"};
  if (auto* c = dynamic_cast<P::BooleanLiteralContext*>(ctx)) {
    return {LiteralKind::kBoolean, c->TRUE() ? "TRUE" : "FALSE"};
  }
  if (auto* c = dynamic_cast<P::NumericLiteralContext*>(ctx)) return NumberValue(c->number());
  auto* c = dynamic_cast<P::StringLiteralContext*>(ctx);
  return {LiteralKind::kString, StringValue(c->STRING())};
}

std::optional<int64_t> ParseInt64(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

int64_t UnitMillis(size_t token_type) {
  switch (token_type) {
    case P::MILLISECOND:
    case P::MILLISECONDS: return 1;
    case P::SECOND:
    case P::SECONDS: return 1000;
    case P::MINUTE:
    case P::MINUTES: return 60 * 1000;
    case P::HOUR:
    case P::HOURS: return 60 * 60 * 1000;
    default: return 24 * 60 * 60 * 1000;  // DAY, DAYS
  }
}

BinaryOp BinaryOpOf(size_t token_type) {
  switch (token_type) {
    case P::PLUS: return BinaryOp::kAdd;
    case P::MINUS: return BinaryOp::kSub;
    case P::ASTERISK: return BinaryOp::kMul;
    case P::SLASH: return BinaryOp::kDiv;
    case P::PERCENT: return BinaryOp::kMod;
    case P::EQ: return BinaryOp::kEq;
    case P::NEQ: return BinaryOp::kNe;
    case P::LT: return BinaryOp::kLt;
    case P::LTE: return BinaryOp::kLe;
    case P::GT: return BinaryOp::kGt;
    case P::GTE: return BinaryOp::kGe;
    case P::AND: return BinaryOp::kAnd;
    case P::OR: return BinaryOp::kOr;
    default: return BinaryOp::kConcat;
  }
}

ExprPtr MakeBinary(BinaryOp op, SourcePos pos, ExprPtr left, ExprPtr right) {
  ExprPtr e = NewExpr(ExprKind::kBinary, pos);
  e->bin_op = op;
  e->children.push_back(std::move(left));
  e->children.push_back(std::move(right));
  return e;
}

}  // namespace

Status AstBuilder::TooDeep(antlr4::ParserRuleContext* ctx) const {
  return Status::Invalid(fmt::format("expression nested too deeply (more than {} levels)", max_nesting_),
                         PosOf(ctx));
}

std::string AstBuilder::SourceText(antlr4::ParserRuleContext* ctx) const {
  antlr4::Token* start = ctx->getStart();
  antlr4::Token* stop = ctx->getStop();
  if (start == nullptr || stop == nullptr || stop->getStopIndex() < start->getStartIndex()) return "";
  return input_->getText(antlr4::misc::Interval(start->getStartIndex(), stop->getStopIndex()));
}

// ---------------------------------------------------------------------------------------------
// Statements

Result<std::vector<Statement>> AstBuilder::BuildScript(P::ScriptContext* ctx) {
  std::vector<Statement> out;
  for (P::StatementContext* s : ctx->statement()) {
    ASSIGN_OR_RETURN(Statement st, BuildStatement(s));
    out.push_back(std::move(st));
  }
  return out;
}

Result<ExprPtr> AstBuilder::BuildSingleExpression(P::SingleExpressionContext* ctx) {
  return BuildExpr(ctx->expression(), 0);
}

Result<Statement> AstBuilder::BuildStatement(P::StatementContext* ctx) {
  Statement st;
  st.pos = PosOf(ctx);
  st.text = SourceText(ctx);
  if (auto* c = dynamic_cast<P::SelectStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kSelect;
    st.select = std::make_unique<SelectStatement>();
    ASSIGN_OR_RETURN(st.select->query, BuildQuery(c->query()));
  } else if (auto* c = dynamic_cast<P::CreateStatementContext*>(ctx)) {
    RETURN_IF_ERROR(BuildCreate(c, st));
  } else if (auto* c = dynamic_cast<P::InsertStatementContext*>(ctx)) {
    RETURN_IF_ERROR(BuildInsert(c, st));
  } else if (dynamic_cast<P::AssertValuesStatementContext*>(ctx) != nullptr ||
             dynamic_cast<P::AssertSourceStatementContext*>(ctx) != nullptr) {
    RETURN_IF_ERROR(BuildAssert(ctx, st));
  } else {
    RETURN_IF_ERROR(BuildOther(ctx, st));
  }
  return st;
}

Status AstBuilder::BuildCreate(P::CreateStatementContext* c, Statement& st) {
  const bool is_table = c->TABLE() != nullptr;
  if (c->query() != nullptr) {
    if (c->SOURCE() != nullptr) {
      return Status::Invalid("a SOURCE stream or table cannot be created from a query (AS SELECT)",
                             PosOf(c->SOURCE()));
    }
    if (c->tableElements() != nullptr) {
      return Status::Invalid(
          "CREATE ... AS SELECT cannot declare columns: they come from the query",
          PosOf(c->tableElements()));
    }
    st.kind = Statement::Kind::kCreateAsSelect;
    auto cas = std::make_unique<CreateAsSelect>();
    cas->is_table = is_table;
    cas->or_replace = c->REPLACE() != nullptr;
    cas->if_not_exists = c->EXISTS() != nullptr;
    cas->name = Ident(c->sourceName());
    cas->name_pos = PosOf(c->sourceName());
    if (c->tableProperties() != nullptr) {
      ASSIGN_OR_RETURN(cas->properties, BuildProperties(c->tableProperties()));
    }
    ASSIGN_OR_RETURN(cas->query, BuildQuery(c->query()));
    st.create_as_select = std::move(cas);
    return Status::Ok();
  }
  st.kind = Statement::Kind::kCreateSource;
  auto cs = std::make_unique<CreateSource>();
  cs->is_table = is_table;
  cs->or_replace = c->REPLACE() != nullptr;
  cs->if_not_exists = c->EXISTS() != nullptr;
  cs->is_source = c->SOURCE() != nullptr;
  cs->name = Ident(c->sourceName());
  cs->name_pos = PosOf(c->sourceName());
  if (c->tableElements() != nullptr) {
    ASSIGN_OR_RETURN(cs->elements, BuildElements(c->tableElements()));
  }
  // ksqlDB rejects these while building its AST, with these words.
  for (const TableElement& e : cs->elements) {
    if (e.role != ColumnRole::kKey || e.primary_key == is_table) continue;
    constexpr const char* kTableMsg = "Column `{}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.";
    constexpr const char* kStreamMsg = "Column `{}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.";
    return Status::Invalid(fmt::format(fmt::runtime(is_table ? kTableMsg : kStreamMsg), e.name), e.pos);
  }
  if (c->tableProperties() != nullptr) {
    ASSIGN_OR_RETURN(cs->properties, BuildProperties(c->tableProperties()));
  }
  st.create_source = std::move(cs);
  return Status::Ok();
}

Status AstBuilder::BuildInsert(P::InsertStatementContext* c, Statement& st) {
  if (c->query() != nullptr) {
    st.kind = Statement::Kind::kInsertInto;
    auto ii = std::make_unique<InsertInto>();
    ii->target = Ident(c->sourceName());
    ii->target_pos = PosOf(c->sourceName());
    if (c->tableProperties() != nullptr) {
      ASSIGN_OR_RETURN(ii->properties, BuildProperties(c->tableProperties()));
    }
    ASSIGN_OR_RETURN(ii->query, BuildQuery(c->query()));
    st.insert_into = std::move(ii);
    return Status::Ok();
  }
  st.kind = Statement::Kind::kInsertValues;
  auto iv = std::make_unique<InsertValues>();
  iv->target = Ident(c->sourceName());
  iv->target_pos = PosOf(c->sourceName());
  if (c->columns() != nullptr) iv->columns = BuildColumns(c->columns());
  ASSIGN_OR_RETURN(iv->values, BuildValues(c->values()));
  st.insert_values = std::move(iv);
  return Status::Ok();
}

Status AstBuilder::BuildAssert(P::StatementContext* ctx, Statement& st) {
  if (auto* c = dynamic_cast<P::AssertValuesStatementContext*>(ctx)) {
    if (c->KEY() != nullptr && c->NULL_() == nullptr) {
      return Status::Invalid("ASSERT VALUES takes VALUES (...); KEY (...) is for ASSERT NULL VALUES",
                             PosOf(c->KEY()));
    }
    st.kind = Statement::Kind::kAssertValues;
    auto av = std::make_unique<AssertValues>();
    av->target = Ident(c->sourceName());
    av->target_pos = PosOf(c->sourceName());
    av->null_values = c->NULL_() != nullptr;
    if (c->columns() != nullptr) av->columns = BuildColumns(c->columns());
    ASSIGN_OR_RETURN(av->values, BuildValues(c->values()));
    st.assert_values = std::move(av);
    return Status::Ok();
  }
  auto* c = dynamic_cast<P::AssertSourceStatementContext*>(ctx);
  st.kind = Statement::Kind::kAssertSource;
  auto as = std::make_unique<AssertSource>();
  as->is_table = c->TABLE() != nullptr;
  as->name = Ident(c->sourceName());
  if (c->tableElements() != nullptr) {
    ASSIGN_OR_RETURN(as->elements, BuildElements(c->tableElements()));
  }
  if (c->tableProperties() != nullptr) {
    ASSIGN_OR_RETURN(as->properties, BuildProperties(c->tableProperties()));
  }
  st.assert_source = std::move(as);
  return Status::Ok();
}

Status AstBuilder::BuildOther(P::StatementContext* ctx, Statement& st) {
  if (auto* c = dynamic_cast<P::DropStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kDrop;
    auto d = std::make_unique<Drop>();
    d->is_table = c->TABLE() != nullptr;
    d->if_exists = c->EXISTS() != nullptr;
    d->delete_topic = c->DELETE() != nullptr;
    d->name = Ident(c->sourceName());
    d->name_pos = PosOf(c->sourceName());
    st.drop = std::move(d);
  } else if (auto* c = dynamic_cast<P::SetStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kSet;
    st.set = std::make_unique<SetProperty>();
    st.set->name = StringValue(c->STRING(0));
    st.set->value = StringValue(c->STRING(1));
  } else if (auto* c = dynamic_cast<P::UnsetStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kSet;
    st.set = std::make_unique<SetProperty>();
    st.set->name = StringValue(c->STRING());
    st.set->unset = true;
  } else if (auto* c = dynamic_cast<P::ShowStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kShow;
    st.show = std::make_unique<Show>();
    switch (c->showTarget()->getStart()->getType()) {
      case P::STREAMS: st.show->what = ShowKind::kStreams; break;
      case P::TABLES: st.show->what = ShowKind::kTables; break;
      case P::QUERIES: st.show->what = ShowKind::kQueries; break;
      case P::TOPICS: st.show->what = ShowKind::kTopics; break;
      case P::FUNCTIONS: st.show->what = ShowKind::kFunctions; break;
      case P::TYPES: st.show->what = ShowKind::kTypes; break;
      default: st.show->what = ShowKind::kProperties; break;
    }
    st.show->extended = c->EXTENDED() != nullptr;
    st.show->all = c->ALL() != nullptr;
    if (st.show->all && st.show->what != ShowKind::kTopics) {
      return Status::Invalid("ALL applies to SHOW TOPICS only", PosOf(c->ALL()));
    }
  } else if (auto* c = dynamic_cast<P::DescribeAllStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kDescribe;
    st.describe = std::make_unique<Describe>();
    st.describe->list = c->STREAMS() != nullptr ? ShowKind::kStreams : ShowKind::kTables;
    st.describe->extended = c->EXTENDED() != nullptr;
  } else if (auto* c = dynamic_cast<P::DescribeFunctionStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kDescribe;
    st.describe = std::make_unique<Describe>();
    st.describe->function = true;
    st.describe->name = ToUpper(Ident(c->identifier()));
  } else if (auto* c = dynamic_cast<P::DescribeStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kDescribe;
    st.describe = std::make_unique<Describe>();
    st.describe->name = Ident(c->sourceName());
    st.describe->extended = c->EXTENDED() != nullptr;
  } else if (auto* c = dynamic_cast<P::ExplainStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kExplain;
    st.explain = std::make_unique<Explain>();
    if (c->statement() != nullptr) {
      st.explain->statement_text = SourceText(c->statement());
    } else {
      st.explain->query_id = Ident(c->identifier());
    }
  } else if (auto* c = dynamic_cast<P::TerminateStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kTerminate;
    st.terminate = std::make_unique<Terminate>();
    st.terminate->all = c->ALL() != nullptr;
    if (!st.terminate->all) st.terminate->query_id = Ident(c->identifier());
  } else if (auto* c = dynamic_cast<P::PrintStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kPrint;
    st.print = std::make_unique<PrintTopic>();
    P::ResourceNameContext* r = c->resourceName();
    if (r->STRING() != nullptr) {
      st.print->topic = StringValue(r->STRING());
    } else {
      // As in ksqlDB, a topic name keeps its case even unquoted: topics are not SQL names.
      std::string text = r->identifier()->getStart()->getText();
      if (dynamic_cast<P::DoubleQuotedIdentifierContext*>(r->identifier()) != nullptr) {
        text = Unquote(text, '"');
      } else if (dynamic_cast<P::BackQuotedIdentifierContext*>(r->identifier()) != nullptr) {
        text = Unquote(text, '`');
      }
      st.print->topic = std::move(text);
    }
    st.print->from_beginning = c->BEGINNING() != nullptr;
    if (c->interval != nullptr) {
      ASSIGN_OR_RETURN(st.print->interval, BuildCount(c->interval, "INTERVAL"));
    }
    if (c->limit != nullptr) {
      ASSIGN_OR_RETURN(st.print->limit, BuildCount(c->limit, "LIMIT"));
    }
  } else if (auto* c = dynamic_cast<P::RunScriptStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kRunScript;
    st.run_script = std::make_unique<RunScript>();
    st.run_script->path = StringValue(c->STRING());
  } else if (auto* c = dynamic_cast<P::CreateTypeStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kCreateType;
    st.create_type = std::make_unique<CreateType>();
    st.create_type->if_not_exists = c->EXISTS() != nullptr;
    st.create_type->name = ToUpper(Ident(c->identifier()));
    st.create_type->name_pos = PosOf(c->identifier());
    ASSIGN_OR_RETURN(st.create_type->type, BuildType(c->type(), 0));
    // Later statements of the text see it, as they would after it ran (an existing type stays).
    types_.emplace(st.create_type->name, st.create_type->type);
  } else if (auto* c = dynamic_cast<P::DropTypeStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kDropType;
    st.drop_type = std::make_unique<DropType>();
    st.drop_type->if_exists = c->EXISTS() != nullptr;
    st.drop_type->name = ToUpper(Ident(c->identifier()));
    st.drop_type->name_pos = PosOf(c->identifier());
    types_.erase(st.drop_type->name);
  } else if (auto* c = dynamic_cast<P::AlterStatementContext*>(ctx)) {
    st.kind = Statement::Kind::kAlter;
    st.alter = std::make_unique<AlterSource>();
    st.alter->is_table = c->TABLE() != nullptr;
    st.alter->name = Ident(c->sourceName());
    st.alter->name_pos = PosOf(c->sourceName());
    for (P::AlterOptionContext* o : c->alterOption()) {
      TableElement e;
      e.name = Ident(o->identifier());
      e.pos = PosOf(o->identifier());
      ASSIGN_OR_RETURN(e.type, BuildType(o->type(), 0));
      st.alter->columns.push_back(std::move(e));
    }
  } else {
    return Status::Internal("AST builder: unhandled statement form");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Statement parts

Result<std::vector<TableElement>> AstBuilder::BuildElements(P::TableElementsContext* ctx) {
  std::vector<TableElement> out;
  for (P::TableElementContext* te : ctx->tableElement()) {
    TableElement e;
    e.name = Ident(te->identifier());
    e.pos = PosOf(te);
    ASSIGN_OR_RETURN(e.type, BuildType(te->type(), 0));
    if (P::ColumnConstraintContext* cc = te->columnConstraint()) {
      if (cc->KEY() != nullptr) {
        e.role = ColumnRole::kKey;
        e.primary_key = cc->PRIMARY() != nullptr;
      } else {
        e.role = ColumnRole::kHeader;
        if (cc->STRING() != nullptr) e.header_key = StringValue(cc->STRING());
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Property>> AstBuilder::BuildProperties(P::TablePropertiesContext* ctx) {
  std::vector<Property> out;
  for (P::TablePropertyContext* p : ctx->tableProperty()) {
    Property prop;
    prop.pos = PosOf(p);
    prop.name = ToUpper(p->identifier() != nullptr ? Ident(p->identifier()) : StringValue(p->STRING()));
    LiteralValue v = LiteralOf(p->literal());
    prop.kind = v.kind;
    prop.value = v.kind == LiteralKind::kNull ? "" : std::move(v.text);
    out.push_back(std::move(prop));
  }
  return out;
}

std::vector<std::string> AstBuilder::BuildColumns(P::ColumnsContext* ctx) {
  std::vector<std::string> out;
  for (P::IdentifierContext* id : ctx->identifier()) out.push_back(Ident(id));
  return out;
}

Result<std::vector<ExprPtr>> AstBuilder::BuildValues(P::ValuesContext* ctx) {
  std::vector<ExprPtr> out;
  for (P::ValueExpressionContext* v : ctx->valueExpression()) {
    ASSIGN_OR_RETURN(ExprPtr e, BuildValue(v, 0));
    out.push_back(std::move(e));
  }
  return out;
}

Result<int64_t> AstBuilder::BuildCount(P::NumberContext* ctx, const char* what) {
  auto* c = dynamic_cast<P::IntegerLiteralContext*>(ctx);
  std::optional<int64_t> v;
  if (c != nullptr && c->MINUS() == nullptr) v = ParseInt64(c->INTEGER_VALUE()->getText());
  if (!v) {
    return Status::Invalid(fmt::format("{} takes a whole number, not '{}'", what, ctx->getText()),
                           PosOf(ctx));
  }
  return *v;
}

Result<Duration> AstBuilder::BuildDuration(P::DurationContext* ctx) {
  Duration d;
  d.pos = PosOf(ctx);
  auto* num = dynamic_cast<P::IntegerLiteralContext*>(ctx->number());
  if (num == nullptr) {
    return Status::Invalid(
        fmt::format("a duration is a whole number of units, not '{}'", ctx->number()->getText()), d.pos);
  }
  if (num->MINUS() != nullptr) return Status::Invalid("a duration cannot be negative", d.pos);
  std::optional<int64_t> n = ParseInt64(num->INTEGER_VALUE()->getText());
  int64_t millis = 0;
  if (!n || __builtin_mul_overflow(*n, UnitMillis(ctx->timeUnit()->getStart()->getType()), &millis)) {
    return Status::Invalid(fmt::format("duration '{}' is too long", SourceText(ctx)), d.pos);
  }
  d.millis = millis;
  d.value = *n;
  switch (UnitMillis(ctx->timeUnit()->getStart()->getType())) {
    case 1: d.unit = "MILLISECONDS"; break;
    case 1000: d.unit = "SECONDS"; break;
    case 60 * 1000: d.unit = "MINUTES"; break;
    case 60 * 60 * 1000: d.unit = "HOURS"; break;
    default: d.unit = "DAYS"; break;
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Queries

Result<Query> AstBuilder::BuildQuery(P::QueryContext* ctx) {
  Query q;
  q.pos = PosOf(ctx);
  for (P::SelectItemContext* item : ctx->selectItem()) {
    ASSIGN_OR_RETURN(SelectItem si, BuildSelectItem(item));
    q.select.push_back(std::move(si));
  }
  q.from = BuildRelation(ctx->aliasedRelation());
  for (P::JoinedSourceContext* js : ctx->joinedSource()) {
    ASSIGN_OR_RETURN(JoinClause j, BuildJoin(js));
    q.joins.push_back(std::move(j));
  }
  if (ctx->windowExpression() != nullptr) {
    ASSIGN_OR_RETURN(q.window, BuildWindow(ctx->windowExpression()));
  }
  if (ctx->where != nullptr) {
    ASSIGN_OR_RETURN(q.where, BuildExpr(ctx->where, 0));
  }
  if (ctx->groupBy != nullptr) {
    ASSIGN_OR_RETURN(q.group_by, BuildExpressionList(ctx->groupBy));
    if (q.group_by.empty()) {
      return Status::Invalid("GROUP BY requires at least one expression", PosOf(ctx->groupBy));
    }
  }
  if (ctx->partitionBy != nullptr) {
    ASSIGN_OR_RETURN(q.partition_by, BuildExpressionList(ctx->partitionBy));
    if (q.partition_by.empty()) {
      return Status::Invalid("PARTITION BY requires at least one expression", PosOf(ctx->partitionBy));
    }
  }
  if (ctx->having != nullptr) {
    ASSIGN_OR_RETURN(q.having, BuildExpr(ctx->having, 0));
  }
  if (ctx->CHANGES() != nullptr) q.emit = EmitKind::kChanges;
  if (ctx->FINAL() != nullptr) q.emit = EmitKind::kFinal;
  if (ctx->limit != nullptr) {
    ASSIGN_OR_RETURN(q.limit, BuildCount(ctx->limit, "LIMIT"));
  }
  return q;
}

Result<SelectItem> AstBuilder::BuildSelectItem(P::SelectItemContext* ctx) {
  SelectItem si;
  si.pos = PosOf(ctx);
  if (dynamic_cast<P::SelectAllContext*>(ctx) != nullptr) {
    si.kind = SelectItemKind::kStar;
  } else if (auto* c = dynamic_cast<P::SelectQualifiedAllContext*>(ctx)) {
    si.kind = SelectItemKind::kQualifiedStar;
    si.qualifier = Ident(c->identifier());
  } else if (auto* c = dynamic_cast<P::SelectStructAllContext*>(ctx)) {
    si.kind = SelectItemKind::kStructStar;
    ASSIGN_OR_RETURN(si.expr, BuildPrimary(c->primaryExpression(), 0));
  } else {
    auto* s = dynamic_cast<P::SelectSingleContext*>(ctx);
    si.kind = SelectItemKind::kExpr;
    ASSIGN_OR_RETURN(si.expr, BuildExpr(s->expression(), 0));
    if (s->identifier() != nullptr) si.alias = Ident(s->identifier());
  }
  return si;
}

Relation AstBuilder::BuildRelation(P::AliasedRelationContext* ctx) {
  Relation r;
  r.pos = PosOf(ctx);
  r.name = Ident(ctx->sourceName(0));
  if (ctx->alias != nullptr) r.alias = Ident(ctx->alias);
  return r;
}

Result<JoinClause> AstBuilder::BuildJoin(P::JoinedSourceContext* ctx) {
  JoinClause j;
  j.pos = PosOf(ctx);
  P::JoinTypeContext* jt = ctx->joinType();
  if (jt->LEFT() != nullptr) j.type = JoinType::kLeft;
  if (jt->RIGHT() != nullptr) j.type = JoinType::kRight;
  if (jt->FULL() != nullptr) j.type = JoinType::kFull;
  j.right = BuildRelation(ctx->aliasedRelation());
  if (P::JoinWindowContext* w = ctx->joinWindow()) {
    if (w->before != nullptr) {
      ASSIGN_OR_RETURN(j.within_before, BuildDuration(w->before));
      ASSIGN_OR_RETURN(j.within_after, BuildDuration(w->after));
    } else {
      // WITHIN n is n before and n after.
      ASSIGN_OR_RETURN(j.within_before, BuildDuration(w->duration(0)));
      j.within_after = j.within_before;
    }
    if (w->gracePeriod() != nullptr) {
      ASSIGN_OR_RETURN(j.grace, BuildDuration(w->gracePeriod()->duration()));
    }
  }
  ASSIGN_OR_RETURN(j.on, BuildExpr(ctx->expression(), 0));
  return j;
}

Result<WindowSpec> AstBuilder::BuildWindow(P::WindowExpressionContext* ctx) {
  WindowSpec w;
  P::RetentionContext* retention = nullptr;
  P::GracePeriodContext* grace = nullptr;
  if (P::TumblingWindowContext* t = ctx->tumblingWindow()) {
    w.type = WindowType::kTumbling;
    w.pos = PosOf(t);
    ASSIGN_OR_RETURN(w.size, BuildDuration(t->duration()));
    retention = t->retention();
    grace = t->gracePeriod();
  } else if (P::HoppingWindowContext* h = ctx->hoppingWindow()) {
    w.type = WindowType::kHopping;
    w.pos = PosOf(h);
    ASSIGN_OR_RETURN(w.size, BuildDuration(h->duration(0)));
    ASSIGN_OR_RETURN(w.advance, BuildDuration(h->advance));
    retention = h->retention();
    grace = h->gracePeriod();
  } else {
    P::SessionWindowContext* s = ctx->sessionWindow();
    w.type = WindowType::kSession;
    w.pos = PosOf(s);
    ASSIGN_OR_RETURN(w.size, BuildDuration(s->duration()));
    retention = s->retention();
    grace = s->gracePeriod();
  }
  if (retention != nullptr) {
    ASSIGN_OR_RETURN(w.retention, BuildDuration(retention->duration()));
  }
  if (grace != nullptr) {
    ASSIGN_OR_RETURN(w.grace, BuildDuration(grace->duration()));
  }
  return w;
}

Result<std::vector<ExprPtr>> AstBuilder::BuildExpressionList(P::ExpressionListContext* ctx) {
  std::vector<ExprPtr> out;
  for (P::ValueExpressionContext* v : ctx->valueExpression()) {
    ASSIGN_OR_RETURN(ExprPtr e, BuildValue(v, 0));
    out.push_back(std::move(e));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Expressions

Result<ExprPtr> AstBuilder::BuildExpr(P::ExpressionContext* ctx, int depth) {
  return BuildBool(ctx->booleanExpression(), depth);
}

Result<ExprPtr> AstBuilder::BuildBool(P::BooleanExpressionContext* ctx, int depth) {
  if (depth > max_nesting_) return TooDeep(ctx);
  if (auto* c = dynamic_cast<P::BooleanDefaultContext*>(ctx)) return BuildPredicated(c->predicated(), depth);
  if (auto* c = dynamic_cast<P::LogicalNotContext*>(ctx)) {
    ASSIGN_OR_RETURN(ExprPtr operand, BuildBool(c->booleanExpression(), depth + 1));
    ExprPtr e = NewExpr(ExprKind::kUnary, PosOf(ctx));
    e->un_op = UnaryOp::kNot;
    e->children.push_back(std::move(operand));
    return e;
  }
  auto* c = dynamic_cast<P::LogicalBinaryContext*>(ctx);
  ASSIGN_OR_RETURN(ExprPtr left, BuildBool(c->left, depth + 1));
  ASSIGN_OR_RETURN(ExprPtr right, BuildBool(c->right, depth + 1));
  return MakeBinary(BinaryOpOf(c->op->getType()), PosOf(ctx), std::move(left), std::move(right));
}

Result<ExprPtr> AstBuilder::BuildPredicated(P::PredicatedContext* ctx, int depth) {
  P::PredicateContext* pred = ctx->predicate();
  if (pred == nullptr) return BuildValue(ctx->valueExpression(), depth);
  if (depth > max_nesting_) return TooDeep(ctx);
  const SourcePos pos = PosOf(ctx);
  ASSIGN_OR_RETURN(ExprPtr value, BuildValue(ctx->valueExpression(), depth + 1));
  if (auto* c = dynamic_cast<P::ComparisonContext*>(pred)) {
    ASSIGN_OR_RETURN(ExprPtr right, BuildValue(c->right, depth + 1));
    return MakeBinary(BinaryOpOf(c->comparisonOperator()->getStart()->getType()), pos, std::move(value),
                      std::move(right));
  }
  ExprPtr e;
  if (auto* c = dynamic_cast<P::BetweenContext*>(pred)) {
    e = NewExpr(ExprKind::kBetween, pos);
    e->negated = c->NOT() != nullptr;
    e->children.push_back(std::move(value));
    ASSIGN_OR_RETURN(ExprPtr lower, BuildValue(c->lower, depth + 1));
    ASSIGN_OR_RETURN(ExprPtr upper, BuildValue(c->upper, depth + 1));
    e->children.push_back(std::move(lower));
    e->children.push_back(std::move(upper));
  } else if (auto* c = dynamic_cast<P::InListContext*>(pred)) {
    e = NewExpr(ExprKind::kInList, pos);
    e->negated = c->NOT() != nullptr;
    e->children.push_back(std::move(value));
    for (P::ExpressionContext* item : c->expression()) {
      ASSIGN_OR_RETURN(ExprPtr x, BuildExpr(item, depth + 1));
      e->children.push_back(std::move(x));
    }
  } else if (auto* c = dynamic_cast<P::LikeContext*>(pred)) {
    e = NewExpr(ExprKind::kLike, pos);
    e->negated = c->NOT() != nullptr;
    e->children.push_back(std::move(value));
    ASSIGN_OR_RETURN(ExprPtr pattern, BuildValue(c->pattern, depth + 1));
    e->children.push_back(std::move(pattern));
    if (c->escape != nullptr) {
      ExprPtr esc = NewExpr(ExprKind::kLiteral, PosOf(c->escape));
      esc->lit_kind = LiteralKind::kString;
      esc->text = StringValue(c->escape);
      e->children.push_back(std::move(esc));
    }
  } else if (auto* c = dynamic_cast<P::NullPredicateContext*>(pred)) {
    e = NewExpr(ExprKind::kIsNull, pos);
    e->negated = c->NOT() != nullptr;
    e->children.push_back(std::move(value));
  } else {
    auto* d = dynamic_cast<P::DistinctFromContext*>(pred);
    e = NewExpr(ExprKind::kDistinctFrom, pos);
    e->negated = d->NOT() != nullptr;
    e->children.push_back(std::move(value));
    ASSIGN_OR_RETURN(ExprPtr right, BuildValue(d->right, depth + 1));
    e->children.push_back(std::move(right));
  }
  return e;
}

Result<ExprPtr> AstBuilder::BuildValue(P::ValueExpressionContext* ctx, int depth) {
  if (depth > max_nesting_) return TooDeep(ctx);
  if (auto* c = dynamic_cast<P::ValueDefaultContext*>(ctx)) {
    return BuildPrimary(c->primaryExpression(), depth);
  }
  if (auto* c = dynamic_cast<P::ArithmeticUnaryContext*>(ctx)) {
    ASSIGN_OR_RETURN(ExprPtr operand, BuildValue(c->valueExpression(), depth + 1));
    ExprPtr e = NewExpr(ExprKind::kUnary, PosOf(ctx));
    e->un_op = c->op->getType() == P::MINUS ? UnaryOp::kMinus : UnaryOp::kPlus;
    e->children.push_back(std::move(operand));
    return e;
  }
  P::ValueExpressionContext* left = nullptr;
  P::ValueExpressionContext* right = nullptr;
  BinaryOp op = BinaryOp::kConcat;
  if (auto* c = dynamic_cast<P::ArithmeticBinaryContext*>(ctx)) {
    left = c->left;
    right = c->right;
    op = BinaryOpOf(c->op->getType());
  } else {
    auto* cc = dynamic_cast<P::ConcatenationContext*>(ctx);
    left = cc->left;
    right = cc->right;
  }
  ASSIGN_OR_RETURN(ExprPtr l, BuildValue(left, depth + 1));
  ASSIGN_OR_RETURN(ExprPtr r, BuildValue(right, depth + 1));
  return MakeBinary(op, PosOf(ctx), std::move(l), std::move(r));
}

Result<ExprPtr> AstBuilder::BuildPrimary(P::PrimaryExpressionContext* ctx, int depth) {
  if (depth > max_nesting_) return TooDeep(ctx);
  const SourcePos pos = PosOf(ctx);
  if (auto* c = dynamic_cast<P::LiteralExpressionContext*>(ctx)) {
    LiteralValue v = LiteralOf(c->literal());
    if (v.kind == LiteralKind::kDouble && std::isinf(std::strtod(v.text.c_str(), nullptr))) {
      return Status::Invalid(fmt::format("Number overflows DOUBLE: {}", v.text), pos);  // ksqlDB's words
    }
    // ksqlDB reads the digits without the sign as a BIGINT, so even -9223372036854775808 fails.
    if (v.kind == LiteralKind::kInteger && !ParseInt64(v.text[0] == '-' ? v.text.substr(1) : v.text)) {
      return Status::Invalid(fmt::format("Invalid numeric literal: {}", v.text), pos);  // ksqlDB's words
    }
    ExprPtr e = NewExpr(ExprKind::kLiteral, pos);
    e->lit_kind = v.kind;
    e->text = std::move(v.text);
    return e;
  }
  if (auto* c = dynamic_cast<P::ColumnReferenceContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kColumnRef, pos);
    e->name = Ident(c->identifier());
    return e;
  }
  if (auto* c = dynamic_cast<P::QualifiedColumnReferenceContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kColumnRef, pos);
    e->qualifier = Ident(c->qualifier);
    e->name = Ident(c->column);
    return e;
  }
  if (auto* c = dynamic_cast<P::ParenthesizedContext*>(ctx)) return BuildExpr(c->expression(), depth);
  if (auto* c = dynamic_cast<P::FunctionCallContext*>(ctx)) return BuildFunctionCall(c, depth);
  if (auto* c = dynamic_cast<P::FunctionCallStarContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kFunctionCall, pos);
    e->name = ToUpper(Ident(c->identifier()));
    e->star = true;
    return e;
  }
  if (auto* c = dynamic_cast<P::CastContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kCast, pos);
    ASSIGN_OR_RETURN(ExprPtr operand, BuildExpr(c->expression(), depth + 1));
    e->children.push_back(std::move(operand));
    ASSIGN_OR_RETURN(e->cast_type, BuildType(c->type(), depth + 1));
    return e;
  }
  if (auto* c = dynamic_cast<P::SubscriptContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kSubscript, pos);
    ASSIGN_OR_RETURN(ExprPtr base, BuildPrimary(c->base, depth + 1));
    ASSIGN_OR_RETURN(ExprPtr index, BuildValue(c->index, depth + 1));
    e->children.push_back(std::move(base));
    e->children.push_back(std::move(index));
    return e;
  }
  if (auto* c = dynamic_cast<P::DereferenceContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kDereference, pos);
    ASSIGN_OR_RETURN(ExprPtr base, BuildPrimary(c->base, depth + 1));
    e->children.push_back(std::move(base));
    e->name = Ident(c->field);
    return e;
  }
  if (auto* c = dynamic_cast<P::ArrayConstructorContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kArray, pos);
    for (P::ExpressionContext* item : c->expression()) {
      ASSIGN_OR_RETURN(ExprPtr x, BuildExpr(item, depth + 1));
      e->children.push_back(std::move(x));
    }
    return e;
  }
  if (auto* c = dynamic_cast<P::MapConstructorContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kMap, pos);
    for (P::MapEntryContext* entry : c->mapEntry()) {
      ASSIGN_OR_RETURN(ExprPtr k, BuildExpr(entry->key, depth + 1));
      ASSIGN_OR_RETURN(ExprPtr v, BuildExpr(entry->value, depth + 1));
      e->children.push_back(std::move(k));
      e->children.push_back(std::move(v));
    }
    return e;
  }
  if (auto* c = dynamic_cast<P::StructConstructorContext*>(ctx)) {
    ExprPtr e = NewExpr(ExprKind::kStruct, pos);
    for (P::StructEntryContext* entry : c->structEntry()) {
      e->field_names.push_back(Ident(entry->identifier()));
      ASSIGN_OR_RETURN(ExprPtr v, BuildExpr(entry->expression(), depth + 1));
      e->children.push_back(std::move(v));
    }
    return e;
  }
  return BuildCase(ctx, depth);
}

Result<ExprPtr> AstBuilder::BuildFunctionCall(P::FunctionCallContext* ctx, int depth) {
  ExprPtr e = NewExpr(ExprKind::kFunctionCall, PosOf(ctx));
  e->name = ToUpper(Ident(ctx->identifier()));
  for (P::FunctionArgumentContext* arg : ctx->functionArgument()) {
    if (P::TimeUnitContext* unit = arg->timeUnit()) {
      ExprPtr u = NewExpr(ExprKind::kIntervalUnit, PosOf(unit));
      u->name = ToUpper(unit->getText());
      e->children.push_back(std::move(u));
    } else if (P::LambdaContext* lambda = arg->lambda()) {
      ASSIGN_OR_RETURN(ExprPtr l, BuildLambda(lambda, depth + 1));
      e->children.push_back(std::move(l));
    } else {
      ASSIGN_OR_RETURN(ExprPtr x, BuildExpr(arg->expression(), depth + 1));
      e->children.push_back(std::move(x));
    }
  }
  return e;
}

Result<ExprPtr> AstBuilder::BuildLambda(P::LambdaContext* ctx, int depth) {
  if (depth > max_nesting_) return TooDeep(ctx);
  ExprPtr e = NewExpr(ExprKind::kLambda, PosOf(ctx));
  for (P::IdentifierContext* id : ctx->identifier()) e->field_names.push_back(Ident(id));
  ASSIGN_OR_RETURN(ExprPtr body, BuildExpr(ctx->expression(), depth + 1));
  e->children.push_back(std::move(body));
  return e;
}

Result<ExprPtr> AstBuilder::BuildCase(P::PrimaryExpressionContext* ctx, int depth) {
  std::vector<P::WhenClauseContext*> whens;
  P::ExpressionContext* else_value = nullptr;
  ExprPtr e;
  if (auto* c = dynamic_cast<P::SimpleCaseContext*>(ctx)) {
    e = NewExpr(ExprKind::kSimpleCase, PosOf(ctx));
    ASSIGN_OR_RETURN(ExprPtr operand, BuildValue(c->operand, depth + 1));
    e->children.push_back(std::move(operand));
    whens = c->whenClause();
    else_value = c->elseValue;
  } else if (auto* c = dynamic_cast<P::SearchedCaseContext*>(ctx)) {
    e = NewExpr(ExprKind::kSearchedCase, PosOf(ctx));
    whens = c->whenClause();
    else_value = c->elseValue;
  } else {
    return Status::Internal("AST builder: unhandled expression form");
  }
  for (P::WhenClauseContext* w : whens) {
    ASSIGN_OR_RETURN(ExprPtr cond, BuildExpr(w->condition, depth + 1));
    ASSIGN_OR_RETURN(ExprPtr result, BuildExpr(w->result, depth + 1));
    e->children.push_back(std::move(cond));
    e->children.push_back(std::move(result));
  }
  if (else_value != nullptr) {
    ASSIGN_OR_RETURN(ExprPtr x, BuildExpr(else_value, depth + 1));
    e->children.push_back(std::move(x));
    e->has_else = true;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Types

Result<TypePtr> AstBuilder::BuildType(P::TypeContext* ctx, int depth) {
  if (depth > max_nesting_) return TooDeep(ctx);
  if (auto* c = dynamic_cast<P::ArrayTypeContext*>(ctx)) {
    ASSIGN_OR_RETURN(TypePtr element, BuildType(c->type(), depth + 1));
    return Type::Array(std::move(element));
  }
  if (auto* c = dynamic_cast<P::MapTypeContext*>(ctx)) {
    ASSIGN_OR_RETURN(TypePtr key, BuildType(c->key, depth + 1));
    ASSIGN_OR_RETURN(TypePtr value, BuildType(c->value, depth + 1));
    return Type::Map(std::move(key), std::move(value));
  }
  if (auto* c = dynamic_cast<P::StructTypeContext*>(ctx)) {
    if (c->NEQ() != nullptr && c->NEQ()->getText() != "<>") {
      return Status::Invalid(fmt::format("Syntax Error at '{}': expected '<'", c->NEQ()->getText()),
                             PosOf(c->NEQ()));
    }
    std::vector<StructField> fields;
    for (P::StructFieldContext* f : c->structField()) {
      StructField field;
      field.name = Ident(f->identifier());
      ASSIGN_OR_RETURN(field.type, BuildType(f->type(), depth + 1));
      fields.push_back(std::move(field));
    }
    return Type::Struct(std::move(fields));
  }
  return BuildNamedType(dynamic_cast<P::NamedTypeContext*>(ctx));
}

Result<TypePtr> AstBuilder::BuildNamedType(P::NamedTypeContext* ctx) {
  const std::string name = ToUpper(Ident(ctx->identifier()));
  const SourcePos pos = PosOf(ctx);
  std::vector<P::TypeParameterContext*> params = ctx->typeParameter();
  if (name == "DECIMAL") {
    std::optional<int64_t> precision;
    std::optional<int64_t> scale;
    if (params.size() == 2 && params[0]->INTEGER_VALUE() && params[1]->INTEGER_VALUE()) {
      precision = ParseInt64(params[0]->getText());
      scale = ParseInt64(params[1]->getText());
    }
    if (!precision || !scale || *precision > 1000 || *scale > 1000) {
      return Status::Invalid("DECIMAL takes a precision and a scale, as in DECIMAL(10, 2)", pos);
    }
    if (*precision < 1) {
      return Status::Invalid(
          fmt::format("DECIMAL precision must be >= 1: DECIMAL({},{})", *precision, *scale), pos);
    }
    if (*scale > *precision) {
      return Status::Invalid(
          fmt::format("DECIMAL precision must be >= scale: DECIMAL({},{})", *precision, *scale), pos);
    }
    return Type::Decimal(static_cast<int>(*precision), static_cast<int>(*scale));
  }
  // As ksqlDB does, VARCHAR(STRING) or INT(10) means the plain type (the grammar allows only those).
  TypePtr t;
  if (name == "BOOLEAN") t = Type::Boolean();
  else if (name == "INT" || name == "INTEGER") t = Type::Int();
  else if (name == "BIGINT") t = Type::Bigint();
  else if (name == "DOUBLE") t = Type::Double();
  else if (name == "VARCHAR" || name == "STRING") t = Type::String();
  else if (name == "BYTES") t = Type::Bytes();
  else if (name == "TIMESTAMP") t = Type::Timestamp();
  else if (name == "DATE") t = Type::Date();
  else if (name == "TIME") t = Type::Time();
  if (t == nullptr && params.empty()) {
    auto custom = types_.find(name);
    if (custom != types_.end()) t = custom->second;
  }
  if (t == nullptr) return Status::Invalid(fmt::format("unknown type '{}'", name), pos);
  return t;
}

}  // namespace eddy::dsl
