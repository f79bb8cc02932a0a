#pragma once
// The row a join emits: the left side's row followed by the right side's, a missing side
// (an outer join's unmatched record) padded with NULLs to its width.
#include "engine/common/value.h"

namespace eddy {

inline Row JoinRows(const Row* left, const Row* right, size_t left_width, size_t right_width) {
  Row row;
  row.reserve(left_width + right_width);
  if (left) row.insert(row.end(), left->begin(), left->end());
  else row.resize(left_width);
  if (right) row.insert(row.end(), right->begin(), right->end());
  else row.resize(left_width + right_width);
  return row;
}

}  // namespace eddy
