#include "dsl/ast.h"

#include <string_view>

namespace eddy::dsl {
namespace {

// A name as ksqlDB prints it: plain when it would read back the same unquoted, else in backticks.
std::string FormatName(const std::string& name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@')) plain = false;
  }
  if (plain) return name;
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string Name(const std::string& name, const ExprFormatOptions& o) {
  return o.name ? o.name(name) : FormatName(name);
}

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNe: return "<>";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kOr: return "OR";
    case BinaryOp::kConcat: return "||";
  }
  return "?";
}

void Append(std::string& out, const Expr& e, const ExprFormatOptions& o);

void AppendList(std::string& out, const std::vector<ExprPtr>& items, const ExprFormatOptions& o, size_t from = 0) {
  for (size_t i = from; i < items.size(); ++i) {
    if (i > from) out += ", ";
    Append(out, *items[i], o);
  }
}

void AppendLiteral(std::string& out, const Expr& e) {
  switch (e.lit_kind) {
    case LiteralKind::kNull: out += "null"; return;
    case LiteralKind::kBoolean: out += e.text == "TRUE" ? "true" : "false"; return;
    case LiteralKind::kString:
      out += '\'';
      for (char c : e.text) {
        out += c;
        if (c == '\'') out += '\'';
      }
      out += '\'';
      return;
    default: out += e.text; return;
  }
}

// Follows ksqlDB's ExpressionFormatter: operators in parentheses, literals as SQL, names bare.
void Append(std::string& out, const Expr& e, const ExprFormatOptions& o) {
  const auto& ch = e.children;
  switch (e.kind) {
    case ExprKind::kLiteral: AppendLiteral(out, e); return;
    case ExprKind::kColumnRef: {
      std::string qualifier = e.qualifier;
      if (qualifier.empty() && o.qualify) qualifier = o.qualify(e);
      if (!qualifier.empty()) out += Name(qualifier, o) + ".";
      out += Name(e.name, o);
      return;
    }
    case ExprKind::kBinary:
      out += '(';
      Append(out, *ch[0], o);
      out += ' ';
      out += BinaryOpText(e.bin_op);
      out += ' ';
      Append(out, *ch[1], o);
      out += ')';
      return;
    case ExprKind::kUnary: {
      if (e.un_op == UnaryOp::kNot) {
        out += "(NOT ";
        Append(out, *ch[0], o);
        out += ')';
        return;
      }
      std::string operand;
      Append(operand, *ch[0], o);
      out += e.un_op == UnaryOp::kMinus ? '-' : '+';
      // `- -1`, not `--1`, which would read back as a comment.
      if (!operand.empty() && (operand[0] == '-' || operand[0] == '+')) out += ' ';
      out += operand;
      return;
    }
    case ExprKind::kFunctionCall:
      out += Name(e.name, o) + "(";
      if (e.star) out += '*';
      AppendList(out, ch, o);
      out += ')';
      return;
    case ExprKind::kCast:
      out += "CAST(";
      Append(out, *ch[0], o);
      out += " AS ";
      out += !e.cast_type ? "?" : o.type ? o.type(*e.cast_type) : e.cast_type->ToString();
      out += ')';
      return;
    case ExprKind::kSearchedCase:
    case ExprKind::kSimpleCase: {
      out += "(CASE";
      size_t i = 0;
      if (e.kind == ExprKind::kSimpleCase) {
        out += ' ';
        Append(out, *ch[0], o);
        i = 1;
      }
      const size_t pairs_end = ch.size() - (e.has_else ? 1 : 0);
      for (; i + 1 < pairs_end; i += 2) {
        out += " WHEN ";
        Append(out, *ch[i], o);
        out += " THEN ";
        Append(out, *ch[i + 1], o);
      }
      if (e.has_else) {
        out += " ELSE ";
        Append(out, *ch.back(), o);
      }
      out += " END)";
      return;
    }
    case ExprKind::kIsNull:
      out += '(';
      Append(out, *ch[0], o);
      out += e.negated ? " IS NOT NULL)" : " IS NULL)";
      return;
    case ExprKind::kBetween:
      out += '(';
      Append(out, *ch[0], o);
      out += e.negated ? " NOT BETWEEN " : " BETWEEN ";
      Append(out, *ch[1], o);
      out += " AND ";
      Append(out, *ch[2], o);
      out += ')';
      return;
    case ExprKind::kInList:
      out += '(';
      Append(out, *ch[0], o);
      out += e.negated ? " NOT IN (" : " IN (";
      AppendList(out, ch, o, 1);
      out += "))";
      return;
    case ExprKind::kLike:
      out += '(';
      Append(out, *ch[0], o);
      out += e.negated ? " NOT LIKE " : " LIKE ";
      Append(out, *ch[1], o);
      if (ch.size() > 2) {
        out += " ESCAPE ";
        Append(out, *ch[2], o);
      }
      out += ')';
      return;
    case ExprKind::kDistinctFrom:
      out += '(';
      Append(out, *ch[0], o);
      out += e.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ";
      Append(out, *ch[1], o);
      out += ')';
      return;
    case ExprKind::kSubscript:
      Append(out, *ch[0], o);
      out += '[';
      Append(out, *ch[1], o);
      out += ']';
      return;
    case ExprKind::kDereference:
      Append(out, *ch[0], o);
      out += "->" + Name(e.name, o);
      return;
    case ExprKind::kArray:
      out += "ARRAY[";
      AppendList(out, ch, o);
      out += ']';
      return;
    case ExprKind::kMap:
      out += "MAP(";
      for (size_t i = 0; i + 1 < ch.size(); i += 2) {
        if (i > 0) out += ", ";
        Append(out, *ch[i], o);
        out += ":=";
        Append(out, *ch[i + 1], o);
      }
      out += ')';
      return;
    case ExprKind::kStruct:
      out += "STRUCT(";
      for (size_t i = 0; i < ch.size(); ++i) {
        if (i > 0) out += ", ";
        out += Name(i < e.field_names.size() ? e.field_names[i] : "?", o) + ":=";
        Append(out, *ch[i], o);
      }
      out += ')';
      return;
    case ExprKind::kLambda:
      out += '(';
      for (size_t i = 0; i < e.field_names.size(); ++i) {
        if (i > 0) out += ", ";
        out += Name(e.field_names[i], o);
      }
      out += ") => ";
      Append(out, *ch[0], o);
      return;
    case ExprKind::kIntervalUnit: out += e.name; return;
  }
}

}  // namespace

std::string FormatExpr(const Expr& e) { return FormatExpr(e, ExprFormatOptions{}); }

std::string FormatExpr(const Expr& e, const ExprFormatOptions& options) {
  std::string out;
  Append(out, e, options);
  return out;
}

}  // namespace eddy::dsl
