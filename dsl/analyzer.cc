#include "dsl/analyzer.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "engine/common/decimal_ops.h"
#include "engine/function/expr_builder.h"
#include "engine/function/lambda.h"

namespace eddy::dsl {
namespace {

std::string KnownSources(const Scope& scope) {
  std::string out;
  for (const auto& [alias, name] : scope.sources) out += (out.empty() ? "" : ", ") + alias;
  return out;
}

bool IsKnownQualifier(const Scope& scope, const std::string& q) {
  for (const auto& [alias, name] : scope.sources)
    if (alias == q || name == q) return true;
  return false;
}

Result<const ScopeColumn*> FindColumn(const Expr& e, const Scope& scope) {
  const ScopeColumn* found = nullptr;
  if (!e.qualifier.empty()) {
    if (!IsKnownQualifier(scope, e.qualifier)) {
      // ksqlDB finds it while it prepares the statement, and says so.
      return Status::NotFound(fmt::format("Failed to prepare statement: '{}' is not a valid stream/table name or "
                                          "alias. Known: {}.", e.qualifier, KnownSources(scope)),
                              e.pos);
    }
    for (const auto& c : scope.columns) {
      if (c.name == e.name && (c.qualifier == e.qualifier || c.source == e.qualifier)) return &c;
    }
    return Status::NotFound(fmt::format("Column '{}.{}' cannot be resolved.", e.qualifier, e.name), e.pos);
  }
  for (const auto& c : scope.columns) {
    if (c.name != e.name) continue;
    if (found && found->qualifier != c.qualifier) {
      return Status::Invalid(fmt::format("Column '{}' is ambiguous. Could be {}.{} or {}.{}.", e.name,
                                         found->qualifier, e.name, c.qualifier, e.name),
                             e.pos);
    }
    if (!found) found = &c;
  }
  if (!found) return Status::NotFound(fmt::format("Column '{}' cannot be resolved.", e.name), e.pos);
  return found;
}

class Analyzer {
 public:
  Analyzer(const Scope& scope, const FunctionRegistry& registry, const AnalyzeHooks* hooks)
      : scope_(scope), registry_(registry), hooks_(hooks) {}

  Result<CompiledExprPtr> Analyze(const Expr& e) {
    if (hooks_ && hooks_->substitute) {
      ASSIGN_OR_RETURN(CompiledExprPtr sub, hooks_->substitute(e));
      if (sub) return sub;
    }
    Result<CompiledExprPtr> r = AnalyzeNode(e);
    if (!r.ok()) return r.status().WithPos(e.pos);
    return r;
  }

