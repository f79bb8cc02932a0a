// A small Kafka client for eddy's integration tests, independent of eddy's own Kafka code: it
// writes records the way a Java service would (librdkafka's murmur2_random partitioner, which is
// Java's default for keyed records) and reads topics back with read_committed.
//
//   kafka_tool BOOTSTRAP produce TOPIC PARTITIONS   creates TOPIC if missing, then writes stdin's
//                                                   lines: KEY<TAB>VALUE<TAB>TIMESTAMP (\N: null),
//                                                   optionally <TAB>HEADERS
//   kafka_tool BOOTSTRAP consume TOPIC              prints every committed record of every
//                                                   partition: PARTITION OFFSET TIMESTAMP KEY VALUE
//                                                   HEADERS (tab-separated; key and value in hex, -
//                                                   for null)
// HEADERS: the record's headers in order, comma-separated KEYHEX:VALUEHEX (VALUEHEX - for a null
// value); empty for none.
//   kafka_tool BOOTSTRAP delete PART                deletes the topics whose names contain PART
//
// Built by `scripts/kafka.sh tool`, which prints the binary's path.
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kafka_tool: %s\n", what.c_str());
  std::exit(1);
}

rd_kafka_t* make(rd_kafka_type_t type, const std::string& bootstrap, std::vector<std::pair<const char*, const char*>> extra) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  extra.insert(extra.begin(), {"bootstrap.servers", bootstrap.c_str()});
  for (auto& [k, v] : extra)
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) die(err);
  return rk;
}

int partitions_of(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = 0;
  if (rd_kafka_metadata(rk, 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == 0) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return n;
}

void create(rd_kafka_t* rk, const std::string& topic, int partitions) {
  if (partitions_of(rk, topic) > 0) return;
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (!nt) die(err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) die("create topic timed out");
  size_t n = 0;
  const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  for (size_t i = 0; i < n; ++i) {
    auto e = rd_kafka_topic_result_error(res[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) die(rd_kafka_topic_result_error_string(res[i]));
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  for (int i = 0; i < 200 && partitions_of(rk, topic) == 0; ++i) rd_kafka_poll(rk, 50);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  die(std::string("bad hex digit in headers: ") + c);
  return 0;
}

std::string from_hex(const std::string& h) {
  if (h.size() % 2) die("odd hex length in headers: " + h);
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) out.push_back(static_cast<char>(unhex(h[i]) * 16 + unhex(h[i + 1])));
  return out;
}

// "KEYHEX:VALUEHEX,..." -> librdkafka headers (null for an empty field).
rd_kafka_headers_t* parse_headers(const std::string& field) {
  if (field.empty()) return nullptr;
  rd_kafka_headers_t* hs = rd_kafka_headers_new(4);
  size_t start = 0;
  for (;;) {
    size_t comma = field.find(',', start);
    std::string item = field.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = item.find(':');
    if (colon == std::string::npos) die("bad header (KEYHEX:VALUEHEX): " + item);
    std::string key = from_hex(item.substr(0, colon)), v = item.substr(colon + 1);
    std::string value = v == "-" ? std::string() : from_hex(v);
    rd_kafka_header_add(hs, key.data(), static_cast<ssize_t>(key.size()), v == "-" ? nullptr : value.data(),
                        v == "-" ? 0 : static_cast<ssize_t>(value.size()));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return hs;
}

int produce(const std::string& bootstrap, const std::string& topic, int partitions) {
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, bootstrap,
                        {{"partitioner", "murmur2_random"}, {"enable.idempotence", "true"}, {"linger.ms", "5"}});
  create(rk, topic, partitions);
  std::string line;
  long count = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = split(line);
    if (f.size() != 3 && f.size() != 4) die("bad input line: " + line);
    bool null_key = f[0] == "\\N", null_value = f[1] == "\\N";
    for (;;) {
      rd_kafka_headers_t* hs = f.size() == 4 ? parse_headers(f[3]) : nullptr;
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY((null_key ? nullptr : f[0].data()), (null_key ? 0 : f[0].size())),
          RD_KAFKA_V_VALUE((null_value ? nullptr : f[1].data()), (null_value ? 0 : f[1].size())),
          RD_KAFKA_V_TIMESTAMP(std::stoll(f[2])), RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
      if (e && hs) rd_kafka_headers_destroy(hs);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 50);
        continue;
      }
      if (e) die(rd_kafka_err2str(e));
      break;
    }
    if (++count % 1000 == 0) rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 60000)) die("flush timed out");
  rd_kafka_destroy(rk);
  std::fprintf(stderr, "kafka_tool: wrote %ld records to %s\n", count, topic.c_str());
  return 0;
}

std::string hex(const void* p, size_t n) {
  if (!p) return "-";
  static const char* d = "0123456789abcdef";
  std::string out;
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[b[i] >> 4]);
    out.push_back(d[b[i] & 15]);
  }
  return out;
}

int consume(const std::string& bootstrap, const std::string& topic) {
  rd_kafka_t* rk = make(RD_KAFKA_CONSUMER, bootstrap,
                        {{"group.id", "kafka-tool"}, {"enable.auto.commit", "false"},
                         {"enable.partition.eof", "true"}, {"isolation.level", "read_committed"}});
  int n = partitions_of(rk, topic);
  if (n == 0) die("no topic " + topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  if (rd_kafka_assign(rk, list)) die("assign failed");
  rd_kafka_topic_partition_list_destroy(list);
  int eof = 0;
  std::vector<bool> at_end(static_cast<size_t>(n), false);
  while (eof < n) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 30000);
    if (!m) die("timed out reading " + topic);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (!at_end[static_cast<size_t>(m->partition)]) {
        at_end[static_cast<size_t>(m->partition)] = true;
        ++eof;
      }
    } else if (m->err) {
      die(rd_kafka_message_errstr(m));
    } else {
      std::string headers;
      rd_kafka_headers_t* hs = nullptr;
      if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR && hs) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
          headers += (i ? "," : "") + hex(name, std::strlen(name)) + ":" + hex(value, size);
      }
      std::printf("%d\t%lld\t%lld\t%s\t%s\t%s\n", m->partition, static_cast<long long>(m->offset),
                  static_cast<long long>(rd_kafka_message_timestamp(m, nullptr)), hex(m->key, m->key_len).c_str(),
                  hex(m->payload, m->len).c_str(), headers.c_str());
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

int remove(const std::string& bootstrap, const std::string& prefix) {
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, bootstrap, {});
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, 10000)) die("metadata failed");
  std::vector<rd_kafka_DeleteTopic_t*> del;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (std::string(md->topics[i].topic).find(prefix) != std::string::npos) del.push_back(rd_kafka_DeleteTopic_new(md->topics[i].topic));
  rd_kafka_metadata_destroy(md);
  if (!del.empty()) {
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, del.data(), del.size(), nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy_array(del.data(), del.size());
  }
  rd_kafka_destroy(rk);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::strcmp(argv[2], "produce") == 0) return produce(argv[1], argv[3], std::atoi(argv[4]));
  if (argc >= 4 && std::strcmp(argv[2], "consume") == 0) return consume(argv[1], argv[3]);
  if (argc >= 4 && std::strcmp(argv[2], "delete") == 0) return remove(argv[1], argv[3]);
  std::fprintf(stderr, "usage: kafka_tool BOOTSTRAP produce TOPIC PARTITIONS | consume TOPIC | delete PART\n");
  return 2;
}
