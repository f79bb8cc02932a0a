// The Kafka side of bench/run.py's kafka, latency, noisy and restore modes: a paced producer that
// stamps every record with its send time, a consumer that measures end-to-end latency from those
// stamps, and an end-offset counter. librdkafka only, independent of eddy's own Kafka code.
// bench/run.py builds it (g++ -O2 ... -lrdkafka) into ~/.cache/eddy.
//
//   kafka_load BOOTSTRAP pace TOPIC SECONDS SPEC...   < LINES
//       TOPIC must exist. For SECONDS writes records at the rates the SPECs give,
//       each record's timestamp the wall-clock time it is handed to the producer (ms). LINES:
//       KEY<TAB>VALUE per line (\N: null), sent in turn and cycled. SPEC: RATE (the lines' own
//       keys, librdkafka's murmur2 partitioner, as Java's), or KEY@PARTITION:RATE (that key, to
//       that partition, the lines' values). Prints "sent N" per SPEC on stdout at the end.
//   kafka_load BOOTSTRAP latency TOPIC FROM_MS [--by-key]
//       Reads every partition of TOPIC from its end at start (prints "ready" on stderr once
//       positioned) until SIGTERM/SIGINT, then prints one JSON object on stdout: the latency
//       (receive time - record timestamp, microseconds; timestamps have millisecond resolution)
//       of every record whose timestamp is >= FROM_MS, as count/p50/p99/p999/max, overall and,
//       with --by-key, per key.
//   kafka_load BOOTSTRAP end TOPIC
//       Prints the sum of the partitions' high watermarks (records written, for a
//       non-transactional topic).
//   kafka_load BOOTSTRAP topics PART
//       Prints the names of the topics whose names contain PART, one a line.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> stop_flag{false};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kafka_load: %s\n", what.c_str());
  std::exit(1);
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A client with librdkafka's settings `conf` (bootstrap.servers first).
rd_kafka_t* client(rd_kafka_type_t type, const std::string& bootstrap,
                   std::initializer_list<std::pair<const char*, const char*>> conf) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  bool ok = rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK;
  for (auto it = conf.begin(); ok && it != conf.end(); ++it)
    ok = rd_kafka_conf_set(c, it->first, it->second, err, sizeof err) == RD_KAFKA_CONF_OK;
  rd_kafka_t* rk = ok ? rd_kafka_new(type, c, err, sizeof err) : nullptr;
  if (!rk) die(err);
  return rk;
}

// The topic's partition count from the broker's metadata (0: no such topic).
int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  int n = md->topic_cnt == 1 && md->topics[0].err == 0 ? md->topics[0].partition_cnt : 0;
  rd_kafka_metadata_destroy(md);
  return n;
}

struct Spec {
  std::string key;  // empty: the lines' keys
  bool own_key = false;
  int partition = RD_KAFKA_PARTITION_UA;
  double rate = 0;
  long sent = 0;
};

int pace(const std::string& bootstrap, const std::string& topic, double seconds,
         const std::vector<std::string>& specs_text) {
  std::vector<Spec> specs;
  for (const std::string& s : specs_text) {
    Spec sp;
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) {
      sp.rate = std::atof(s.c_str());
    } else {
      std::string kp = s.substr(0, colon);
      size_t at = kp.rfind('@');
      if (at == std::string::npos) die("bad SPEC (KEY@PARTITION:RATE): " + s);
      sp.key = kp.substr(0, at);
      sp.own_key = true;
      sp.partition = std::atoi(kp.c_str() + at + 1);
      sp.rate = std::atof(s.c_str() + colon + 1);
    }
    if (sp.rate <= 0) die("bad rate in SPEC: " + s);
    specs.push_back(sp);
  }
  std::vector<std::pair<std::string, std::string>> lines;  // key ("\x01" for null), value
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) die("bad input line (KEY<TAB>VALUE): " + line.substr(0, 80));
    std::string k = line.substr(0, tab), v = line.substr(tab + 1);
    lines.emplace_back(k == "\\N" ? std::string("\x01") : k, v);
  }
  if (lines.empty()) die("no input lines");
  rd_kafka_t* rk = client(RD_KAFKA_PRODUCER, bootstrap,
                        {{"partitioner", "murmur2_random"}, {"linger.ms", "1"}, {"acks", "all"},
                         {"queue.buffering.max.messages", "1000000"}, {"socket.nagle.disable", "true"}});
  if (partition_count(rk, topic) == 0) die("no topic " + topic + " (create it first)");
  size_t next_line = 0;
  const int64_t start = now_us();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e6);
  for (;;) {
    int64_t t = now_us();
    if (t >= end) break;
    double elapsed = static_cast<double>(t - start) / 1e6;
    for (Spec& sp : specs) {
      long due = static_cast<long>(elapsed * sp.rate);
      int64_t ts_ms = t / 1000;
      while (sp.sent < due) {
        const auto& [k, v] = lines[next_line];
        next_line = (next_line + 1) % lines.size();
        const std::string& key = sp.own_key ? sp.key : k;
        bool null_key = !sp.own_key && key == "\x01";
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_PARTITION(sp.partition),
            RD_KAFKA_V_KEY((null_key ? nullptr : key.data()), (null_key ? 0 : key.size())),
            RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()), RD_KAFKA_V_TIMESTAMP(ts_ms), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk, 1);
          continue;
        }
        if (e) die(rd_kafka_err2str(e));
        ++sp.sent;
      }
    }
    rd_kafka_poll(rk, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (rd_kafka_flush(rk, 60000)) die("flush timed out");
  rd_kafka_destroy(rk);
  for (const Spec& sp : specs) std::printf("sent %ld\n", sp.sent);
  return 0;
}

