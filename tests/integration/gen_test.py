#!/usr/bin/env python3
"""Checks of `eddy gen marketplace` against the data contract (queries/README.md): determinism,
every record's shape, the lifecycles the queries rely on, and the counts per topic.

    python3 tests/integration/gen_test.py BUILD_DIR/bin/eddy      ends with "N passed, M failed, K skipped"

The expectations come from the contract and from the generator's documented proportions (eddy gen
--help), not from its output: e.g. a job's statuses go ACCEPTED, EN_ROUTE, STARTED, COMPLETED or
end in CANCELLED; a payment goes PENDING, AUTHORIZED, then a tombstone.
"""
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
passed = failed = 0

# The contract: topic -> (value fields, the field that is the record's timestamp, compacted).
CONTRACT = {
    "jobs": ({"job_id", "customer_id", "service_option", "region", "address", "lat", "lon", "posted_at", "job_start",
              "job_target_end", "depends_on", "total_price", "currency"}, "posted_at", False),
    "tradespeople": ({"tradesperson_id", "name", "region", "skills", "base_lat", "base_lon", "radius_km", "available",
                      "updated_at"}, "updated_at", True),
    "quotes": ({"quote_id", "job_id", "customer_id", "tradesperson_id", "amount", "cost", "currency", "promo_code",
                "quoted_at"}, "quoted_at", False),
    "promo_codes": ({"code", "discount_pct", "valid_from", "valid_until"}, None, True),
    "currency_rates": ({"currency", "usd_rate", "updated_at"}, "updated_at", True),
    "payments": ({"job_id", "customer_id", "quote_id", "amount", "currency", "status", "updated_at"}, "updated_at", True),
    "appointments": ({"job_id", "tradesperson_id", "start_ts", "end_ts", "status", "depends_on", "updated_at"},
                     "updated_at", True),
    "job_status": ({"job_id", "tradesperson_id", "status", "status_at", "job_target_end"}, "status_at", False),
    "feedback": ({"job_id", "tradesperson_id", "customer_id", "rating", "comment", "submitted_at"}, "submitted_at", False),
    "joblocation": ({"ID", "CUSTOMERNAME", "EMAIL", "ADDRESS", "DEST_LAT", "DEST_LONG", "REPORTING_TIME"},
                    "REPORTING_TIME", True),
    "tradie_truck_location": ({"ID", "JOB_ID", "STATE", "LAT", "LONG"}, None, False),
}
KEY_FIELD = {"jobs": "job_id", "tradespeople": "tradesperson_id", "quotes": "quote_id", "promo_codes": "code",
             "currency_rates": "currency", "payments": "job_id", "appointments": "job_id", "job_status": "job_id",
             "feedback": "job_id", "joblocation": "ID", "tradie_truck_location": "ID"}
SERVICES = {"electrician", "plumbing", "painting", "carpenter", "hvac", "bricklaying", "roofing", "landscaping"}
CURRENCIES = {"USD", "AUD", "INR", "GBP", "EUR"}


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def gen(out, *args):
    return subprocess.run([EDDY, "gen", "marketplace", "--out", out, *args], capture_output=True, text=True,
                          timeout=300)


