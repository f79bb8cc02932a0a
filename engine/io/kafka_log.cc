#include "engine/io/kafka_log.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <climits>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <random>
#include <thread>

namespace eddy {
namespace {

// Whether the cluster is reachable, as eddy's clients last saw it (process-wide): one clear line
// when every broker is gone, one when the cluster answers again. librdkafka reconnects by itself;
// eddy waits (its calls block or are retried) rather than stop.
class Reachability {
 public:
  void Lost(const char* reason) {
    if (down_.exchange(true)) return;
    since_ms_.store(NowMs());
    std::fprintf(stderr, "eddy: Kafka: the cluster is unreachable (%s); waiting for it to come back\n",
                 reason ? reason : "all brokers are down");
  }
  void Back() {
    if (!down_.load(std::memory_order_relaxed) || !down_.exchange(false)) return;
    std::fprintf(stderr, "eddy: Kafka: the cluster answers again after %.1f s\n", (NowMs() - since_ms_.load()) / 1000.0);
  }

 private:
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  std::atomic<bool> down_{false};
  std::atomic<int64_t> since_ms_{0};
};
Reachability g_reach;

// Errors librdkafka recovers from by itself once the cluster is back (connections, coordinators,
// leaders moving, timeouts): eddy waits and retries instead of stopping.
bool Transient(rd_kafka_resp_err_t e) {
  switch (e) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return true;
    default:
      return false;
  }
}

// librdkafka's own log lines, as its default logger prints them, except connection failures: while
// the cluster is away every client would print one per broker per second; Reachability says it once.
void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  if (std::strcmp(facility, "FAIL") == 0) return;
  // (Consumers' errors, such as every broker being down, arrive here: only producers have an
  // error callback, which eddy serves.)
  if (std::strcmp(facility, "ERROR") == 0 && std::strstr(buf, "brokers are down")) return g_reach.Lost(buf);
  std::fprintf(stderr, "%%%d|%s|%s| %s\n", level, facility, rd_kafka_name(rk), buf);
}

// The last authentication error of a producer being opened (KafkaLog::Open waits for it or for
// the cluster's metadata, whichever comes first). librdkafka's texts name the mechanism and the
// broker, never the credentials.
std::mutex g_auth_mu;
std::string g_auth_error;

// The producer's errors: the cluster going away is waited out (one line); others are printed.
void OnClientError(rd_kafka_t*, int err, const char* reason, void*) {
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    std::lock_guard<std::mutex> lock(g_auth_mu);
    g_auth_error = reason ? reason : "authentication failed";
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    g_reach.Lost(reason);
  } else if (err != RD_KAFKA_RESP_ERR__TRANSPORT) {
    std::fprintf(stderr, "eddy: Kafka: %s\n", reason ? reason : rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
  }
}

// Applies the user's settings, then `fixed` (what eddy relies on). Errors name the key, never
// the value: it may be a password.
Result<rd_kafka_conf_t*> MakeConf(const std::map<std::string, std::string>& client,
                                  const std::vector<std::pair<std::string, std::string>>& fixed) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : client) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::Invalid(fmt::format("Kafka setting '{}' is not accepted by librdkafka", k));
    }
  }
  for (const auto& [k, v] : fixed) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::Internal(fmt::format("Kafka setting '{}': {}", k, err));
    }
  }
  rd_kafka_conf_set_log_cb(conf, OnLog);
  return conf;
}

Status FromError(rd_kafka_error_t* e, const std::string& what) {
  if (!e) return Status::Ok();
  Status st = Status::IoError(fmt::format("Kafka: {}: {}", what, rd_kafka_error_string(e)));
  rd_kafka_error_destroy(e);
  return st;
}

// A consumed record's headers, or null when it has none (the common case costs nothing).
HeadersPtr TakeHeaders(const rd_kafka_message_t* m) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs) return nullptr;
  size_t count = rd_kafka_header_cnt(hdrs);
  if (count == 0) return nullptr;
  auto out = std::make_shared<Headers>();
  out->reserve(count);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    Header& h = out->emplace_back();
    h.key = name ? name : "";
    if (value) h.value.emplace(static_cast<const char*>(value), size);
  }
  return out;
}

