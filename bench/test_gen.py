#!/usr/bin/env python3
"""Checks of `eddy gen` against the Nexmark rules, worked out from the spec, not from its output.

usage: python3 bench/test_gen.py [build/bin/eddy]     ends with "N passed, M failed"
"""
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDDY = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "bin" / "eddy")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def gen(*args):
    return subprocess.run([EDDY, "gen", *args], capture_output=True, text=True)


def load(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def digest(d):
    return hashlib.sha256(b"".join((Path(d) / f).read_bytes() for f in sorted(p.name for p in Path(d).iterdir()))).hexdigest()


with tempfile.TemporaryDirectory() as tmp:
    t = Path(tmp)
    r = gen("nexmark", "--events", "5000", "--seed", "7", "--rate", "1000", "--out", str(t / "a"))
    check("gen nexmark exits 0", r.returncode == 0, r.stderr)
    person, auction, bid = (load(t / "a" / f"{k}.jsonl") for k in ("person", "auction", "bid"))
    # 1:3:46 out of every 50 events: 5,000 events are 100 epochs.
    check("100 people", len(person) == 100, len(person))
    check("300 auctions", len(auction) == 300, len(auction))
    check("4,600 bids", len(bid) == 4600, len(bid))
    # Ids: people from 1000 and auctions from 1000, one more per event of that kind.
    check("person ids 1000..1099", [p["value"]["ID"] for p in person] == list(range(1000, 1100)))
    check("auction ids 1000..1299", [a["value"]["ID"] for a in auction] == list(range(1000, 1300)))
    check("keys are the ids", all(p["key"] == p["value"]["ID"] for p in person + auction))
    check("bids have no key", all(b["key"] is None for b in bid))
    check("person fields", set(person[0]["value"]) ==
          {"ID", "NAME", "EMAILADDRESS", "CREDITCARD", "CITY", "STATE", "DATETIME", "EXTRA"}, person[0]["value"].keys())
    check("auction fields", set(auction[0]["value"]) ==
          {"ID", "ITEMNAME", "DESCRIPTION", "INITIALBID", "RESERVE", "DATETIME", "EXPIRES", "SELLER", "CATEGORY",
           "EXTRA"}, auction[0]["value"].keys())
    check("bid fields", set(bid[0]["value"]) ==
          {"AUCTION", "BIDDER", "PRICE", "CHANNEL", "URL", "DATETIME", "EXTRA"}, bid[0]["value"].keys())
    # Event n (0-based) happens at start + n * 1000 / rate ms; event 0 is the first person, event
    # 1 the first auction, event 4 the first bid, event 50 the second person.
    start = 1700000000000
    check("first person at event 0", person[0]["timestamp"] == start)
    check("second person at event 50", person[1]["timestamp"] == start + 50)
    check("first bid at event 4", bid[0]["timestamp"] == start + 4)
    check("DATETIME is the timestamp", all(e["value"]["DATETIME"] == e["timestamp"] for e in person + auction + bid))
    # Bids go to auctions that exist or are at most 10 ahead (Nexmark's AUCTION_ID_LEAD), sellers and
    # bidders to people at most 10 ahead (PERSON_ID_LEAD); categories 10..14; reserve above the
    # initial bid; auctions expire after they open.
    ok = True
    for b in bid:
        n = (b["timestamp"] - start)  # event number at rate 1000/s
        last_auction = 1000 + (n // 50) * 3 + 2
        ok &= 1000 <= b["value"]["AUCTION"] <= last_auction + 10
        ok &= 1000 <= b["value"]["BIDDER"] <= 1000 + n // 50 + 10
        ok &= b["value"]["PRICE"] >= 100 and b["value"]["CHANNEL"] in ("Google", "Facebook", "Baidu", "Apple")
    check("bid references in range", ok)
    check("categories 10..14", {a["value"]["CATEGORY"] for a in auction} <= set(range(10, 15)))
    check("reserve above initial bid", all(a["value"]["RESERVE"] > a["value"]["INITIALBID"] for a in auction))
    check("expires after opening", all(a["value"]["EXPIRES"] > a["value"]["DATETIME"] for a in auction))
    check("states", {p["value"]["STATE"] for p in person} <= {"AZ", "CA", "ID", "OR", "WA", "WY"})
    # Hot auctions: 99 in 100 bids go to the hot auction, the first of the current block of 100
    # auction ids (base 0: the last auction id rounded down to a multiple of 100).
    hot = sum(1 for b in bid if b["value"]["AUCTION"] == 1000 + (((b["timestamp"] - start) // 50 * 3 + 2) // 100) * 100)
    check("about 99% of bids on the hot auction", 0.97 * len(bid) <= hot <= len(bid), hot)
    # Deterministic: same seed, same bytes; another seed, other bytes.
    gen("nexmark", "--events", "5000", "--seed", "7", "--rate", "1000", "--out", str(t / "b"))
    gen("nexmark", "--events", "5000", "--seed", "8", "--rate", "1000", "--out", str(t / "c"))
    check("same seed, same bytes", digest(t / "a") == digest(t / "b"))
    check("other seed, other bytes", digest(t / "a") != digest(t / "c"))
    # Trucks: one row per job, pings keyed by truck, each truck on its own job.
    r = gen("trucks", "--events", "2000", "--jobs", "20", "--out", str(t / "tr"))
    check("gen trucks exits 0", r.returncode == 0, r.stderr)
    jobs, pings = load(t / "tr" / "joblocation.jsonl"), load(t / "tr" / "pings.jsonl")
    check("20 jobs", [j["key"] for j in jobs] == [f"J-{i}" for i in range(20)])
    check("2,000 pings", len(pings) == 2000)
    check("truck i drives to job i", all(p["value"]["JOB_ID"] == "J-" + p["key"].split("-")[1] for p in pings))
    # Bad usage is refused in plain words.
    r = gen("nexmark", "--events", "-3")
    check("negative --events refused", r.returncode == 2 and "--events" in r.stderr, r.stderr)
    r = gen("auctions")
    check("unknown generator refused", r.returncode == 2 and "unknown generator" in r.stderr, r.stderr)
    # The files are what `eddy run --input` reads: q0 over them runs to the end.
    r = subprocess.run([EDDY, "run", str(ROOT / "bench/queries/nexmark_sources.sql"), str(ROOT / "bench/queries/q0.sql"),
                        "--state-dir", str(t / "st"), "--once", "--input", f"bid={t / 'a' / 'bid.jsonl'}"],
                       capture_output=True, text=True)
    check("eddy run reads the files", r.returncode == 0 and "eddy: ready" in r.stderr, r.stderr[-300:])

print(f"{passed} passed, {failed} failed, 0 skipped")
sys.exit(1 if failed else 0)
