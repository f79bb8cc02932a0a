// ksqlDB's map UDFs (function/udf/map, ENTRIES, SPLIT_TO_MAP). Map keys are STRINGs. ksqlDB
// builds its results in Java HashMaps; eddy keeps first-seen key order, which holds the same
// entries (a later value for a repeated key replaces the earlier one in place).
#include <algorithm>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

using builtin::Overload;
using builtin::Param;
using Entries = std::vector<std::pair<Value, Value>>;

// Puts key -> value, replacing the value of an existing equal key.
void Put(Entries& out, Value key, Value value) {
  for (auto& e : out) {
    if (builtin::JavaEquals(e.first, key)) {
      e.second = std::move(value);
      return;
    }
  }
  out.emplace_back(std::move(key), std::move(value));
}

// An overload over MAP<STRING, T> (plus extra parameters); T is the generic bound to the map's
// value type. `ret` gives the result type from T.
Overload MapFn(size_t extra_params, const std::vector<TypePtr>& extra, std::function<TypePtr(const TypePtr&)> ret,
               ScalarImpl impl, bool null_on_null = true, bool two_maps = false) {
  Overload o;
  // The generic binding is done by hand: Param has no MAP<STRING, T> kind.
  o.params.push_back(Param::Generic());
  if (two_maps) o.params.push_back(Param::Generic());
  for (size_t i = 0; i < extra_params; ++i) o.params.push_back(Param::Of(extra[i]));
  o.make = [ret, impl, null_on_null](const std::vector<TypePtr>& args, const TypePtr& t) -> Result<BoundScalar> {
    TypePtr value = t && t->kind == TypeKind::kMap ? t->element : Type::String();
    (void)args;
    return BoundScalar{ret(value), {}, impl, null_on_null};
  };
  return o;
}

// Checks that the generic argument really is a MAP before binding.
std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> MapOnly(std::string name, size_t maps,
                                                                        std::vector<Overload> overloads) {
  return [name, maps, overloads](const std::vector<TypePtr>& args) -> Result<BoundScalar> {
    for (size_t i = 0; i < maps && i < args.size(); ++i)
      if (args[i] && args[i]->kind != TypeKind::kMap) return builtin::NoOverload(name, args);
    return builtin::Resolve(name, overloads, args);
  };
}

Value MapKeys(const Value* v, size_t, EvalContext&) {
  ValueList out;
  out.reserve(v[0].as_map().size());
  for (const auto& e : v[0].as_map()) out.push_back(e.first);
  return Value::Array(std::move(out));
}

Value MapValues(const Value* v, size_t, EvalContext&) {
  ValueList out;
  out.reserve(v[0].as_map().size());
  for (const auto& e : v[0].as_map()) out.push_back(e.second);
  return Value::Array(std::move(out));
}

Value MapUnion(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null() && v[1].is_null()) return Value();
  Entries out;
  for (int i = 0; i < 2; ++i)
    if (!v[i].is_null())
      for (const auto& [k, x] : v[i].as_map()) Put(out, k, x);
  return Value::Map(std::move(out));
}

Value AsMap(const Value* v, size_t, EvalContext& ctx) {
  const ValueList& keys = v[0].as_array();
  const ValueList& values = v[1].as_array();
  Entries out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].is_null()) {
      ctx.Fail("a map key is NULL");
      return Value();
    }
    Put(out, keys[i], i < values.size() ? values[i] : Value());
  }
  return Value::Map(std::move(out));
}

Value EntriesOf(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null()) return Value();
  std::vector<const std::pair<Value, Value>*> entries;
  for (const auto& e : v[0].as_map()) entries.push_back(&e);
  if (!v[1].is_null() && v[1].as_bool()) {
    std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
      return builtin::JavaCompare(a->first, b->first) < 0;
    });
  }
  ValueList out;
  out.reserve(entries.size());
  for (const auto* e : entries) out.push_back(Value::Struct({e->first, e->second}));
  return Value::Array(std::move(out));
}

// Guava's Splitter.on(delim).split(s): every piece, empty ones included.
std::vector<std::string_view> SplitOn(std::string_view s, std::string_view delim) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(delim, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + delim.size();
  }
}

