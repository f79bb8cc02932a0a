#include "dsl/sql_formatter.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace eddy::dsl {
namespace {

// ksqlDB's keywords that are not `nonReserved` in its grammar: as names they need quotes.
constexpr std::string_view kReserved[] = {
    "ADVANCE", "ALL", "AND", "AS", "AT", "BEGINNING", "BETWEEN", "BY", "CASE", "CAST", "CATALOG",
    "CONNECTOR", "CONNECTORS", "CREATE", "DAYS", "DECIMAL", "DELETE", "DESCRIBE", "DISTINCT", "DROP",
    "ELSE", "END", "EXISTS", "EXPORT", "EXTENDED", "FALSE", "FROM", "FULL", "GROUP", "HAVING",
    "HOPPING", "HOURS", "IN", "INNER", "INSERT", "INTO", "IS", "JOIN", "LEFT", "LIKE", "LIMIT", "LIST",
    "LOAD", "MATERIALIZED", "MILLISECOND", "MILLISECONDS", "MINUTES", "MONTHS", "NAMESPACE", "NOT",
    "NULL", "ON", "OR", "OUTER", "PRINT", "PROPERTIES", "QUERIES", "QUERY", "RENAME", "RETENTION",
    "RIGHT", "RUN", "SAMPLE", "SCRIPT", "SECONDS", "SELECT", "SIZE", "STREAM", "STREAMS", "TABLE",
    "TERMINATE", "THEN", "TO", "TOPIC", "TOPICS", "TRUE", "TUMBLING", "UNSET", "VALUES", "VIEW",
    "WHEN", "WHERE", "WINDOW", "WITH", "WITHIN", "YEARS",
};

bool IsPseudoColumn(const std::string& name) {
  return name == "ROWTIME" || name == "ROWPARTITION" || name == "ROWOFFSET";
}

bool IsWindowBound(const std::string& name) { return name == "WINDOWSTART" || name == "WINDOWEND"; }

// ksqlDB's generated names: a base name and the numbers taken after it (`KSQL_COL_3`, `NAME_1`;
// a name without a number takes 0). The next free number; 0 is the bare base name except for
// KSQL_COL, which always carries its number.
class AliasGenerator {
 public:
  explicit AliasGenerator(std::string prefix) : prefix_(std::move(prefix)) {}
  void Use(int n) { used_.insert(n); }
  std::string Next() {
    int idx = next_++;
    while (used_.count(idx) != 0) idx = next_++;
    if (idx == 0 && prefix_ != "KSQL_COL") return prefix_;
    return prefix_ + "_" + std::to_string(idx);
  }

 private:
  std::string prefix_;
  std::set<int> used_;
  int next_ = 0;
};

// Splits `NAME_12` into NAME and 12, `NAME` into NAME and 0.
std::pair<std::string, int> SplitNumbered(const std::string& name) {
  size_t us = name.rfind('_');
  if (us != std::string::npos && us + 1 < name.size() && name.size() - us - 1 <= 9 &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(us) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return {name.substr(0, us), std::stoi(name.substr(us + 1))};
  }
  return {name, 0};
}

class Formatter {
 public:
  explicit Formatter(const StatementFormatOptions& o) : sources_(o.sources) {
    expr_options_.name = [](const std::string& n) { return FormatIdentifier(n); };
    expr_options_.type = [](const Type& t) { return FormatSqlType(t); };
    if (sources_ != nullptr) {
      expr_options_.qualify = [this](const Expr& ref) { return SourceOf(ref.name); };
      for (const auto& s : *sources_)
        for (const auto& c : s.columns) {
          auto [base, n] = SplitNumbered(c);
          Generator(base).Use(n);
        }
      Generator("KSQL_COL");
    }
  }

