#!/usr/bin/env python3
"""Profiles eddy's processing phase on one bench query with perf, and writes the top entries.

perf attaches when eddy prints "eddy: ready" (the input is loaded into the embedded log by then),
so the profile covers reading the log, deserializing, the query, serializing and writing the
output: the engine-only path that bench/run.py measures.

usage: bench/profile.py [--query q0] [--eddy build/bin/eddy] [--events 500000]
                        [--out bench/results/profile.txt] [--top 25]
Needs perf (Debian's linux-perf; scripts/install-deps.sh --bench) and
kernel.perf_event_paranoid <= 2.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the queries and their inputs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--query", default="q0")
    ap.add_argument("--eddy", default=str(run.ROOT / "build" / "bin" / "eddy"))
    ap.add_argument("--out", default=str(run.BENCH / "results" / "profile.txt"))
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--events", type=int, default=500_000, help="Nexmark events (and truck pings) to generate")
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("bench/profile.py: perf is not installed (bash scripts/install-deps.sh --bench)")
    eddy = str(Path(a.eddy).resolve())
    data = run.BENCH / "data" / "profile"
    data.mkdir(parents=True, exist_ok=True)
    run.MODES["profile"] = dict(run.MODES["quick"], nexmark_events=a.events, truck_pings=a.events)
    nx, tr = run.generate(eddy, "profile", data)
    scratch = Path(tempfile.mkdtemp(prefix="eddy-profile-"))
    try:
        cmd = [eddy, "run", *map(str, run.query_files(a.query)), "--state-dir", str(scratch / "state"), "--once"]
        for topic, path in run.input_files(a.query, nx, tr):
            cmd += ["--input", f"{topic}={path}"]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        perf = None
        for line in p.stderr:
            if line.strip() == "eddy: ready" and perf is None:
                perf = subprocess.Popen(["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384", "-o", str(scratch / "perf.data"),
                                         "-p", str(p.pid)], stderr=subprocess.DEVNULL)
        p.wait()
        if perf is None:
            sys.exit(f"bench/profile.py: eddy did not get ready on {a.query}")
        perf.wait()
        report = subprocess.run(["perf", "report", "-i", str(scratch / "perf.data"), "--no-inline", "--stdio", "--no-children",
                                 "-g", "none", "--percent-limit", "0.5", "--sort", "symbol"],
                                capture_output=True, text=True).stdout
        children = subprocess.run(["perf", "report", "-i", str(scratch / "perf.data"), "--no-inline", "--stdio", "--children",
                                   "-g", "none", "--percent-limit", "4", "--sort", "symbol"],
                                  capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def rows(text, n):
        out = []
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            out.append(" ".join(line.split())[:150])
            if len(out) >= n:
                break
        return out

    lines = [f"query {a.query}, {a.events} Nexmark events; self time (the function itself):"]
    lines += ["  " + r for r in rows(report, a.top)]
    lines += ["", "with callees (children, from DWARF call graphs), functions above 4%:"]
    lines += ["  " + r for r in rows(children, a.top)]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
