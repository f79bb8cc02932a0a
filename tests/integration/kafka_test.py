#!/usr/bin/env python3
"""Integration tests of `eddy run` on a real Kafka broker (scripts/kafka.sh start).

    EDDY_KAFKA_BOOTSTRAP=127.0.0.1:9092 python3 tests/integration/kafka_test.py BUILD_DIR/bin/eddy

Records are written and read back with scripts/kafka_tool.cc (librdkafka, independent of eddy's
Kafka code; read_committed). Every run uses topics and a service id of its own. Expected results
come from the golden test's independently computed outputs, or are computed here from the
generated input. Ends with "N passed, M failed, K skipped".
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import socket
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
BOOTSTRAP = os.environ.get("EDDY_KAFKA_BOOTSTRAP", "")
QUERY = os.path.join(ROOT, "queries", "truck_tracker.sql")
GOLDEN = os.path.join(ROOT, "tests", "golden", "truck_tracker.json")
TMP = tempfile.mkdtemp(prefix="eddy-kafka-test-")
RUN = "%08x" % random.getrandbits(32)
TOOL = None


def murmur2_partition(key: bytes, partitions: int) -> int:
    """Java's Utils.murmur2 / Utils.toPositive, as the Java producer's default partitioner."""
    m, r, seed = 0x5BD1E995, 24, 0x9747B28C
    length = len(key)
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = key[i] | key[i + 1] << 8 | key[i + 2] << 16 | key[i + 3] << 24
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest, tail = length % 4, length - length % 4
    if rest >= 3:
        h ^= key[tail + 2] << 16
    if rest >= 2:
        h ^= key[tail + 1] << 8
    if rest >= 1:
        h ^= key[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


def headers_field(headers):
    """[(key str, value bytes or None), ...] -> kafka_tool's KEYHEX:VALUEHEX,... field."""
    return ",".join(k.encode().hex() + ":" + ("-" if v is None else v.hex()) for k, v in headers)


def produce(topic, partitions, records, bootstrap=None, timeout=300):
    """records: (key str or None, value str or None, timestamp[, headers as headers_field takes])."""
    null = "\\N"
    lines = "".join(f"{null if r[0] is None else r[0]}\t{null if r[1] is None else r[1]}\t{r[2]}"
                    + (f"\t{headers_field(r[3])}" if len(r) > 3 else "") + "\n" for r in records)
    r = subprocess.run([TOOL, bootstrap or BOOTSTRAP, "produce", topic, str(partitions)], input=lines, text=True,
                       capture_output=True, timeout=timeout)
    assert r.returncode == 0, r.stderr


