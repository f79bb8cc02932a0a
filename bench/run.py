#!/usr/bin/env python3
"""eddy's benchmarks side by side with Flink SQL and Kafka Streams (issue #11).

Runs every query of bench/queries on eddy and on the peers that have it, one process after
another (never two at once), over the same generated files, and writes bench/results/latest.json
(then bench/report.py turns it into docs/performance.md and a chart).

The engine mode is here: the input files are in the page cache, output is counted or discarded.
The modes through the Kafka broker (kafka, latency, noisy, restore) are in kafka_modes.py.
Each run is measured from the outside, the same way for every system:

  * the process prints a marker on stderr when its input is in place and processing starts
    (eddy: "eddy: ready", printed after `--input` has loaded the files into the embedded log;
    Flink: "ready", once the job is submitted, its file sources then read and parse the files;
    Kafka Streams: "start", once the files are read into memory);
  * at that marker the harness reads the process's CPU time (user + system, all threads) from
    /proc; at the end ("done" marker of the peers, exit for eddy) it reads it again;
  * events_per_cpu_second = input events / CPU seconds between the two, events_per_second =
    input events / wall seconds between the two; peak_rss_mb = the process's VmHWM, sampled;
  * ready_ms = wall time from start until the engine can take records (eddy: a separate run of
    the same files with no input until "eddy: ready"; Flink: job submitted; Kafka Streams: the
    topology test driver is up).

usage: bench/run.py [--mode quick|full] [--reps N] [--systems eddy,flink,kstreams]
                    [--queries q0,q1,...] [--eddy PATH] [--out FILE]
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")

MODES = {
    # events of each generator, repetitions, time limit of one run in seconds
    "quick": {"nexmark_events": 50_000, "truck_pings": 50_000, "truck_jobs": 500, "reps": 1, "timeout": 300},
    "medium": {"nexmark_events": 500_000, "truck_pings": 500_000, "truck_jobs": 500, "reps": 1, "timeout": 1200},
    "full": {"nexmark_events": 2_000_000, "truck_pings": 1_000_000, "truck_jobs": 10_000, "reps": 3, "timeout": 1800},
}

NEXMARK_TOPICS = {"bid": "bid.jsonl", "auction": "auction.jsonl", "person": "person.jsonl"}

# query -> (data set, the topics it reads, kind, systems that have it)
QUERIES = {
    "q0": ("nexmark", ["bid"], "stateless", ["eddy", "flink"]),
    "q1": ("nexmark", ["bid"], "stateless", ["eddy", "flink"]),
    "q2": ("nexmark", ["bid"], "stateless", ["eddy", "flink"]),
    "q3": ("nexmark", ["auction", "person"], "join", ["eddy", "flink"]),
    "q5": ("nexmark", ["bid"], "windowed aggregate", ["eddy", "flink"]),
    "q7": ("nexmark", ["bid"], "join", ["eddy", "flink"]),
    "q8": ("nexmark", ["auction", "person"], "join", ["eddy", "flink"]),
    "windowed_count": ("nexmark", ["bid"], "windowed aggregate", ["eddy", "flink", "kstreams"]),
    "truck_tracker": ("trucks", ["joblocation", "tradie_truck_location"], "join", ["eddy", "flink", "kstreams"]),
}
TRUCK_FILES = {"joblocation": "joblocation.jsonl", "tradie_truck_location": "pings.jsonl"}

JVM_OPTS = [
    "-Xmx1g",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
]


# Why a peer has no rows in a broker mode (the Kafka Streams windowed count runs on the broker).
PEERS_NOT_ON_KAFKA = {
    ("flink", "kafka"): "the Flink runner reads the generated files; Flink's Kafka connector is not set up",
    ("flink", "latency"): "the Flink runner reads the generated files; Flink's Kafka connector is not set up",
    ("kstreams", "kafka"): "only the windowed count runs on the broker (bench/kstreams KStreamsKafka); the truck"
                           " tracker's Kafka Streams topology runs in TopologyTestDriver only",
    ("kstreams", "latency"): "no paced run of the Kafka Streams application yet",
}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a live process (all its threads), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def machine():
    info = {"cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
        info["java"] = out[0] if out else "?"
    except OSError:
        info["java"] = "not found"
    try:
        info["eddy_commit"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                             capture_output=True, text=True).stdout.strip()
        info["eddy_tree_dirty"] = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                                       "--untracked-files=no"], capture_output=True,
                                                      text=True).stdout.strip())
    except OSError:
        pass
    return info


def loadavg():
    try:
        return [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


def measure(cmd, start_markers, timeout, cwd=None, marks_containing=None):
    """Runs cmd; returns a dict of timings taken at the markers it prints on stderr
    (marks_containing: {name: text}, a mark at the first line containing text)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
    marks = {}
    tail = []
    outputs = [None]

    def reader():
        for line in p.stderr:
            now = time.monotonic()
            s = line.strip()
            for name, text in (marks_containing or {}).items():
                if name not in marks and text in s:
                    marks[name] = (now, proc_cpu_seconds(p.pid))
            if s in start_markers or s == "ready" or s == "eddy: ready":
                if "ready" not in marks:
                    marks["ready"] = (now, proc_cpu_seconds(p.pid))
                if s in start_markers and "start" not in marks:
                    marks["start"] = (now, proc_cpu_seconds(p.pid))
            elif s == "start" and "start" not in marks:
                marks["start"] = (now, proc_cpu_seconds(p.pid))
            elif s == "done":
                marks["done"] = (now, proc_cpu_seconds(p.pid))
            elif s.startswith("outputs "):
                outputs[0] = int(s.split()[1])
            else:
                tail.append(s)
                del tail[:-20]

    hwm = [None]
    exited = threading.Event()

    def sampler():
        # The process's own peak RSS (VmHWM). ru_maxrss is not used: Linux folds the RSS of the
        # forked copy of this Python process into it at exec, so it is never below ours.
        while not exited.wait(0.01):  # (not p.poll(): it would reap the process before wait4)
            v = vm_hwm_kb(p.pid)
            if v is not None:
                hwm[0] = v

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    sp = threading.Thread(target=sampler, daemon=True)
    sp.start()
    timed_out = False
    try:
        _, status, ru = os.wait4(p.pid, 0) if timeout is None else wait_with_timeout(p, timeout)
    except TimeoutError:
        timed_out = True
        p.kill()
        _, status, ru = os.wait4(p.pid, 0)
    t_end = time.monotonic()
    exited.set()
    th.join(timeout=5)
    sp.join(timeout=5)
    p.returncode = os.waitstatus_to_exitcode(status)
    cpu_total = ru.ru_utime + ru.ru_stime
    return {
        "t0": t0, "marks": marks, "t_end": t_end, "cpu_total": cpu_total, "rc": p.returncode,
        "timed_out": timed_out, "peak_rss_mb": (hwm[0] if hwm[0] is not None else ru.ru_maxrss) / 1024.0,
        "tail": tail, "outputs": outputs[0],
    }


