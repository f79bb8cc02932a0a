// ksqlDB's lambda functions (function/udf/lambda): TRANSFORM, REDUCE and FILTER over arrays and
// maps. A NULL collection gives NULL (REDUCE: the initial state; a NULL initial state gives
// NULL). The lambda sees NULL elements as they are. As in ksqlDB, building a map fails on a
// duplicate or NULL key, or a NULL value (Java's Collectors.toMap), and FILTER fails when the
// predicate is NULL; a failure makes the whole call NULL with a processing-log entry.
#include <fmt/format.h>

#include <algorithm>

#include "engine/function/builtin_util.h"
#include "engine/function/expr_builder.h"
#include "engine/function/lambda.h"
#include "engine/function/text_codec.h"

namespace eddy {
namespace {

class LambdaVarExpr final : public CompiledExpr {
 public:
  LambdaVarExpr(int slot, TypePtr type) : CompiledExpr(std::move(type)), slot_(slot) {}
  Value Eval(EvalContext& ctx) const override { return ctx.lambda_vars ? ctx.lambda_vars[slot_] : Value(); }

 private:
  int slot_;
};

class LambdaOperandExpr final : public CompiledExpr {
 public:
  explicit LambdaOperandExpr(CompiledExprPtr x) : CompiledExpr(x->type()), x_(std::move(x)) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx);
    if (v.is_null()) ctx.Fail("a NULL operand of arithmetic inside a lambda (java.lang.NullPointerException)");
    return v;
  }

 private:
  CompiledExprPtr x_;
};

// Java's String.hashCode, over UTF-16 code units.
int32_t JavaStringHash(const std::string& s) {
  uint32_t h = 0;
  if (text::IsAscii(s)) {
    for (unsigned char c : s) h = 31 * h + c;
  } else {
    for (char16_t c : text::ToUtf16(s)) h = 31 * h + c;
  }
  return static_cast<int32_t>(h);
}

// The order a java.util.HashMap created with the entry count as its initial capacity (as
// ksqlDB's deserializers create maps) iterates STRING keys in: by bucket of the spread hash,
// then insertion order. REDUCE over a map folds in that order, which the result can depend on.
std::vector<size_t> JavaHashMapOrder(const std::vector<std::pair<Value, Value>>& m) {
  std::vector<size_t> order(m.size());
  for (size_t i = 0; i < m.size(); ++i) order[i] = i;
  for (const auto& e : m)
    if (!e.first.is_string()) return order;
  uint32_t cap = 1;
  while (cap < m.size()) cap <<= 1;
  while (m.size() > cap * 3 / 4) cap <<= 1;
  std::vector<uint32_t> bucket(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    auto h = static_cast<uint32_t>(JavaStringHash(m[i].first.as_string()));
    bucket[i] = (h ^ (h >> 16)) & (cap - 1);
  }
  std::stable_sort(order.begin(), order.end(), [&bucket](size_t a, size_t b) { return bucket[a] < bucket[b]; });
  return order;
}

enum class Hof : uint8_t { kTransformArray, kTransformMap, kReduceArray, kReduceMap, kFilterArray, kFilterMap };

std::string ValueText(const Value& v) { return v.is_string() ? v.as_string() : v.DebugString(); }

class HigherOrderExpr final : public CompiledExpr {
 public:
  HigherOrderExpr(TypePtr type, Hof kind, std::vector<CompiledExprPtr> args, std::vector<LambdaArg> lambdas,
                  int frame_size)
      : CompiledExpr(std::move(type)),
        kind_(kind),
        args_(std::move(args)),
        lambdas_(std::move(lambdas)),
        frame_size_(frame_size) {}

  Value Eval(EvalContext& ctx) const override {
    // A failure inside the lambdas fails the whole call, as an exception in ksqlDB's does.
    std::string before = std::move(ctx.error);
    ctx.error.clear();
    Value out = EvalFrame(ctx);
    if (!ctx.error.empty()) {
      if (!before.empty()) ctx.error = std::move(before);  // the first error wins
      return Value();
    }
    ctx.error = std::move(before);
    return out;
  }

 private:
  Value EvalFrame(EvalContext& ctx) const {
    if (frame_size_ == 0) return Apply(ctx);  // inside a lambda: the enclosing frame has our slots
    // An outermost call provides the slots for every lambda nested inside it.
    Value small[8];
    std::vector<Value> big;
    Value* frame = small;
    if (frame_size_ > 8) {
      big.resize(static_cast<size_t>(frame_size_));
      frame = big.data();
    }
    Value* saved = ctx.lambda_vars;
    ctx.lambda_vars = frame;
    Value out = Apply(ctx);
    ctx.lambda_vars = saved;
    return out;
  }

  Value Call(const LambdaArg& l, EvalContext& ctx, const Value& a) const {
    ctx.lambda_vars[l.slots[0]] = a;
    return l.body->Eval(ctx);
  }
  Value Call(const LambdaArg& l, EvalContext& ctx, const Value& a, const Value& b) const {
    ctx.lambda_vars[l.slots[0]] = a;
    ctx.lambda_vars[l.slots[1]] = b;
    return l.body->Eval(ctx);
  }
  Value Call(const LambdaArg& l, EvalContext& ctx, const Value& a, const Value& b, const Value& c) const {
    ctx.lambda_vars[l.slots[0]] = a;
    ctx.lambda_vars[l.slots[1]] = b;
    ctx.lambda_vars[l.slots[2]] = c;
    return l.body->Eval(ctx);
  }