 private:
  Result<std::vector<CompiledExprPtr>> AnalyzeAll(const std::vector<ExprPtr>& es, size_t from = 0,
                                                  size_t to = SIZE_MAX) {
    std::vector<CompiledExprPtr> out;
    for (size_t i = from; i < es.size() && i < to; ++i) {
      ASSIGN_OR_RETURN(CompiledExprPtr c, Analyze(*es[i]));
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<CompiledExprPtr> AnalyzeNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral: {
        if (e.lit_kind == LiteralKind::kNull) return MakeNullLiteral(nullptr);
        ASSIGN_OR_RETURN(auto lit, LiteralValue(e));
        return MakeLiteral(std::move(lit.first), std::move(lit.second));
      }
      case ExprKind::kColumnRef: {
        if (e.qualifier.empty()) {
          // A lambda parameter hides a column of the same name (innermost lambda first).
          for (auto it = lambda_params_.rbegin(); it != lambda_params_.rend(); ++it)
            if (it->name == e.name) return MakeLambdaVar(it->slot, it->type);
        }
        ASSIGN_OR_RETURN(const ScopeColumn* c, FindColumn(e, scope_));
        return MakeColumn(scope_.section, c->index, c->type);
      }
      case ExprKind::kBinary: {
        ASSIGN_OR_RETURN(CompiledExprPtr l, Analyze(*e.children[0]));
        ASSIGN_OR_RETURN(CompiledExprPtr r, Analyze(*e.children[1]));
        bool arithmetic = e.bin_op == BinaryOp::kAdd || e.bin_op == BinaryOp::kSub || e.bin_op == BinaryOp::kMul ||
                          e.bin_op == BinaryOp::kDiv || e.bin_op == BinaryOp::kMod;
        if (arithmetic && !lambda_params_.empty() && l->type()->kind != TypeKind::kString &&
            r->type()->kind != TypeKind::kString) {
          l = MakeLambdaOperand(std::move(l));
          r = MakeLambdaOperand(std::move(r));
        }
        switch (e.bin_op) {
          // The expression's text names it in ksqlDB's error: "Error processing expression: (true + 1.5). ..."
          case BinaryOp::kAdd: return MakeArithmetic(ArithOp::kAdd, std::move(l), std::move(r), FormatExpr(e));
          case BinaryOp::kSub: return MakeArithmetic(ArithOp::kSub, std::move(l), std::move(r), FormatExpr(e));
          case BinaryOp::kMul: return MakeArithmetic(ArithOp::kMul, std::move(l), std::move(r), FormatExpr(e));
          case BinaryOp::kDiv: return MakeArithmetic(ArithOp::kDiv, std::move(l), std::move(r), FormatExpr(e));
          case BinaryOp::kMod: return MakeArithmetic(ArithOp::kMod, std::move(l), std::move(r), FormatExpr(e));
          case BinaryOp::kEq: return Compare(CompareOp::kEq, e, std::move(l), std::move(r));
          case BinaryOp::kNe: return Compare(CompareOp::kNe, e, std::move(l), std::move(r));
          case BinaryOp::kLt: return Compare(CompareOp::kLt, e, std::move(l), std::move(r));
          case BinaryOp::kLe: return Compare(CompareOp::kLe, e, std::move(l), std::move(r));
          case BinaryOp::kGt: return Compare(CompareOp::kGt, e, std::move(l), std::move(r));
          case BinaryOp::kGe: return Compare(CompareOp::kGe, e, std::move(l), std::move(r));
          case BinaryOp::kAnd: return MakeLogical(LogicOp::kAnd, std::move(l), std::move(r));
          case BinaryOp::kOr: return MakeLogical(LogicOp::kOr, std::move(l), std::move(r));
          case BinaryOp::kConcat: return MakeArithmetic(ArithOp::kAdd, std::move(l), std::move(r));
        }
        break;
      }
      case ExprKind::kUnary: {
        ASSIGN_OR_RETURN(CompiledExprPtr x, Analyze(*e.children[0]));
        if (e.un_op == UnaryOp::kNot) return MakeNot(std::move(x));
        if (e.un_op == UnaryOp::kMinus) return MakeNegate(std::move(x));
        return x;
      }
      case ExprKind::kFunctionCall: {
        const ScalarFunction* fn = registry_.FindScalar(e.name);
        if (!fn) {
          if (registry_.FindAggregate(e.name))
            return Status::Invalid(fmt::format("Aggregate function {} is not allowed here.", e.name));
          return Status::NotFound(fmt::format("Can't find any functions with the name '{}'", e.name));
        }
        if (fn->higher_order) return HigherOrderCall(e);
        for (const auto& c : e.children)
          if (c->kind == ExprKind::kLambda)
            return Status::Invalid(fmt::format("Function '{}' does not take lambda arguments.", e.name), c->pos);
        ASSIGN_OR_RETURN(auto args, AnalyzeAll(e.children));
        return MakeCall(*fn, std::move(args));
      }
      case ExprKind::kCast: {
        ASSIGN_OR_RETURN(CompiledExprPtr x, Analyze(*e.children[0]));
        return MakeCast(std::move(x), e.cast_type);
      }
      case ExprKind::kSearchedCase: {
        size_t pairs = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
        std::vector<CompiledExprPtr> conds, results;
        for (size_t i = 0; i < pairs; ++i) {
          ASSIGN_OR_RETURN(CompiledExprPtr c, Analyze(*e.children[2 * i]));
          ASSIGN_OR_RETURN(CompiledExprPtr r, Analyze(*e.children[2 * i + 1]));
          conds.push_back(std::move(c));
          results.push_back(std::move(r));
        }
        CompiledExprPtr else_result;
        if (e.has_else) {
          ASSIGN_OR_RETURN(else_result, Analyze(*e.children.back()));
        }
        return MakeCase(std::move(conds), std::move(results), std::move(else_result));
      }
      case ExprKind::kSimpleCase: {
        size_t pairs = (e.children.size() - 1 - (e.has_else ? 1 : 0)) / 2;
        std::vector<CompiledExprPtr> conds, results;
        for (size_t i = 0; i < pairs; ++i) {
          ASSIGN_OR_RETURN(CompiledExprPtr operand, Analyze(*e.children[0]));
          ASSIGN_OR_RETURN(CompiledExprPtr w, Analyze(*e.children[1 + 2 * i]));
          ASSIGN_OR_RETURN(CompiledExprPtr c, MakeComparison(CompareOp::kEq, std::move(operand), std::move(w)));
          ASSIGN_OR_RETURN(CompiledExprPtr r, Analyze(*e.children[2 + 2 * i]));
          conds.push_back(std::move(c));
          results.push_back(std::move(r));
        }
        CompiledExprPtr else_result;
        if (e.has_else) {
          ASSIGN_OR_RETURN(else_result, Analyze(*e.children.back()));
        }
        return MakeCase(std::move(conds), std::move(results), std::move(else_result));
      }
      case ExprKind::kIsNull: {
        ASSIGN_OR_RETURN(CompiledExprPtr x, Analyze(*e.children[0]));
        return MakeIsNull(std::move(x), e.negated);
      }
      case ExprKind::kDistinctFrom: {
        ASSIGN_OR_RETURN(CompiledExprPtr l, Analyze(*e.children[0]));
        ASSIGN_OR_RETURN(CompiledExprPtr r, Analyze(*e.children[1]));
        return MakeDistinctFrom(std::move(l), std::move(r), e.negated);
      }
      case ExprKind::kBetween: {
        ASSIGN_OR_RETURN(auto xs, AnalyzeAll(e.children));
        return MakeBetween(std::move(xs[0]), std::move(xs[1]), std::move(xs[2]), e.negated);
      }
      case ExprKind::kInList: {
        ASSIGN_OR_RETURN(CompiledExprPtr x, Analyze(*e.children[0]));
        ASSIGN_OR_RETURN(auto list, AnalyzeAll(e.children, 1));
        return MakeInList(std::move(x), std::move(list), e.negated);
      }
      case ExprKind::kLike: {
        ASSIGN_OR_RETURN(auto xs, AnalyzeAll(e.children));
        CompiledExprPtr esc = xs.size() > 2 ? std::move(xs[2]) : nullptr;
        return MakeLike(std::move(xs[0]), std::move(xs[1]), std::move(esc), e.negated);
      }
      case ExprKind::kSubscript: {
        ASSIGN_OR_RETURN(auto xs, AnalyzeAll(e.children));
        return MakeSubscript(std::move(xs[0]), std::move(xs[1]));
      }
      case ExprKind::kDereference: {
        ASSIGN_OR_RETURN(CompiledExprPtr base, Analyze(*e.children[0]));
        return MakeDereference(std::move(base), e.name);
      }
      case ExprKind::kArray: {
        ASSIGN_OR_RETURN(auto xs, AnalyzeAll(e.children));
        return MakeArrayCtor(std::move(xs));
      }
      case ExprKind::kMap: {
        // ksqlDB's MAP constructor checks, before any typing.
        if (e.children.empty()) {
          return Status::Invalid("Map constructor cannot be empty. Please supply at least one key value pair (see "
                                 "https://github.com/confluentinc/ksql/issues/4239).", e.pos);
        }
        auto all_null = [&](size_t first) {
          for (size_t i = first; i < e.children.size(); i += 2)
            if (!(e.children[i]->kind == ExprKind::kLiteral && e.children[i]->lit_kind == LiteralKind::kNull))
              return false;
          return true;
        };
        if (all_null(1)) return Status::Invalid("Cannot construct a map with all NULL values", e.pos);
        if (all_null(0)) return Status::Invalid("Cannot construct a map with all NULL keys", e.pos);
        std::vector<CompiledExprPtr> keys, values;
        for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
          ASSIGN_OR_RETURN(CompiledExprPtr k, Analyze(*e.children[i]));
          ASSIGN_OR_RETURN(CompiledExprPtr v, Analyze(*e.children[i + 1]));
          keys.push_back(std::move(k));
          values.push_back(std::move(v));
        }
        return MakeMapCtor(std::move(keys), std::move(values));
      }
      case ExprKind::kStruct: {
        for (size_t i = 1; i < e.field_names.size(); ++i)
          for (size_t k = 0; k < i; ++k)
            if (e.field_names[i] == e.field_names[k])
              return Status::Invalid("Duplicate field names found in STRUCT", e.pos);
        ASSIGN_OR_RETURN(auto xs, AnalyzeAll(e.children));
        return MakeStructCtor(e.field_names, std::move(xs));
      }
      case ExprKind::kLambda:
        return Status::Invalid("A lambda may only be an argument of TRANSFORM, REDUCE or FILTER.");
      case ExprKind::kIntervalUnit: {
        // A time unit argument (TIMESTAMPADD(SECONDS, ...)) reaches the function as its plural name.
        std::string unit = e.name;
        if (unit.back() != 'S') unit += 'S';
        return MakeLiteral(Value::String(std::move(unit)), Type::String());
      }
    }
    return Status::Internal("unknown expression kind");
  }