// The headers to produce a record with, or null for none (librdkafka then owns them once the
// record is accepted).
rd_kafka_headers_t* MakeHeaders(const HeadersPtr& headers) {
  if (!headers || headers->empty()) return nullptr;
  rd_kafka_headers_t* out = rd_kafka_headers_new(headers->size());
  for (const Header& h : *headers) {
    rd_kafka_header_add(out, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                        h.value ? static_cast<ssize_t>(h.value->size()) : 0);
  }
  return out;
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* log = static_cast<KafkaLog*>(opaque);
  log->Delivered(rd_kafka_topic_name(m->rkt), m->partition, m->offset, m->err,
                 m->err ? rd_kafka_err2str(m->err) : nullptr);
}

// A consumer of one group, assigned the partitions it is asked to read.
class KafkaReader final : public LogReader {
 public:
  static Result<std::unique_ptr<KafkaReader>> Open(const std::map<std::string, std::string>& client,
                                                   const std::string& group) {
    // A query that re-keys waits for its own records to come back through a repartition
    // topic: a fetch that the broker holds for Kafka's 500 ms would be that wait. 10 ms unless
    // set (--set kafka.fetch.wait.max.ms=...).
    std::map<std::string, std::string> settings = client;
    settings.try_emplace("fetch.wait.max.ms", "10");
    ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                     MakeConf(settings, {{"group.id", group},
                                       {"enable.auto.commit", "false"},
                                       {"enable.auto.offset.store", "false"},
                                       {"enable.partition.eof", "true"},
                                       {"isolation.level", "read_committed"},
                                       {"auto.offset.reset", "earliest"},
                                       {"partition.assignment.strategy", "range"}}));
    std::unique_ptr<KafkaReader> r(new KafkaReader());
    rd_kafka_conf_set_opaque(conf, r.get());
    rd_kafka_conf_set_rebalance_cb(conf, OnRebalance);
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      return Status::IoError(fmt::format("Kafka: cannot create a consumer: {}", err));
    }
    r->rk_ = rk;
    r->queue_ = rd_kafka_queue_get_consumer(rk);
    return r;
  }
  ~KafkaReader() override {
    closing_ = true;  // leaving the group: revocations are answered at once
    if (queue_) rd_kafka_queue_destroy(queue_);
    if (rk_) {
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
  }

  Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
              std::vector<RawRecord>& out) override {
    Part& p = Position(topic, partition, offset);
    RETURN_IF_ERROR(Poll(0));
    while (max > 0 && !p.buffer.empty()) {
      out.push_back(std::move(p.buffer.front()));
      p.buffer.pop_front();
      p.next = out.back().offset + 1;
      --max;
    }
    return Status::Ok();
  }

  bool AtEnd(const std::string& topic, int partition, int64_t offset) override {
    Part& p = Position(topic, partition, offset);
    (void)Poll(0);
    return p.buffer.empty() && p.eof;
  }

  int64_t Committed(const std::string& topic, int partition) override {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
    int64_t out = -1;
    if (rd_kafka_committed(rk_, list, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].err == 0 &&
        list->elems[0].offset >= 0)
      out = list->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  // librdkafka's high watermark (the last stable offset, read_committed) from the last fetch
  // of the partition; when none has been fetched yet, asked of the broker (waiting at most 200 ms).
  int64_t EndOffset(const std::string& topic, int partition) override {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(rk_, topic.c_str(), partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0)
      return high;
    if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &low, &high, 200) == RD_KAFKA_RESP_ERR_NO_ERROR)
      return high;
    return -1;
  }

  rd_kafka_t* handle() { return rk_; }

  bool can_subscribe() const override { return true; }
  Status Subscribe(const std::vector<std::string>& topics) override {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) return Status::IoError(fmt::format("Kafka: cannot subscribe: {}", rd_kafka_err2str(e)));
    subscribed_ = true;
    return Status::Ok();
  }
  Status PollGroup() override { return Poll(0); }
  bool TakeRebalance(Rebalance& out) override {
    if (pending_.empty()) return false;
    out = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }
  Status Assign(const std::vector<std::pair<std::pair<std::string, int>, int64_t>>& offsets) override {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& [tp, offset] : offsets) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
      Part& p = parts_[tp];
      p.buffer.clear();
      p.eof = false;
      p.next = offset;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) return Status::IoError(fmt::format("Kafka: cannot take the assigned partitions: {}", rd_kafka_err2str(e)));
    assigned_once_ = true;
    return Status::Ok();
  }
  Status Unassign(const std::vector<std::pair<std::string, int>>& partitions) override {
    for (const auto& tp : partitions) parts_.erase(tp);
    rd_kafka_resp_err_t e = rd_kafka_assign(rk_, nullptr);
    if (e) return Status::IoError(fmt::format("Kafka: cannot give the partitions back: {}", rd_kafka_err2str(e)));
    return Status::Ok();
  }
  bool has_assignment() const override { return !subscribed_ || assigned_once_; }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* r = static_cast<KafkaReader*>(opaque);
    if (r->closing_) {
      rd_kafka_assign(rk, nullptr);
      return;
    }
    Rebalance ev;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) ev.assign = true;
    else if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      std::fprintf(stderr, "eddy: Kafka: rebalance failed: %s\n", rd_kafka_err2str(err));
      rd_kafka_assign(rk, nullptr);
    }
    for (int i = 0; parts && i < parts->cnt; ++i) ev.partitions.emplace_back(parts->elems[i].topic, parts->elems[i].partition);
    r->pending_.push_back(std::move(ev));
  }

  // Waits up to `ms` for records; fills the partitions' buffers.
  Status Poll(int ms) {
    rd_kafka_message_t* msgs[1024];
    ssize_t n = rd_kafka_consume_batch_queue(queue_, ms, msgs, 1024);
    if (n < 0) return Status::IoError(fmt::format("Kafka: {}", rd_kafka_err2str(rd_kafka_last_error())));
    bool got = false;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[i];
      if (m->rkt) {
        auto it = parts_.find({rd_kafka_topic_name(m->rkt), m->partition});
        if (it != parts_.end()) {
          Part& p = it->second;
          if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->offset >= p.next) p.eof = true;
          } else if (m->err) {
            Report(m);
          } else if (p.buffer.empty() ? m->offset >= p.next : m->offset > p.buffer.back().offset) {
            RawRecord r;
            if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
            if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
            r.timestamp = rd_kafka_message_timestamp(m, nullptr);
            r.headers = TakeHeaders(m);
            r.partition = m->partition;
            r.offset = m->offset;
            p.buffer.push_back(std::move(r));
            p.eof = false;
            got = true;
          }
        }
      } else if (m->err) {
        Report(m);
      }
      rd_kafka_message_destroy(m);
    }
    if (got) g_reach.Back();
    return Status::Ok();
  }

 private:
  struct Part {
    int64_t next = -1;  // the offset the next record handed out has at least
    std::deque<RawRecord> buffer;
    bool eof = false;
  };
  KafkaReader() = default;

  // The partition's state, assigned or moved to `offset` when that is not where it stands.
  Part& Position(const std::string& topic, int partition, int64_t offset) {
    auto [it, added] = parts_.try_emplace({topic, partition});
    Part& p = it->second;
    if (added && subscribed_) {
      // Not assigned to this member: nothing to read here.
      p.next = offset;
      p.eof = true;
      return p;
    }
    if (!added && p.next == offset) return p;
    int64_t expected = p.buffer.empty() ? p.next : p.buffer.front().offset;
    if (!added && expected == offset) return p;
    p.buffer.clear();
    p.eof = false;
    p.next = offset;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
    rd_kafka_error_t* e = added ? rd_kafka_incremental_assign(rk_, list) : rd_kafka_seek_partitions(rk_, list, 10000);
    if (e) {
      std::fprintf(stderr, "eddy: Kafka: cannot read %s partition %d from %lld: %s\n", topic.c_str(), partition,
                   static_cast<long long>(offset), rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(list);
    return p;
  }

  void Report(const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return g_reach.Lost(rd_kafka_message_errstr(m));
    if (Transient(m->err)) return;  // librdkafka retries; the cluster going away is said once
    std::string what = rd_kafka_message_errstr(m);
    if (what == last_error_) return;  // librdkafka repeats transient errors while it retries
    last_error_ = what;
    std::fprintf(stderr, "eddy: Kafka consumer: %s\n", what.c_str());
  }

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::map<std::pair<std::string, int>, Part> parts_;
  std::string last_error_;
  bool subscribed_ = false;
  bool assigned_once_ = false;
  bool closing_ = false;
  std::deque<Rebalance> pending_;
};

std::string RandomSuffix() {
  std::random_device rd;
  return fmt::format("{:016x}", (static_cast<uint64_t>(rd()) << 32) | rd());
}

}  // namespace

