// Checks that a broker does what eddy needs of it through librdkafka (the C API of the system's
// librdkafka): the admin API creates topics, an idempotent producer writes, a consumer group
// reads, and a transaction consumes-transforms-produces with send_offsets_to_transaction; an
// aborted transaction stays invisible to read_committed readers. Then the other requests a
// stream processor makes: offset commits outside transactions, watermarks, offsets for times,
// topic configs, more partitions, record deletion, and the consumer-group admin calls. It also
// prints the protocol features librdkafka turned off after probing the broker's API versions.
//
//   g++ -std=c++20 -O1 -o kafka_check scripts/kafka_check.cc -lrdkafka
//   ./kafka_check 127.0.0.1:9092        (or: scripts/kafka.sh check)
//
// Prints one line per step and exits 0 when every step passed, 1 otherwise.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr int kPartitions = 3;
constexpr int kMessages = 30;
constexpr int kTimeoutMs = 30000;

std::string bootstrap;
auto t0 = std::chrono::steady_clock::now();

double elapsed() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stdout, "FAIL [%6.2fs] %s\n", elapsed(), what.c_str());
  std::fflush(stdout);
  std::exit(1);
}

void ok(const std::string& what) {
  std::fprintf(stdout, "ok   [%6.2fs] %s\n", elapsed(), what.c_str());
  std::fflush(stdout);
}

void check_error(rd_kafka_error_t* err, const std::string& what) {
  if (err == nullptr) return;
  std::string msg = what + ": " + rd_kafka_error_string(err) +
                    (rd_kafka_error_is_fatal(err) ? " (fatal)" : "") +
                    (rd_kafka_error_txn_requires_abort(err) ? " (abortable)" : "");
  rd_kafka_error_destroy(err);
  fail(msg);
}

void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    fail(std::string("config ") + key + ": " + err);
}

void on_error(rd_kafka_t* rk, int code, const char* reason, void*) {
  std::fprintf(stdout, "     error callback (%s): %s: %s\n", rd_kafka_name(rk),
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code)), reason);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    fail(std::string("fatal error: ") + buf);
  }
}

int delivered = 0;
std::string delivery_error;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (delivery_error.empty()) delivery_error = rd_kafka_err2str(m->err);
  } else {
    ++delivered;
  }
}

// With debug=feature, librdkafka logs each protocol feature it turns off after probing the
// broker's API versions; print each once.
void on_log(const rd_kafka_t*, int, const char*, const char* buf) {
  static std::set<std::string> seen;
  if (const char* p = std::strstr(buf, "Disabling feature"); p != nullptr && seen.insert(p).second)
    std::printf("     librdkafka: %s\n", p);
}

rd_kafka_conf_t* base_conf() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "api.version.request", "true");
  rd_kafka_conf_set_error_cb(conf, on_error);
  return conf;
}

rd_kafka_t* make(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) fail(std::string("rd_kafka_new: ") + err);
  return rk;
}

void create_topics(rd_kafka_t* rk, const std::vector<std::string>& names) {
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  for (const auto& n : names) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(n.c_str(), kPartitions, 1, err, sizeof err);
    if (t == nullptr) fail(std::string("NewTopic: ") + err);
    topics.push_back(t);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, kTimeoutMs, err, sizeof err);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs + 5000);
  if (ev == nullptr) fail("CreateTopics: no result");
  if (rd_kafka_event_error(ev)) fail(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i)
    if (rd_kafka_topic_result_error(results[i]))
      fail(std::string("CreateTopics ") + rd_kafka_topic_result_name(results[i]) + ": " +
           rd_kafka_topic_result_error_string(results[i]));
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
}

void delete_topics(rd_kafka_t* rk, const std::vector<std::string>& names) {
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const auto& n : names) topics.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, topics.data(), topics.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs);
  if (ev == nullptr) fail("DeleteTopics: no result");
  if (rd_kafka_event_error(ev)) fail(std::string("DeleteTopics: ") + rd_kafka_event_error_string(ev));
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  for (auto* t : topics) rd_kafka_DeleteTopic_destroy(t);
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, kTimeoutMs);
  rd_kafka_topic_destroy(t);
  if (err) fail(std::string("metadata: ") + rd_kafka_err2str(err));
  int n = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : -1;
  rd_kafka_metadata_destroy(md);
  return n;
}

