#pragma once
// KafkaLog: the Log over a Kafka cluster, through librdkafka's C API.
//
// - Topics are created with the admin API, with the partitions a statement declares (and
//   cleanup.policy=compact for tables and state changelogs); an existing topic keeps its own.
// - One idempotent producer writes every record to the partition the engine chose (Java's
//   murmur2 of the key bytes). Appends are batched by librdkafka (linger.ms); nothing is
//   flushed per record. With exactly_once_v2 the producer is transactional: appends open a
//   transaction, and CommitOutputs() adds the consumer groups' offsets to it and commits it.
//   With at_least_once CommitOutputs() waits for every append to be acknowledged, then commits
//   the groups' offsets.
// - Each reader (NewReader) is a consumer of its own group (read_committed, no auto commit)
//   that is assigned the partitions it reads, fetching ahead in the background.
//
// Settings given in `client` go to librdkafka as they are (bootstrap.servers, security.protocol,
// sasl.*, ssl.*, ...). Their values are never printed: errors name the key only.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "engine/io/log.h"

struct rd_kafka_s;
struct rd_kafka_queue_s;
struct rd_kafka_error_s;

namespace eddy {

struct KafkaSettings {
  std::map<std::string, std::string> client;  // librdkafka settings, bootstrap.servers among them
  std::string transactional_id;               // set: exactly once (a transactional producer)
  int timeout_ms = 60000;                     // admin calls, flushes and transaction commits
};

class KafkaLog final : public Log {
 public:
  // Connects (admin and producer); with a transactional id, fences a previous instance with the
  // same id and aborts its open transaction.
  static Result<std::unique_ptr<KafkaLog>> Open(KafkaSettings settings);
  ~KafkaLog() override;

  Status CreateTopic(const std::string& topic, int partitions) override;
  Status CreateCompactedTopic(const std::string& topic, int partitions) override;
  Status CreateRetainedTopic(const std::string& topic) override;
  void Hurry(int ms) override;
  void PurgeBefore(const std::vector<std::pair<std::pair<std::string, int>, int64_t>>& before) override;
  bool HasTopic(const std::string& topic) const override;
  int Partitions(const std::string& topic) const override;
  // Queues the record for the producer; record.offset is not known yet (-1).
  Status Append(const std::string& topic, RawRecord& record) override;
  // Reads through a private consumer (for inspection: PRINT, SHOW TOPICS); the engine's queries
  // use readers.
  Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
              std::vector<RawRecord>& out) const override;
  // One past the last record this producer wrote to the partition once all are acknowledged,
  // else the broker's high watermark.
  int64_t EndOffset(const std::string& topic, int partition) const override;
  std::vector<std::string> Topics() const override;
  int64_t WrittenEnd(const std::string& topic, int partition, int64_t* in_flight_low = nullptr) const override;
  int64_t UnfetchedLow(const std::string& topic, int partition, int64_t fetched) override;
  std::unique_ptr<LogReader> NewReader(const std::string& group) override;
  Status CommitOutputs(const std::vector<GroupOffsets>& offsets) override;
  bool transactional() const override { return !settings_.transactional_id.empty(); }
  bool TakeAborted() override;

  // Called from librdkafka's delivery reports.
  void Delivered(std::string_view topic, int partition, int64_t offset, int error, const char* reason);

 private:
  explicit KafkaLog(KafkaSettings settings) : settings_(std::move(settings)) {}
  Status Create(const std::string& topic, int partitions, bool compacted, bool retained = false);
  Status Flush();
  Status FirstDeliveryError();
  Result<bool> Transact(const std::function<rd_kafka_error_s*()>& call, const std::string& what);
  Status Abort();
  // Creates the producer (and, with exactly once, initializes its transactions).
  Status Connect();
  // After a fatal producer error: a new producer, and the outputs since the last commit given up.
  Status Replace();
  // The records of a transaction aborted or a producer replaced: no longer waited for.
  void ForgetPending();

  KafkaSettings settings_;
  rd_kafka_s* producer_ = nullptr;
  bool in_transaction_ = false;
  bool doomed_ = false;    // the open transaction failed: appends are dropped until it is aborted
  bool aborted_ = false;   // outputs since the last commit were given up (TakeAborted)
  bool delivery_error_transient_ = false;
  mutable std::map<std::string, int> partitions_;  // topics known to exist
  std::mutex mu_;                                  // guards what delivery reports write
  // Per topic and partition: one past the last acknowledged offset, and the records appended
  // but not acknowledged yet (looked up by topic without making a string). `lows` keeps the
  // smallest timestamp of the records in flight (a sliding-window minimum: entries with rising
  // timestamps, a later record's entry replacing earlier ones with later timestamps; delivery
  // reports of one partition come in append order). Once UnfetchedLow is asked about the
  // partition, acknowledged entries stay until the reader has fetched past their offset.
  struct Low {
    uint64_t seq;
    int64_t timestamp;
    int64_t offset;  // -1 until acknowledged
  };
  struct PartitionWrites {
    int64_t end = -1;
    int64_t in_flight = 0;
    uint64_t appended = 0, acknowledged = 0;
    bool tracked = false;
    int64_t tracked_from = -1;  // `end` when tracking began
    std::deque<Low> lows;
  };
  PartitionWrites& WritesOf(std::string_view topic, int partition);
  std::map<std::string, std::vector<PartitionWrites>, std::less<>> writes_;
  std::string delivery_error_;
  size_t appended_ = 0;
  mutable std::unique_ptr<LogReader> inspector_;
  rd_kafka_queue_s* purge_queue_ = nullptr;  // DeleteRecords answers
};

}  // namespace eddy