std::string printable(const void* p, size_t n) {
  if (!p) return "-";
  const auto* b = static_cast<const unsigned char*>(p);
  bool text = true;
  for (size_t i = 0; i < n; ++i)
    if (b[i] < 32 || b[i] > 126 || b[i] == '"' || b[i] == '\\') text = false;
  if (text) return std::string(static_cast<const char*>(p), n);
  static const char* d = "0123456789abcdef";
  std::string out = "0x";
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[b[i] >> 4]);
    out.push_back(d[b[i] & 15]);
  }
  return out;
}

std::string summary(std::vector<int64_t>& v) {
  if (v.empty()) return "{\"count\": 0}";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"count\": %zu, \"p50_us\": %lld, \"p99_us\": %lld, \"p999_us\": %lld, \"max_us\": %lld}",
                v.size(), static_cast<long long>(at(0.5)), static_cast<long long>(at(0.99)),
                static_cast<long long>(at(0.999)), static_cast<long long>(v.back()));
  return buf;
}

std::vector<std::pair<int, int64_t>> high_watermarks(rd_kafka_t* rk, const std::string& topic) {
  int n = partition_count(rk, topic);
  if (n == 0) die("no topic " + topic);
  std::vector<std::pair<int, int64_t>> out;
  for (int p = 0; p < n; ++p) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000)) die("watermarks of " + topic);
    out.emplace_back(p, hi);
  }
  return out;
}

int latency(const std::string& bootstrap, const std::string& topic, int64_t from_ms, bool by_key) {
  std::signal(SIGTERM, [](int) { stop_flag = true; });
  std::signal(SIGINT, [](int) { stop_flag = true; });
  rd_kafka_t* rk = client(RD_KAFKA_CONSUMER, bootstrap,
                        {{"group.id", "bench-latency"}, {"enable.auto.commit", "false"},
                         {"fetch.wait.max.ms", "50"}, {"fetch.error.backoff.ms", "10"},
                         {"socket.nagle.disable", "true"}});
  auto hw = high_watermarks(rk, topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(hw.size()));
  for (auto& [p, hi] : hw) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = hi;
  if (rd_kafka_assign(rk, list)) die("assign failed");
  rd_kafka_topic_partition_list_destroy(list);
  std::fprintf(stderr, "ready\n");
  std::vector<int64_t> all;
  std::map<std::string, std::vector<int64_t>> keys;
  long before = 0;
  while (!stop_flag) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    int64_t t = now_us();
    if (!m->err) {
      int64_t ts = rd_kafka_message_timestamp(m, nullptr);
      if (ts >= from_ms) {
        int64_t l = t - ts * 1000;
        all.push_back(l);
        if (by_key) keys[printable(m->key, m->key_len)].push_back(l);
      } else {
        ++before;
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf("{\"all\": %s, \"before\": %ld", summary(all).c_str(), before);
  if (by_key) {
    std::printf(", \"keys\": {");
    bool first = true;
    for (auto& [k, v] : keys) {
      std::printf("%s\"%s\": %s", first ? "" : ", ", k.c_str(), summary(v).c_str());
      first = false;
    }
    std::printf("}");
  }
  std::printf("}\n");
  return 0;
}

int end_offsets(const std::string& bootstrap, const std::string& topic) {
  rd_kafka_t* rk = client(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", "bench-end"}});
  int64_t sum = 0;
  for (auto& [p, hi] : high_watermarks(rk, topic)) sum += hi;
  rd_kafka_destroy(rk);
  std::printf("%lld\n", static_cast<long long>(sum));
  return 0;
}

int topics(const std::string& bootstrap, const std::string& part) {
  rd_kafka_t* rk = client(RD_KAFKA_PRODUCER, bootstrap, {});
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, 10000)) die("metadata failed");
  for (int i = 0; i < md->topic_cnt; ++i)
    if (std::string(md->topics[i].topic).find(part) != std::string::npos) std::printf("%s\n", md->topics[i].topic);
  rd_kafka_metadata_destroy(md);
  rd_kafka_destroy(rk);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::strcmp(argv[2], "pace") == 0)
    return pace(argv[1], argv[3], std::atof(argv[4]), std::vector<std::string>(argv + 5, argv + argc));
  if (argc >= 5 && std::strcmp(argv[2], "latency") == 0)
    return latency(argv[1], argv[3], std::atoll(argv[4]), argc >= 6 && std::strcmp(argv[5], "--by-key") == 0);
  if (argc == 4 && std::strcmp(argv[2], "end") == 0) return end_offsets(argv[1], argv[3]);
  if (argc == 4 && std::strcmp(argv[2], "topics") == 0) return topics(argv[1], argv[3]);
  std::fprintf(stderr,
               "usage: kafka_load BOOTSTRAP pace TOPIC SECONDS SPEC... | latency TOPIC FROM_MS [--by-key] "
               "| end TOPIC | topics PART\n");
  return 2;
}