  Value Fail(EvalContext& ctx, std::string message, const char* fn) const {
    ctx.Fail(fmt::format("{}: {}", fn, message));
    return Value();
  }

  Value Apply(EvalContext& ctx) const {
    Value coll = args_[0]->Eval(ctx);
    switch (kind_) {
      case Hof::kTransformArray: {
        if (coll.is_null()) return Value();
        ValueList out;
        out.reserve(coll.as_array().size());
        for (const Value& e : coll.as_array()) out.push_back(Call(lambdas_[0], ctx, e));
        return Value::Array(std::move(out));
      }
      case Hof::kTransformMap: {
        if (coll.is_null()) return Value();
        std::vector<std::pair<Value, Value>> out;
        out.reserve(coll.as_map().size());
        for (const auto& [k, v] : coll.as_map()) {
          Value nk = Call(lambdas_[0], ctx, k, v);
          Value nv = Call(lambdas_[1], ctx, k, v);
          if (nk.is_null() || nv.is_null()) return Fail(ctx, "a transformed map key or value is NULL", "TRANSFORM");
          for (const auto& [ok, ov] : out)
            if (builtin::JavaEquals(ok, nk))
              return Fail(ctx,
                          fmt::format("Duplicate key {} (attempted merging values {} and {})", ValueText(nk),
                                      ValueText(ov), ValueText(nv)),
                          "TRANSFORM");
          out.emplace_back(std::move(nk), std::move(nv));
        }
        return Value::Map(std::move(out));
      }
      case Hof::kReduceArray:
      case Hof::kReduceMap: {
        Value state = args_[1]->Eval(ctx);
        if (state.is_null() || coll.is_null()) return state;
        if (kind_ == Hof::kReduceArray) {
          for (const Value& e : coll.as_array()) state = Call(lambdas_[0], ctx, state, e);
        } else {
          const auto& m = coll.as_map();
          for (size_t i : JavaHashMapOrder(m)) state = Call(lambdas_[0], ctx, state, m[i].first, m[i].second);
        }
        return state;
      }
      case Hof::kFilterArray: {
        if (coll.is_null()) return Value();
        ValueList out;
        for (const Value& e : coll.as_array()) {
          Value keep = Call(lambdas_[0], ctx, e);
          if (keep.is_null()) return Fail(ctx, "the filter function returned NULL", "FILTER");
          if (keep.as_bool()) out.push_back(e);
        }
        return Value::Array(std::move(out));
      }
      case Hof::kFilterMap: {
        if (coll.is_null()) return Value();
        std::vector<std::pair<Value, Value>> out;
        for (const auto& [k, v] : coll.as_map()) {
          Value keep = Call(lambdas_[0], ctx, k, v);
          if (keep.is_null()) return Fail(ctx, "the filter function returned NULL", "FILTER");
          if (!keep.as_bool()) continue;
          if (v.is_null()) return Fail(ctx, "a filtered map value is NULL", "FILTER");
          out.emplace_back(k, v);
        }
        return Value::Map(std::move(out));
      }
    }
    return Value();
  }

  Hof kind_;
  std::vector<CompiledExprPtr> args_;
  std::vector<LambdaArg> lambdas_;
  int frame_size_;
};

Status Signature(const std::string& fn, const std::vector<TypePtr>& args) {
  std::string types;
  for (size_t i = 0; i < args.size(); ++i) types += (i ? ", " : "") + (args[i] ? args[i]->ToString() : "null");
  return Status::Invalid(fmt::format(
      "Function '{}' does not accept parameters ({}). {}", fn, types,
      fn == "REDUCE" ? "REDUCE takes an ARRAY or MAP, an initial state and a lambda ((s, x) => ... for an array, "
                       "(s, k, v) => ... for a map)."
      : fn == "TRANSFORM"
          ? "TRANSFORM takes an ARRAY and a lambda x => ..., or a MAP and two lambdas (k, v) => ... for the new "
            "key and value."
          : "FILTER takes an ARRAY and a lambda x => ..., or a MAP and a lambda (k, v) => ..., returning BOOLEAN."));
}

}  // namespace

CompiledExprPtr MakeLambdaVar(int slot, TypePtr type) { return std::make_unique<LambdaVarExpr>(slot, std::move(type)); }

CompiledExprPtr MakeLambdaOperand(CompiledExprPtr operand) {
  return std::make_unique<LambdaOperandExpr>(std::move(operand));
}

