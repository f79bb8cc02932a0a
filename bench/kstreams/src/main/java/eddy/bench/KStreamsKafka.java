package eddy.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams peer through a real broker (bench/run.py's kafka mode): the windowed count of
 * KStreamsRunner as a KafkaStreams application reading a preloaded topic and writing its updates
 * to another, with the record cache off (every change emitted, as eddy's EMIT CHANGES), the
 * default at_least_once and RocksDB-free in-memory stores (changelogged to the broker). Prints
 * "ready" on stderr when the application is started, "start" when it reaches RUNNING (its
 * partitions assigned), "done" once the output topic holds EXPECTED records, then exits.
 *
 * <p>usage: KStreamsKafka BOOTSTRAP APPLICATION_ID IN_TOPIC OUT_TOPIC EXPECTED STATE_DIR
 */
public final class KStreamsKafka {
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: KStreamsKafka BOOTSTRAP APPLICATION_ID IN_TOPIC OUT_TOPIC EXPECTED STATE_DIR");
      System.exit(2);
    }
    String bootstrap = args[0], in = args[2], out = args[3];
    long expected = Long.parseLong(args[4]);
    Properties admin = new Properties();
    admin.put("bootstrap.servers", bootstrap);
    try (Admin a = Admin.create(admin)) {
      if (!a.listTopics().names().get().contains(out)) a.createTopics(List.of(new NewTopic(out, 1, (short) 1))).all().get();
    }
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[5]);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaStreams streams = new KafkaStreams(KStreamsRunner.windowedCount(in, out), p);
    AtomicBoolean running = new AtomicBoolean();
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && running.compareAndSet(false, true)) System.err.println("start");
    });
    streams.start();
    System.err.println("ready");
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(out).forEach(i -> parts.add(new TopicPartition(out, i.partition())));
      long have = 0;
      while (have < expected) {
        Thread.sleep(20);
        Map<TopicPartition, Long> ends = consumer.endOffsets(Set.copyOf(parts));
        have = ends.values().stream().mapToLong(Long::longValue).sum();
      }
      System.err.println("done");
      System.err.println("outputs " + have);
    }
    Runtime.getRuntime().halt(0);  // the figures are taken; a clean shutdown would only add time
  }
}