void produce(rd_kafka_t* rk, const std::string& topic, int partition, const std::string& key,
             const std::string& value) {
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 100);
      continue;
    }
    if (err) fail("produce to " + topic + ": " + rd_kafka_err2str(err));
    return;
  }
}

// Reads a topic from the beginning of every partition until each is at its end; returns the
// values read. Uses assign(), not the group, so it sees exactly what read_committed shows.
std::vector<std::string> read_all(const std::string& topic, const char* isolation) {
  rd_kafka_conf_t* conf = base_conf();
  set(conf, "group.id", "eddy-check-reader");
  set(conf, "isolation.level", isolation);
  set(conf, "enable.partition.eof", "true");
  set(conf, "enable.auto.commit", "false");
  rd_kafka_t* c = make(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = 0; p < kPartitions; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  if (rd_kafka_resp_err_t e = rd_kafka_assign(c, parts)) fail(std::string("assign: ") + rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::string> values;
  std::set<int> at_end;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (static_cast<int>(at_end.size()) < kPartitions) {
    if (std::chrono::steady_clock::now() > deadline) fail("reading " + topic + ": timed out");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
    } else if (m->err) {
      fail("reading " + topic + ": " + rd_kafka_message_errstr(m));
    } else {
      at_end.erase(m->partition);
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  bootstrap = argc > 1 ? argv[1] : "127.0.0.1:9092";
  std::printf("librdkafka %s against %s\n", rd_kafka_version_str(), bootstrap.c_str());
  std::string suffix = std::to_string(std::random_device{}() % 1000000);
  std::string in = "eddy-check-in-" + suffix, out = "eddy-check-out-" + suffix;
  std::string group = "eddy-check-group-" + suffix;

  // 1. Admin: create two topics of 3 partitions.
  rd_kafka_conf_t* aconf = base_conf();
  set(aconf, "debug", "feature");
  rd_kafka_conf_set_log_cb(aconf, on_log);
  rd_kafka_t* admin = make(RD_KAFKA_PRODUCER, aconf);
  create_topics(admin, {in, out});
  for (const auto& t : {in, out}) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    int n;
    while ((n = partition_count(admin, t)) != kPartitions) {
      if (std::chrono::steady_clock::now() > deadline)
        fail(t + " has " + std::to_string(n) + " partitions, expected 3");
      rd_kafka_poll(admin, 100);
    }
  }
  ok("admin: created " + in + " and " + out + " with 3 partitions each");

  // 2. Idempotent producer.
  {
    rd_kafka_conf_t* conf = base_conf();
    set(conf, "enable.idempotence", "true");
    set(conf, "linger.ms", "5");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t* p = make(RD_KAFKA_PRODUCER, conf);
    delivered = 0;
    for (int i = 0; i < kMessages; ++i)
      produce(p, in, i % kPartitions, "k" + std::to_string(i), "v" + std::to_string(i));
    if (rd_kafka_resp_err_t e = rd_kafka_flush(p, kTimeoutMs)) fail(std::string("flush: ") + rd_kafka_err2str(e));
    char buf[512];
    if (rd_kafka_fatal_error(p, buf, sizeof buf)) fail(std::string("idempotent producer: fatal: ") + buf);
    if (!delivery_error.empty()) fail("idempotent producer: delivery failed: " + delivery_error);
    if (delivered != kMessages) fail("idempotent producer: " + std::to_string(delivered) + " delivered");
    rd_kafka_destroy(p);
    ok("idempotent producer (enable.idempotence=true): " + std::to_string(kMessages) + " messages delivered");
  }

  // 3. A consumer group reads them (read_committed, manual commits).
  rd_kafka_conf_t* cconf = base_conf();
  set(cconf, "group.id", group);
  set(cconf, "isolation.level", "read_committed");
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "auto.offset.reset", "earliest");
  rd_kafka_t* consumer = make(RD_KAFKA_CONSUMER, cconf);
  rd_kafka_poll_set_consumer(consumer);
  {
    rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, in.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(consumer, sub)) fail(std::string("subscribe: ") + rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(sub);
  }
  std::vector<std::string> consumed;
  {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (static_cast<int>(consumed.size()) < kMessages) {
      if (std::chrono::steady_clock::now() > deadline)
        fail("consumer group: " + std::to_string(consumed.size()) + " of " + std::to_string(kMessages) + " read");
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 500);
      if (m == nullptr) continue;
      if (m->err) fail(std::string("consumer group: ") + rd_kafka_message_errstr(m));
      consumed.emplace_back(static_cast<const char*>(m->payload), m->len);
      rd_kafka_message_destroy(m);
    }
  }
  ok("consumer group " + group + ": read " + std::to_string(consumed.size()) + " messages");

  // 4. Transactions: one committed with the consumer's offsets, one aborted.
  {
    rd_kafka_conf_t* conf = base_conf();
    set(conf, "transactional.id", "eddy-check-txn-" + suffix);
    set(conf, "linger.ms", "5");
    delivery_error.clear();
    delivered = 0;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t* p = make(RD_KAFKA_PRODUCER, conf);
    check_error(rd_kafka_init_transactions(p, kTimeoutMs), "init_transactions");
    ok("transactions: init_transactions");
    check_error(rd_kafka_begin_transaction(p), "begin_transaction");
    for (int i = 0; i < kMessages; ++i) produce(p, out, i % kPartitions, "k", "out-" + consumed[i]);
    rd_kafka_topic_partition_list_t* offsets = nullptr;
    if (rd_kafka_resp_err_t e = rd_kafka_assignment(consumer, &offsets)) fail(std::string("assignment: ") + rd_kafka_err2str(e));
    if (rd_kafka_resp_err_t e = rd_kafka_position(consumer, offsets)) fail(std::string("position: ") + rd_kafka_err2str(e));
    rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer);
    check_error(rd_kafka_send_offsets_to_transaction(p, offsets, cgmd, kTimeoutMs), "send_offsets_to_transaction");
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    check_error(rd_kafka_commit_transaction(p, kTimeoutMs), "commit_transaction");
    if (!delivery_error.empty()) fail("transaction: delivery failed: " + delivery_error);
    ok("transactions: begin, produce " + std::to_string(kMessages) + ", send_offsets_to_transaction, commit");

    check_error(rd_kafka_begin_transaction(p), "begin_transaction (2)");
    for (int i = 0; i < 5; ++i) produce(p, out, i % kPartitions, "k", "aborted");
    if (rd_kafka_resp_err_t e = rd_kafka_flush(p, kTimeoutMs)) fail(std::string("flush: ") + rd_kafka_err2str(e));
    check_error(rd_kafka_abort_transaction(p, kTimeoutMs), "abort_transaction");
    ok("transactions: begin, produce 5, abort");

    // The offsets sent within the transaction are the group's committed offsets now.
    rd_kafka_topic_partition_list_t* committed = rd_kafka_topic_partition_list_copy(offsets);
    if (rd_kafka_resp_err_t e = rd_kafka_committed(consumer, committed, kTimeoutMs))
      fail(std::string("committed: ") + rd_kafka_err2str(e));
    int64_t sum = 0;
    for (int i = 0; i < committed->cnt; ++i) sum += committed->elems[i].offset;
    if (sum != kMessages) fail("group offsets committed by the transaction add up to " + std::to_string(sum));
    ok("transactions: the group's committed offsets add up to " + std::to_string(sum));
    rd_kafka_topic_partition_list_destroy(committed);
    rd_kafka_topic_partition_list_destroy(offsets);
    rd_kafka_destroy(p);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);

  // 5. read_committed sees the committed transaction only; read_uncommitted sees both.
  std::vector<std::string> rc = read_all(out, "read_committed");
  std::multiset<std::string> want;
  for (const auto& v : consumed) want.insert("out-" + v);
  if (std::multiset<std::string>(rc.begin(), rc.end()) != want)
    fail("read_committed read " + std::to_string(rc.size()) + " values, expected the " +
         std::to_string(kMessages) + " committed ones");
  ok("read_committed: exactly the " + std::to_string(rc.size()) + " committed messages");
  std::vector<std::string> ru = read_all(out, "read_uncommitted");
  if (ru.size() != static_cast<size_t>(kMessages + 5))
    fail("read_uncommitted read " + std::to_string(ru.size()) + " values, expected " + std::to_string(kMessages + 5));
  ok("read_uncommitted: " + std::to_string(ru.size()) + " messages (the aborted ones too)");

  // 6. Outside transactions: a consumer group that commits its offsets itself.
  {
    rd_kafka_conf_t* conf = base_conf();
    set(conf, "group.id", group + "-plain");
    set(conf, "enable.auto.commit", "false");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "partition.assignment.strategy", "cooperative-sticky");
    rd_kafka_t* c = make(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, in.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(c, sub)) fail(std::string("subscribe: ") + rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(sub);
    int n = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (n < kMessages) {
      if (std::chrono::steady_clock::now() > deadline) fail("plain consumer: timed out");
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 500);
      if (m == nullptr) continue;
      if (m->err) fail(std::string("plain consumer: ") + rd_kafka_message_errstr(m));
      ++n;
      rd_kafka_message_destroy(m);
    }
    if (rd_kafka_resp_err_t e = rd_kafka_commit(c, nullptr, 0)) fail(std::string("commit: ") + rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_t* parts = nullptr;
    rd_kafka_assignment(c, &parts);
    if (rd_kafka_resp_err_t e = rd_kafka_committed(c, parts, kTimeoutMs)) fail(std::string("committed: ") + rd_kafka_err2str(e));
    int64_t sum = 0;
    for (int i = 0; i < parts->cnt; ++i) sum += parts->elems[i].offset;
    if (sum != kMessages) fail("plain consumer: committed offsets add up to " + std::to_string(sum));
    rd_kafka_topic_partition_list_destroy(parts);
    int64_t lo = 0, hi = 0;
    if (rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(c, in.c_str(), 0, &lo, &hi, kTimeoutMs))
      fail(std::string("query_watermark_offsets: ") + rd_kafka_err2str(e));
    if (lo != 0 || hi != kMessages / kPartitions) fail("watermarks " + std::to_string(lo) + ".." + std::to_string(hi));
    rd_kafka_topic_partition_list_t* times = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(times, in.c_str(), 0)->offset = 0;  // timestamp 0: the first
    if (rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(c, times, kTimeoutMs))
      fail(std::string("offsets_for_times: ") + rd_kafka_err2str(e));
    if (times->elems[0].offset != 0) fail("offsets_for_times gave " + std::to_string(times->elems[0].offset));
    rd_kafka_topic_partition_list_destroy(times);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    ok("consumer group (cooperative-sticky): commit, committed, watermarks, offsets_for_times");
  }

  // 7. Admin calls beyond create and delete.
  {
    char err[512];
    auto run = [&](const char* what, auto&& call) -> rd_kafka_event_t* {
      rd_kafka_queue_t* q = rd_kafka_queue_new(admin);
      call(q);
      rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kTimeoutMs + 5000);
      rd_kafka_queue_destroy(q);
      if (ev == nullptr) fail(std::string(what) + ": no result");
      if (rd_kafka_event_error(ev)) fail(std::string(what) + ": " + rd_kafka_event_error_string(ev));
      return ev;
    };
    rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, in.c_str());
    rd_kafka_event_t* ev = run("DescribeConfigs", [&](rd_kafka_queue_t* q) { rd_kafka_DescribeConfigs(admin, &res, 1, nullptr, q); });
    size_t n = 0;
    const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    if (n != 1 || rd_kafka_ConfigResource_error(rs[0])) fail("DescribeConfigs: bad result");
    size_t nconf = 0;
    rd_kafka_ConfigResource_configs(rs[0], &nconf);
    rd_kafka_event_destroy(ev);
    rd_kafka_ConfigResource_destroy(res);

    rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(out.c_str(), kPartitions + 1, err, sizeof err);
    ev = run("CreatePartitions", [&](rd_kafka_queue_t* q) { rd_kafka_CreatePartitions(admin, &np, 1, nullptr, q); });
    const rd_kafka_topic_result_t** tr = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    if (n != 1 || rd_kafka_topic_result_error(tr[0])) fail(std::string("CreatePartitions: ") + (n ? rd_kafka_topic_result_error_string(tr[0]) : "no topic"));
    rd_kafka_event_destroy(ev);
    rd_kafka_NewPartitions_destroy(np);

    rd_kafka_topic_partition_list_t* upto = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(upto, in.c_str(), 0)->offset = 2;
    rd_kafka_DeleteRecords_t* dr = rd_kafka_DeleteRecords_new(upto);
    ev = run("DeleteRecords", [&](rd_kafka_queue_t* q) { rd_kafka_DeleteRecords(admin, &dr, 1, nullptr, q); });
    const rd_kafka_topic_partition_list_t* dres = rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    if (dres->cnt != 1 || dres->elems[0].err || dres->elems[0].offset != 2) fail("DeleteRecords: bad result");
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteRecords_destroy(dr);
    rd_kafka_topic_partition_list_destroy(upto);

    ev = run("ListConsumerGroups", [&](rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroups(admin, nullptr, q); });
    size_t ngroups = 0, nerrs = 0;
    const rd_kafka_ListConsumerGroups_result_t* lr = rd_kafka_event_ListConsumerGroups_result(ev);
    rd_kafka_ListConsumerGroups_result_valid(lr, &ngroups);
    rd_kafka_ListConsumerGroups_result_errors(lr, &nerrs);
    if (nerrs != 0 || ngroups < 2) fail("ListConsumerGroups: " + std::to_string(ngroups) + " groups, " + std::to_string(nerrs) + " errors");
    rd_kafka_event_destroy(ev);

    const char* groups[] = {group.c_str()};
    ev = run("DescribeConsumerGroups", [&](rd_kafka_queue_t* q) { rd_kafka_DescribeConsumerGroups(admin, groups, 1, nullptr, q); });
    const rd_kafka_ConsumerGroupDescription_t** gd =
        rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
    if (n != 1 || rd_kafka_ConsumerGroupDescription_error(gd[0])) fail("DescribeConsumerGroups: bad result");
    rd_kafka_event_destroy(ev);

    rd_kafka_ListConsumerGroupOffsets_t* lo = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    ev = run("ListConsumerGroupOffsets", [&](rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroupOffsets(admin, &lo, 1, nullptr, q); });
    const rd_kafka_group_result_t** gr =
        rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    if (n != 1 || rd_kafka_group_result_error(gr[0])) fail("ListConsumerGroupOffsets: bad result");
    const rd_kafka_topic_partition_list_t* go = rd_kafka_group_result_partitions(gr[0]);
    int64_t sum = 0;
    for (int i = 0; go && i < go->cnt; ++i) sum += go->elems[i].offset;
    if (sum != kMessages) fail("ListConsumerGroupOffsets: offsets add up to " + std::to_string(sum));
    rd_kafka_event_destroy(ev);
    rd_kafka_ListConsumerGroupOffsets_destroy(lo);
    ok("admin: DescribeConfigs (" + std::to_string(nconf) + " configs), CreatePartitions, DeleteRecords, "
       "ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets");
  }

  // 8. Every compression codec, through an idempotent producer; read back.
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    rd_kafka_conf_t* conf = base_conf();
    set(conf, "enable.idempotence", "true");
    set(conf, "compression.codec", codec);
    delivery_error.clear();
    delivered = 0;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t* p = make(RD_KAFKA_PRODUCER, conf);
    for (int i = 0; i < 3; ++i) produce(p, in, 1, "k", std::string(200, 'a' + i));
    if (rd_kafka_resp_err_t e = rd_kafka_flush(p, kTimeoutMs)) fail(std::string("flush: ") + rd_kafka_err2str(e));
    if (!delivery_error.empty() || delivered != 3) fail(std::string(codec) + ": delivery failed: " + delivery_error);
    rd_kafka_destroy(p);
  }
  if (size_t n = read_all(in, "read_committed").size(); n != kMessages - 2 + 12)
    fail("after compressed produce " + std::to_string(n) + " messages in " + in);
  ok("compression: gzip, snappy, lz4, zstd produced and read back");

  delete_topics(admin, {in, out});
  rd_kafka_destroy(admin);
  ok("admin: deleted the topics");
  std::printf("all checks passed\n");
  return 0;
}
