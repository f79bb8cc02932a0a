#include "engine/common/type.h"

#include <fmt/format.h>

namespace eddy {

std::string Type::ToString() const {
  switch (kind) {
    case TypeKind::kBoolean: return "BOOLEAN";
    case TypeKind::kInt: return "INTEGER";
    case TypeKind::kBigint: return "BIGINT";
    case TypeKind::kDouble: return "DOUBLE";
    case TypeKind::kDecimal: return fmt::format("DECIMAL({}, {})", precision, scale);
    case TypeKind::kString: return "STRING";
    case TypeKind::kBytes: return "BYTES";
    case TypeKind::kTimestamp: return "TIMESTAMP";
    case TypeKind::kDate: return "DATE";
    case TypeKind::kTime: return "TIME";
    case TypeKind::kArray: return fmt::format("ARRAY<{}>", element->ToString());
    case TypeKind::kMap: return fmt::format("MAP<{}, {}>", key->ToString(), element->ToString());
    case TypeKind::kStruct: {
      std::string out = "STRUCT<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ", ";
        out += fmt::format("`{}` {}", fields[i].name, fields[i].type->ToString());
      }
      return out + ">";
    }
  }
  return "?";
}

bool Type::Equals(const Type& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case TypeKind::kDecimal: return precision == o.precision && scale == o.scale;
    case TypeKind::kArray: return TypesEqual(element, o.element);
    case TypeKind::kMap: return TypesEqual(key, o.key) && TypesEqual(element, o.element);
    case TypeKind::kStruct:
      if (fields.size() != o.fields.size()) return false;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name != o.fields[i].name || !TypesEqual(fields[i].type, o.fields[i].type))
          return false;
      }
      return true;
    default: return true;
  }
}

int Type::FieldIndex(const std::string& name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {
TypePtr Make(TypeKind k) {
  auto t = std::make_shared<Type>();
  t->kind = k;
  return t;
}
}  // namespace

TypePtr Type::Boolean() { static const TypePtr t = Make(TypeKind::kBoolean); return t; }
TypePtr Type::Int() { static const TypePtr t = Make(TypeKind::kInt); return t; }
TypePtr Type::Bigint() { static const TypePtr t = Make(TypeKind::kBigint); return t; }
TypePtr Type::Double() { static const TypePtr t = Make(TypeKind::kDouble); return t; }
TypePtr Type::String() { static const TypePtr t = Make(TypeKind::kString); return t; }
TypePtr Type::Bytes() { static const TypePtr t = Make(TypeKind::kBytes); return t; }
TypePtr Type::Timestamp() { static const TypePtr t = Make(TypeKind::kTimestamp); return t; }
TypePtr Type::Date() { static const TypePtr t = Make(TypeKind::kDate); return t; }
TypePtr Type::Time() { static const TypePtr t = Make(TypeKind::kTime); return t; }

TypePtr Type::Decimal(int precision, int scale) {
  auto t = std::make_shared<Type>();
  t->kind = TypeKind::kDecimal;
  t->precision = precision;
  t->scale = scale;
  return t;
}
TypePtr Type::Array(TypePtr element) {
  auto t = std::make_shared<Type>();
  t->kind = TypeKind::kArray;
  t->element = std::move(element);
  return t;
}
TypePtr Type::Map(TypePtr key, TypePtr value) {
  auto t = std::make_shared<Type>();
  t->kind = TypeKind::kMap;
  t->key = std::move(key);
  t->element = std::move(value);
  return t;
}
TypePtr Type::Struct(std::vector<StructField> fields) {
  auto t = std::make_shared<Type>();
  t->kind = TypeKind::kStruct;
  t->fields = std::move(fields);
  return t;
}

}  // namespace eddy
