#pragma once
// WidenOperator: the first step after a source. It moves the key columns and the pseudo-columns
// into the value row — [key..., value..., ROWTIME, ROWPARTITION, ROWOFFSET] — so every
// expression downstream reads the value row only, and later re-keying (joins, GROUP BY,
// PARTITION BY) never moves a column an expression points at. ksqlDB copies keys into values
// before a repartition for the same reason.
#include "operators/operator.h"

namespace eddy {

inline constexpr int kWidePseudoColumns = 3;  // ROWTIME, ROWPARTITION, ROWOFFSET

// A windowed source's rows also carry its window's bounds: [..., WINDOWSTART, WINDOWEND].
inline constexpr int kWindowBoundColumns = 2;

class WidenOperator final : public Operator {
 public:
  explicit WidenOperator(bool windowed = false) : windowed_(windowed) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Widen (key and pseudo-columns into the row)"; }
  // The wide row of a record (key, value, pseudo-columns); the value must be present.
  static Row WideRow(Record& record, bool windowed = false);

 private:
  bool windowed_;
};

}  // namespace eddy
