// Table functions: EXPLODE and CUBE_EXPLODE. Each turns one input row into zero or more rows
// (operators/flat_map.h runs them; the planner puts them where a SELECT item calls one).
#include <fmt/format.h>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

// ksqlDB's message for a call that fits no overload, listing the overloads it declares.
Status NoTableOverload(const std::string& name, const std::vector<TypePtr>& t, const std::string& alternatives) {
  return Status::Invalid(fmt::format("Function '{}' does not accept parameters ({}).\nValid alternatives are:\n{}", name,
                                     builtin::TypeList(t), alternatives));
}

}  // namespace

void RegisterTableFunctions(FunctionRegistry& r) {
  TableFunction explode;
  explode.name = "EXPLODE";
  explode.signatures = "EXPLODE(list ARRAY<T>)";
  explode.description =
      "One row per element of the array, NULL elements included; a NULL or empty array gives no row. Several "
      "table functions in one SELECT give as many rows as the longest result, the shorter ones padded with NULL.";
  explode.example = "EXPLODE(ITEMS)";
  explode.bind = [](const std::vector<TypePtr>& t) -> Result<BoundTable> {
    if (t.size() != 1 || !t[0] || t[0]->kind != TypeKind::kArray)
      return NoTableOverload("explode", t, "explode(ARRAY<DECIMAL> input)\nexplode(ARRAY<T> list)");
    BoundTable b;
    b.return_type = t[0]->element;
    b.impl = [](const Value* a, size_t, ValueList* out) {
      if (a[0].is_null()) return;
      const ValueList& items = a[0].as_array();
      out->insert(out->end(), items.begin(), items.end());
    };
    return b;
  };
  r.AddTable(std::move(explode));

  TableFunction cube;
  cube.name = "CUBE_EXPLODE";
  cube.signatures = "CUBE_EXPLODE(list ARRAY<T>)";
  cube.description =
      "Every combination of the array's elements with each element either kept or replaced by NULL, as one ARRAY "
      "row each: [NULL, NULL], [NULL, b], [a, NULL], [a, b] for [a, b]. Combinations that differ only where an "
      "element is already NULL appear once.";
  cube.example = "CUBE_EXPLODE(ARRAY[REGION, PRODUCT])";
  cube.bind = [](const std::vector<TypePtr>& t) -> Result<BoundTable> {
    if (t.size() != 1 || !t[0] || t[0]->kind != TypeKind::kArray)
      return NoTableOverload("cube_explode", t, "cube_explode(ARRAY<T> columns)");
    BoundTable b;
    b.return_type = t[0];
    b.impl = [](const Value* a, size_t, ValueList* out) {
      if (a[0].is_null()) return;
      const ValueList& cols = a[0].as_array();
      const size_t n = cols.size();
      if (n >= 31) return;  // 2^n rows: ksqlDB's own limit is far below this
      // Combination `mask` keeps column i when bit (n - 1 - i) is set; a combination that keeps a
      // NULL column is the same row as the one that drops it, so it is skipped.
      uint32_t null_bits = 0;
      for (size_t i = 0; i < n; ++i)
        if (cols[i].is_null()) null_bits |= 1u << (n - 1 - i);
      for (uint32_t mask = 0; mask < (1u << n); ++mask) {
        if (mask & null_bits) continue;
        ValueList row(n);
        for (size_t i = 0; i < n; ++i)
          if (mask & (1u << (n - 1 - i))) row[i] = cols[i];
        out->push_back(Value::Array(std::move(row)));
      }
    };
    return b;
  };
  r.AddTable(std::move(cube));
}

}  // namespace eddy