Value SplitToMap(const Value* v, size_t, EvalContext&) {
  const std::string& entry_delim = v[1].as_string();
  const std::string& kv_delim = v[2].as_string();
  if (entry_delim.empty() || kv_delim.empty() || entry_delim == kv_delim) return Value();
  Entries out;
  for (std::string_view entry : SplitOn(v[0].as_string(), entry_delim)) {
    if (entry.empty() || entry.find(kv_delim) == std::string_view::npos) continue;
    std::vector<std::string_view> kv = SplitOn(entry, kv_delim);
    Put(out, Value::String(std::string(kv[0])), Value::String(std::string(kv[1])));
  }
  return Value::Map(std::move(out));
}

}  // namespace

void RegisterMapFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String();
  r.AddScalar({"MAP_KEYS", "MAP_KEYS(m MAP<STRING, T>)", "The keys of the map as an ARRAY; NULL for a NULL map.",
               "MAP_KEYS(MAP('a' := 1)) = ['a']",
               MapOnly("map_keys", 1, {MapFn(0, {}, [](const TypePtr&) { return Type::Array(Type::String()); }, MapKeys)})});
  r.AddScalar({"MAP_VALUES", "MAP_VALUES(m MAP<STRING, T>)", "The values of the map as an ARRAY; NULL for a NULL map.",
               "MAP_VALUES(MAP('a' := 1)) = [1]",
               MapOnly("map_values", 1, {MapFn(0, {}, [](const TypePtr& t) { return Type::Array(t); }, MapValues)})});
  r.AddScalar({"MAP_UNION", "MAP_UNION(m1 MAP<STRING, T>, m2 MAP<STRING, T>)",
               "The entries of both maps; for a key in both, the value from m2. NULL only when both are NULL.",
               "MAP_UNION(MAP('a' := 1), MAP('b' := 2)) = {a=1, b=2}",
               MapOnly("map_union", 2,
                       {MapFn(0, {}, [](const TypePtr& t) { return Type::Map(Type::String(), t); }, MapUnion, false,
                              true)})});
  {
    Overload o;
    o.params = {Param::Of(Type::Array(s)), Param::ArrayOfGeneric()};
    o.make = [](const std::vector<TypePtr>&, const TypePtr& t) -> Result<BoundScalar> {
      return BoundScalar{Type::Map(Type::String(), t ? t : Type::String()), {}, AsMap, true};
    };
    r.AddScalar({"AS_MAP", "AS_MAP(keys ARRAY<STRING>, values ARRAY<T>)",
                 "A map pairing each key with the value at the same position (NULL past the end of values); a later "
                 "duplicate key wins, a NULL key is an error.",
                 "AS_MAP(ARRAY['a', 'b'], ARRAY[1, 2]) = {a=1, b=2}", builtin::Overloaded("as_map", {o})});
  }
  r.AddScalar({"ENTRIES", "ENTRIES(m MAP<STRING, T>, sorted BOOLEAN)",
               "The entries of the map as an ARRAY of STRUCT<K STRING, V T>, sorted by key when sorted is true; NULL "
               "for a NULL map.",
               "ENTRIES(MAP('b' := 2, 'a' := 1), true) = [{K=a, V=1}, {K=b, V=2}]",
               MapOnly("ENTRIES", 1,
                       {MapFn(1, {Type::Boolean()},
                              [](const TypePtr& t) {
                                return Type::Array(Type::Struct({{"K", Type::String()}, {"V", t}}));
                              },
                              EntriesOf, false)})});
  r.AddScalar({"SPLIT_TO_MAP", "SPLIT_TO_MAP(s STRING, entry_delimiter STRING, kv_delimiter STRING)",
               "Splits s into entries on entry_delimiter (empty entries dropped) and each entry into key and value "
               "on kv_delimiter; entries without kv_delimiter are left out, a repeated key keeps its last value. "
               "NULL when a delimiter is empty or both are equal.",
               "SPLIT_TO_MAP('a:1/b:2', '/', ':') = {a=1, b=2}",
               builtin::Overloaded("split_to_map",
                                   {builtin::Sig({s, s, s}, Type::Map(Type::String(), Type::String()), SplitToMap)})});
}

}  // namespace eddy