  Result<CompiledExprPtr> Compare(CompareOp op, const Expr& e, CompiledExprPtr l, CompiledExprPtr r) {
    auto is_null = [](const Expr& x) { return x.kind == ExprKind::kLiteral && x.lit_kind == LiteralKind::kNull; };
    static const char* kSymbols[] = {"=", "<>", "<", "<=", ">", ">="};
    if (is_null(*e.children[0]) && is_null(*e.children[1])) {
      return Status::Invalid(fmt::format("Comparison with NULL not supported: NULL {} NULL",
                                         kSymbols[static_cast<int>(op)]));
    }
    std::string lt = l->type()->ToString(), rt = r->type()->ToString();
    Result<CompiledExprPtr> c = MakeComparison(op, std::move(l), std::move(r));
    if (c.ok()) return c;
    static const char* kNames[] = {"EQUAL", "NOT_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN",
                                   "GREATER_THAN_OR_EQUAL"};
    return Status::Invalid(fmt::format("Cannot compare {} ({}) to {} ({}) with {}.", JoinedText(*e.children[0]), lt,
                                       JoinedText(*e.children[1]), rt, kNames[static_cast<int>(op)]));
  }

  // An expression as ksqlDB names it in messages. Over a join, ksqlDB has renamed every column
  // to ALIAS_NAME by then, so I1.BAR reads I1_BAR.
  // The HAVING scope after an aggregate over a join lists the sources but no columns: there any
  // QUALIFIER.NAME of a joined source reads QUALIFIER_NAME.
  std::string JoinedText(const Expr& e) const {
    std::string text = FormatExpr(e);
    if (scope_.sources.size() < 2) return text;
    auto is_word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
    auto rename = [&](const std::string& dotted, size_t qualifier_size, bool name_follows) {
      for (size_t at = text.find(dotted); at != std::string::npos; at = text.find(dotted, at + 1)) {
        const size_t end = at + dotted.size();
        const bool whole = (at == 0 || !is_word(text[at - 1])) &&
                           (name_follows ? end < text.size() && is_word(text[end])
                                         : end == text.size() || !is_word(text[end]));
        if (whole) text[at + qualifier_size] = '_';
      }
    };
    if (scope_.columns.empty()) {
      for (const auto& source : scope_.sources)
        if (!source.first.empty()) rename(source.first + ".", source.first.size(), true);
      return text;
    }
    for (const ScopeColumn& c : scope_.columns) {
      if (c.qualifier.empty() || c.pseudo) continue;
      rename(c.qualifier + "." + c.name, c.qualifier.size(), false);
    }
    return text;
  }