Result<std::unique_ptr<KafkaLog>> KafkaLog::Open(KafkaSettings settings) {
  std::unique_ptr<KafkaLog> log(new KafkaLog(std::move(settings)));
  RETURN_IF_ERROR(log->Connect());
  return log;
}

Status KafkaLog::Connect() {
  std::vector<std::pair<std::string, std::string>> fixed = {
      {"enable.idempotence", "true"},
      {"partitioner", "murmur2_random"},  // only for records without a partition: eddy sets it
  };
  if (settings_.client.count("linger.ms") == 0) fixed.emplace_back("linger.ms", "5");
  if (transactional()) {
    fixed.emplace_back("transactional.id", settings_.transactional_id);
    if (settings_.client.count("transaction.timeout.ms") == 0) fixed.emplace_back("transaction.timeout.ms", "10000");  // as Kafka Streams: a dead instance's open transaction blocks readers at most 10 s
  }
  ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, MakeConf(settings_.client, fixed));
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_error_cb(conf, OnClientError);
  rd_kafka_conf_set_opaque(conf, this);
  {
    std::lock_guard<std::mutex> lock(g_auth_mu);
    g_auth_error.clear();
  }
  char err[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!producer_) {
    rd_kafka_conf_destroy(conf);
    return Status::IoError(fmt::format("Kafka: cannot create a producer: {}", err));
  }
  // Fail early and plainly when the cluster cannot be reached or refuses the credentials.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
  for (int waited = 0; waited < settings_.timeout_ms; waited += 500) {
    e = rd_kafka_metadata(producer_, 0, nullptr, &md, 500);
    if (!e) break;
    rd_kafka_poll(producer_, 0);  // serves the error callback
    std::lock_guard<std::mutex> lock(g_auth_mu);
    if (!g_auth_error.empty())
      return Status::IoError(fmt::format("Kafka: the cluster refused eddy's credentials: {}", g_auth_error));
  }
  if (e) return Status::IoError(fmt::format("Kafka: cannot reach the cluster: {}", rd_kafka_err2str(e)));
  rd_kafka_metadata_destroy(md);
  if (transactional())
    RETURN_IF_ERROR(FromError(rd_kafka_init_transactions(producer_, settings_.timeout_ms), "initializing transactions"));
  return Status::Ok();
}