def consume(topic, bootstrap=None, timeout=300):
    """Every committed record: dicts with partition, offset, key, value (str or None), headers
    ([(key str, value bytes or None), ...])."""
    r = subprocess.run([TOOL, bootstrap or BOOTSTRAP, "consume", topic], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr
    out = []
    for line in r.stdout.splitlines():
        p, o, ts, k, v, *rest = line.split("\t")
        headers = []
        for item in filter(None, (rest[0] if rest else "").split(",")):
            hk, hv = item.split(":")
            headers.append((bytes.fromhex(hk).decode(), None if hv == "-" else bytes.fromhex(hv)))
        out.append({"partition": int(p), "offset": int(o), "timestamp": int(ts),
                    "key": None if k == "-" else bytes.fromhex(k).decode(),
                    "value": None if v == "-" else bytes.fromhex(v).decode(), "headers": headers})
    return out


def eddy(args, bootstrap=None, **kw):
    return subprocess.Popen([EDDY, "run", "--bootstrap-servers", bootstrap or BOOTSTRAP] + args, cwd=TMP,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def count(topic):
    """How many committed records the topic holds (keys and values not decoded)."""
    r = subprocess.run([TOOL, BOOTSTRAP, "consume", topic], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return len(r.stdout.splitlines())


def by_key(records):
    """Per key, the values in offset order (a key lives in one partition)."""
    out = {}
    for r in sorted(records, key=lambda r: (r["partition"], r["offset"])):
        out.setdefault(r["key"], []).append(None if r["value"] is None else json.loads(r["value"]))
    return out


def test_truck_tracker_on_six_partitions():
    with open(GOLDEN) as f:
        case = json.load(f)["tests"][0]
    topics = {t: f"{t}_{RUN}" for t in ("joblocation", "tradie_truck_location", "truck_tracker")}
    sql = open(QUERY).read()
    for t, renamed in topics.items():
        sql = sql.replace(f"'{t}'", f"'{renamed}'")
    path = os.path.join(TMP, "truck_tracker.sql")
    with open(path, "w") as f:
        f.write(sql)
    # Timestamps move to now (order kept): the broker's retention would delete records of 1970.
    base = int(time.time() * 1000) - 60_000
    for t in ("joblocation", "tradie_truck_location"):
        recs = [(r["key"], None if r.get("value") is None else json.dumps(r["value"]), base + r.get("timestamp", 0))
                for r in case["inputs"] if r["topic"] == t]
        produce(topics[t], 6, recs)
    # The test client partitions as Java does; check that before trusting the expectations below.
    for r in consume(topics["tradie_truck_location"]):
        assert r["partition"] == murmur2_partition(r["key"].encode(), 6), f"input {r} not in murmur2's partition"
    p = eddy([path, "--state-dir", os.path.join(TMP, "tt"), "--service-id", f"tt_{RUN}", "--once"])
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    got = consume(topics["truck_tracker"])
    for r in got:
        assert r["partition"] == murmur2_partition(r["key"].encode(), 6), f"output {r} not in murmur2's partition"
    want = {}
    for o in case["outputs"]:
        want.setdefault(o["key"], []).append(o.get("value"))
    have = by_key(got)
    assert have == want, f"per key:\n  expected {want}\n  actual   {have}"


def test_repl_on_kafka_pull_and_push():
    """The REPL with --bootstrap-servers: statements on the cluster, a pull query from the
    table's state (by key and as a scan), a push query from the beginning with LIMIT."""
    t = f"rs_{RUN}"
    script = "\n".join([
        f"CREATE STREAM S (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='{t}', VALUE_FORMAT='JSON', PARTITIONS=3);",
        "INSERT INTO S (K, V) VALUES ('a', 1);",
        "INSERT INTO S (K, V) VALUES ('a', 5);",
        "INSERT INTO S (K, V) VALUES ('b', 2);",
        f"CREATE TABLE T_{RUN} AS SELECT K, SUM(V) AS TOTAL FROM S GROUP BY K;",
        f"SELECT * FROM T_{RUN} WHERE K = 'a';",
        f"SELECT * FROM T_{RUN};",
        "SET 'auto.offset.reset' = 'earliest';",
        "SELECT K, V FROM S WHERE K = 'b' EMIT CHANGES LIMIT 1;",
    ]) + "\n"
    r = subprocess.run([EDDY, "repl", "--bootstrap-servers", BOOTSTRAP, "--state-dir", os.path.join(TMP, "repl"),
                        "--service-id", f"repl_{RUN}", "--output", "json"],
                       input=script, capture_output=True, text=True, timeout=180, cwd=TMP)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    # By key: a's sum (1 + 5); the scan: a and b; the push query: b's one record.
    assert rows == [{"K": "a", "TOTAL": 6}, {"K": "a", "TOTAL": 6}, {"K": "b", "TOTAL": 2}, {"K": "b", "V": 2}], \
        r.stdout + r.stderr


def write_totals_sql(path, src, sink, partitions):
    """The per-key aggregation several tests run: count and sum of V per key K."""
    with open(path, "w") as f:
        f.write(f"""
CREATE STREAM NUMS (K VARCHAR KEY, V BIGINT) WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', PARTITIONS={partitions});
CREATE TABLE TOTALS WITH (KAFKA_TOPIC='{sink}', PARTITIONS={partitions}) AS
  SELECT K, COUNT(*) AS N, SUM(V) AS TOTAL FROM NUMS GROUP BY K EMIT CHANGES;
""")


def test_exactly_once_through_kill_9():
    n_records, n_keys, partitions = 100_000, 200, 6
    src, sink, service = f"nums_{RUN}", f"totals_{RUN}", f"eos_{RUN}"
    sql = os.path.join(TMP, "totals.sql")
    write_totals_sql(sql, src, sink, partitions)
    rng = random.Random(RUN)
    records = [(f"K{rng.randrange(n_keys)}", rng.randrange(1, 1000)) for _ in range(n_records)]
    want = {}
    for k, v in records:
        seq = want.setdefault(k, [])
        seq.append({"N": len(seq) + 1, "TOTAL": (seq[-1]["TOTAL"] if seq else 0) + v})
    state = os.path.join(TMP, "eos")
    # A killed member holds its partitions until the group gives up on it (session.timeout.ms):
    # the broker's minimum keeps the restarts quick.
    args = [sql, "--state-dir", state, "--service-id", service, "--set",
            "processing.guarantee=" + os.environ.get("EDDY_TEST_GUARANTEE", "exactly_once_v2"),
            "--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1000"]
    # The input arrives in chunks while eddy runs; eddy is killed at a random moment after each.
    chunks = 8
    size = n_records // chunks
    kills = 0
    progress = []
    start = time.time()
    base = int(start * 1000) - n_records
    for c in range(chunks):
        produce(src, partitions, [(k, json.dumps({"V": v}), base + c * size + i)
                                  for i, (k, v) in enumerate(records[c * size:(c + 1) * size])])
        if c == chunks - 1:
            break
        if c == 4:
            shutil.rmtree(state)  # a new instance: state restored from the changelog, offsets from Kafka
        # Killed at a random moment 0.5-3 s after its tasks start: while it works through the backlog
        # (the figures printed at the end say where each kill landed).
        p = eddy(args)
        deadline = time.time() + 60
        # (after the query's tasks start: the group has assigned the partitions)
        while time.time() < deadline and "runs partitions" not in (p.stderr.readline() or "runs partitions"):
            pass
        time.sleep(rng.uniform(0.5, 3.0))
        p.send_signal(signal.SIGKILL)
        p.communicate()
        kills += 1
        # How far it got: the updates committed so far, against the records written so far.
        progress.append((len(consume(sink)), (c + 1) * size))
    p = eddy(args + ["--once"])
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    got = by_key(consume(sink))
    missing = [k for k in want if got.get(k) != want[k]]
    if missing:
        k = missing[0]
        g, w = got.get(k, []), want[k]
        diff = next((i for i in range(max(len(g), len(w))) if i >= len(g) or i >= len(w) or g[i] != w[i]), None)
        raise AssertionError(f"{len(missing)} of {len(want)} keys differ; {k}: {len(w)} updates expected, "
                             f"{len(g)} read; first difference at update {diff}: expected "
                             f"{w[diff] if diff is not None and diff < len(w) else None}, read "
                             f"{g[diff] if diff is not None and diff < len(g) else None}")
    assert set(got) == set(want), "unexpected keys in the output"
    mid = sum(1 for done, written in progress if done < written)
    print(f"  {n_records} records, {n_keys} keys, {kills} kills (one with the state directory deleted), "
          f"{mid} of them before the chunk was done (updates committed/records written at each kill: "
          f"{', '.join(f'{d}/{w}' for d, w in progress)}); "
          f"{sum(len(s) for s in want.values())} updates exactly once in {time.time() - start:.0f} s")


def test_million_good_and_bad_records():
    """1,000,000 records, one in ten unreadable (truncated JSON, a string where a number goes, not
    JSON at all): every good one is processed, and every bad one is in the processing-log topic
    with its partition and offset; the query never stops."""
    n, partitions = 1_000_000, 6
    src, sink, service = f"mixed_{RUN}", f"mixed_out_{RUN}", f"mixed_{RUN}"
    sql = os.path.join(TMP, "mixed.sql")
    with open(sql, "w") as f:
        f.write(f"""
CREATE STREAM S (K VARCHAR KEY, V BIGINT) WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', PARTITIONS={partitions});
CREATE STREAM T WITH (KAFKA_TOPIC='{sink}', PARTITIONS={partitions}) AS SELECT K, V * 2 AS W FROM S;
""")
    bad_values = ['{"V": 12', '{"V": "twelve"}', 'not json']
    base = int(time.time() * 1000) - n
    rows, good_sum, good = [], 0, 0
    for i in range(n):
        if i % 10 == 7:
            rows.append((f"k{i % 1000}", bad_values[i % 3], base + i))
        else:
            rows.append((f"k{i % 1000}", '{"V": %d}' % i, base + i))
            good += 1
            good_sum += 2 * i
    produce(src, partitions, rows)
    # Where each bad record landed, from the topic itself.
    def readable(value):
        try:
            return isinstance(json.loads(value).get("V"), int)
        except (ValueError, AttributeError):
            return False
    bad_positions = {(r["partition"], r["offset"]) for r in consume(src) if not readable(r["value"])}
    assert len(bad_positions) == n // 10, len(bad_positions)
    p = eddy([sql, "--state-dir", os.path.join(TMP, "mixed"), "--service-id", service, "--once", "--no-listen"])
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-2000:]
    got = consume(sink)
    assert len(got) == good and sum(json.loads(r["value"])["W"] for r in got) == good_sum, \
        f"{len(got)} outputs (expected {good})"
    logged = [json.loads(r["value"]) for r in consume(f"{service}ksql_processing_log")]
    positions = {(e["partition"], e["offset"]) for e in logged if e["topic"] == src}
    assert positions == bad_positions and len(logged) == len(bad_positions), \
        f"{len(logged)} processing-log records, {len(positions & bad_positions)} of {len(bad_positions)} bad records"
    print(f"  {n} records, {len(bad_positions)} bad: all {good} good ones processed, every bad one in "
          f"{service}ksql_processing_log with its partition and offset")


def test_scale_out_two_instances_then_one():
    """Two instances of one service split the partitions of a query that re-keys (GROUP BY a
    value column: the records go through a repartition topic to the task of their group). One is
    killed with -9; the other takes over its partitions, restoring their state from the changelog,
    and the output is complete: every group's updates count 1..n exactly once, and the last one
    holds the group's count and sum over all the input."""
    partitions, n_groups = 6, 12
    src, sink, service = f"so_nums_{RUN}", f"so_totals_{RUN}", f"so_{RUN}"
    sql = os.path.join(TMP, "scale_out.sql")
    with open(sql, "w") as f:
        f.write(f"""
CREATE STREAM NUMS (K VARCHAR KEY, G VARCHAR, V BIGINT) WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', PARTITIONS={partitions});
CREATE TABLE TOTALS WITH (KAFKA_TOPIC='{sink}', PARTITIONS={partitions}) AS
  SELECT G, COUNT(*) AS N, SUM(V) AS TOTAL FROM NUMS GROUP BY G EMIT CHANGES;
""")
    rng = random.Random(RUN + "so")
    records = [(f"K{rng.randrange(500)}", f"G{rng.randrange(n_groups)}", rng.randrange(1, 100)) for _ in range(20_000)]
    want = {}
    for _, g, v in records:
        n, t = want.get(g, (0, 0))
        want[g] = (n + 1, t + v)
    base = int(time.time() * 1000) - len(records)
    rows = [(k, json.dumps({"G": g, "V": v}), base + i) for i, (k, g, v) in enumerate(records)]
    half = len(rows) // 2
    produce(src, partitions, rows[:half])
    common = ["--service-id", service, "--set", "processing.guarantee=exactly_once_v2",
              "--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1000",
              "--set", "ksql.streams.repartition.purge.interval.ms=1000"]
    a = eddy([sql, "--state-dir", os.path.join(TMP, "so_a")] + common)
    b = eddy([sql, "--state-dir", os.path.join(TMP, "so_b")] + common)
    lines = {"a": [], "b": []}
    import threading
    def drain(name, p):
        for line in p.stderr:
            lines[name].append(line)
    threads = [threading.Thread(target=drain, args=(n, p), daemon=True) for n, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()

    def owned(name):
        """The partitions an instance said it runs last."""
        for line in reversed(lines[name]):
            if "runs partitions [" in line:
                return set(int(x) for x in line.split("[")[1].split("]")[0].split(",") if x)
        return None
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            oa, ob = owned("a"), owned("b")
            if oa and ob and oa | ob == set(range(partitions)) and not oa & ob:
                break
            time.sleep(0.5)
        oa, ob = owned("a"), owned("b")
        assert oa and ob and not oa & ob and oa | ob == set(range(partitions)), \
            f"the two instances did not split the partitions: a {oa}, b {ob}\n{''.join(lines['a'][-5:])}{''.join(lines['b'][-5:])}"
        time.sleep(2)
        a.send_signal(signal.SIGKILL)
        a.wait()
        produce(src, partitions, rows[half:])
        deadline = time.time() + 120
        while time.time() < deadline and owned("b") != set(range(partitions)):
            time.sleep(0.5)
        assert owned("b") == set(range(partitions)), f"b did not take over: {owned('b')}\n{''.join(lines['b'][-8:])}"
        last = {}
        while time.time() < deadline:
            got = by_key(consume(sink))
            last = {g: (vals[-1]["N"], vals[-1]["TOTAL"]) for g, vals in got.items() if vals and vals[-1]}
            if last == want:
                break
            time.sleep(1)
        assert last == want, f"final (count, sum) per group:\n  expected {want}\n  actual   {last}"
        for g, vals in got.items():
            counts = [v["N"] for v in vals]
            assert counts == list(range(1, want[g][0] + 1)), f"{g}: updates not exactly once: {counts[:20]}..."
        # Consumed and committed repartition records are purged (every second here).
        repartition = f"_confluent-ksql-{service}query_CTAS_TOTALS_0-0-repartition"
        deadline = time.time() + 10
        left = count(repartition)
        while left >= len(records) and time.time() < deadline:
            time.sleep(1)
            left = count(repartition)
        assert left < len(records), f"{repartition} still holds {left} of the {len(records)} records written to it"
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
    print(f"  {len(records)} records over {partitions} partitions; a ran {sorted(oa)}, b {sorted(ob)}; "
          f"a killed, b took over all {partitions} with state restored; {left} left in the repartition topic")


def test_record_headers_in_and_out():
    """HEADER('k') and HEADERS columns read from Kafka record headers, and the outputs carry their
    input's headers, as Kafka Streams forwards them (ksqlDB's headers.json, on a broker)."""
    src, sink, service = f"hdr_{RUN}", f"hdr_out_{RUN}", f"hdr_{RUN}"
    sql = os.path.join(TMP, "headers.sql")
    with open(sql, "w") as f:
        f.write(f"""
CREATE STREAM S (K VARCHAR KEY, V BIGINT, H1 BYTES HEADER('abc'), HS ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS)
  WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM T WITH (KAFKA_TOPIC='{sink}') AS SELECT K, V, H1, LEN(H1) AS L, ARRAY_LENGTH(HS) AS N FROM S;
""")
    base = int(time.time() * 1000)
    inputs = [
        ("k1", '{"V": 1}', base, []),
        ("k2", '{"V": 2}', base + 1, [("abc", b"\x1a"), ("abc", b"!"), ("def", b"#")]),
        ("k3", '{"V": 3}', base + 2, [("abc", None), ("x", b"\x00\xff")]),
    ]
    produce(src, 1, inputs)
    p = eddy([sql, "--state-dir", os.path.join(TMP, "headers"), "--service-id", service, "--once", "--no-listen"])
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-2000:]
    got = sorted(consume(sink), key=lambda r: r["offset"])
    # Worked out by hand: H1 is the last "abc" header (base64 in JSON), null when absent or null.
    want = [("k1", {"V": 1, "H1": None, "L": None, "N": 0}, []),
            ("k2", {"V": 2, "H1": "IQ==", "L": 1, "N": 3}, inputs[1][3]),
            ("k3", {"V": 3, "H1": None, "L": None, "N": 2}, inputs[2][3])]
    assert [(r["key"], json.loads(r["value"]), r["headers"]) for r in got] == \
        want, got
    print(f"  {len(got)} records: header columns read and headers carried to {sink}")


def test_command_topic_resumes_on_a_fresh_instance():
    """The catalog lives in the service's command topic: an instance started with a fresh state
    directory and no query file resumes the streams, tables and queries another instance created,
    continuing from the committed offsets with its state restored from the changelog."""
    partitions = 4
    src, sink, service = f"ct_nums_{RUN}", f"ct_totals_{RUN}", f"ct_{RUN}"
    sql = os.path.join(TMP, "command_topic.sql")
    statements = [
        f"CREATE STREAM NUMS (K VARCHAR KEY, V BIGINT) WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', "
        f"PARTITIONS={partitions})",
        f"CREATE TABLE TOTALS WITH (KAFKA_TOPIC='{sink}') AS SELECT K, COUNT(*) AS N, SUM(V) AS TOTAL FROM NUMS "
        f"GROUP BY K EMIT CHANGES",
    ]
    with open(sql, "w") as f:
        f.write(";\n".join(statements) + ";\n")  # the topic holds each statement's text, as parsed
    rng = random.Random(RUN + "ct")
    records = [(f"K{rng.randrange(20)}", rng.randrange(1, 100)) for _ in range(2_000)]
    base = int(time.time() * 1000) - len(records)
    rows = [(k, json.dumps({"V": v}), base + i) for i, (k, v) in enumerate(records)]
    half = len(rows) // 2
    produce(src, partitions, rows[:half])
    common = ["--once", "--no-listen", "--service-id", service]
    a = eddy([sql, "--state-dir", os.path.join(TMP, "ct_a")] + common)
    _, err = a.communicate(timeout=120)
    assert a.returncode == 0, f"first instance failed: {err[-1500:]}"
    commands = consume(f"_confluent-ksql-{service}_command_topic")
    texts = [c["value"].strip() for c in commands]
    assert texts == statements, f"the command topic holds {texts}"
    produce(src, partitions, rows[half:])
    b = eddy(["--state-dir", os.path.join(TMP, "ct_b")] + common)  # no file: the topic says what to run
    _, err = b.communicate(timeout=120)
    assert b.returncode == 0, f"the fresh instance failed: {err[-1500:]}"
    want = {}
    for k, v in records:
        n, t = want.get(k, (0, 0))
        want[k] = (n + 1, t + v)
    got = by_key(consume(sink))
    last = {k: (vals[-1]["N"], vals[-1]["TOTAL"]) for k, vals in got.items() if vals and vals[-1]}
    assert last == want, f"final (count, sum) per key:\n  expected {want}\n  actual   {last}"
    assert len(consume(f"_confluent-ksql-{service}_command_topic")) == 2, "the fresh instance added statements"
    print(f"  {len(records)} records; the second instance ran {len(texts)} statements from the command topic")


def free_ports(n):
    """A port p on 127.0.0.1 with p .. p+n-1 all free."""
    for _ in range(100):
        p = random.randrange(20000, 40000)
        socks = []
        try:
            for q in range(p, p + n):
                sk = socket.socket()
                socks.append(sk)
                sk.bind(("127.0.0.1", q))
            return p
        except OSError:
            continue
        finally:
            for sk in socks:
                sk.close()
    raise AssertionError(f"no {n} free ports in a row on 127.0.0.1")


class OwnBroker:
    """A broker of this test's own (scripts/kafka.sh on free ports, data in a temporary directory),
    to stop and start without disturbing the shared one. close() stops it and deletes its data."""

    def __init__(self):
        self.port = free_ports(3)  # client, controller, SASL
        self.data = tempfile.mkdtemp(prefix="eddy-kafka-broker-")
        self.env = dict(os.environ, EDDY_KAFKA_PORT=str(self.port), EDDY_KAFKA_DATA=self.data,
                        EDDY_KAFKA_TIMEOUT="45")
        self.bootstrap = f"127.0.0.1:{self.port}"

    def run(self, what):
        r = subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), what], env=self.env, capture_output=True,
                           text=True, timeout=75)
        assert r.returncode == 0, f"kafka.sh {what} on port {self.port} failed: {r.stderr[-1500:]}"

    def close(self):
        try:
            self.run("stop")
        finally:
            shutil.rmtree(self.data, ignore_errors=True)


