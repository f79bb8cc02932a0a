"""bench/run.py's modes through the real Kafka broker (issue #11): kafka, latency, the
noisy-neighbour run and the restore time after kill -9. eddy, and Kafka Streams' windowed count
in the kafka mode (see bench/README.md for what the peers do not run here).

The broker is the one `scripts/kafka.sh start` runs on 127.0.0.1:9092 (it may be shared: it is
never stopped or reset here). Every topic and service id of a run starts with `bench_<run id>`
and is deleted at the end. eddy runs on core 0 (`taskset -c 0`); the broker's JVM (every thread)
and the load generator are moved to core 1 for the run and the broker's affinity is restored
afterwards.

  * kafka: the generated files are preloaded into topics (`kafka_tool produce`; record timestamps
    shifted by a whole number of hours to just before now, as the broker's retention would delete
    records of 2023, so windows fall the same way); `eddy run --once --bootstrap-servers`
    processes them and exits once its output is flushed to the broker (at_least_once: a commit
    waits for every output record's acknowledgement). events/CPU-s and events/s are taken from
    "eddy: ready" to exit, as in the engine mode; ready_ms is the time to "eddy: ready" on Kafka.
  * latency: a paced producer (bench/kafka_load.cc) writes bids at 25/50/80 % of the kafka mode's
    events/s, each record's timestamp its send time; a consumer on core 1 reads the output topic
    and takes receive time - record timestamp (eddy's output records keep the input record's
    timestamp; ms resolution). The first second of each rate is warm-up and not counted.
  * noisy: four tenants (keys) on a 4-partition topic, one partition each, through Nexmark q1;
    the tenants' latency with all at the same rate, then with tenant 0 at ten times it.
  * restore: the windowed count's state from its kafka-mode run; eddy is restarted on it and
    killed with kill -9 while it processes a new chunk of bids, then restarted with --once on the
    kept state directory (reads the changelog tail) and, after another kill, on a wiped one (the
    whole changelog): time from the restart to "eddy: ready" and to caught up (exit of --once,
    after the bids written while it was down are processed and committed).
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# Queries the kafka mode runs. q3 and q8 read the Nexmark tables and streams keyed by BIGINT in
# the KAFKA format (8 binary bytes), which the preloading client (scripts/kafka_tool.cc: text
# keys) cannot write.
KAFKA_QUERIES = ["q0", "q1", "q2", "q5", "q7", "windowed_count", "truck_tracker"]
KAFKA_NOT_RUN = {"q3": "its inputs are keyed by BIGINT (KAFKA format, binary): the preloading client writes text keys",
                 "q8": "its inputs are keyed by BIGINT (KAFKA format, binary): the preloading client writes text keys"}
# Queries too slow through the broker to run by default (only with --kafka-slow). Empty since
# 2026-11-25: q5 and the truck tracker used to wait a broker round trip per re-keyed record and
# did not finish in 300 s; a record now waits only on earlier re-keyed records still on their way
# (docs/operations.md), and both finish in under a minute in quick mode.
KAFKA_SLOW = {}
LATENCY_QUERIES = ["q0", "q1", "windowed_count"]
RATE_FRACTIONS = [0.25, 0.5, 0.8]
NULL = "\\N"  # kafka_tool's null
TOPIC_RE = re.compile(r"(KAFKA_TOPIC\s*=\s*')([^']+)(')", re.IGNORECASE)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Kafka:
    """The broker, the two client binaries, core pinning and the run's topics."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.run_id = "bench_" + uuid.uuid4().hex[:8]
        r = subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "start"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("no Kafka broker: " + r.stderr.strip()[-300:])
        self.bootstrap = r.stdout.strip()
        self.tool = subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "tool"], capture_output=True,
                                   text=True, check=True).stdout.strip()
        self.load = build_load_tool()
        self.broker_pid = broker_pid()
        self.saved_affinity = {}
        self.pinned = (os.cpu_count() or 1) >= 2
        self.eddy_cpu = ["taskset", "-c", "0"] if self.pinned else []
        self.client_cpu = ["taskset", "-c", "1"] if self.pinned else []

    def pin_broker(self):
        if not self.pinned or not self.broker_pid:
            return
        for tid in os.listdir(f"/proc/{self.broker_pid}/task"):
            try:
                self.saved_affinity[int(tid)] = os.sched_getaffinity(int(tid))
                os.sched_setaffinity(int(tid), {1})
            except OSError:
                pass

    def unpin_broker(self):
        if not self.saved_affinity:
            return
        main_mask = self.saved_affinity.get(self.broker_pid) or set(range(os.cpu_count() or 1))
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{self.broker_pid}/task")]
        except OSError:
            tids = []
        for tid in tids:  # threads started while pinned get the main thread's old mask
            try:
                os.sched_setaffinity(tid, self.saved_affinity.get(tid, main_mask))
            except OSError:
                pass
        self.saved_affinity = {}

    def topic(self, name):
        return f"{self.run_id}_{name}"

    def produce(self, topic, partitions, lines):
        r = subprocess.run(self.client_cpu + [self.tool, self.bootstrap, "produce", topic, str(partitions)],
                           input=lines, text=True, capture_output=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"producing to {topic}: {r.stderr.strip()[-300:]}")

    def end(self, topic):
        r = subprocess.run([self.load, self.bootstrap, "end", topic], capture_output=True, text=True, timeout=60)
        return int(r.stdout.strip()) if r.returncode == 0 else None

    def topics(self, part):
        r = subprocess.run([self.load, self.bootstrap, "topics", part], capture_output=True, text=True, timeout=60)
        return r.stdout.split()

    def cleanup(self):
        subprocess.run([self.tool, self.bootstrap, "delete", self.run_id], capture_output=True, timeout=120)


