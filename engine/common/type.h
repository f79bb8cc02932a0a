#pragma once
// SQL types as ksqlDB has them. Types are immutable and shared.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace eddy {

enum class TypeKind : uint8_t {
  kBoolean,
  kInt,        // 32-bit
  kBigint,     // 64-bit
  kDouble,
  kDecimal,    // precision, scale
  kString,     // VARCHAR / STRING
  kBytes,
  kTimestamp,  // milliseconds since the epoch, UTC
  kDate,       // days since the epoch
  kTime,       // milliseconds of the day
  kArray,
  kMap,
  kStruct,
};

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct StructField {
  std::string name;
  TypePtr type;
};

struct Type {
  TypeKind kind = TypeKind::kString;
  int precision = 0;                 // kDecimal
  int scale = 0;                     // kDecimal
  TypePtr element;                   // kArray element, kMap value
  TypePtr key;                       // kMap key (always STRING in ksqlDB)
  std::vector<StructField> fields;   // kStruct

  // ksqlDB's SQL spelling: INTEGER, BIGINT, DOUBLE, DECIMAL(4, 2), STRING, ARRAY<INTEGER>,
  // MAP<STRING, INTEGER>, STRUCT<`A` INTEGER, ...>.
  std::string ToString() const;
  bool Equals(const Type& other) const;
  bool IsNumeric() const {
    return kind == TypeKind::kInt || kind == TypeKind::kBigint || kind == TypeKind::kDouble ||
           kind == TypeKind::kDecimal;
  }
  bool IsPrimitive() const {
    return kind != TypeKind::kArray && kind != TypeKind::kMap && kind != TypeKind::kStruct;
  }
  // Index of a struct field by exact name, or -1.
  int FieldIndex(const std::string& name) const;

  static TypePtr Boolean();
  static TypePtr Int();
  static TypePtr Bigint();
  static TypePtr Double();
  static TypePtr String();
  static TypePtr Bytes();
  static TypePtr Timestamp();
  static TypePtr Date();
  static TypePtr Time();
  static TypePtr Decimal(int precision, int scale);
  static TypePtr Array(TypePtr element);
  static TypePtr Map(TypePtr key, TypePtr value);
  static TypePtr Struct(std::vector<StructField> fields);
};

inline bool TypesEqual(const TypePtr& a, const TypePtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->Equals(*b);
}

}  // namespace eddy