void KafkaLog::ForgetPending() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    delivery_error_.clear();
    for (auto& [topic, parts] : writes_)
      for (auto& w : parts) {
        w.in_flight = 0;
        w.lows.clear();
        w.acknowledged = w.appended;
        w.tracked = false;
      }
  }
  in_transaction_ = false;
  doomed_ = false;
}

Status KafkaLog::Replace() {
  char reason[512] = "";
  rd_kafka_resp_err_t code = rd_kafka_fatal_error(producer_, reason, sizeof reason);
  if (code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED || code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    return Status::IoError(fmt::format(
        "Kafka: another producer with this instance's transactional id ({}) took over: {}", settings_.transactional_id, reason));
  std::fprintf(stderr, "eddy: Kafka: the producer cannot go on (%s); starting a new one and going back to the last commit\n",
               reason);
  if (purge_queue_) rd_kafka_queue_destroy(purge_queue_);
  purge_queue_ = nullptr;
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_, 0);
  rd_kafka_destroy(producer_);
  producer_ = nullptr;
  ForgetPending();
  // The cluster may be away: a new producer waits for it (each try up to the timeout).
  for (;;) {
    Status st = Connect();
    if (st.ok()) break;
    if (producer_) rd_kafka_destroy(producer_);
    producer_ = nullptr;
    if (st.message().find("credentials") != std::string::npos) return st;
    std::fprintf(stderr, "eddy: %s; retrying\n", st.message().c_str());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  aborted_ = true;
  return Status::Ok();
}

KafkaLog::~KafkaLog() {
  inspector_.reset();
  if (purge_queue_) rd_kafka_queue_destroy(purge_queue_);
  if (producer_) {
    if (in_transaction_) (void)rd_kafka_abort_transaction(producer_, settings_.timeout_ms);
    else rd_kafka_flush(producer_, settings_.timeout_ms);
    rd_kafka_destroy(producer_);
  }
}

Status KafkaLog::CreateTopic(const std::string& topic, int partitions) { return Create(topic, partitions, false); }
Status KafkaLog::CreateCompactedTopic(const std::string& topic, int partitions) {
  return Create(topic, partitions, true);
}

void KafkaLog::PurgeBefore(const std::vector<std::pair<std::pair<std::string, int>, int64_t>>& before) {
  // Fire and forget: the answer (or an error) is read and dropped on a later call; a failed
  // purge only leaves records a later one deletes.
  if (!purge_queue_) purge_queue_ = rd_kafka_queue_new(producer_);
  while (rd_kafka_event_t* ev = rd_kafka_queue_poll(purge_queue_, 0)) rd_kafka_event_destroy(ev);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(before.size()));
  for (const auto& [tp, offset] : before) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_DeleteRecords(producer_, &del, 1, nullptr, purge_queue_);
  rd_kafka_DeleteRecords_destroy(del);
}