def build_load_tool():
    src = BENCH / "kafka_load.cc"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "eddy"
    cache.mkdir(parents=True, exist_ok=True)
    binary = cache / ("kafka_load-" + hashlib.sha256(src.read_bytes()).hexdigest()[:12])
    if not binary.exists():
        tmp = binary.with_suffix(f".tmp{os.getpid()}")
        subprocess.run(["g++", "-std=c++20", "-O2", "-Wall", "-o", str(tmp), str(src), "-lrdkafka", "-lpthread"],
                       check=True)
        tmp.rename(binary)
    return str(binary)


def broker_pid():
    """The pid of scripts/kafka.sh's broker (its data directory's pid file), or None."""
    port = os.environ.get("EDDY_KAFKA_PORT", "9092")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "eddy"
    data = Path(os.environ.get("EDDY_KAFKA_DATA", cache / f"kafka-data-{port}"))
    try:
        pid = int((data / "broker.pid").read_text().strip())
        if b"kafka" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    except (OSError, ValueError):
        pass
    r = subprocess.run(["pgrep", "-f", "kafka.Kafka"], capture_output=True, text=True)
    pids = r.stdout.split()
    return int(pids[0]) if len(pids) == 1 else None


def tsv_lines(path, shift_ms=0, limit=None, ts_offset=0):
    """eddy gen's JSON Lines -> kafka_tool's KEY<TAB>VALUE<TAB>TIMESTAMP lines (text keys)."""
    out = []
    with open(path) as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            r = json.loads(line)
            k = r.get("key")
            v = r.get("value")
            key = NULL if k is None else str(k)
            value = NULL if v is None else json.dumps(v, separators=(",", ":"))
            out.append(f"{key}\t{value}\t{r['timestamp'] + shift_ms + ts_offset}\n")
    return "".join(out)


def last_timestamp(path):
    with open(path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 65536))
        lines = f.read().splitlines()
    return max(json.loads(x)["timestamp"] for x in lines[1:] if x.strip())


