#!/usr/bin/env python3
"""Turns bench/results/latest.json into docs/performance.md and docs/performance.png.

usage: bench/report.py [--results FILE] [--doc FILE] [--chart FILE] [--profile FILE]

The chart needs matplotlib (scripts/install-deps.sh --bench installs Debian's
python3-matplotlib); without it the page is still written and says the chart is missing.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = {"eddy": "eddy", "flink": "Flink SQL 2.1 (local)", "kstreams": "Kafka Streams 4.1"}
PEERS = ["flink", "kstreams"]
TITLES = {
    "q0": "Nexmark q0: pass-through",
    "q1": "Nexmark q1: currency conversion",
    "q2": "Nexmark q2: selection",
    "q3": "Nexmark q3: local item suggestion (join)",
    "q5": "Nexmark q5: hot items (hopping windows, chain of queries)",
    "q7": "Nexmark q7: highest bid (chain of queries)",
    "q8": "Nexmark q8: monitor new users (windowed join)",
    "windowed_count": "Bids per auction, 10-second tumbling windows",
    "truck_tracker": "Truck tracker (queries/truck_tracker.sql)",
}
# Targets of issue #11, per core, engine only.
TARGET_RATE = {"stateless": 2_000_000, "join": 500_000, "windowed aggregate": 500_000}


def fmt_rate(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def fmt_num(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def chart(results, path, mode):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    def row(q, s, mode):
        return next((r for r in results if r["query"] == q and r["system"] == s and r["mode"] == mode
                     and not r.get("scenario") and r.get("status") == "ok"), None)

    series = [(s, "engine", SYSTEMS[s]) for s in SYSTEMS]
    series.append(("eddy", "kafka", "eddy through Kafka"))
    series = [x for x in series if any(row(q, x[0], x[1]) for q in TITLES)]
    queries = [q for q in TITLES if any(row(q, s, m) for s, m, _ in series)]
    systems = series
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(len(systems), 1)
    for i, (s, row_mode, label) in enumerate(systems):
        xs, ys = [], []
        for j, q in enumerate(queries):
            r = row(q, s, row_mode)
            if r:
                xs.append(j + i * width)
                ys.append(r["events_per_cpu_second"])
        ax.bar(xs, ys, width, label=label)
    ax.set_xticks([j + width * (len(systems) - 1) / 2 for j in range(len(queries))])
    ax.set_xticklabels(queries, rotation=20)
    ax.set_yscale("log")
    ax.set_ylabel("input events per CPU-second (log)")
    ax.set_title(f"Throughput per query, {mode} run: engine only, and eddy through Kafka (higher is better)")
    ax.legend()
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def result_tables(results, L):
    """One table per query: each system's figures and eddy's ratio to it."""
    for q, title in TITLES.items():
        rows = [r for r in results if r["query"] == q and r["mode"] == "engine" and r.get("status") != "not run"]
        rows.sort(key=lambda r: list(SYSTEMS).index(r["system"]) if r["system"] in SYSTEMS else 99)
        if not rows:
            continue
        L.append(f"### {title}")
        L.append("")
        L.append("| system | events | events/CPU-s | events/s | peak RSS MB | ready ms | eddy ÷ system (events/CPU-s) | status |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---|")
        e = next((r for r in rows if r["system"] == "eddy" and r.get("status") == "ok"), None)
        for r in rows:
            ok = r.get("status") == "ok"
            ratio = "–"
            if ok and e and r["system"] != "eddy":
                ratio = f"{e['events_per_cpu_second'] / r['events_per_cpu_second']:.2f}×"
            status = "ok" if ok else f"{r.get('status')}: {r.get('reason', '')}".replace("|", "/")
            L.append(f"| {SYSTEMS.get(r['system'], r['system'])} | {fmt_num(r.get('events'))} | "
                     f"{fmt_rate(r.get('events_per_cpu_second'))} | {fmt_rate(r.get('events_per_second'))} | "
                     f"{fmt_num(r.get('peak_rss_mb'))} | {fmt_num(r.get('ready_ms'))} | {ratio} | {status} |")
        L.append("")


def ms(x):
    return "–" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:.1f}")


def not_ok(row, L):
    """Says why a row has no figures; False if it has them."""
    if row.get("status") == "ok":
        return False
    L.append(f"{row.get('status')}: {row.get('reason', '')}")
    return True


def kafka_tables(results, L):
    """eddy through the broker: throughput, then latency, the noisy neighbour and restore."""
    rows = [r for r in results if r["mode"] == "kafka" and not r.get("scenario") and r["query"] in TITLES]
    if rows:
        L.append("### Throughput through Kafka")
        L.append("")
        L.append("| query | system | events | events/CPU-s | events/s | peak RSS MB | ready ms | output records | same system engine-only events/CPU-s | status |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in sorted(rows, key=lambda r: (list(TITLES).index(r["query"]), r["system"] != "eddy")):
            e = next((x for x in results if x["query"] == r["query"] and x["system"] == r["system"]
                      and x["mode"] == "engine" and x.get("status") == "ok"), None)
            ok = r.get("status") == "ok"
            status = "ok" if ok else f"{r.get('status')}: {r.get('reason', '')}".replace("|", "/")
            if ok and r["system"] != "eddy":
                me = next((x for x in rows if x["query"] == r["query"] and x["system"] == "eddy"
                           and x.get("status") == "ok"), None)
                if me:
                    status = f"ok; eddy ÷ {SYSTEMS.get(r['system'])}: {me['events_per_cpu_second'] / r['events_per_cpu_second']:.2f}× events/CPU-s"
            L.append(f"| {r['query']} | {SYSTEMS.get(r['system'], r['system'])} | {fmt_num(r.get('events'))} | {fmt_rate(r.get('events_per_cpu_second'))} | "
                     f"{fmt_rate(r.get('events_per_second'))} | {fmt_num(r.get('peak_rss_mb'))} | "
                     f"{fmt_num(r.get('ready_ms'))} | {fmt_num(r.get('output_records'))} | "
                     f"{fmt_rate(e['events_per_cpu_second']) if e else '–'} | {status} |")
        L.append("")
        stateless = [r for r in rows if r.get("status") == "ok" and r.get("kind") == "stateless" and r["system"] == "eddy"]
        if stateless:
            L.append("Target (issue #11), through Kafka: 500,000 events/s for stateless queries: "
                     + ", ".join(f"{r['query']} {'met' if r['events_per_second'] >= 500_000 else 'not met'}"
                                 f" ({fmt_rate(r['events_per_second'])})" for r in stateless) + ".")
            L.append("")
    lat = [r for r in results if r["mode"] == "latency" and r["query"] != "noisy_neighbour"
           and r["system"] in ("eddy", "none")]
    if lat:
        L.append("### End-to-end latency (eddy)")
        L.append("")
        L.append("The first rows have no engine: the same producer and consumer on one topic (the floor under")
        L.append("eddy's figures: the client, the broker, the clocks). Outputs *measured* leave out the first second")
        L.append("of each rate (warm-up); *seen* counts every output record read until the output topic stops growing.")
        L.append("")
        L.append("| query | rate, % of the kafka peak | offered events/s | p50 ms | p99 ms | p99.9 ms | max ms | outputs measured / seen / sent | eddy events/CPU-s | status |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for r in sorted(lat, key=lambda r: r["system"] != "none"):
            ok = r.get("status") == "ok"
            status = "ok" if ok else f"{r.get('status')}: {r.get('reason', '')}".replace("|", "/")
            frac = f"{r['rate_fraction']:.0%}" if r.get("rate_fraction") else "–"
            name = "no engine (at q0's rates)" if r["system"] == "none" else r["query"]
            L.append(f"| {name} | {frac} | {fmt_num(r.get('offered_rate'))} | {ms(r.get('p50_ms'))} | "
                     f"{ms(r.get('p99_ms'))} | {ms(r.get('p999_ms'))} | {ms(r.get('max_ms'))} | "
                     f"{fmt_num(r.get('measured_records'))} / {fmt_num(r.get('output_records'))} / {fmt_num(r.get('events'))} | "
                     f"{fmt_rate(r.get('events_per_cpu_second'))} | {status} |")
        L.append("")
    noisy = next((r for r in results if r["query"] == "noisy_neighbour" and r["system"] == "eddy"), None)
    if noisy:
        L.append("### Noisy neighbour (eddy)")
        L.append("")
        if not not_ok(noisy, L):
            b = noisy["base_rate_per_tenant"]
            L.append(f"{noisy['tenants']} tenants (keys), one partition each, through Nexmark q1; each tenant at "
                     f"{b:,} events/s, then tenant 0 at {noisy['flood_rate']:,} (ten times). Latency of the other "
                     "tenants' records, per tenant:")
            L.append("")
            L.append("| run | events sent | others' p50 ms | others' p99 ms | others' p99.9 ms | tenant 0's p99 ms |")
            L.append("|---|---:|---|---|---|---:|")
            for name in ("without", "with"):
                x = noisy[name]
                L.append(f"| {name} the flood | {fmt_num(sum(x['sent']))} | "
                         f"{', '.join(ms(v) for v in x['others_p50_ms'])} | {', '.join(ms(v) for v in x['others_p99_ms'])} | "
                         f"{', '.join(ms(v) for v in x['others_p999_ms'])} | {ms(x['flooder'].get('p99_us', 0) / 1000)} |")
            L.append("")
            a, c = noisy["others_p99_ms_without"], noisy["others_p99_ms_with"]
            L.append(f"The other tenants' p99 (the worst of them) moves from {ms(a)} ms to {ms(c)} ms "
                     f"({c / a:.2f}×) when tenant 0 floods its partition.")
        L.append("")
    rs = next((r for r in results if r.get("scenario") == "restore" and r["system"] == "eddy"), None)
    if rs:
        L.append("### Restart after kill -9 (eddy, the windowed count)")
        L.append("")
        if not not_ok(rs, L):
            L.append(f"State: {rs['changelog_records']:,} changelog records ({rs['changelog_topics']} changelog "
                     f"topic(s)); {rs['tail_events']:,} new bids were written while eddy was down. Times from the restart:")
            L.append("")
            L.append("| state directory | ready ms | partitions assigned ms | caught up ms | restore + catch-up ms (caught up − assigned) | CPU s |")
            L.append("|---|---:|---:|---:|---:|---:|")
            for name in ("kept", "wiped"):
                a = rs.get(f"restore_{name}_assigned_ms")
                c = rs[f"restore_{name}_ms"]
                L.append(f"| {name} | {ms(rs[f'restore_{name}_ready_ms'])} | {ms(a)} | {ms(c)} | "
                         f"{ms(c - a) if a is not None else '–'} | {rs[f'restore_{name}_cpu_seconds']:.2f} |")
        L.append("")
    for r in results:
        if r["mode"] in ("kafka", "latency") and r["system"] in PEERS and r["query"] == "*":
            L.append(f"- {SYSTEMS[r['system']]}, {r['mode']} mode: {r.get('status')} ({r.get('reason', '')}).")
    L.append("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "latest.json"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "performance.md"))
    ap.add_argument("--chart", default=str(ROOT / "docs" / "performance.png"))
    ap.add_argument("--profile", default=str(ROOT / "bench" / "results" / "profile.txt"))
    ap.add_argument("--notes", default=str(ROOT / "bench" / "notes.md"))
    ap.add_argument("--extra", default=str(ROOT / "bench" / "results" / "medium.json"),
                    help="another results file shown after the main one, if it exists")
    a = ap.parse_args()
    res = json.loads(Path(a.results).read_text())
    results = res["results"]
    m = res["machine"]
    have_chart = chart(results, a.chart, res["mode"])
    L = []
    L.append("# Performance")
    L.append("")
    L.append("eddy against Flink SQL and Kafka Streams on the same machine and the same generated data")
    L.append("(issue #11). This page is written by `make bench` (`bench/run.py`, then `bench/report.py`);")
    L.append("don't edit it by hand: the text around the tables comes from `bench/report.py` and")
    L.append("`bench/notes.md`.")
    L.append("")
    L.append("## This run")
    L.append("")
    L.append(f"- Mode: **{res['mode']}**, medians of {res['repetitions']} run(s) each; started {res['started']}.")
    if res.get("merged_from"):
        mf = res["merged_from"]
        which = "engine-only rows" if res.get("kafka_modes") else "rows"
        L.append(f"- The {which} of {', '.join(SYSTEMS.get(s, s) for s in mf['systems'])} come from an earlier run of the"
                 f" same data, started {mf['started']} (load average {mf['loadavg_start']} to {mf['loadavg_end']}).")
    d = res["data"]
    L.append(f"- Data: `eddy gen nexmark --events {d['nexmark_events']} --seed {d['seed']}` and "
             f"`eddy gen trucks --events {d['truck_pings']} --jobs {d['truck_jobs']} --seed {d['seed']}`.")
    L.append(f"- Machine: {m.get('cpu', '?')}, {m.get('cores')} cores, {m.get('memory_gb')} GB, Linux {m.get('kernel')}; "
             f"{m.get('java')}; eddy at commit {m.get('eddy_commit', '?')}"
             + (" plus uncommitted work in the tree." if m.get("eddy_tree_dirty") else "."))
    la0, la1 = res.get("loadavg_start"), res.get("loadavg_end")
    L.append(f"- Load average (1, 5, 15 min) at the start {la0}, at the end {la1}. With other work on the")
    L.append("  machine, wall-clock figures (events/s) are noisy; CPU-time figures (events per CPU-second)")
    L.append("  much less so.")
    L.append("")
    L.append("Columns: **events/CPU-s** = input events per CPU-second of the engine process (all its")
    L.append("threads, user + system) while it processes; **events/s** = input events per wall-clock")
    L.append("second over the same span; **peak RSS** of the process; **ready** = from start until the")
    L.append("engine takes records. **eddy ÷ peer** is eddy's events/CPU-s over the peer's.")
    L.append("")
    L.append("## Results (engine only)")
    L.append("")
    result_tables(results, L)
    if any(r["mode"] in ("kafka", "latency") for r in results):
        L.append("## Results through the Kafka broker")
        L.append("")
        ka = res.get("kafka_modes", {})
        L.append(f"eddy on core 0, the broker (one JVM, `scripts/kafka.sh`) on core 1; load average "
                 f"{ka.get('loadavg_start')} to {ka.get('loadavg_end')}. How each figure is taken: `bench/README.md`.")
        L.append("")
        kafka_tables(results, L)
    if have_chart:
        L.append(f"![events per CPU-second per query]({Path(a.chart).name})")
    else:
        L.append("(No chart: matplotlib is not installed; `bash scripts/install-deps.sh --bench` installs it.)")
    L.append("")
    L.append("## Targets (issue #11)")
    L.append("")
    L.append("Per core, engine only: the rate targets are for eddy's events per CPU-second; the second pair")
    L.append("of columns asks for five times the best peer's events per CPU-second in this run.")
    L.append("")
    L.append("| query | kind | target events/CPU-s | eddy | met | 5 × best peer | met | RSS < 100 MB (stateless) | ready < 50 ms |")
    L.append("|---|---|---:|---:|---|---:|---|---|---|")
    for q in TITLES:
        e = next((r for r in results if r["query"] == q and r["system"] == "eddy" and r["mode"] == "engine"), None)
        if not e:
            continue
        kind = e.get("kind", "?")
        target = TARGET_RATE.get(kind)
        if e.get("status") != "ok":
            L.append(f"| {q} | {kind} | {fmt_rate(target)} | {e.get('status')} | no | – | no | – | – |")
            continue
        rate = e["events_per_cpu_second"]
        peers = [r for r in results if r["query"] == q and r["system"] in PEERS and r.get("status") == "ok"]
        best = max((r["events_per_cpu_second"] for r in peers), default=None)
        five = "–" if best is None else fmt_rate(5 * best)
        five_met = "–" if best is None else ("yes" if rate >= 5 * best else "no")
        rss = ("yes" if e["peak_rss_mb"] < 100 else "no") if kind == "stateless" else "–"
        ready = "yes" if e["ready_ms"] < 50 else "no"
        L.append(f"| {q} | {kind} | {fmt_rate(target)} | {fmt_rate(rate)} | {'yes' if rate >= target else 'no'} | "
                 f"{five} | {five_met} | {rss} | {ready} |")
    L.append("")
    if res["mode"] == "quick":
        L.append("In quick mode the peers are cold JVMs, so a \"yes\" in the 5 × best peer column says little;")
        L.append("the larger run below, where the JVMs warm up, is the fairer comparison.")
        L.append("")
    extra = Path(a.extra)
    if extra.exists():
        ex = json.loads(extra.read_text())
        d = ex["data"]
        L.append(f"## A larger run ({ex['mode']} mode: {d['nexmark_events']:,} Nexmark events, {d['truck_pings']:,} truck pings)")
        L.append("")
        L.append("Where the JVMs warm up. Only some queries; medians of "
                 f"{ex['repetitions']} run(s); started {ex['started']}, load average {ex.get('loadavg_start')} to"
                 f" {ex.get('loadavg_end')}. Written by `python3 bench/run.py --mode {ex['mode']} --queries ..."
                 f" --out {extra.relative_to(ROOT) if extra.is_relative_to(ROOT) else extra}`.")
        mf = ex.get("merged_from")
        while mf:
            L.append(f"The engine-only rows of {', '.join(SYSTEMS.get(s, s) for s in mf['systems'])} come from an"
                     f" earlier run, started {mf['started']} (load average {mf['loadavg_start']} to"
                     f" {mf['loadavg_end']}).")
            mf = mf.get("earlier")
        L.append("")
        result_tables(ex["results"], L)
        if any(r["mode"] in ("kafka", "latency") for r in ex["results"]):
            ka = ex.get("kafka_modes", {})
            L.append(f"Through the broker (load average {ka.get('loadavg_start')} to {ka.get('loadavg_end')}):")
            L.append("")
            kafka_tables(ex["results"], L)
    notes = Path(a.notes)
    if notes.exists():
        L.append(notes.read_text().rstrip())
        L.append("")
    prof = Path(a.profile)
    if prof.exists():
        L.append("## Profile: eddy on Nexmark q0 (the stateless path)")
        L.append("")
        L.append("`bench/profile.sh` (perf, call graphs off: self time per function). Top entries:")
        L.append("")
        L.append("```")
        L.append(prof.read_text().rstrip())
        L.append("```")
        L.append("")
    Path(a.doc).write_text("\n".join(L))
    print(f"bench: wrote {a.doc}" + (f" and {a.chart}" if have_chart else " (no chart: matplotlib missing)"),
          file=sys.stderr)


if __name__ == "__main__":
    main()
