#!/usr/bin/env python3
"""Every query file in queries/ on generated marketplace data, embedded and on a real Kafka broker.

    EDDY_KAFKA_BOOTSTRAP=127.0.0.1:9092 python3 tests/integration/marketplace_test.py BUILD_DIR/bin/eddy

`eddy gen marketplace` writes a few hundred jobs' worth of every topic of the data contract
(queries/README.md) as files, and the same records (same seed and options) to topics of this run
on the broker. Each queries/*.sql file (a glob: new files are picked up as they land) then runs
(a) embedded, `eddy run --once --input TOPIC=FILE ...`, and (b) on the broker, `eddy run --once
--bootstrap-servers ...` with its topics renamed for this run; each of its persistent queries'
sinks is followed (`--follow NAME --output json`). The two runs must agree: for a table sink the
final value per key (a windowed table: every row, as it is emitted once per window), for a stream
sink the multiset of records (order-insensitive). A sink with no output at all on the generated
data fails: the generator must exercise every query. On the broker, the sink topic must also
hold as many records as were followed. Without EDDY_KAFKA_BOOTSTRAP only the embedded runs are
checked. Ends with "N passed, M failed, K skipped".
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kafka_test as kt  # noqa: E402 - its broker helpers (the test client, topic naming, cleanup)

ROOT = kt.ROOT
EDDY = kt.EDDY
BOOTSTRAP = kt.BOOTSTRAP
RUN = kt.RUN
os.rmdir(kt.TMP)  # made empty on import; this test has its own
TMP = tempfile.mkdtemp(prefix="eddy-marketplace-test-")
PREFIX = f"mkt_{RUN}_"
QUERIES = os.path.join(ROOT, "queries")
# The query files issue #10 asks for; one missing is skipped (with the reason) until it lands.
EXPECTED = ["truck_tracker", "price_enrichment", "feedback_insights", "job_fanout", "scheduling_integrity"]
CONTRACT_TOPICS = {"jobs", "tradespeople", "quotes", "promo_codes", "currency_rates", "payments", "appointments",
                   "job_status", "feedback", "joblocation", "tradie_truck_location"}


# Two data sets of 100 jobs a day. EXERCISE: four days from the default start (a Wednesday), so
# that the data crosses a weekly window's end and its grace period: every query must have output
# on it (embedded). AGREE: two days starting six days ago, for the embedded and the Kafka runs
# alike: the broker deletes records older than its retention (7 days) and refuses timestamps
# more than an hour ahead, so data for it lies in the last week.
EXERCISE_ARGS = ["--jobs-per-day", "100", "--days", "4", "--seed", "10"]
AGREE_ARGS = ["--jobs-per-day", "100", "--days", "2", "--seed", "10"]


def recent_start():
    day = 86_400_000
    return (int(time.time() * 1000) - 6 * day) // 3_600_000 * 3_600_000


def statements(sql):
    """The CREATE ... AS SELECT statements: (kind, name, windowed) per persistent query's sink."""
    body = re.sub(r"--[^\n]*", "", sql)
    out = []
    for stmt in body.split(";"):
        m = re.match(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(STREAM|TABLE)\s+(\w+|`[^`]+`)\b(.*)$", stmt, re.S | re.I)
        if not m or not re.search(r"\bAS\s+SELECT\b", m.group(3), re.I):
            continue
        name = m.group(2).strip("`") if m.group(2).startswith("`") else m.group(2).upper()
        windowed = bool(re.search(r"\bWINDOW\s+(TUMBLING|HOPPING|SESSION)\b", m.group(3), re.I))
        out.append((m.group(1).upper(), name, windowed))
    return out


def source_topics(sql):
    body = re.sub(r"--[^\n]*", "", sql)
    return sorted({t for t in re.findall(r"KAFKA_TOPIC\s*=\s*'([^']+)'", body, re.I) if t in CONTRACT_TOPICS})


def renamed(sql):
    """The file with every topic renamed for this run; a sink without KAFKA_TOPIC gets one."""
    sql = re.sub(r"(KAFKA_TOPIC\s*=\s*')([^']+)(')", lambda m: m.group(1) + PREFIX + m.group(2) + m.group(3), sql,
                 flags=re.I)
    parts = []
    for stmt in sql.split(";"):
        code = re.sub(r"--[^\n]*", "", stmt)
        m = re.match(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:STREAM|TABLE)\s+(\w+)", code, re.I)
        if m and re.search(r"\bAS\s+SELECT\b", code, re.I) and not re.search(r"KAFKA_TOPIC", code, re.I):
            topic = PREFIX + m.group(1).lower()
            if re.search(r"\b" + m.group(1) + r"\s+WITH\s*\(", stmt, re.I):
                stmt = re.sub(r"(\b" + m.group(1) + r"\s+WITH\s*\()", r"\1KAFKA_TOPIC='" + topic + "', ", stmt,
                              count=1, flags=re.I)
            else:
                stmt = re.sub(r"(\b" + m.group(1) + r")(\s+AS\s+SELECT\b)", r"\1 WITH (KAFKA_TOPIC='" + topic + r"')\2",
                              stmt, count=1, flags=re.I)
        parts.append(stmt)
    return ";".join(parts)


def describe(path, names):
    """Per sink: (columns, key columns, topic) from DESCRIBE in a throwaway REPL."""
    script = f"RUN SCRIPT '{path}';\n" + "".join(f"DESCRIBE `{n}`;\n" for n in names)
    r = subprocess.run([EDDY, "repl", "--state-dir", os.path.join(TMP, "describe_" + os.path.basename(path))],
                       input=script, capture_output=True, text=True, timeout=120, cwd=TMP)
    if r.returncode != 0:
        raise AssertionError(f"DESCRIBE failed: {(r.stdout + r.stderr)[-1500:]}")
    out, cols, keys = {}, [], []
    for line in r.stdout.splitlines():
        m = re.match(r"\|\s*(\S+)\s*\|\s*(.*?)\s*\|$", line)
        if m and m.group(1) != "Field":
            cols.append(m.group(1))
            if "key)" in m.group(2):
                keys.append(m.group(1))
        m = re.match(r"Name\s*:\s*(\S+)", line)
        if m:
            out[m.group(1)] = {"columns": cols, "keys": keys}
            cols, keys = [], []
        m = re.match(r"Kafka topic\s*:\s*(\S+)", line)
        if m and out:
            list(out.values())[-1]["topic"] = m.group(1)
    missing = [n for n in names if n not in out]
    if missing:
        raise AssertionError(f"DESCRIBE gave nothing for {missing}: {r.stdout[-1500:]}")
    return out


def run_eddy(args, label):
    try:
        r = subprocess.run([EDDY, "run", "--once", "--no-listen", "--output", "json", *args], capture_output=True,
                           text=True, errors="backslashreplace", timeout=600, cwd=TMP)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{label} run did not finish in 600 s")
    if r.returncode != 0:
        raise AssertionError(f"{label} run failed (exit {r.returncode}): {r.stderr[-2000:]}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def split_by_sink(rows, sinks, desc):
    """Followed rows, attributed to their sink by their columns (sinks with the same columns
    share one bucket)."""
    bucket_of = {}
    for kind, name, windowed in sinks:
        bucket_of.setdefault(frozenset(desc[name]["columns"]), []).append(name)
    out = {tuple(v): [] for v in bucket_of.values()}
    for row in rows:
        cols = frozenset(k for k in row if k != "__tombstone")
        names = bucket_of.get(cols)
        if names is None:
            raise AssertionError(f"a followed row matches no sink's columns: {row}")
        out[tuple(names)].append(row)
    return out


def canon(row):
    """A row as text; arrays as multisets: the order COLLECT_LIST gathers records from several
    partitions in is not defined (it depends on how the partitions' records interleave)."""
    def norm(v):
        if isinstance(v, list):
            return sorted((norm(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return json.dumps(norm(row), sort_keys=True)


def summary(rows, kind, windowed, keys):
    """What must agree: a table's final value per key, else the multiset of records."""
    if kind == "TABLE" and not windowed and keys:
        final = {}
        for row in rows:
            k = tuple(row.get(c) for c in keys)
            final[json.dumps(k)] = None if row.get("__tombstone") else canon(row)
        return {k: v for k, v in final.items() if v is not None}
    return Counter(canon(r) for r in rows)


def diff(a, b, limit=3):
    if isinstance(a, Counter):
        only_a, only_b = list((a - b).elements())[:limit], list((b - a).elements())[:limit]
        return f"{sum((a - b).values())} only embedded {only_a}; {sum((b - a).values())} only on Kafka {only_b}"
    ka, kb = set(a), set(b)
    differ = [k for k in ka & kb if a[k] != b[k]][:limit]
    return (f"{len(ka - kb)} keys only embedded {sorted(ka - kb)[:limit]}; {len(kb - ka)} only on Kafka "
            f"{sorted(kb - ka)[:limit]}; {len([k for k in ka & kb if a[k] != b[k]])} differ, e.g. "
            f"{[(k, a[k], b[k]) for k in differ]}")


def topic_rows(topic, d):
    """A sink topic's records as followed rows: the key's columns (a KAFKA-format string key, or a
    JSON key) and the JSON value's; a null value is a tombstone."""
    r = subprocess.run([kt.TOOL, BOOTSTRAP, "consume", topic], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"reading {topic}: {r.stderr}")
    rows = []
    for line in r.stdout.splitlines():
        _, _, _, key, value = line.split("\t")[:5]
        row = {}
        if key != "-":
            text = bytes.fromhex(key).decode()
            if text[:1] in ("{", '"'):  # a JSON key: an object of the key columns, or one value
                parsed = json.loads(text)
                row.update(parsed if isinstance(parsed, dict) else {d["keys"][0]: parsed})
            else:
                row[d["keys"][0]] = text  # a KAFKA-format string key: the string's bytes
        if value == "-":
            row["__tombstone"] = True
        else:
            row.update(json.loads(bytes.fromhex(value).decode()))
        rows.append(row)
    return rows


def count_topic(topic):
    r = subprocess.run([kt.TOOL, BOOTSTRAP, "consume", topic], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"reading {topic}: {r.stderr}")
    return len(r.stdout.splitlines())


# Query files whose Kafka run does not agree with the embedded one yet, with why (issue #7/#10).
# Their embedded runs are still checked; their Kafka runs are skipped, so that a known failure
# does not cost make test its 600 s timeout. EDDY_MARKETPLACE_KAFKA_ALL=1 runs them anyway: remove
# a line here once its file agrees.
KAFKA_KNOWN = {}


def check_file(path, exercise_dir, data_dir):
    stem = os.path.splitext(os.path.basename(path))[0]
    sql = open(path).read()
    sinks = statements(sql)
    if not sinks:
        raise AssertionError("no CREATE STREAM|TABLE ... AS SELECT in the file")
    desc = describe(path, [n for _, n, _ in sinks])
    follows = []
    for _, n, _ in sinks:
        follows += ["--follow", n]

    def embedded_run(d, label):
        return split_by_sink(run_eddy(["--state-dir", os.path.join(TMP, label + "_" + stem), *inputs_of(d), *follows,
                                       path], "embedded"), sinks, desc)
    def by_sink(d, label):
        """Each sink's followed rows. Sinks with the same columns can't be told apart in one run's
        output: each of those gets a run of its own that follows only it."""
        out = {}
        for names, rows in embedded_run(d, label).items():
            if len(names) == 1:
                out[names[0]] = rows
                continue
            for n in names:
                alone = [x for x in sinks if x[1] == n]
                out[n] = split_by_sink(run_eddy(["--state-dir", os.path.join(TMP, f"{label}_{stem}_{n}"),
                                                 *inputs_of(d), "--follow", n, path], "embedded"),
                                       alone, desc)[(n,)]
        return out

    def inputs_of(d):
        inputs = []
        for t in source_topics(sql):
            inputs += ["--input", f"{t}={os.path.join(d, t + '.jsonl')}"]
        return inputs

    notes = []
    for name, rows in by_sink(exercise_dir, "exercise").items():
        if not rows:
            raise AssertionError(f"{name}: no output on the generated data")
        notes.append(f"{name} {len(rows)}")
    if not BOOTSTRAP:
        return f"every sink has output ({', '.join(notes)} rows); Kafka skipped", True
    if stem in KAFKA_KNOWN and not os.environ.get("EDDY_MARKETPLACE_KAFKA_ALL"):
        return f"every sink has output ({', '.join(notes)} rows); Kafka skipped: {KAFKA_KNOWN[stem]}", True
    embedded = by_sink(data_dir, "agree")
    kpath = os.path.join(TMP, stem + "_kafka.sql")
    with open(kpath, "w") as f:
        f.write(renamed(sql))
    on_kafka = split_by_sink(run_eddy(["--bootstrap-servers", BOOTSTRAP, "--service-id", PREFIX + stem,
                                       "--state-dir", os.path.join(TMP, "kafka_" + stem), *follows, kpath],
                                      "Kafka"), sinks, desc)
    kdesc = describe(kpath, [n for _, n, _ in sinks])  # the sinks' topics on the broker
    kind_of = {n: (k, w) for k, n, w in sinks}
    for name, rows in embedded.items():
        kind, windowed = kind_of[name]
        keys = desc[name]["keys"]
        shared = [names for names in on_kafka if name in names and len(names) > 1]
        # A sink whose columns another sink shares: its rows on Kafka come from its topic.
        kafka_rows = topic_rows(kdesc[name]["topic"], desc[name]) if shared else on_kafka[(name,)]
        a, b = summary(rows, kind, windowed, keys), summary(kafka_rows, kind, windowed, keys)
        if a != b:
            raise AssertionError(f"{name}: embedded and Kafka disagree: {diff(a, b)}")
        if not shared:
            n_topic = count_topic(kdesc[name]["topic"])
            if n_topic != len(kafka_rows):
                raise AssertionError(f"{name}: {len(kafka_rows)} rows followed on Kafka, but its topic holds "
                                     f"{n_topic} records")
    agreed = ", ".join(f"{n} {len(r)}" for n, r in embedded.items())
    return f"every sink has output ({', '.join(notes)} rows); embedded and Kafka agree ({agreed} rows)", False


def main():
    files = sorted(glob.glob(os.path.join(QUERIES, "*.sql")))
    passed = failed = skipped = 0
    exercise, data = os.path.join(TMP, "exercise"), os.path.join(TMP, "data")
    s = recent_start()
    for args in ([*EXERCISE_ARGS, "--out", exercise], [*AGREE_ARGS, "--start-ms", str(s), "--out", data]):
        r = subprocess.run([EDDY, "gen", "marketplace", *args], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            print(f"FAIL eddy gen marketplace: {r.stderr}")
            print("0 passed, 1 failed, 0 skipped")
            return 1
        print(f"  data: {r.stderr.strip()}")
    if BOOTSTRAP:
        kt.TOOL = subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), "tool"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        r = subprocess.run([EDDY, "gen", "marketplace", *AGREE_ARGS, "--start-ms", str(s), "--bootstrap-servers",
                            BOOTSTRAP, "--topic-prefix", PREFIX], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            print(f"FAIL eddy gen marketplace --bootstrap-servers: {r.stderr}")
            print("0 passed, 1 failed, 0 skipped")
            return 1
    else:
        print("  kafka: EDDY_KAFKA_BOOTSTRAP not set (scripts/kafka.sh start): the Kafka runs are skipped")
    present = {os.path.splitext(os.path.basename(f))[0] for f in files}
    for stem in EXPECTED:
        if stem not in present:
            skipped += 1
            print(f"skip {stem}.sql: not in queries/ yet (issue #10)")
    for path in files:
        name = os.path.basename(path)
        start = time.time()
        try:
            note, kafka_skipped = check_file(path, exercise, data)
            passed += 1
            skipped += kafka_skipped
            print(f"ok   {name}: {note} ({time.time() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001 - report and go on
            failed += 1
            print(f"FAIL {name} ({time.time() - start:.1f} s): {e}")
    if BOOTSTRAP:
        subprocess.run([kt.TOOL, BOOTSTRAP, "delete", RUN], capture_output=True)  # this run's topics
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