Result<std::vector<TypePtr>> LambdaParamTypes(const std::string& fn, const std::vector<TypePtr>& args,
                                              size_t n_params, const TypePtr& state) {
  if (args.empty() || !args[0] || (args[0]->kind != TypeKind::kArray && args[0]->kind != TypeKind::kMap))
    return Signature(fn, args);
  const Type& coll = *args[0];
  bool is_map = coll.kind == TypeKind::kMap;
  std::vector<TypePtr> params;
  if (fn == "REDUCE") {
    if (args.size() < 2) return Signature(fn, args);
    params.push_back(state ? state : args[1] ? args[1] : Type::String());
  }
  if (is_map) {
    params.push_back(coll.key);
    params.push_back(coll.element);
  } else {
    params.push_back(coll.element);
  }
  if (params.size() != n_params) {
    return Status::Invalid(fmt::format("The lambda passed to {} over {} must have {} parameter{}, not {}.", fn,
                                       is_map ? "a MAP" : "an ARRAY", params.size(),
                                       params.size() == 1 ? "" : "s", n_params));
  }
  return params;
}

Result<CompiledExprPtr> MakeHigherOrderCall(const std::string& fn, std::vector<CompiledExprPtr> args,
                                            std::vector<LambdaArg> lambdas, int frame_size) {
  std::vector<TypePtr> types;
  for (const auto& a : args) types.push_back(a->untyped_null() ? nullptr : a->type());
  if (args.empty() || !types[0] || (types[0]->kind != TypeKind::kArray && types[0]->kind != TypeKind::kMap))
    return Signature(fn, types);
  bool is_map = types[0]->kind == TypeKind::kMap;
  Hof kind;
  TypePtr ret;
  if (fn == "TRANSFORM") {
    if (args.size() != 1 || lambdas.size() != (is_map ? 2u : 1u)) return Signature(fn, types);
    kind = is_map ? Hof::kTransformMap : Hof::kTransformArray;
    ret = is_map ? Type::Map(lambdas[0].body->type(), lambdas[1].body->type()) : Type::Array(lambdas[0].body->type());
  } else if (fn == "FILTER") {
    if (args.size() != 1 || lambdas.size() != 1) return Signature(fn, types);
    if (lambdas[0].body->type()->kind != TypeKind::kBoolean)
      return Status::Invalid(fmt::format("The lambda passed to FILTER must return BOOLEAN, not {}.",
                                         lambdas[0].body->type()->ToString()));
    kind = is_map ? Hof::kFilterMap : Hof::kFilterArray;
    ret = types[0];
  } else if (fn == "REDUCE") {
    if (args.size() != 2 || lambdas.size() != 1) return Signature(fn, types);
    kind = is_map ? Hof::kReduceMap : Hof::kReduceArray;
    // The state's type is the lambda's result type; the initial state widens to it.
    ret = lambdas[0].body->type();
    if (!args[1]->untyped_null() && !args[1]->type()->Equals(*ret)) {
      if (CanWiden(*ret, *args[1]->type())) {
        ret = args[1]->type();
        ASSIGN_OR_RETURN(lambdas[0].body, Coerce(std::move(lambdas[0].body), ret));
      } else if (!CanWiden(*args[1]->type(), *ret)) {
        return Status::Invalid(fmt::format("The initial state of REDUCE ({}) does not match the lambda's result ({}).",
                                           args[1]->type()->ToString(), ret->ToString()));
      }
    }
    ASSIGN_OR_RETURN(args[1], Coerce(std::move(args[1]), ret));
  } else {
    return Status::Invalid(fmt::format("{} does not take lambda arguments.", fn));
  }
  return CompiledExprPtr(std::make_unique<HigherOrderExpr>(std::move(ret), kind, std::move(args), std::move(lambdas),
                                                           frame_size));
}

void RegisterLambdaFunctions(FunctionRegistry& r) {
  auto no_lambda = [](std::string name) {
    return [name](const std::vector<TypePtr>& args) -> Result<BoundScalar> {
      return Signature(name, args);
    };
  };
  r.AddScalar({"FILTER", "FILTER(a ARRAY<T>, x => BOOLEAN) | FILTER(m MAP<K, V>, (k, v) => BOOLEAN)",
               "The elements (entries) for which the lambda is true; NULL for a NULL collection. A NULL from the "
               "lambda is an error.",
               "FILTER(ARRAY[1, 6, 8], x => x > 5) = [6, 8]", no_lambda("FILTER"), true});
  r.AddScalar({"REDUCE",
               "REDUCE(a ARRAY<T>, initial S, (s, x) => S) | REDUCE(m MAP<K, V>, initial S, (s, k, v) => S)",
               "Folds the collection into one value, starting from the initial state; a NULL collection gives the "
               "initial state, a NULL initial state gives NULL.",
               "REDUCE(ARRAY[3, 6], 2, (s, x) => s + x) = 11", no_lambda("REDUCE"), true});
  r.AddScalar({"TRANSFORM",
               "TRANSFORM(a ARRAY<T>, x => R) | TRANSFORM(m MAP<K, V>, (k, v) => K2, (k, v) => V2)",
               "Applies the lambda to each element; for a map, the first lambda gives the new key and the second "
               "the new value (a duplicate or NULL key, or a NULL value, is an error).",
               "TRANSFORM(ARRAY[1, 2], x => x + 5) = [6, 7]", no_lambda("TRANSFORM"), true});
}

}  // namespace eddy