  std::string Format(const Statement& st) {
    using K = Statement::Kind;
    switch (st.kind) {
      case K::kCreateSource: CreateSourceText(*st.create_source); break;
      case K::kCreateAsSelect: {
        const CreateAsSelect& c = *st.create_as_select;
        out_ += "CREATE ";
        if (c.or_replace) out_ += "OR REPLACE ";
        out_ += c.is_table ? "TABLE " : "STREAM ";
        if (c.if_not_exists) out_ += "IF NOT EXISTS ";
        out_ += FormatIdentifier(c.name);
        std::string props = PropertiesText(c.properties);
        if (!props.empty()) out_ += " WITH (" + props + ")";
        out_ += " AS ";
        QueryText(c.query, true);
        break;
      }
      case K::kInsertInto: {
        const InsertInto& i = *st.insert_into;
        out_ += "INSERT INTO " + FormatIdentifier(i.target) + " ";
        std::string props = PropertiesText(i.properties);
        if (!props.empty()) out_ += " WITH (" + props + ") ";
        QueryText(i.query, true);
        break;
      }
      case K::kInsertValues: {
        const InsertValues& v = *st.insert_values;
        out_ += "INSERT INTO " + FormatIdentifier(v.target) + " ";
        ColumnsAndValues(v.columns, v.values);
        break;
      }
      case K::kAssertValues: {
        const AssertValues& v = *st.assert_values;
        out_ += (v.null_values ? "ASSERT NULL VALUES " : "ASSERT VALUES ") + FormatIdentifier(v.target) + " ";
        if (v.null_values) {
          if (!v.columns.empty()) out_ += "(" + Join(v.columns) + ") ";
          out_ += "KEY ";
          ExpressionList(v.values);
        } else {
          ColumnsAndValues(v.columns, v.values);
        }
        break;
      }
      case K::kSelect: QueryText(st.select->query, false); break;
      case K::kDrop: {
        const Drop& d = *st.drop;
        out_ += d.is_table ? "DROP TABLE " : "DROP STREAM ";
        if (d.if_exists) out_ += "IF EXISTS ";
        out_ += FormatIdentifier(d.name);
        if (d.delete_topic) out_ += " DELETE TOPIC";
        break;
      }
      case K::kSet:
        if (st.set->unset) out_ += "UNSET '" + st.set->name + "'";
        else out_ += "SET '" + st.set->name + "'='" + st.set->value + "'";
        break;
      case K::kShow: {
        static constexpr std::string_view kWhat[] = {"STREAMS", "TABLES", "QUERIES", "TOPICS", "FUNCTIONS",
                                                     "PROPERTIES", "TYPES"};
        out_ += "SHOW ";
        if (st.show->all) out_ += "ALL ";
        out_ += kWhat[static_cast<int>(st.show->what)];
        if (st.show->extended) out_ += " EXTENDED";
        break;
      }
      case K::kDescribe: {
        const Describe& d = *st.describe;
        if (d.list) {
          out_ += *d.list == ShowKind::kTables ? "DESCRIBE TABLES" : "DESCRIBE STREAMS";
          if (d.extended) out_ += " EXTENDED";
        } else {
          out_ += d.function ? "DESCRIBE FUNCTION " : "DESCRIBE ";
          out_ += FormatIdentifier(d.name);
        }
        break;
      }
      case K::kExplain:
        out_ += "EXPLAIN \n";
        out_ += st.explain->query_id.empty() ? st.explain->statement_text : st.explain->query_id;
        break;
      case K::kTerminate: out_ += "TERMINATE " + (st.terminate->all ? std::string("ALL") : st.terminate->query_id); break;
      case K::kAlter: {
        const AlterSource& a = *st.alter;
        out_ += std::string("ALTER ") + (a.is_table ? "TABLE " : "STREAM ") + a.name + "\n";
        for (size_t i = 0; i < a.columns.size(); ++i) {
          if (i > 0) out_ += ",\n";
          out_ += "ADD COLUMN " + a.columns[i].name + " " + FormatSqlType(*a.columns[i].type);
        }
        out_ += ";";
        break;
      }
      case K::kCreateType: {
        const CreateType& t = *st.create_type;
        out_ += "CREATE TYPE ";
        if (t.if_not_exists) out_ += "IF NOT EXISTS ";
        out_ += FormatIdentifier(t.name) + " AS " + FormatSqlType(*t.type) + ";";
        break;
      }
      case K::kDropType:
        out_ += "DROP TYPE ";
        if (st.drop_type->if_exists) out_ += "IF EXISTS ";
        out_ += FormatIdentifier(st.drop_type->name);
        break;
      default: out_ += st.text; break;  // PRINT, RUN SCRIPT, ASSERT STREAM: ksqlDB has no form for them
    }
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  AliasGenerator& Generator(const std::string& base) {
    auto it = generators_.find(base);
    if (it == generators_.end()) it = generators_.emplace(base, AliasGenerator(base)).first;
    return it->second;
  }

  // The alias of the one source that has the column, or "" (unknown, ambiguous).
  std::string SourceOf(const std::string& column) const {
    std::string found;
    int count = 0;
    for (const auto& s : *sources_) {
      bool has = IsPseudoColumn(column) || (s.windowed && IsWindowBound(column)) ||
                 std::find(s.columns.begin(), s.columns.end(), column) != s.columns.end();
      if (has) {
        found = s.alias;
        ++count;
      }
    }
    return count == 1 ? found : "";
  }

  bool Clashing(const std::string& column) const {
    if (sources_->size() < 2) return false;
    if (IsPseudoColumn(column)) return true;
    int count = 0;
    for (const auto& s : *sources_)
      if (std::find(s.columns.begin(), s.columns.end(), column) != s.columns.end()) ++count;
    return count > 1;
  }

  // ksqlDB's generated alias for an unnamed select item.
  std::string AliasFor(const Expr& e) {
    if (e.kind == ExprKind::kColumnRef) {
      std::string q = e.qualifier.empty() ? SourceOf(e.name) : e.qualifier;
      if (!q.empty() && Clashing(e.name)) return q + "_" + e.name;
      return e.name;
    }
    if (e.kind == ExprKind::kDereference) return Generator(SplitNumbered(e.name).first).Next();
    return Generator("KSQL_COL").Next();
  }

  std::string Expression(const Expr& e) const { return FormatExpr(e, expr_options_); }

  static std::string Join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + FormatIdentifier(n);
    return s;
  }