def rewrite_sql(files, rename, scratch, tag):
    """Copies the query files with every KAFKA_TOPIC = 'x' renamed by rename(x)."""
    out = []
    for i, f in enumerate(files):
        text = TOPIC_RE.sub(lambda m: m.group(1) + rename(m.group(2)) + m.group(3), Path(f).read_text())
        p = scratch / f"{tag}_{i}_{Path(f).name}"
        p.write_text(text)
        out.append(str(p))
    return out


def wait_marker(p, marker, timeout, lines, contains=False):
    """Reads p's stderr until marker; the lines read go to `lines`. Returns the monotonic time or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            return None
        lines.append(line.rstrip())
        if line.strip() == marker or (contains and marker in line):
            return time.monotonic()
    return None


def drain(stream, lines):
    def run():
        for line in stream:
            lines.append(line.rstrip())
            del lines[:-50]
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def stop(p, state):
    """SIGTERM (eddy commits and exits), SIGKILL after 30 s; then the state directory goes."""
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    shutil.rmtree(state, ignore_errors=True)


class Harness:
    def __init__(self, eddy, kafka, run_mod, nx, tr, counts, cfg, scratch):
        self.eddy, self.k, self.run, self.nx, self.tr, self.counts, self.cfg = eddy, kafka, run_mod, nx, tr, counts, cfg
        self.scratch = scratch
        self.loaded = {}  # data topic name -> Kafka topic
        self.shift = {}
        self.kafka_rows = {}
        self.states = {}

    # ---- kafka mode -------------------------------------------------------------------------
    def preload(self, q):
        """Preloads the query's input topics once per run; returns {topic name: Kafka topic}."""
        dataset, topics, _, _ = self.run.QUERIES[q]
        partitions = 6 if dataset == "trucks" else 1
        out = {}
        for t, path in self.run.input_files(q, self.nx, self.tr):
            if t not in self.loaded:
                now = int(time.time() * 1000)
                last = last_timestamp(path)
                shift = (now - 120_000 - last) // 3_600_000 * 3_600_000
                self.shift[t] = (shift, last)
                log(f"kafka: preloading {path.name} into {self.k.topic(t)}")
                self.k.produce(self.k.topic(t), partitions, tsv_lines(path, shift))
                self.loaded[t] = self.k.topic(t)
            out[t] = self.loaded[t]
        return out

    def kafka_run(self, q, events):
        inputs = self.preload(q)
        svc = self.k.topic(f"{q}_k")
        rename = lambda t: inputs.get(t, self.k.topic(f"{q}_k_{t}"))  # noqa: E731
        files = rewrite_sql(self.run.query_files(q), rename, self.scratch, f"{q}_k")
        state = self.scratch / f"kafka-{q}"
        shutil.rmtree(state, ignore_errors=True)
        cmd = self.k.eddy_cpu + [self.eddy, "run", *files, "--bootstrap-servers", self.k.bootstrap,
                                 "--service-id", svc, "--state-dir", str(state), "--once"]
        m = self.run.measure(cmd, ["eddy: ready"], self.cfg["timeout"])
        ready_ms = (m["marks"]["ready"][0] - m["t0"]) * 1000 if "ready" in m["marks"] else None
        r = self.run.finish(m, events, ready_ms)
        if r.get("status") == "ok":
            sink = {"windowed_count": "windowed_count", "truck_tracker": "truck_tracker"}.get(q, q)
            r["output_records"] = self.k.end(rename(sink))
            self.states[q] = (files, svc, state)
        return r

    def kstreams_kafka_run(self, q, events):
        """The Kafka Streams peer (bench/kstreams KStreamsKafka) on the same preloaded topic."""
        jar = BENCH / "kstreams" / "target" / "kstreams-runner-1.jar"
        lib = BENCH / "kstreams" / "target" / "lib"
        if not jar.exists():
            return {"status": "not run", "reason": "the Kafka Streams runner is not built (bench/build_runners.sh)"}
        inputs = self.preload(q)
        state = self.scratch / "kafka-kstreams"
        shutil.rmtree(state, ignore_errors=True)
        cmd = self.k.eddy_cpu + ["java", *self.run.JVM_OPTS, "-cp", f"{jar}:{lib}/*", "eddy.bench.KStreamsKafka",
                                 self.k.bootstrap, self.k.topic(f"ks_{q}"), inputs["bid"], self.k.topic(f"ks_{q}_out"),
                                 str(events), str(state)]
        m = self.run.measure(cmd, [], self.cfg["timeout"])
        shutil.rmtree(state, ignore_errors=True)
        ready_ms = (m["marks"]["ready"][0] - m["t0"]) * 1000 if "ready" in m["marks"] else None
        return self.run.finish(m, events, ready_ms)

    # ---- latency mode -----------------------------------------------------------------------
    def paced_lines(self):
        lines = []
        with open(self.nx / "bid.jsonl") as f:
            for i, line in enumerate(f):
                if i >= 50_000:
                    break
                r = json.loads(line)
                lines.append("\\N\t" + json.dumps(r["value"], separators=(",", ":")) + "\n")
        return "".join(lines)

    def start_eddy(self, files, svc, state, extra=(), wait_assigned=False):
        cmd = self.k.eddy_cpu + [self.eddy, "run", *files, "--bootstrap-servers", self.k.bootstrap,
                                 "--service-id", svc, "--state-dir", str(state), "--no-listen", *extra]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = []
        t_ready = wait_marker(p, "eddy: ready", 120, lines)
        if t_ready is not None and wait_assigned and wait_marker(p, "runs partitions", 120, lines, contains=True) is None:
            t_ready = None
        tail = []
        drain(p.stderr, tail)
        return p, t0, t_ready, lines + tail

    def phase(self, out_topic, in_topic, seconds, specs, values, by_key=False, settle=1.0,
              eddy_pid=None):
        """One paced phase: returns (latency summary dict, sent counts, eddy CPU seconds)."""
        from_ms = int(time.time() * 1000) + 1000
        c = subprocess.Popen(self.k.client_cpu + [self.k.load, self.k.bootstrap, "latency", out_topic, str(from_ms)]
                             + (["--by-key"] if by_key else []), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        if wait_marker(c, "ready", 30, []) is None:
            c.kill()
            raise RuntimeError("latency consumer did not start: " + c.stderr.read()[-300:])
        cpu0 = self.run.proc_cpu_seconds(eddy_pid) if eddy_pid else None
        pr = subprocess.run(self.k.client_cpu + [self.k.load, self.k.bootstrap, "pace", in_topic, str(seconds), *specs],
                            input=values, capture_output=True, text=True,
                            timeout=seconds + 120)
        if pr.returncode != 0:
            c.kill()
            raise RuntimeError("paced producer failed: " + pr.stderr[-300:])
        time.sleep(settle)
        # Until the output topic stops growing (at most 30 s more): the next rate starts clean.
        last, deadline = self.k.end(out_topic), time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.k.end(out_topic)
            if now == last:
                break
            last = now
        cpu1 = self.run.proc_cpu_seconds(eddy_pid) if eddy_pid else None
        c.send_signal(signal.SIGTERM)
        out, err = c.communicate(timeout=30)
        sent = [int(x.split()[1]) for x in pr.stdout.splitlines() if x.startswith("sent ")]
        return json.loads(out), sent, (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None

    def latency_runs(self, q, peak, seconds):
        rows = []
        svc = self.k.topic(f"{q}_lat")
        in_topic, out_topic = self.k.topic(f"{q}_lat_bid"), self.k.topic(f"{q}_lat_out")
        rename = lambda t: in_topic if t == "bid" else (out_topic if t == q else self.k.topic(f"{q}_lat_{t}"))  # noqa: E731
        files = rewrite_sql(self.run.query_files(q), rename, self.scratch, f"{q}_lat")
        state = self.scratch / f"lat-{q}"
        shutil.rmtree(state, ignore_errors=True)
        p, t0, t_ready, lines = self.start_eddy(files, svc, state)
        if t_ready is None:
            p.kill()
            p.wait()
            return [{"status": "failed", "reason": " ".join(lines[-3:])}]
        try:
            time.sleep(1.0)  # the consumer group's first assignment
            values = self.paced_lines()
            for frac in RATE_FRACTIONS:
                rate = max(1, int(peak * frac))
                log(f"latency: {q} at {frac:.0%} of {peak:,.0f} events/s = {rate:,} events/s for {seconds} s")
                summ, sent, cpu = self.phase(out_topic, in_topic, seconds, [str(rate)], values,
                                             settle=1.0, eddy_pid=p.pid)
                a = summ["all"]
                row = {"rate_fraction": frac, "offered_rate": rate, "events": sum(sent),
                       "events_per_second": sum(sent) / seconds,
                       "events_per_cpu_second": sum(sent) / cpu if cpu else None, "cpu_seconds": cpu,
                       "peak_rss_mb": self.run.vm_hwm_kb(p.pid) / 1024.0, "ready_ms": (t_ready - t0) * 1000,
                       "output_records": a["count"] + summ.get("before", 0), "measured_records": a["count"], "status": "ok" if a["count"] else "failed"}
                if a["count"]:
                    row.update({"p50_ms": a["p50_us"] / 1000, "p99_ms": a["p99_us"] / 1000,
                                "p999_ms": a["p999_us"] / 1000, "max_ms": a["max_us"] / 1000})
                else:
                    row["reason"] = "no output record seen"
                log(f"  p50 {row.get('p50_ms')} ms, p99 {row.get('p99_ms')} ms, p99.9 {row.get('p999_ms')} ms "
                    f"({a['count']} outputs of {sum(sent)} sent)")
                rows.append(row)
        finally:
            stop(p, state)
        return rows

    def baseline_runs(self, peak, seconds):
        """The floor under the latency figures: the same paced producer and consumer on one topic,
        no engine between them (producer -> broker -> consumer)."""
        topic = self.k.topic("baseline")
        values = self.paced_lines()
        self.k.produce(topic, 1, "")  # creates the topic
        rows = []
        for frac in RATE_FRACTIONS:
            rate = max(1, int(peak * frac))
            log(f"latency: no engine, {rate:,} events/s for {seconds} s")
            summ, sent, _ = self.phase(topic, topic, seconds, [str(rate)], values)
            a = summ["all"]
            row = {"rate_fraction": frac, "offered_rate": rate, "events": sum(sent),
                   "events_per_second": sum(sent) / seconds, "output_records": a["count"] + summ.get("before", 0), "measured_records": a["count"],
                   "status": "ok" if a["count"] else "failed"}
            if a["count"]:
                row.update({"p50_ms": a["p50_us"] / 1000, "p99_ms": a["p99_us"] / 1000,
                            "p999_ms": a["p999_us"] / 1000, "max_ms": a["max_us"] / 1000})
            log(f"  p50 {row.get('p50_ms')} ms, p99 {row.get('p99_ms')} ms, p99.9 {row.get('p999_ms')} ms")
            rows.append(row)
        return rows

    # ---- noisy neighbour --------------------------------------------------------------------
    def noisy(self, peak, seconds, tenants=4):
        in_topic, out_topic, svc = self.k.topic("tenants"), self.k.topic("tenants_out"), self.k.topic("noisy")
        sql = self.scratch / "noisy.sql"
        sql.write_text(
            "CREATE STREAM TENANT_BID (TENANT VARCHAR KEY, AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT,"
            " CHANNEL VARCHAR, URL VARCHAR, DATETIME BIGINT, EXTRA VARCHAR)"
            f" WITH (KAFKA_TOPIC = '{in_topic}', VALUE_FORMAT = 'JSON', PARTITIONS = {tenants});\n"
            f"CREATE STREAM TENANT_Q1 WITH (KAFKA_TOPIC = '{out_topic}', PARTITIONS = {tenants}) AS\n"
            "SELECT TENANT, AUCTION, BIDDER, 0.908 * PRICE AS PRICE, DATETIME, EXTRA FROM TENANT_BID EMIT CHANGES;\n")
        state = self.scratch / "noisy-state"
        shutil.rmtree(state, ignore_errors=True)
        p, t0, t_ready, lines = self.start_eddy([str(sql)], svc, state)
        if t_ready is None:
            p.kill()
            p.wait()
            return {"status": "failed", "reason": " ".join(lines[-3:])}
        base = max(1, int(peak * 0.05))
        out = {"base_rate_per_tenant": base, "flood_rate": 10 * base, "tenants": tenants, "partitions": tenants,
               "ready_ms": (t_ready - t0) * 1000}
        try:
            time.sleep(1.0)
            values = self.paced_lines()
            for name, flood in (("without", 1), ("with", 10)):
                specs = [f"tenant{i}@{i}:{base * (flood if i == 0 else 1)}" for i in range(tenants)]
                log(f"noisy neighbour: {name} the flood: {', '.join(specs)} for {seconds} s")
                summ, sent, cpu = self.phase(out_topic, in_topic, seconds, specs, values, by_key=True,
                                             eddy_pid=p.pid)
                keys = summ.get("keys", {})
                others = [keys[f"tenant{i}"] for i in range(1, tenants) if f"tenant{i}" in keys]
                out[name] = {
                    "sent": sent, "cpu_seconds": cpu,
                    "flooder": {k: v for k, v in keys.get("tenant0", {}).items()},
                    "others_p99_ms": [o["p99_us"] / 1000 for o in others],
                    "others_p50_ms": [o["p50_us"] / 1000 for o in others],
                    "others_p999_ms": [o["p999_us"] / 1000 for o in others],
                    "others_outputs": [o["count"] for o in others],
                }
                log(f"  others' p99 {out[name]['others_p99_ms']} ms; flooder's p99 "
                    f"{keys.get('tenant0', {}).get('p99_us', 0) / 1000} ms")
            out["peak_rss_mb"] = self.run.vm_hwm_kb(p.pid) / 1024.0
            out["status"] = "ok" if out["without"]["others_p99_ms"] and out["with"]["others_p99_ms"] else "failed"
        finally:
            stop(p, state)
        return out

    # ---- restore after kill -9 --------------------------------------------------------------
    def restore(self, q, chunk):
        if q not in self.states:
            return {"status": "not run", "reason": f"the kafka mode's {q} run did not finish"}
        files, svc, state = self.states[q]
        bid = self.nx / "bid.jsonl"
        changelogs = [t for t in self.k.topics(svc) if t.endswith("-changelog")]
        state_records = sum(self.k.end(t) or 0 for t in changelogs)
        with open(bid) as f:
            first = json.loads(f.readline())["timestamp"]

        def write_chunk():
            # The first `chunk` bids again, with timestamps from a few seconds ago: after every
            # record already on the topic.
            offset = (int(time.time() * 1000) - 5000 - first) // 10_000 * 10_000
            self.k.produce(self.loaded["bid"], 1, tsv_lines(bid, limit=chunk, ts_offset=offset))

        # A killed member keeps its partitions until its session times out (librdkafka's default:
        # 45 s). The runs here use 6 s, and the restart comes after it has passed: what is measured
        # is the restart itself, not the group's wait for the dead member.
        session = ["--set", "kafka.session.timeout.ms=6000"]

        def crash():
            p, t0, t_ready, lines = self.start_eddy(files, svc, state, session, wait_assigned=True)
            if t_ready is None:
                p.kill()
                p.wait()
                raise RuntimeError("eddy did not start or get its partitions: " + " ".join(lines[-3:]))
            write_chunk()
            time.sleep(1.0)
            p.send_signal(signal.SIGKILL)
            p.wait()
            return time.monotonic()

        out = {"changelog_records": state_records, "changelog_topics": len(changelogs), "tail_events": chunk}
        for name in ("kept", "wiped"):
            try:
                killed = crash()
            except RuntimeError as e:
                return {"status": "failed", "reason": str(e)}
            if name == "wiped":
                shutil.rmtree(state, ignore_errors=True)
            write_chunk()
            time.sleep(max(0.0, killed + 7.0 - time.monotonic()))
            cmd = self.k.eddy_cpu + [self.eddy, "run", *files, "--bootstrap-servers", self.k.bootstrap,
                                     "--service-id", svc, "--state-dir", str(state), "--once", *session]
            m = self.run.measure(cmd, ["eddy: ready"], self.cfg["timeout"], marks_containing={"assigned": "runs partitions"})
            if m["rc"] != 0 or m["timed_out"] or "ready" not in m["marks"]:
                return {"status": "failed", "reason": f"restart ({name}): " + " ".join(m["tail"][-3:])}
            out[f"restore_{name}_ready_ms"] = (m["marks"]["ready"][0] - m["t0"]) * 1000
            if "assigned" in m["marks"]:
                out[f"restore_{name}_assigned_ms"] = (m["marks"]["assigned"][0] - m["t0"]) * 1000
            out[f"restore_{name}_ms"] = (m["t_end"] - m["t0"]) * 1000
            out[f"restore_{name}_cpu_seconds"] = m["cpu_total"]
            out[f"restore_{name}_peak_rss_mb"] = m["peak_rss_mb"]
            log(f"restore ({name} state directory): ready {out[f'restore_{name}_ready_ms']:.0f} ms, partitions "
                f"assigned {out.get(f'restore_{name}_assigned_ms', float('nan')):.0f} ms, caught up "
                f"{out[f'restore_{name}_ms']:.0f} ms")
        shutil.rmtree(state, ignore_errors=True)
        out["status"] = "ok"
        return out


def run_all(eddy, run_mod, modes, queries, nx, tr, counts, cfg, scratch, quick, slow=False, kstreams=False):
    """Runs the Kafka modes for eddy; returns the rows for latest.json."""
    rows = []
    try:
        k = Kafka(scratch)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        for mode in modes:
            row = {"query": "*", "system": "eddy", "mode": {"noisy": "latency", "restore": "kafka"}.get(mode, mode),
                   "status": "not run", "reason": str(e)}
            if mode == "noisy":
                row["query"] = "noisy_neighbour"
            if mode == "restore":
                row.update(query="windowed_count", scenario="restore")
            rows.append(row)
        return rows
    h = Harness(eddy, k, run_mod, nx, tr, counts, cfg, scratch)
    seconds = 4 if quick else 10
    log(f"kafka: broker {k.bootstrap} (pid {k.broker_pid}), run id {k.run_id}; eddy on core 0, broker on core 1")
    k.pin_broker()
    try:
        peaks = {}
        if "kafka" in modes or "latency" in modes or "restore" in modes:
            for q in queries:
                base = {"query": q, "system": "eddy", "mode": "kafka", "kind": run_mod.QUERIES[q][2]}
                if q in KAFKA_NOT_RUN or (q in KAFKA_SLOW and not slow):
                    rows.append(dict(base, status="not run", reason=KAFKA_NOT_RUN.get(q) or KAFKA_SLOW[q]))
                    continue
                if q not in KAFKA_QUERIES:
                    continue
                if "kafka" not in modes and q not in LATENCY_QUERIES and q != "windowed_count":
                    continue
                events = sum(counts[p] for _, p in run_mod.input_files(q, nx, tr))
                log(f"kafka: {q} on eddy ({events} events)")
                r = h.kafka_run(q, events)
                if r.get("status") == "ok":
                    peaks[q] = r["events_per_second"]
                    log(f"  {r['events_per_cpu_second']:,.0f} events/CPU-s, {r['events_per_second']:,.0f} events/s,"
                        f" {r['peak_rss_mb']:.0f} MB, ready {r['ready_ms']:.0f} ms, {r.get('output_records')} outputs")
                else:
                    log(f"  {r['status']}: {r.get('reason', '')}")
                rows.append(dict(base, events=events, **r))
                if kstreams and q == "windowed_count" and "kafka" in modes:
                    log(f"kafka: {q} on kstreams ({events} events)")
                    r = h.kstreams_kafka_run(q, events)
                    if r.get("status") == "ok":
                        log(f"  {r['events_per_cpu_second']:,.0f} events/CPU-s, {r['events_per_second']:,.0f} events/s,"
                            f" {r['peak_rss_mb']:.0f} MB, ready {r['ready_ms']:.0f} ms")
                    else:
                        log(f"  {r['status']}: {r.get('reason', '')}")
                    rows.append(dict(base, system="kstreams", events=events, **r))
        if "latency" in modes:
            if "q0" in peaks:
                for r in h.baseline_runs(peaks["q0"], seconds):
                    rows.append(dict({"query": "q0", "system": "none", "mode": "latency", "kind": "stateless",
                                      "scenario": "no engine (producer, broker, consumer)",
                                      "peak_events_per_second": peaks["q0"]}, **r))
            for q in LATENCY_QUERIES:
                if q not in queries:
                    continue
                base = {"query": q, "system": "eddy", "mode": "latency", "kind": run_mod.QUERIES[q][2]}
                if q not in peaks:
                    rows.append(dict(base, status="not run", reason="no kafka-mode peak for this query"))
                    continue
                for r in h.latency_runs(q, peaks[q], seconds):
                    r.setdefault("peak_events_per_second", peaks[q])
                    rows.append(dict(base, **r))
        if "noisy" in modes:
            base = {"query": "noisy_neighbour", "system": "eddy", "mode": "latency", "kind": "stateless"}
            peak = peaks.get("q1")
            if peak is None:
                rows.append(dict(base, status="not run", reason="no kafka-mode peak for q1"))
            else:
                n = h.noisy(peak, seconds)
                row = dict(base, **n)
                if n.get("status") == "ok":
                    w, wo = n["with"], n["without"]
                    row.update({"events": sum(w["sent"]), "events_per_second": sum(w["sent"]) / seconds,
                                "events_per_cpu_second": sum(w["sent"]) / w["cpu_seconds"] if w["cpu_seconds"] else None,
                                "others_p99_ms_without": max(wo["others_p99_ms"]),
                                "others_p99_ms_with": max(w["others_p99_ms"])})
                    row["p99_ms"] = row["others_p99_ms_with"]
                rows.append(row)
        if "restore" in modes:
            base = {"query": "windowed_count", "system": "eddy", "mode": "kafka", "scenario": "restore",
                    "kind": "windowed aggregate"}
            if "windowed_count" not in queries:
                rows.append(dict(base, status="not run", reason="the windowed count was not among the queries"))
            else:
                chunk = 2_000 if quick else 20_000
                r = h.restore("windowed_count", chunk)
                row = dict(base, **r)
                if r.get("status") == "ok":
                    row.update({"events": chunk, "ready_ms": r["restore_kept_ready_ms"],
                                "peak_rss_mb": max(r["restore_kept_peak_rss_mb"], r["restore_wiped_peak_rss_mb"]),
                                "events_per_cpu_second": None, "events_per_second": None})
                rows.append(row)
    finally:
        k.unpin_broker()
        k.cleanup()
        for d in scratch.glob("kafka-*"):
            shutil.rmtree(d, ignore_errors=True)
    return rows