def digest(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        h.update(name.encode())
        with open(os.path.join(d, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def haversine(lat1, lon1, lat2, lon2):
    r = math.radians
    a = math.sin(r(lat2 - lat1) / 2) ** 2 + math.cos(r(lat1)) * math.cos(r(lat2)) * math.sin(r(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(min(1, math.sqrt(a)))


def main():
    tmp = tempfile.mkdtemp(prefix="eddy-gen-test-")
    a, b, c = (os.path.join(tmp, x) for x in "abc")
    # 3,000 jobs over one day, the default start (a Wednesday 00:00 UTC).
    args = ["--jobs-per-day", "3000", "--seed", "11"]
    r = gen(a, *args)
    check("gen marketplace exits 0", r.returncode == 0, r.stderr)
    if r.returncode != 0:
        return
    r2 = gen(b, *args)
    check("same seed, same bytes", r2.returncode == 0 and digest(a) == digest(b))
    r3 = gen(c, "--jobs-per-day", "3000", "--seed", "12")
    check("another seed, other bytes", r3.returncode == 0 and digest(a) != digest(c))
    check("one file per topic", sorted(os.listdir(a)) == sorted(f"{t}.jsonl" for t in CONTRACT), os.listdir(a))

    # Every line parses: a string key, an object value (or null: a tombstone), an integer timestamp.
    data, bad = {}, []
    for t in CONTRACT:
        recs = []
        with open(os.path.join(a, f"{t}.jsonl")) as f:
            for n, line in enumerate(f, 1):
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    bad.append(f"{t}:{n}: {e}")
                    continue
                if set(rec) != {"key", "value", "timestamp"} or not isinstance(rec["key"], str) or \
                        not isinstance(rec["timestamp"], int) or not (rec["value"] is None or isinstance(rec["value"], dict)):
                    bad.append(f"{t}:{n}: {line[:100]}")
                recs.append(rec)
        data[t] = recs
    check("every record parses", not bad, bad[:3])

    fields_ok, key_ok, ts_ok = [], [], []
    for t, (fields, ts_field, _) in CONTRACT.items():
        for rec in data[t]:
            v = rec["value"]
            if v is None:
                continue
            if set(v) != fields:
                fields_ok.append((t, sorted(set(v) ^ fields)))
            if v[KEY_FIELD[t]] != rec["key"]:
                key_ok.append((t, rec["key"]))
            if ts_field and v[ts_field] != rec["timestamp"]:
                ts_ok.append((t, rec["key"]))
    check("value fields as in the contract", not fields_ok, fields_ok[:3])
    check("key is the key field", not key_ok, key_ok[:3])
    check("timestamp is the event-time field", not ts_ok, ts_ok[:3])
    tombstones = {t: sum(1 for r in data[t] if r["value"] is None) for t in CONTRACT}
    check("tombstones only on payments", all(n == 0 for t, n in tombstones.items() if t != "payments"), tombstones)
    check("tombstones on payments", tombstones["payments"] > 0)

    # Event-time order per topic; only feedback has a few records out of order.
    def out_of_order(recs):
        top, n = -1, 0
        for r in recs:
            if r["timestamp"] < top:
                n += 1
            top = max(top, r["timestamp"])
        return n
    disorder = {t: out_of_order(data[t]) for t in CONTRACT}
    check("event-time order per topic but feedback", all(n == 0 for t, n in disorder.items() if t != "feedback"),
          disorder)
    nfb = len(data["feedback"])
    check("a few feedback records late (1-6%)", 0.01 * nfb <= disorder["feedback"] <= 0.06 * nfb,
          f"{disorder['feedback']} of {nfb}")

    jobs = {r["key"]: r["value"] for r in data["jobs"]}
    n = len(jobs)
    start = 1772582400000
    # Tables before streams: profiles, codes and rates before the first job.
    first_job = min(r["timestamp"] for r in data["jobs"])
    check("jobs posted from the start over a day", start <= first_job and
          max(r["timestamp"] for r in data["jobs"]) < start + 86_400_000)
    check("profiles, codes, rates before the first job",
          all(data[t][0]["timestamp"] < first_job for t in ("tradespeople", "promo_codes", "currency_rates")))
    check("3,000 jobs a day", n == 3000, n)

    # Counts per topic in the documented proportions.
    statuses = Counter(r["value"]["status"] for r in data["job_status"])
    appts = Counter(r["value"]["status"] for r in data["appointments"])
    pays = Counter(r["value"]["status"] if r["value"] else "TOMBSTONE" for r in data["payments"])
    check("one job location per job", len(data["joblocation"]) == n and {r["key"] for r in data["joblocation"]} == set(jobs))
    check("2-5 quotes a job, 3-4 on average", 3.0 * n <= len(data["quotes"]) <= 4.0 * n, len(data["quotes"]) / n)
    check("every job accepted and booked", statuses["ACCEPTED"] == n and appts["BOOKED"] == n, (statuses, appts))
    check("3-7% cancelled", 0.03 * n <= statuses["CANCELLED"] <= 0.07 * n and appts["CANCELLED"] == statuses["CANCELLED"],
          statuses)
    check("every other job completed", statuses["COMPLETED"] + statuses["CANCELLED"] == n and
          statuses["EN_ROUTE"] == statuses["STARTED"] == statuses["COMPLETED"], statuses)
    check("5-11% rescheduled", 0.05 * n <= appts["RESCHEDULED"] <= 0.11 * n, appts)
    check("one pending payment per job", pays["PENDING"] == n, pays)
    check("85-95% of payments deleted (settled or voided)", 0.85 * n <= pays["TOMBSTONE"] <= 0.95 * n, pays)
    check("feedback for 75-85% of completed jobs", 0.75 * statuses["COMPLETED"] <= nfb <= 0.85 * statuses["COMPLETED"],
          nfb)
    check("at least 10 GPS pings a completed job", len(data["tradie_truck_location"]) >= 10 * statuses["COMPLETED"],
          len(data["tradie_truck_location"]))
    check("rates updated through the day (4 currencies x 95 ticks + 5)", len(data["currency_rates"]) == 5 + 4 * 95,
          len(data["currency_rates"]))

    # Values in their domains.
    check("service options, regions, currencies",
          {j["service_option"] for j in jobs.values()} == SERVICES and
          {j["currency"] for j in jobs.values()} == CURRENCIES and len({j["region"] for j in jobs.values()}) >= 5)
    check("jobs end after they start", all(j["job_start"] < j["job_target_end"] and j["posted_at"] < j["job_start"]
                                           for j in jobs.values()))
    deps = {k: j["depends_on"] for k, j in jobs.items() if j["depends_on"] is not None}
    check("some jobs depend on an earlier job of the same customer",
          0.02 * n <= len(deps) <= 0.1 * n and all(d in jobs and jobs[d]["customer_id"] == jobs[k]["customer_id"] and
                                                   jobs[d]["posted_at"] < jobs[k]["posted_at"] for k, d in deps.items()),
          len(deps))
    check("ratings 1-5, all of them", {r["value"]["rating"] for r in data["feedback"]} == {1, 2, 3, 4, 5})

    # Promo codes: valid, expired and unknown ones in quotes.
    codes = {r["key"]: r["value"] for r in data["promo_codes"]}
    kinds = Counter()
    for r in data["quotes"]:
        q = r["value"]
        c = q["promo_code"]
        if c is None:
            kinds["none"] += 1
        elif c not in codes:
            kinds["unknown"] += 1
        elif codes[c]["valid_from"] <= q["quoted_at"] <= codes[c]["valid_until"]:
            kinds["valid"] += 1
        else:
            kinds["expired"] += 1
    check("quotes with valid, expired and unknown codes", all(kinds[k] > 0 for k in ("none", "valid", "expired", "unknown"))
          and kinds["none"] > kinds["valid"] > kinds["unknown"], kinds)

    # Lifecycles per key.
    seq = defaultdict(list)
    for r in data["job_status"]:
        seq[r["key"]].append(r["value"]["status"])
    order_ok = all(s in (["ACCEPTED", "EN_ROUTE", "STARTED", "COMPLETED"], ["ACCEPTED", "CANCELLED"]) for s in seq.values())
    check("statuses ACCEPTED, EN_ROUTE, STARTED, COMPLETED or CANCELLED", order_ok and set(seq) == set(jobs))
    late = sum(1 for r in data["job_status"] if r["value"]["status"] == "COMPLETED" and
               r["value"]["status_at"] > r["value"]["job_target_end"])
    check("10-25% completed late", 0.10 * statuses["COMPLETED"] <= late <= 0.25 * statuses["COMPLETED"], late)
    pseq = defaultdict(list)
    for r in data["payments"]:
        pseq[r["key"]].append(r["value"]["status"] if r["value"] else None)
    allowed = ([None], ["PENDING", None], ["PENDING", "AUTHORIZED", None], ["PENDING", "AUTHORIZED"], ["PENDING"])
    check("payments PENDING, AUTHORIZED, tombstone", all(s in allowed for s in pseq.values()),
          [s for s in pseq.values() if s not in allowed][:3])
    check("some payments never settle", 0 < sum(1 for s in pseq.values() if s[-1] is not None) < 0.15 * n)
    # Profiles: availability toggles, skills never lost.
    prof = defaultdict(list)
    for r in data["tradespeople"]:
        prof[r["key"]].append(r["value"])
    check("availability toggles", sum(1 for p in prof.values() if len({v["available"] for v in p}) == 2) > 0.3 * len(prof))
    check("skills never lost", all(set(p[i]["skills"]) <= set(p[i + 1]["skills"]) for p in prof.values()
                                   for i in range(len(p) - 1)))
    check("skills are service options", all(set(v["skills"]) <= SERVICES and v["skills"] for p in prof.values() for v in p))

    # Scheduling: a few double bookings and a few dependency conflicts in the final appointments.
    final = {}
    for r in data["appointments"]:
        final[r["key"]] = r["value"]
    by_tp = defaultdict(list)
    for a_ in final.values():
        if a_["status"] != "CANCELLED":
            by_tp[a_["tradesperson_id"]].append((a_["start_ts"], a_["end_ts"], a_["job_id"]))
    doubles = 0
    for iv in by_tp.values():
        iv.sort()
        for i in range(len(iv)):
            for k in range(i + 1, len(iv)):
                if iv[k][0] < iv[i][1]:
                    doubles += 1
    check("a few double bookings (0.1-2% of jobs)", 0.001 * n <= doubles <= 0.02 * n, doubles)
    conflicts = sum(1 for a_ in final.values() if a_["status"] != "CANCELLED" and a_["depends_on"] and
                    a_["start_ts"] < final[a_["depends_on"]]["end_ts"])
    check("a few jobs start before the job they depend on ends", 1 <= conflicts <= 0.03 * n, conflicts)

    # Trucks drive towards their job and arrive there.
    loc = {r["key"]: r["value"] for r in data["joblocation"]}
    pings = defaultdict(list)
    for r in data["tradie_truck_location"]:
        pings[r["value"]["JOB_ID"]].append(r)
    moving = arrived = 0
    for job, ps in pings.items():
        d = loc[job]
        first = haversine(ps[0]["value"]["LAT"], ps[0]["value"]["LONG"], d["DEST_LAT"], d["DEST_LONG"])
        last = haversine(ps[-1]["value"]["LAT"], ps[-1]["value"]["LONG"], d["DEST_LAT"], d["DEST_LONG"])
        moving += first > last
        arrived += ps[-1]["value"]["STATE"] == "arrived" and last < 0.05 and ps[0]["timestamp"] > d["REPORTING_TIME"]
    check("pings approach the job and end there, after its location", arrived == len(pings) and
          moving >= 0.95 * len(pings) and len(pings) == statuses["COMPLETED"], (moving, arrived, len(pings)))
    check("trucks are keyed by truck", all(r["key"].startswith("TRUCK-") for r in data["tradie_truck_location"]))

    # Bad usage.
    for bad_args in (["--days", "0"], ["--rate", "5"], ["--jobs-per-day", "x"], ["--events", "10"]):
        r = subprocess.run([EDDY, "gen", "marketplace", "--out", os.path.join(tmp, "bad"), *bad_args],
                           capture_output=True, text=True)
        check(f"bad usage {' '.join(bad_args)} exits 2", r.returncode == 2 and "eddy gen:" in r.stderr, r.stderr[:200])
    r = subprocess.run([EDDY, "gen", "--help"], capture_output=True, text=True)
    check("--help describes marketplace", r.returncode == 0 and "eddy gen marketplace" in r.stdout)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
    print(f"{passed} passed, {failed} failed, 0 skipped")
    sys.exit(1 if failed else 0)
