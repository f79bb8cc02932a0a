package eddy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams peer: the windowed count and the truck tracker, written as a Kafka Streams
 * user would, run in this JVM by TopologyTestDriver (no broker). The stores are in-memory:
 * TopologyTestDriver commits after every record, which with RocksDB stores means a flush and a
 * checkpoint per record, far from how a deployed application runs; in-memory stores are the
 * fastest Kafka Streams can go, so eddy's ratio to it is a conservative one. Prints "ready" on stderr once the driver is up; then the JSON Lines files
 * `eddy gen` writes are read into memory (key, value and timestamp of each line, the value's JSON
 * as bytes, as a topic would hold it), "start" is printed, and every record is piped through the
 * topology; "done" and the number of output records follow.
 *
 * <p>usage: KStreamsRunner windowed_count|truck_tracker DATA_DIR STATE_DIR
 */
public final class KStreamsRunner {
  static final ObjectMapper JSON = new ObjectMapper();

  /** JSON values as Jackson trees, as ksqlDB's JSON serde would give. */
  static final Serde<JsonNode> JSON_SERDE =
      Serdes.serdeFrom(
          (Serializer<JsonNode>) (topic, v) -> {
            try {
              return v == null ? null : JSON.writeValueAsBytes(v);
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          },
          (Deserializer<JsonNode>) (topic, b) -> {
            try {
              return b == null ? null : JSON.readTree(b);
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          });

  record Rec(byte[] key, byte[] value, long ts) {}

  static List<Rec> load(Path file) throws Exception {
    List<Rec> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode n = JSON.readTree(line);
        JsonNode k = n.get("key");
        byte[] key = k == null || k.isNull() ? null : k.asText().getBytes(StandardCharsets.UTF_8);
        JsonNode v = n.get("value");
        byte[] value = v == null || v.isNull() ? null : JSON.writeValueAsBytes(v);
        out.add(new Rec(key, value, n.get("timestamp").asLong()));
      }
    }
    return out;
  }

  /** Bids per auction in 10-second tumbling windows, every change emitted. */
  static Topology windowedCount() {
    return windowedCount("bid", "out");
  }

  /** The same, reading topic `in` and writing topic `out`. */
  static Topology windowedCount(String in, String out) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(in, Consumed.with(Serdes.ByteArray(), JSON_SERDE))
        .map((k, v) -> KeyValue.pair(v.get("AUCTION").asLong(), v))
        .groupByKey(Grouped.with(Serdes.Long(), JSON_SERDE))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofHours(24)))
        .count(
            Materialized.<Long, Long>as(Stores.inMemoryWindowStore("counts", Duration.ofHours(25), Duration.ofSeconds(10), false))
                .withKeySerde(Serdes.Long())
                .withValueSerde(Serdes.Long()))
        .toStream()
        .map((w, c) -> KeyValue.pair(w.key(), c))
        .to(out, Produced.with(Serdes.Long(), Serdes.Long()));
    return b.build();
  }

  static double round2(double x) {
    return Math.round(x * 100.0) / 100.0;
  }

  /** Great-circle distance in km, as ksqlDB's GEO_DISTANCE. */
  static double geoDistance(double lat1, double lon1, double lat2, double lon2) {
    double dLat = Math.toRadians(lat2 - lat1), dLon = Math.toRadians(lon2 - lon1);
    double a =
        Math.pow(Math.sin(dLat / 2), 2)
            + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371 * Math.asin(Math.sqrt(a));
  }

  /** queries/truck_tracker.sql: pings joined with the job table, latest values per job. */
  static Topology truckTracker() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, JsonNode> jobs =
        b.table(
            "joblocation",
            Consumed.with(Serdes.String(), JSON_SERDE),
            Materialized.<String, JsonNode>as(Stores.inMemoryKeyValueStore("jobs"))
                .withKeySerde(Serdes.String())
                .withValueSerde(JSON_SERDE));
    KStream<String, JsonNode> pings = b.stream("tradie_truck_location", Consumed.with(Serdes.String(), JSON_SERDE));
    pings
        .selectKey((k, v) -> v.get("JOB_ID").asText())
        .join(
            jobs,
            (v, j) -> {
              double lat = v.get("LAT").asDouble(), lon = v.get("LONG").asDouble();
              double dlat = j.get("DEST_LAT").asDouble(), dlon = j.get("DEST_LONG").asDouble();
              ObjectNode o = JSON.createObjectNode();
              o.put("VEHICLE_ID", v.get("ID").asText());
              o.put("LAT", lat);
              o.put("LONG", lon);
              o.put("DEST_LAT", dlat);
              o.put("DEST_LONG", dlon);
              o.put("DISTANCE_FROM_DESTINATION", round2(geoDistance(lat, lon, dlat, dlon)));
              o.put("ETA_SECONDS", round2(Math.max(Math.abs(lat - dlat), Math.abs(lon - dlon)) / (0.5 / 10 / 10) * 2));
              return (JsonNode) o;
            },
            org.apache.kafka.streams.kstream.Joined.with(Serdes.String(), JSON_SERDE, JSON_SERDE))
        .groupByKey(Grouped.with(Serdes.String(), JSON_SERDE))
        .reduce(
            (old, latest) -> latest,
            Materialized.<String, JsonNode>as(Stores.inMemoryKeyValueStore("tracker"))
                .withKeySerde(Serdes.String())
                .withValueSerde(JSON_SERDE))
        .toStream()
        .to("out", Produced.with(Serdes.String(), JSON_SERDE));
    return b.build();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: KStreamsRunner windowed_count|truck_tracker DATA_DIR STATE_DIR");
      System.exit(2);
    }
    Path data = Path.of(args[1]);
    Topology topology;
    List<String> topics = new ArrayList<>();
    List<String> files = new ArrayList<>();
    switch (args[0]) {
      case "windowed_count" -> {
        topology = windowedCount();
        topics.add("bid");
        files.add("bid.jsonl");
      }
      case "truck_tracker" -> {
        topology = truckTracker();
        topics.add("joblocation");
        files.add("joblocation.jsonl");
        topics.add("tradie_truck_location");
        files.add("pings.jsonl");
      }
      default -> {
        System.err.println("unknown query " + args[0]);
        System.exit(2);
        return;
      }
    }
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "eddy-bench-" + args[0]);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
    // TopologyTestDriver commits after every record; with the record cache on, that is a cache
    // flush per record, so the cache is off and every change goes downstream (EMIT CHANGES).
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    long outputs = 0;
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, p, Instant.ofEpochMilli(0))) {
      System.err.println("ready");
      List<List<Rec>> inputs = new ArrayList<>();
      for (String f : files) inputs.add(load(data.resolve(f)));
      System.err.println("start");
      TestOutputTopic<byte[], byte[]> out =
          driver.createOutputTopic("out", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
      for (int t = 0; t < topics.size(); ++t) {
        TestInputTopic<byte[], byte[]> in =
            driver.createInputTopic(topics.get(t), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        int i = 0;
        for (Rec r : inputs.get(t)) {
          in.pipeInput(r.key(), r.value(), r.ts());
          if (++i % 1024 == 0) outputs += out.readRecordsToList().size();
        }
        outputs += out.readRecordsToList().size();
      }
    }
    System.err.println("done");
    System.err.println("outputs " + outputs);
  }
}
