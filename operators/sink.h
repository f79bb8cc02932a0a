#pragma once
// SinkOperator: the end of a persistent query. Serializes each record's key and value with the
// sink's formats and writes it to the sink topic; a tombstone becomes a null value.
#include <memory>

#include "engine/io/format.h"
#include "operators/operator.h"

namespace eddy {

struct SinkSpec {
  std::string name;
  std::string topic;
  std::unique_ptr<Format> key_format;
  std::unique_ptr<Format> value_format;
};

class SinkOperator final : public Operator {
 public:
  explicit SinkOperator(SinkSpec spec) : spec_(std::move(spec)) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Sink " + spec_.name + " (topic " + spec_.topic + ")"; }

 private:
  SinkSpec spec_;
};

}  // namespace eddy