  void ExpressionList(const std::vector<ExprPtr>& values) {
    out_ += "(";
    for (size_t i = 0; i < values.size(); ++i) out_ += (i ? ", " : "") + Expression(*values[i]);
    out_ += ")";
  }

  void ColumnsAndValues(const std::vector<std::string>& columns, const std::vector<ExprPtr>& values) {
    if (!columns.empty()) out_ += "(" + Join(columns) + ") ";
    out_ += "VALUES ";
    ExpressionList(values);
  }

  static std::string PropertiesText(const std::vector<Property>& props) {
    std::vector<const Property*> sorted;
    for (const auto& p : props) sorted.push_back(&p);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Property* a, const Property* b) { return a->name < b->name; });
    std::string s;
    for (const Property* p : sorted) {
      s += (s.empty() ? "" : ", ") + p->name + "=";
      if (p->kind == LiteralKind::kString) {
        s += '\'';
        for (char c : p->value) s += c == '\'' ? std::string("''") : std::string(1, c);
        s += '\'';
      } else if (p->kind == LiteralKind::kBoolean) {
        s += p->value == "TRUE" ? "true" : "false";
      } else {
        s += p->value;
      }
    }
    return s;
  }

  void CreateSourceText(const CreateSource& c) {
    out_ += "CREATE ";
    if (c.or_replace) out_ += "OR REPLACE ";
    out_ += c.is_table ? (c.is_source ? "SOURCE TABLE " : "TABLE ") : (c.is_source ? "SOURCE STREAM " : "STREAM ");
    if (c.if_not_exists) out_ += "IF NOT EXISTS ";
    out_ += FormatIdentifier(c.name);
    if (!c.elements.empty()) {
      out_ += " (";
      for (size_t i = 0; i < c.elements.size(); ++i) {
        const TableElement& e = c.elements[i];
        if (i > 0) out_ += ", ";
        out_ += FormatIdentifier(e.name) + " " + FormatSqlType(*e.type);
        if (e.role == ColumnRole::kKey) out_ += e.primary_key ? " PRIMARY KEY" : " KEY";
        if (e.role == ColumnRole::kHeader)
          out_ += e.header_key.empty() ? " HEADERS" : " HEADER('" + e.header_key + "')";
      }
      out_ += ")";
    }
    std::string props = PropertiesText(c.properties);
    if (!props.empty()) out_ += " WITH (" + props + ")";
    out_ += ";";
  }

  static std::string Clause(const Duration& d) { return std::to_string(d.value) + " " + d.unit; }

  std::string RelationText(const Relation& r) const {
    return FormatIdentifier(r.name) + " " + FormatIdentifier(r.alias.empty() ? r.name : r.alias);
  }

  void QueryText(const Query& q, bool persistent) {
    out_ += "SELECT";
    const bool many = q.select.size() > 1;
    for (size_t i = 0; i < q.select.size(); ++i) {
      out_ += many ? (i ? ",\n  " : "\n  ") : " ";
      const SelectItem& item = q.select[i];
      switch (item.kind) {
        case SelectItemKind::kStar: out_ += "*"; break;
        case SelectItemKind::kQualifiedStar: out_ += FormatIdentifier(item.qualifier) + ".*"; break;
        case SelectItemKind::kStructStar: out_ += Expression(*item.expr) + "->*"; break;
        case SelectItemKind::kExpr: {
          out_ += Expression(*item.expr);
          std::string alias = item.alias;
          if (alias.empty() && sources_ != nullptr) alias = AliasFor(*item.expr);
          if (!alias.empty()) out_ += " " + FormatIdentifier(alias);
          break;
        }
      }
    }
    out_ += "\nFROM " + RelationText(q.from);
    for (const JoinClause& j : q.joins) {
      static constexpr std::string_view kType[] = {"INNER", "LEFT OUTER", "RIGHT OUTER", "FULL OUTER"};
      out_ += "\n";
      out_ += kType[static_cast<int>(j.type)];
      out_ += " JOIN " + RelationText(j.right);
      if (j.within_before) {
        out_ += " WITHIN ";
        if (j.within_after && (j.within_after->value != j.within_before->value || j.within_after->unit != j.within_before->unit))
          out_ += "(" + Clause(*j.within_before) + ", " + Clause(*j.within_after) + ")";
        else
          out_ += Clause(*j.within_before);
        if (j.grace) out_ += " GRACE PERIOD " + Clause(*j.grace);
      }
      out_ += " ON (" + Expression(*j.on) + ")";
    }
    out_ += "\n";
    if (q.window) {
      const WindowSpec& w = *q.window;
      out_ += "WINDOW ";
      if (w.type == WindowType::kTumbling) out_ += "TUMBLING ( SIZE " + Clause(w.size);
      else if (w.type == WindowType::kHopping)
        out_ += "HOPPING ( SIZE " + Clause(w.size) + " , ADVANCE BY " + Clause(*w.advance);
      else out_ += "SESSION ( " + Clause(w.size);
      if (w.retention) out_ += " , RETENTION " + Clause(*w.retention);
      if (w.grace) out_ += " , GRACE PERIOD " + Clause(*w.grace);
      out_ += " ) \n";
    }
    if (q.where) out_ += "WHERE " + Expression(*q.where) + "\n";
    auto list = [&](const char* head, const std::vector<ExprPtr>& exprs) {
      if (exprs.empty()) return;
      out_ += head;
      for (size_t i = 0; i < exprs.size(); ++i) out_ += (i ? ", " : "") + Expression(*exprs[i]);
      out_ += "\n";
    };
    list("GROUP BY ", q.group_by);
    list("PARTITION BY ", q.partition_by);
    if (q.having) out_ += "HAVING " + Expression(*q.having) + "\n";
    if (q.emit == EmitKind::kFinal) out_ += "EMIT FINAL\n";
    else if (q.emit == EmitKind::kChanges || persistent) out_ += "EMIT CHANGES\n";
    if (q.limit) out_ += "LIMIT " + std::to_string(*q.limit) + "\n";
  }

  const std::vector<FormatSource>* sources_;
  ExprFormatOptions expr_options_;
  std::map<std::string, AliasGenerator> generators_;
  std::string out_;
};

}  // namespace

std::string FormatIdentifier(const std::string& name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '@';
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@')) plain = false;
  if (plain && std::find(std::begin(kReserved), std::end(kReserved), name) == std::end(kReserved)) return name;
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string FormatSqlType(const Type& t) {
  switch (t.kind) {
    case TypeKind::kArray: return "ARRAY<" + FormatSqlType(*t.element) + ">";
    case TypeKind::kMap: return "MAP<" + FormatSqlType(*t.key) + ", " + FormatSqlType(*t.element) + ">";
    case TypeKind::kStruct: {
      std::string s = "STRUCT<";
      for (size_t i = 0; i < t.fields.size(); ++i)
        s += (i ? ", " : "") + FormatIdentifier(t.fields[i].name) + " " + FormatSqlType(*t.fields[i].type);
      return s + ">";
    }
    default: return t.ToString();
  }
}

std::string FormatStatement(const Statement& statement, const StatementFormatOptions& options) {
  return Formatter(options).Format(statement);
}

}  // namespace eddy::dsl