void KafkaLog::Hurry(int ms) { (void)rd_kafka_flush(producer_, ms); }

Status KafkaLog::CreateRetainedTopic(const std::string& topic) { return Create(topic, 1, false, true); }

Status KafkaLog::Create(const std::string& topic, int partitions, bool compacted, bool retained) {
  if (HasTopic(topic)) return Status::Ok();
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), std::max(1, partitions), -1, err, sizeof err);
  if (!nt) return Status::Invalid(fmt::format("Kafka: cannot create topic {}: {}", topic, err));
  if (compacted) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
  if (retained) rd_kafka_NewTopic_set_config(nt, "retention.ms", "-1");
  rd_kafka_queue_t* q = rd_kafka_queue_new(producer_);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(producer_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, settings_.timeout_ms, err, sizeof err);
  rd_kafka_CreateTopics(producer_, &nt, 1, opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, settings_.timeout_ms + 5000);
  Status st;
  if (!ev) {
    st = Status::IoError(fmt::format("Kafka: creating topic {} timed out", topic));
  } else if (rd_kafka_event_error(ev)) {
    st = Status::IoError(fmt::format("Kafka: cannot create topic {}: {}", topic, rd_kafka_event_error_string(ev)));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        st = Status::IoError(fmt::format("Kafka: cannot create topic {}: {}", topic, rd_kafka_topic_result_error_string(res[i])));
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  if (!st.ok()) return st;
  partitions_.erase(topic);
  // The new topic's metadata reaches the client a moment later.
  for (int i = 0; i < 100 && !HasTopic(topic); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return Status::Ok();
}

bool KafkaLog::HasTopic(const std::string& topic) const { return Partitions(topic) > 0; }

int KafkaLog::Partitions(const std::string& topic) const {
  auto it = partitions_.find(topic);
  if (it != partitions_.end()) return it->second;
  rd_kafka_topic_t* t = rd_kafka_topic_new(producer_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = 0;
  if (rd_kafka_metadata(producer_, 0, t, &md, settings_.timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  if (n > 0) partitions_[topic] = n;
  return n;
}

Status KafkaLog::Append(const std::string& topic, RawRecord& record) {
  if (!HasTopic(topic)) RETURN_IF_ERROR(CreateTopic(topic, 1));
  if (doomed_) return Status::Ok();  // the transaction will be aborted: its records are dropped
  if (transactional() && !in_transaction_) {
    RETURN_IF_ERROR(FromError(rd_kafka_begin_transaction(producer_), "beginning a transaction"));
    in_transaction_ = true;
  }
  // Windowed keys as Kafka Streams writes time windows: the key, then the window start.
  std::string windowed;
  const std::string* key = record.key ? &*record.key : nullptr;
  if (record.window && key) {
    windowed = *key;
    for (int i = 7; i >= 0; --i) windowed.push_back(static_cast<char>((static_cast<uint64_t>(record.window->start) >> (8 * i)) & 0xff));
    key = &windowed;
  }
  for (;;) {
    rd_kafka_headers_t* headers = MakeHeaders(record.headers);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(record.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY((key ? key->data() : nullptr), (key ? key->size() : 0)),
        RD_KAFKA_V_VALUE((record.value ? const_cast<char*>(record.value->data()) : nullptr),
                         (record.value ? record.value->size() : 0)),
        RD_KAFKA_V_TIMESTAMP(record.timestamp), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (e && headers) rd_kafka_headers_destroy(headers);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_, 50);
      continue;
    }
    if ((e == RD_KAFKA_RESP_ERR__STATE && transactional()) || e == RD_KAFKA_RESP_ERR__FATAL) {
      // The transaction failed (the cluster was away longer than transaction.timeout.ms, say),
      // or the producer cannot go on: what follows until the commit is dropped, and the commit
      // aborts it (or replaces the producer).
      doomed_ = true;
      return Status::Ok();
    }
    if (e) return Status::IoError(fmt::format("Kafka: cannot write to {}: {}", topic, rd_kafka_err2str(e)));
    break;
  }
  record.offset = -1;
  if (record.partition >= 0) {
    std::lock_guard<std::mutex> lock(mu_);
    PartitionWrites& w = WritesOf(topic, record.partition);
    w.in_flight++;
    while (!w.lows.empty() && w.lows.back().timestamp >= record.timestamp) w.lows.pop_back();
    w.lows.push_back(Low{w.appended++, record.timestamp, -1});
  }
  if ((++appended_ & 1023) == 0) rd_kafka_poll(producer_, 0);
  return Status::Ok();
}

KafkaLog::PartitionWrites& KafkaLog::WritesOf(std::string_view topic, int partition) {
  auto it = writes_.find(topic);
  if (it == writes_.end()) it = writes_.emplace(std::string(topic), std::vector<PartitionWrites>()).first;
  if (it->second.size() <= static_cast<size_t>(partition)) it->second.resize(partition + 1);
  return it->second[partition];
}

void KafkaLog::Delivered(std::string_view topic, int partition, int64_t offset, int error, const char* reason) {
  std::lock_guard<std::mutex> lock(mu_);
  PartitionWrites& w = WritesOf(topic, partition);
  if (w.in_flight > 0) --w.in_flight;
  const uint64_t seq = w.acknowledged++;
  if (!w.tracked) {
    while (!w.lows.empty() && w.lows.front().seq <= seq) w.lows.pop_front();
  } else {
    auto it = std::lower_bound(w.lows.begin(), w.lows.end(), seq, [](const Low& l, uint64_t s) { return l.seq < s; });
    if (it != w.lows.end() && it->seq == seq) {
      if (error) w.lows.erase(it);  // a lost record: not waited for
      else it->offset = offset;
    }
    // Nobody fetching here any more (the partition's task moved to another instance): stop
    // keeping acknowledged entries; asking again starts over (unknown until fetched past here).
    if (w.lows.size() > (1u << 16)) {
      w.tracked = false;
      while (!w.lows.empty() && w.lows.front().offset >= 0) w.lows.pop_front();
    }
  }
  if (error) {
    // Records of an aborted transaction are purged: expected.
    if (error == RD_KAFKA_RESP_ERR__PURGE_QUEUE || error == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
    if (delivery_error_.empty()) {
      delivery_error_ = fmt::format("Kafka: a record for {} partition {} was not written: {}", topic, partition,
                                    reason ? reason : "unknown error");
      delivery_error_transient_ = Transient(static_cast<rd_kafka_resp_err_t>(error));
    }
    return;
  }
  if (offset + 1 > w.end) w.end = offset + 1;
}

Status KafkaLog::FirstDeliveryError() {
  std::lock_guard<std::mutex> lock(mu_);
  if (delivery_error_.empty()) return Status::Ok();
  return Status::IoError(delivery_error_);
}

Status KafkaLog::Flush() {
  // Waits for every record to be acknowledged, however long the cluster is away: librdkafka
  // retries until message.timeout.ms, then reports the records as not written.
  bool said = false;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_flush(producer_, std::min(settings_.timeout_ms, 5000));
    if (!e) break;
    if (e != RD_KAFKA_RESP_ERR__TIMED_OUT)
      return Status::IoError(fmt::format("Kafka: flushing the producer: {}", rd_kafka_err2str(e)));
    if (!said)
      std::fprintf(stderr, "eddy: Kafka: waiting for the cluster to acknowledge %d records\n", rd_kafka_outq_len(producer_));
    said = true;
  }
  g_reach.Back();
  std::lock_guard<std::mutex> lock(mu_);
  if (delivery_error_.empty()) return Status::Ok();
  if (!delivery_error_transient_) return Status::IoError(delivery_error_);
  // Not written because the cluster was away too long: the work since the last commit is done
  // again (at least once: what was written of it appears twice).
  std::fprintf(stderr, "eddy: %s; going back to the last commit\n", delivery_error_.c_str());
  delivery_error_.clear();
  aborted_ = true;
  return Status::Ok();
}

bool KafkaLog::TakeAborted() {
  bool a = aborted_;
  aborted_ = false;
  return a;
}

// Runs a transactional call until it succeeds, retrying while librdkafka says it may (the
// cluster away: each try waits up to the timeout). Returns false when the transaction must be
// aborted; an error when the producer cannot go on.
Result<bool> KafkaLog::Transact(const std::function<rd_kafka_error_t*()>& call, const std::string& what) {
  bool said = false;
  for (;;) {
    rd_kafka_error_t* e = call();
    if (!e) {
      if (said) std::fprintf(stderr, "eddy: Kafka: %s succeeded\n", what.c_str());
      g_reach.Back();
      return true;
    }
    if (rd_kafka_error_txn_requires_abort(e) || rd_kafka_error_is_fatal(e)) {
      std::fprintf(stderr, "eddy: Kafka: %s failed: %s\n", what.c_str(), rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      return false;
    }
    if (!rd_kafka_error_is_retriable(e) && !Transient(rd_kafka_error_code(e))) return FromError(e, what);
    if (!said) std::fprintf(stderr, "eddy: Kafka: %s: %s; retrying\n", what.c_str(), rd_kafka_error_string(e));
    said = true;
    rd_kafka_error_destroy(e);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

Status KafkaLog::Abort() {
  if (rd_kafka_fatal_error(producer_, nullptr, 0)) return Replace();
  ASSIGN_OR_RETURN(bool done, Transact([&] { return rd_kafka_abort_transaction(producer_, settings_.timeout_ms); },
                                       "aborting the transaction"));
  if (!done) return rd_kafka_fatal_error(producer_, nullptr, 0) ? Replace() : Status::IoError("Kafka: the transaction cannot be aborted");
  rd_kafka_poll(producer_, 0);  // the purged records' reports
  ForgetPending();
  aborted_ = true;
  std::fprintf(stderr, "eddy: Kafka: transaction aborted; going back to the last commit\n");
  return Status::Ok();
}

Status KafkaLog::CommitOutputs(const std::vector<GroupOffsets>& offsets) {
  auto list_of = [](const GroupOffsets& g) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(g.offsets.size()));
    for (const auto& [tp, off] : g.offsets) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
    return list;
  };
  if (rd_kafka_fatal_error(producer_, nullptr, 0)) return Replace();
  if (!transactional()) {
    RETURN_IF_ERROR(Flush());
    if (aborted_) return Status::Ok();  // offsets stay where they were
    for (const auto& g : offsets) {
      auto* r = dynamic_cast<KafkaReader*>(g.reader);
      if (!r || g.offsets.empty()) continue;
      rd_kafka_topic_partition_list_t* list = list_of(g);
      bool said = false;
      for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_commit(r->handle(), list, 0);
        if (!e) break;
        if (Transient(e)) {  // the cluster away: wait for it
          if (!said) std::fprintf(stderr, "eddy: Kafka: committing the offsets of %s: %s; retrying\n", g.group.c_str(), rd_kafka_err2str(e));
          said = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        if (e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
            e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || e == RD_KAFKA_RESP_ERR__STATE) {
          // The group is rebalancing: the state directory keeps the offsets, the next commit
          // after the rebalance brings the group's up to date.
          std::fprintf(stderr, "eddy: Kafka: the offsets of %s wait for the next commit: %s\n", g.group.c_str(), rd_kafka_err2str(e));
          break;
        }
        rd_kafka_topic_partition_list_destroy(list);
        return Status::IoError(fmt::format("Kafka: committing the offsets of {}: {}", g.group, rd_kafka_err2str(e)));
      }
      rd_kafka_topic_partition_list_destroy(list);
    }
    return Status::Ok();
  }
  bool any_offsets = false;
  for (const auto& g : offsets) any_offsets = any_offsets || (!g.offsets.empty() && dynamic_cast<KafkaReader*>(g.reader));
  if (!in_transaction_ && !any_offsets) return Status::Ok();
  if (!in_transaction_) {
    RETURN_IF_ERROR(FromError(rd_kafka_begin_transaction(producer_), "beginning a transaction"));
    in_transaction_ = true;
  }
  // A failed transaction (records not written in time, the coordinator aborting it after
  // transaction.timeout.ms) is aborted; the engine then goes back to its last commit.
  for (const auto& g : offsets) {
    auto* r = dynamic_cast<KafkaReader*>(g.reader);
    if (!r || g.offsets.empty() || doomed_) continue;
    rd_kafka_consumer_group_metadata_t* meta = rd_kafka_consumer_group_metadata(r->handle());
    rd_kafka_topic_partition_list_t* list = list_of(g);
    Result<bool> sent = Transact([&] { return rd_kafka_send_offsets_to_transaction(producer_, list, meta, settings_.timeout_ms); },
                                 "adding the input offsets of " + g.group + " to the transaction");
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_group_metadata_destroy(meta);
    RETURN_IF_ERROR(sent.status());
    if (!sent.value()) doomed_ = true;
  }
  if (doomed_) return Abort();
  ASSIGN_OR_RETURN(bool committed, Transact([&] { return rd_kafka_commit_transaction(producer_, settings_.timeout_ms); },
                                            "committing the transaction"));
  if (!committed) return Abort();
  in_transaction_ = false;
  return FirstDeliveryError();
}

int64_t KafkaLog::EndOffset(const std::string& topic, int partition) const {
  {
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mu_));
    if (rd_kafka_outq_len(producer_) == 0) {
      auto it = writes_.find(topic);
      if (it != writes_.end() && static_cast<size_t>(partition) < it->second.size() && it->second[partition].end >= 0)
        return it->second[partition].end;
    }
  }
  int64_t low = 0, high = 0;
  if (rd_kafka_query_watermark_offsets(producer_, topic.c_str(), partition, &low, &high, settings_.timeout_ms))
    return 0;
  return high;
}

int64_t KafkaLog::WrittenEnd(const std::string& topic, int partition, int64_t* in_flight_low) const {
  rd_kafka_poll(producer_, 0);  // serves the delivery reports that have arrived
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mu_));
  if (in_flight_low) *in_flight_low = INT64_MAX;
  auto it = writes_.find(topic);
  if (it == writes_.end() || static_cast<size_t>(partition) >= it->second.size()) return -1;
  const PartitionWrites& w = it->second[partition];
  if (in_flight_low) {
    for (const Low& l : w.lows) {
      if (l.offset >= 0) continue;  // acknowledged (kept for UnfetchedLow)
      *in_flight_low = l.timestamp;
      break;
    }
  }
  return w.end;
}