class Eddy:
    """An `eddy run` whose stderr is collected as it comes, with its REST API on a free port."""

    def __init__(self, args, bootstrap=None):
        self.port = free_ports(1)
        self.p = eddy(args + ["--listen", f"127.0.0.1:{self.port}"], bootstrap=bootstrap)
        self.lines = []
        threading.Thread(target=lambda: [self.lines.append(l) for l in self.p.stderr], daemon=True).start()

    def stderr(self):
        return "".join(self.lines)

    def wait_for(self, text, timeout):
        deadline = time.time() + timeout
        while text not in self.stderr():
            assert self.p.poll() is None, f"eddy exited ({self.p.returncode}) before '{text}':\n{self.stderr()[-2000:]}"
            assert time.time() < deadline, f"no '{text}' from eddy within {timeout} s:\n{self.stderr()[-2000:]}"
            time.sleep(0.05)

    def metrics(self, query_id):
        """This query's figures on /metrics: {family: value}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=20) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line.startswith("eddy_query_") and f'{{query_id="{query_id}"}}' in line:
                out[line.split("{")[0]] = int(line.rsplit(" ", 1)[1])
        return out

    def ksql(self, statement):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/ksql", data=json.dumps({"ksql": statement}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read().decode())

    def cpu_seconds(self):
        """User and system CPU time the process has used so far."""
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def test_broker_restarted_mid_run():
    """The broker stops while eddy works through a backlog and comes back after several seconds:
    eddy waits (no exit, no busy loop), reconnects and finishes with nothing lost, under
    at_least_once and exactly_once_v2 (read_committed: nothing twice either). On a broker of its
    own, so the shared one is left alone."""
    n_first, n_second, n_keys, partitions = 60_000, 20_000, 100, 4
    broker = OwnBroker()
    runs = []
    try:
        broker.run("start")
        bs = broker.bootstrap
        rng = random.Random(RUN + "br")
        base = int(time.time() * 1000) - n_first - n_second
        for guarantee in ("at_least_once", "exactly_once_v2"):
            tag = "alo" if guarantee == "at_least_once" else "eos"
            src, sink = f"br_{tag}_{RUN}", f"br_{tag}_out_{RUN}"
            sql = os.path.join(TMP, f"broker_{tag}.sql")
            write_totals_sql(sql, src, sink, partitions)
            records = [(f"K{rng.randrange(n_keys)}", rng.randrange(1, 1000)) for _ in range(n_first + n_second)]
            want = {}
            for k, v in records:
                n, t = want.get(k, (0, 0))
                want[k] = (n + 1, t + v)
            rows = [(k, json.dumps({"V": v}), base + i) for i, (k, v) in enumerate(records)]
            produce(src, partitions, rows[:n_first], bootstrap=bs, timeout=60)
            runs.append({"guarantee": guarantee, "src": src, "sink": sink, "rows": rows, "want": want,
                         "args": [sql, "--state-dir", os.path.join(TMP, f"broker_{tag}"), "--service-id",
                                  f"br_{tag}_{RUN}", "--set", "processing.guarantee=" + guarantee]})
        for r in runs:
            r["eddy"] = Eddy(r["args"], bootstrap=bs)
        for r in runs:
            r["eddy"].wait_for("runs partitions", 30)
        time.sleep(0.3)
        for r in runs:  # how far each got when the broker went away
            r["in_at_stop"] = r["eddy"].metrics("CTAS_TOTALS_0").get("eddy_query_records_in_total")
        cpu = [r["eddy"].cpu_seconds() for r in runs]
        down = time.time()
        broker.run("stop")
        time.sleep(5)
        for r in runs:
            assert r["eddy"].p.poll() is None, \
                f"{r['guarantee']}: eddy exited while the broker was down:\n{r['eddy'].stderr()[-2000:]}"
        broker.run("start")
        wall = time.time() - down
        for r, before in zip(runs, cpu):
            used = r["eddy"].cpu_seconds() - before
            assert used < 0.5 * wall, f"{r['guarantee']}: eddy used {used:.1f} s of CPU in the {wall:.1f} s without a broker"
            r["cpu"] = used
        for r in runs:  # more input once the broker is back
            produce(r["src"], partitions, r["rows"][n_first:], bootstrap=bs, timeout=60)
        deadline = time.time() + 45
        for r in runs:
            while True:
                assert r["eddy"].p.poll() is None, \
                    f"{r['guarantee']}: eddy exited after the broker came back:\n{r['eddy'].stderr()[-2000:]}"
                got = by_key(consume(r["sink"], bootstrap=bs, timeout=30))
                last = {k: (vals[-1]["N"], vals[-1]["TOTAL"]) for k, vals in got.items() if vals and vals[-1]}
                if last == r["want"] or time.time() > deadline:
                    break
                time.sleep(1)
            differ = [k for k in r["want"] if last.get(k) != r["want"][k]]
            assert not differ and set(last) == set(r["want"]), \
                (f"{r['guarantee']}: {len(differ)} of {len(r['want'])} keys' final (count, sum) differ, e.g. "
                 f"{differ[:1] and (differ[0], r['want'][differ[0]], last.get(differ[0]))}\n{r['eddy'].stderr()[-2000:]}")
            for k, vals in got.items():
                counts = [v["N"] for v in vals]
                if r["guarantee"] == "exactly_once_v2":  # read_committed: every update exactly once
                    assert counts == list(range(1, r["want"][k][0] + 1)), f"{k}: updates not exactly once: {counts[:30]}"
                else:  # none missing (repeats allowed)
                    assert set(counts) == set(range(1, r["want"][k][0] + 1)), f"{k}: updates missing"
            assert "the cluster is unreachable" in r["eddy"].stderr(), \
                f"{r['guarantee']}: no line saying the cluster went away:\n{r['eddy'].stderr()[-2000:]}"
        for r in runs:
            assert r["eddy"].stop() == 0, f"{r['guarantee']}: SIGTERM: exit {r['eddy'].p.returncode}\n{r['eddy'].stderr()[-1500:]}"
            if os.environ.get("EDDY_TEST_VERBOSE"):
                print(f"  --- {r['guarantee']}: eddy's stderr\n{r['eddy'].stderr()}")
    finally:
        for r in runs:
            if "eddy" in r:
                r["eddy"].stop()
        broker.close()
    print("  broker down for %.0f s; " % wall + "; ".join(
        f"{r['guarantee']}: {r['in_at_stop']} of {n_first} records read when it stopped, "
        f"{r['cpu']:.1f} s CPU while it was away, all {n_first + n_second} counted"
        + (" exactly once" if r["guarantee"] == "exactly_once_v2" else "") for r in runs))


def test_lag_errors_and_restore_progress():
    """/metrics and DESCRIBE EXTENDED show a query's consumer lag (0 once caught up), its records
    and processing errors, and after a restart with the state directory wiped, the changelog
    records its tasks restored. Expected figures come from what the test wrote and from the
    changelog topics read back."""
    partitions, n_good, n_bad = 3, 3000, 30
    src, sink, service = f"lag_{RUN}", f"lag_out_{RUN}", f"lag_{RUN}"
    sql = os.path.join(TMP, "lag.sql")
    write_totals_sql(sql, src, sink, partitions)
    base = int(time.time() * 1000) - n_good - n_bad
    rows = [(f"K{i % 50}", json.dumps({"V": i}), base + i) for i in range(n_good)]
    rows += [(f"K{i % 50}", "not json", base + n_good + i) for i in range(n_bad)]
    produce(src, partitions, rows)
    qid = "CTAS_TOTALS_0"
    args = [sql, "--service-id", service, "--set", "kafka.session.timeout.ms=6000",
            "--set", "kafka.heartbeat.interval.ms=1000"]

    def caught_up(e, records_in, timeout=60):
        deadline = time.time() + timeout
        while True:
            m = e.metrics(qid)
            if m.get("eddy_query_consumer_lag") == 0 and m.get("eddy_query_records_in_total") == records_in:
                return m
            assert e.p.poll() is None, f"eddy exited: {e.stderr()[-1500:]}"
            assert time.time() < deadline, f"not caught up within {timeout} s: {m}"
            time.sleep(0.5)

    a = Eddy(args + ["--state-dir", os.path.join(TMP, "lag_a")])
    try:
        a.wait_for("runs partitions", 60)
        m = caught_up(a, n_good)
        assert m["eddy_query_processing_errors_total"] == n_bad, m
        assert m["eddy_query_restoring"] == 0 and m["eddy_query_restored_records_total"] == 0, m
        d = a.ksql("DESCRIBE TOTALS EXTENDED;")[0]["sourceDescription"]
        assert f"{qid}: {n_good} records in" in d["statistics"] and ", lag 0," in d["statistics"], d["statistics"]
        assert d["errorStats"].strip() == f"{qid}: {n_bad} processing errors", d["errorStats"]
        assert a.stop() == 0, a.stderr()[-1500:]
    finally:
        a.stop()
    # A new instance with an empty state directory restores every store from its changelog.
    b = Eddy(args + ["--state-dir", os.path.join(TMP, "lag_b")])
    try:
        b.wait_for("runs partitions", 60)
        m = caught_up(b, 0)
        changelogs = sorted({l.split(" from ")[1].strip() for l in b.lines if "restored" in l and " from " in l})
        assert changelogs, f"no changelog restored:\n{b.stderr()[-1500:]}"
        in_changelogs = sum(count(t) for t in changelogs)
        assert in_changelogs > 0
        assert m["eddy_query_restored_records_total"] == in_changelogs, (m, changelogs, in_changelogs)
        # at_least_once: no transaction markers, nothing compacted yet: every offset is a record.
        assert m["eddy_query_records_to_restore_total"] == in_changelogs, (m, in_changelogs)
        assert m["eddy_query_restoring"] == 0, m
        text = b.ksql("DESCRIBE TOTALS EXTENDED;")[0]["sourceDescription"]["statistics"]
        assert f"running, lag 0, restored {in_changelogs} of {in_changelogs} changelog records" in text, text
    finally:
        b.stop()
    print(f"  {n_good} records and {n_bad} bad ones: lag 0 once caught up, {n_bad} errors; "
          f"a fresh instance restored {in_changelogs} changelog records from {len(changelogs)} topics")


def main():
    global TOOL
    if not BOOTSTRAP:
        print("kafka: EDDY_KAFKA_BOOTSTRAP not set (scripts/kafka.sh start); skipped")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    TOOL = subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), "tool"], capture_output=True, text=True,
                          check=True).stdout.strip()
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    only = sys.argv[2:]
    passed = failed = 0
    for t in tests:
        if only and t.__name__ not in only:
            continue
        start = time.time()
        try:
            t()
            passed += 1
            print(f"ok   {t.__name__} ({time.time() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001 - report and go on
            failed += 1
            print(f"FAIL {t.__name__} ({time.time() - start:.1f} s): {e}")
    subprocess.run([TOOL, BOOTSTRAP, "delete", RUN], capture_output=True)  # this run's topics
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
