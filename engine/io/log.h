#pragma once
// Log: topics and partitions of serialized records. The engine reads its inputs from a Log and
// writes its outputs to it, and cannot tell which implementation it runs on: MemoryLog (the
// test driver), the embedded durable log, or Kafka.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/record.h"
#include "engine/common/status.h"

namespace eddy {

// One consumer's view of a Log: reads partitions from positions it chooses. Over Kafka each
// reader is a consumer of its own group (a persistent query's), fetching ahead in the
// background; over the embedded and memory logs it reads the log directly.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // Reads up to `max` records of one partition from `offset` on, appending them to `out`;
  // returns at once with what is there.
  virtual Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
                      std::vector<RawRecord>& out) = 0;
  // True when nothing is known to follow `offset` in the partition right now (the reader has
  // reached its end); false while records may still be on their way.
  virtual bool AtEnd(const std::string& topic, int partition, int64_t offset) = 0;
  // The partition's end as the reader last learnt it (cheap: no round trip when it can be
  // helped), or -1 when it does not know.
  virtual int64_t EndOffset(const std::string& /*topic*/, int /*partition*/) { return -1; }
  // The offset the reader's group committed for the partition, or -1 when none is known.
  virtual int64_t Committed(const std::string& /*topic*/, int /*partition*/) { return -1; }

  // Group membership (Kafka): instead of reading partitions it picks, the reader subscribes to
  // topics and the group's coordinator splits their partitions among the group's members (the
  // range assignor: equal partition numbers of co-partitioned topics go to one member).
  // Assignments and revocations arrive while the reader polls and wait in TakeRebalance() until
  // the owner has handed its work over and calls Assign() or Unassign().
  virtual bool can_subscribe() const { return false; }
  virtual Status Subscribe(const std::vector<std::string>& /*topics*/) {
    return Status::Unsupported("this log has no consumer groups");
  }
  struct Rebalance {
    bool assign = false;  // false: the partitions are revoked
    std::vector<std::pair<std::string, int>> partitions;
  };
  // Serves the group's protocol (heartbeats, rebalances) without handing out records.
  virtual Status PollGroup() { return Status::Ok(); }
  // The next rebalance event waiting, if any (false when none).
  virtual bool TakeRebalance(Rebalance& /*out*/) { return false; }
  // Completes an assignment: reading starts at the given offsets.
  virtual Status Assign(const std::vector<std::pair<std::pair<std::string, int>, int64_t>>& /*offsets*/) {
    return Status::Ok();
  }
  // Completes a revocation.
  virtual Status Unassign(const std::vector<std::pair<std::string, int>>& /*partitions*/) { return Status::Ok(); }
  // True once the reader has had its first assignment from the group (at once without groups).
  virtual bool has_assignment() const { return true; }
};

// A consumer group's next offsets, to commit with the outputs.
struct GroupOffsets {
  std::string group;
  LogReader* reader = nullptr;
  std::vector<std::pair<std::pair<std::string, int>, int64_t>> offsets;  // (topic, partition) -> next
};

class Log {
 public:
  virtual ~Log() = default;
  // Creates the topic if it does not exist; an existing topic keeps its partitions.
  virtual Status CreateTopic(const std::string& topic, int partitions) = 0;
  virtual bool HasTopic(const std::string& topic) const = 0;
  virtual int Partitions(const std::string& topic) const = 0;
  // Appends to record.partition (set by the caller); sets record.offset. Creates a missing
  // topic with one partition.
  virtual Status Append(const std::string& topic, RawRecord& record) = 0;
  // Reads up to `max` records of one partition from `offset` on, appending them to `out`.
  virtual Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
                      std::vector<RawRecord>& out) const = 0;
  // The offset the next appended record of the partition gets.
  virtual int64_t EndOffset(const std::string& topic, int partition) const = 0;
  virtual std::vector<std::string> Topics() const = 0;
  // One past the last record this process appended to the partition and saw acknowledged, for a
  // reader to know it has fetched them all (-1 when none). `in_flight_low`, if given, gets the
  // smallest timestamp of the records appended but not acknowledged yet (Kafka), INT64_MAX if none.
  virtual int64_t WrittenEnd(const std::string& topic, int partition, int64_t* in_flight_low = nullptr) const {
    if (in_flight_low) *in_flight_low = INT64_MAX;
    return EndOffset(topic, partition);
  }
  // The smallest timestamp of the records this process wrote to the partition that a reader at
  // `fetched` has not fetched yet (INT64_MAX if none). One reader per partition (a repartition
  // topic's task): what it has fetched is forgotten.
  virtual int64_t UnfetchedLow(const std::string& topic, int partition, int64_t fetched) {
    return fetched < EndOffset(topic, partition) ? INT64_MIN : INT64_MAX;
  }
  // Deletes a topic and its records (DROP ... DELETE TOPIC); a missing topic is no error.
  virtual Status DeleteTopic(const std::string& topic) {
    return Status::Unsupported("this log cannot delete the topic " + topic);
  }

  // Creates a compacted topic (a table's or a state changelog) if it does not exist.
  virtual Status CreateCompactedTopic(const std::string& topic, int partitions) { return CreateTopic(topic, partitions); }
  // Deletes the records before the given offsets of those partitions, without waiting (Kafka's
  // DeleteRecords, for consumed repartition records); others keep them.
  virtual void PurgeBefore(const std::vector<std::pair<std::pair<std::string, int>, int64_t>>& /*before*/) {}
  // Sends what is waiting to be sent and waits up to `ms` for it (Kafka); others do nothing.
  virtual void Hurry(int /*ms*/) {}
  // Creates a one-partition topic whose records are kept forever (the command topic).
  virtual Status CreateRetainedTopic(const std::string& topic) { return CreateTopic(topic, 1); }
  // A reader for the consumer group `group` (over Kafka, a consumer of its own).
  virtual std::unique_ptr<LogReader> NewReader(const std::string& group);
  // Makes every record appended so far durable together with the groups' offsets. The embedded
  // and memory logs do nothing here (their records commit with the StateDb); Kafka flushes its
  // producer, or commits its transaction. Called before the StateDb commits.
  virtual Status CommitOutputs(const std::vector<GroupOffsets>& /*offsets*/) { return Status::Ok(); }
  // True when outputs and offsets commit in one transaction (exactly once).
  virtual bool transactional() const { return false; }
  // True (once) when the last CommitOutputs gave up what was appended since the commit before
  // (Kafka: a transaction aborted, or records not acknowledged in time): the engine goes back to
  // its last commit and processes the inputs from there again.
  virtual bool TakeAborted() { return false; }
};

}  // namespace eddy