int64_t KafkaLog::UnfetchedLow(const std::string& topic, int partition, int64_t fetched) {
  rd_kafka_poll(producer_, 0);  // serves the delivery reports that have arrived
  std::lock_guard<std::mutex> lock(mu_);
  PartitionWrites& w = WritesOf(topic, partition);
  if (!w.tracked) {  // from now on acknowledged entries stay until fetched
    w.tracked = true;
    w.tracked_from = w.end;
  }
  if (fetched < w.tracked_from) return INT64_MIN;  // acknowledged before tracking began: unknown
  while (!w.lows.empty() && w.lows.front().offset >= 0 && w.lows.front().offset < fetched) w.lows.pop_front();
  return w.lows.empty() ? INT64_MAX : w.lows.front().timestamp;
}

std::vector<std::string> KafkaLog::Topics() const {
  std::vector<std::string> out;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(producer_, 1, nullptr, &md, settings_.timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    std::string name = md->topics[i].topic;
    if (!name.empty() && name[0] != '_') out.push_back(name);
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<LogReader> KafkaLog::NewReader(const std::string& group) {
  std::string g = group.empty() ? "eddy-reader-" + RandomSuffix() : group;
  auto r = KafkaReader::Open(settings_.client, g);
  if (!r.ok()) {
    std::fprintf(stderr, "eddy: %s\n", r.status().message().c_str());
    return nullptr;
  }
  return std::move(r).value();
}

Status KafkaLog::Read(const std::string& topic, int partition, int64_t offset, size_t max,
                      std::vector<RawRecord>& out) const {
  if (!inspector_) inspector_ = const_cast<KafkaLog*>(this)->NewReader("");
  if (!inspector_) return Status::IoError("Kafka: cannot create a consumer");
  auto* r = static_cast<KafkaReader*>(inspector_.get());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.timeout_ms);
  size_t before = out.size();
  while (out.size() - before < max) {
    RETURN_IF_ERROR(r->Read(topic, partition, offset, max - (out.size() - before), out));
    if (out.size() > before) offset = out.back().offset + 1;
    if (r->AtEnd(topic, partition, offset) || std::chrono::steady_clock::now() > deadline) break;
    RETURN_IF_ERROR(r->Poll(100));
  }
  return Status::Ok();
}

}  // namespace eddy