  // TRANSFORM / REDUCE / FILTER: the ordinary arguments first, then each lambda with its
  // parameters typed from them. REDUCE's state takes the lambda's result type when the initial
  // state widens to it (REDUCE(a, 0, (s, x) => s + x) over DOUBLEs folds DOUBLEs).
  Result<CompiledExprPtr> HigherOrderCall(const Expr& e) {
    std::vector<CompiledExprPtr> args;
    std::vector<const Expr*> lambda_exprs;
    for (const auto& c : e.children) {
      if (c->kind == ExprKind::kLambda) {
        lambda_exprs.push_back(c.get());
        continue;
      }
      if (!lambda_exprs.empty())
        return Status::Invalid(fmt::format("The lambda arguments of {} come last.", e.name), c->pos);
      ASSIGN_OR_RETURN(CompiledExprPtr a, Analyze(*c));
      args.push_back(std::move(a));
    }
    std::vector<TypePtr> types;
    for (const auto& a : args) types.push_back(a->untyped_null() ? nullptr : a->type());
    bool outermost = lambda_params_.empty() && next_slot_ == 0;
    std::vector<LambdaArg> lambdas;
    for (const Expr* l : lambda_exprs) {
      TypePtr state;
      LambdaArg compiled;
      for (int attempt = 0; attempt < 2; ++attempt) {
        Result<std::vector<TypePtr>> params = LambdaParamTypes(e.name, types, l->field_names.size(), state);
        if (!params.ok()) return params.status().WithPos(l->pos);
        compiled.slots.clear();
        size_t mark = lambda_params_.size();
        for (size_t i = 0; i < l->field_names.size(); ++i) {
          compiled.slots.push_back(next_slot_);
          lambda_params_.push_back({l->field_names[i], next_slot_++, params.value()[i]});
        }
        Result<CompiledExprPtr> body = Analyze(*l->children[0]);
        lambda_params_.resize(mark);
        if (!body.ok()) return body.status();
        compiled.body = std::move(body).value();
        const TypePtr& bt = compiled.body->type();
        const TypePtr& st = params.value()[0];
        if (e.name != "REDUCE" || state || bt->Equals(*st) || !CanWiden(*st, *bt)) break;
        state = bt;  // retry with the wider state type
      }
      lambdas.push_back(std::move(compiled));
    }
    int frame = outermost ? next_slot_ : 0;
    if (outermost) next_slot_ = 0;
    return MakeHigherOrderCall(e.name, std::move(args), std::move(lambdas), frame);
  }