def vm_hwm_kb(pid):
    """VmHWM of a live process in kB, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def wait_with_timeout(p, timeout):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            return pid, status, ru
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.005)


def figures(m, events):
    """Throughput between the start marker and done (or exit)."""
    if "start" not in m["marks"]:
        return None
    t_start, cpu_start = m["marks"]["start"]
    if "done" in m["marks"]:
        t_stop, cpu_stop = m["marks"]["done"]
    else:
        t_stop, cpu_stop = m["t_end"], m["cpu_total"]
    if cpu_start is None or cpu_stop is None:
        return None
    cpu = max(cpu_stop - cpu_start, 1e-3)
    wall = max(t_stop - t_start, 1e-3)
    return {
        "events_per_cpu_second": events / cpu,
        "events_per_second": events / wall,
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "cpu_seconds_before_start": cpu_start,
        "peak_rss_mb": m["peak_rss_mb"],
    }


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return n
            n += b.count(b"\n")


def warm(paths):
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def generate(eddy, mode, data):
    cfg = MODES[mode]
    nx, tr = data / "nexmark", data / "trucks"
    stamp = data / "params.json"
    want = {"nexmark_events": cfg["nexmark_events"], "truck_pings": cfg["truck_pings"],
            "truck_jobs": cfg["truck_jobs"], "seed": 42}
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        return nx, tr
    log(f"generating {mode} data in {data}")
    shutil.rmtree(data, ignore_errors=True)
    subprocess.run([eddy, "gen", "nexmark", "--events", str(cfg["nexmark_events"]), "--seed", "42", "--out", str(nx)],
                   check=True)
    subprocess.run([eddy, "gen", "trucks", "--events", str(cfg["truck_pings"]), "--jobs", str(cfg["truck_jobs"]),
                    "--seed", "42", "--out", str(tr)], check=True)
    stamp.write_text(json.dumps(want))
    return nx, tr


def query_files(q):
    if q == "truck_tracker":
        return [ROOT / "queries" / "truck_tracker.sql"]
    return [BENCH / "queries" / "nexmark_sources.sql", BENCH / "queries" / f"{q}.sql"]


def input_files(q, nx, tr):
    dataset, topics, _, _ = QUERIES[q]
    if dataset == "nexmark":
        return [(t, nx / NEXMARK_TOPICS[t]) for t in topics]
    return [(t, tr / TRUCK_FILES[t]) for t in topics]


def run_eddy(eddy, q, nx, tr, events, timeout, scratch):
    files = [str(f) for f in query_files(q)]
    state = scratch / "eddy-state"
    # ready_ms: the same files, no input, until "eddy: ready".
    shutil.rmtree(state, ignore_errors=True)
    r = measure([eddy, "run", *files, "--state-dir", str(state), "--once"], ["eddy: ready"], 60)
    if "ready" not in r["marks"]:
        return {"status": "not supported yet", "reason": " ".join(r["tail"][-3:])}
    ready_ms = (r["marks"]["ready"][0] - r["t0"]) * 1000
    shutil.rmtree(state, ignore_errors=True)
    cmd = [eddy, "run", *files, "--state-dir", str(state), "--once"]
    for topic, path in input_files(q, nx, tr):
        cmd += ["--input", f"{topic}={path}"]
    m = measure(cmd, ["eddy: ready"], timeout)
    shutil.rmtree(state, ignore_errors=True)
    return finish(m, events, ready_ms)


def finish(m, events, ready_ms):
    if m["timed_out"]:
        return {"status": "timeout", "reason": "no result within the time limit"}
    if m["rc"] != 0:
        return {"status": "failed", "reason": " ".join(m["tail"][-3:])}
    f = figures(m, events)
    if f is None:
        return {"status": "failed", "reason": "no start marker: " + " ".join(m["tail"][-3:])}
    f["ready_ms"] = ready_ms
    f["status"] = "ok"
    if m["outputs"] is not None:
        f["output_records"] = m["outputs"]
    return f


def run_flink(q, nx, tr, events, timeout, scratch):
    jar = BENCH / "flink" / "target" / "flink-runner-1.jar"
    lib = BENCH / "flink" / "target" / "lib"
    qdir = BENCH / "flink" / "queries"
    files = [qdir / "truck_tracker.sql"] if q == "truck_tracker" else [qdir / "nexmark_sources.sql", qdir / f"{q}.sql"]
    data = tr if q == "truck_tracker" else nx
    cmd = ["java", *JVM_OPTS, "-cp", f"{jar}:{lib}/*", "eddy.bench.FlinkRunner", str(data), *map(str, files)]
    m = measure(cmd, ["ready"], timeout)
    ready_ms = (m["marks"]["ready"][0] - m["t0"]) * 1000 if "ready" in m["marks"] else None
    return finish(m, events, ready_ms)


def run_kstreams(q, nx, tr, events, timeout, scratch):
    jar = BENCH / "kstreams" / "target" / "kstreams-runner-1.jar"
    lib = BENCH / "kstreams" / "target" / "lib"
    data = tr if q == "truck_tracker" else nx
    state = scratch / "kstreams-state"
    shutil.rmtree(state, ignore_errors=True)
    cmd = ["java", *JVM_OPTS, "-cp", f"{jar}:{lib}/*", "eddy.bench.KStreamsRunner", q, str(data), str(state)]
    m = measure(cmd, [], timeout)
    shutil.rmtree(state, ignore_errors=True)
    ready_ms = (m["marks"]["ready"][0] - m["t0"]) * 1000 if "ready" in m["marks"] else None
    return finish(m, events, ready_ms)


def run_kind(row):
    """Which of --modes wrote a row."""
    if row.get("scenario") == "restore":
        return "restore"
    if row.get("query") == "noisy_neighbour":
        return "noisy"
    return row.get("mode")


def median_of(runs):
    ok = [r for r in runs if r.get("status") == "ok"]
    if not ok:
        return runs[-1]
    out = {"status": "ok", "repetitions": len(ok)}
    for k in ok[0]:
        if k in ("status",):
            continue
        vals = [r[k] for r in ok if isinstance(r.get(k), (int, float))]
        if vals:
            out[k] = statistics.median(vals)
    if len(ok) < len(runs):
        out["failed_repetitions"] = len(runs) - len(ok)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=sorted(MODES), default="quick")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--systems", default="eddy,flink,kstreams")
    ap.add_argument("--queries", default=",".join(QUERIES))
    ap.add_argument("--eddy", default=str(ROOT / "build" / "bin" / "eddy"))
    ap.add_argument("--data", help="data directory (default bench/data/MODE)")
    ap.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    ap.add_argument("--modes", default="engine,kafka,latency,noisy,restore",
                    help="engine (files), kafka (through the local broker), latency (25/50/80 %% of the kafka"
                    " peak), noisy (noisy neighbour), restore (after kill -9); all but engine need eddy among --systems"
                    " and run eddy only, but for Kafka Streams' windowed count in kafka mode")
    ap.add_argument("--kafka-slow", action="store_true",
                    help="also run q5 and the truck tracker through Kafka (each took over 300 s in quick mode)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of other systems already in --out (to rerun one system)")
    a = ap.parse_args()
    cfg = MODES[a.mode]
    reps = a.reps or cfg["reps"]
    systems = a.systems.split(",")
    modes = a.modes.split(",")
    for mode in modes:
        if mode not in ("engine", "kafka", "latency", "noisy", "restore"):
            sys.exit(f"bench: unknown mode {mode}")
    eddy = str(Path(a.eddy).resolve())
    data = Path(a.data) if a.data else BENCH / "data" / a.mode
    data.mkdir(parents=True, exist_ok=True)
    nx, tr = generate(eddy, a.mode, data)
    counts = {}
    for f in list(nx.glob("*.jsonl")) + list(tr.glob("*.jsonl")):
        counts[f] = count_lines(f)
    result = {
        "machine": machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg_start": loadavg(),
        "mode": a.mode,
        "repetitions": reps,
        "data": {"nexmark_events": cfg["nexmark_events"], "truck_pings": cfg["truck_pings"],
                 "truck_jobs": cfg["truck_jobs"], "seed": 42},
        "jvm_options": JVM_OPTS[:1],
        "results": [],
    }
    scratch = Path(tempfile.mkdtemp(prefix="eddy-bench-"))
    try:
        for q in a.queries.split(","):
            if q not in QUERIES:
                sys.exit(f"bench: unknown query {q}")
            if "engine" not in modes:
                continue
            dataset, topics, kind, have = QUERIES[q]
            inputs = input_files(q, nx, tr)
            events = sum(counts[p] for _, p in inputs)
            warm([p for _, p in inputs])
            for system in systems:
                row = {"query": q, "system": system, "mode": "engine", "kind": kind, "events": events}
                if system not in have:
                    continue
                runs = []
                for i in range(reps):
                    log(f"{q} on {system}, run {i + 1} of {reps} ({events} events)")
                    if system == "eddy":
                        r = run_eddy(eddy, q, nx, tr, events, cfg["timeout"], scratch)
                    elif system == "flink":
                        r = run_flink(q, nx, tr, events, cfg["timeout"], scratch)
                    else:
                        r = run_kstreams(q, nx, tr, events, cfg["timeout"], scratch)
                    runs.append(r)
                    if r.get("status") != "ok":
                        log(f"  {r['status']}: {r.get('reason', '')}")
                        break
                    log(f"  {r['events_per_cpu_second']:,.0f} events/CPU-s, {r['events_per_second']:,.0f} events/s,"
                        f" {r['peak_rss_mb']:.0f} MB, ready {r['ready_ms']:.0f} ms")
                row.update(median_of(runs))
                row["loadavg"] = loadavg()
                result["results"].append(row)
        kafka_modes = [m for m in modes if m != "engine"]
        if kafka_modes and "eddy" in systems:
            import kafka_modes as km
            result["kafka_modes"] = {"modes": kafka_modes, "loadavg_start": loadavg()}
            result["results"] += km.run_all(eddy, sys.modules[__name__], kafka_modes, a.queries.split(","), nx, tr,
                                            counts, cfg, scratch, a.mode == "quick", a.kafka_slow,
                                            kstreams="kstreams" in systems)
            result["kafka_modes"]["loadavg_end"] = loadavg()
        for system in ("flink", "kstreams"):
            if system in systems:
                for mode in ("kafka", "latency"):
                    if mode in modes:
                        result["results"].append({"query": "*", "system": system, "mode": mode, "status": "not run",
                                                  "reason": PEERS_NOT_ON_KAFKA[system, mode]})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for q in QUERIES:
        if "engine" not in modes:
            break
        for system in ("kstreams",):
            if system in systems and system not in QUERIES[q][3]:
                result["results"].append({"query": q, "system": system, "mode": "engine", "kind": QUERIES[q][2],
                                          "status": "not run", "reason": "Kafka Streams runs only the windowed count "
                                          "and the truck tracker (issue #11)"})
    for row in result["results"]:  # the fields issue #11 asks of every row, null where they don't apply
        for key in ("events_per_cpu_second", "events_per_second", "peak_rss_mb", "ready_ms"):
            row.setdefault(key, None)
        if row["mode"] == "latency":
            for key in ("p50_ms", "p99_ms", "p999_ms"):
                row.setdefault(key, None)
        if row.get("scenario") == "restore":
            for key in ("restore_kept_ms", "restore_wiped_ms"):
                row.setdefault(key, None)
    result["loadavg_end"] = loadavg()
    out = Path(a.out)
    if a.merge and out.exists():
        old = json.loads(out.read_text())
        # (the "none" rows, latency with no engine, come with eddy's broker modes)
        rerun = set(systems) | ({"none"} if "eddy" in systems else set())
        queries = set(a.queries.split(",")) | {"*", "noisy_neighbour"}
        kept = [r for r in old["results"] if (r["system"] not in rerun or run_kind(r) not in modes
                                              or r["query"] not in queries)
                and r["system"] != "*" and not (r["system"] == "kstreams" and r.get("status") == "not run"
                                                and "engine" in modes)]
        result["results"] = kept + result["results"]
        kept_systems = sorted({r["system"] for r in kept})
        earlier = old.get("merged_from")
        if earlier and set(kept_systems) <= set(earlier.get("systems", [])):
            # The kept rows came into the old file from an earlier run still: name that one.
            result["merged_from"] = dict(earlier, systems=kept_systems)
        else:
            result["merged_from"] = {"started": old.get("started"), "loadavg_start": old.get("loadavg_start"),
                                     "loadavg_end": old.get("loadavg_end"), "systems": kept_systems}
            if earlier and set(earlier.get("systems", [])) & set(kept_systems):
                # Some kept rows came from a run before that one: keep its record too.
                result["merged_from"]["systems"] = sorted(set(kept_systems) - set(earlier["systems"]))
                result["merged_from"]["earlier"] = earlier
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