  struct LambdaParam {
    std::string name;
    int slot;
    TypePtr type;
  };

  const Scope& scope_;
  const FunctionRegistry& registry_;
  const AnalyzeHooks* hooks_;
  std::vector<LambdaParam> lambda_params_;
  int next_slot_ = 0;
};

}  // namespace

// ksqlDB checks every qualifier of a statement before it resolves any column: an unknown one is
// reported even where an unqualified column before it is ambiguous.
Status CheckQualifiers(const Expr& e, const Scope& scope) {
  if (e.kind == ExprKind::kColumnRef && !e.qualifier.empty() && !IsKnownQualifier(scope, e.qualifier))
    return FindColumn(e, scope).status();
  for (const auto& c : e.children)
    if (c) RETURN_IF_ERROR(CheckQualifiers(*c, scope));
  return Status::Ok();
}

Result<CompiledExprPtr> AnalyzeExpr(const Expr& e, const Scope& scope, const FunctionRegistry& registry,
                                    const AnalyzeHooks* hooks) {
  Analyzer a(scope, registry, hooks);
  return a.Analyze(e);
}

const ScopeColumn* ResolveColumnRef(const Expr& e, const Scope& scope) {
  if (e.kind != ExprKind::kColumnRef) return nullptr;
  Result<const ScopeColumn*> c = FindColumn(e, scope);
  return c.ok() ? c.value() : nullptr;
}

bool SameExpr(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.lit_kind != b.lit_kind || a.text != b.text || a.qualifier != b.qualifier ||
      a.name != b.name || a.bin_op != b.bin_op || a.un_op != b.un_op || a.negated != b.negated ||
      a.has_else != b.has_else || a.star != b.star || a.field_names != b.field_names ||
      a.children.size() != b.children.size())
    return false;
  if (a.kind == ExprKind::kCast && !TypesEqual(a.cast_type, b.cast_type)) return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!SameExpr(*a.children[i], *b.children[i])) return false;
  return true;
}

void VisitExpr(const Expr& e, const std::function<bool(const Expr&)>& fn) {
  if (!fn(e)) return;
  for (const auto& c : e.children) VisitExpr(*c, fn);
}

Result<std::pair<Value, TypePtr>> LiteralValue(const Expr& e) {
  switch (e.lit_kind) {
    case LiteralKind::kNull: return std::make_pair(Value(), Type::String());
    case LiteralKind::kBoolean:
      return std::make_pair(Value::Boolean(e.text == "TRUE" || e.text == "true"), Type::Boolean());
    case LiteralKind::kString: return std::make_pair(Value::String(e.text), Type::String());
    case LiteralKind::kInteger: {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(e.text.c_str(), &end, 10);
      if (errno == ERANGE || *end != '\0')
        return Status::Invalid(fmt::format("Invalid numeric literal: {}", e.text), e.pos);
      if (v >= INT32_MIN && v <= INT32_MAX) return std::make_pair(Value::Int(static_cast<int32_t>(v)), Type::Int());
      return std::make_pair(Value::Bigint(v), Type::Bigint());
    }
    case LiteralKind::kDouble: {
      char* end = nullptr;
      double d = std::strtod(e.text.c_str(), &end);
      return std::make_pair(Value::Double(d), Type::Double());
    }
    case LiteralKind::kDecimal: {
      // 7.2 is DECIMAL(2, 1): precision counts every digit, scale those after the point.
      std::string digits;
      int scale = 0;
      bool after = false;
      for (char c : e.text) {
        if (c == '.') after = true;
        else if (c >= '0' && c <= '9') {
          digits.push_back(c);
          if (after) scale++;
        }
      }
      size_t lead = digits.find_first_not_of('0');
      int precision = lead == std::string::npos ? 1 : static_cast<int>(digits.size() - lead);
      precision = std::max(precision, scale);
      if (precision == 0) precision = 1;
      ASSIGN_OR_RETURN(Decimal d, ParseDecimal(e.text, scale, RoundingMode::kUnnecessary));
      return std::make_pair(Value::Dec(d), Type::Decimal(precision, scale));
    }
  }
  return Status::Internal("unknown literal");
}

}  // namespace eddy::dsl
