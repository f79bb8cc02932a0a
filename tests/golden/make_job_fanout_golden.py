#!/usr/bin/env python3
"""Writes job_fanout.json, the golden test of queries/job_fanout.sql, with the expected outputs
computed here, independently of eddy, by modelling ksqlDB's semantics for each statement:

- TRADESPERSON_SKILL_CHANGES: EXPLODE(SKILLS) gives one record per skill, in array order.
- TRADESPERSON_SKILLS: a stream aggregation per (tradesperson, skill); LATEST_BY_OFFSET keeps the
  latest non-null value of each column; every input record emits the group's row.
- SKILL_ROSTERS: a table aggregation over that table, after WHERE AVAILABLE. Each update of a
  (tradesperson, skill) row first undoes the old row's contribution (if the old row passed the
  WHERE) and then adds the new one (if it passes). COLLECT_LIST's undo removes the LAST element
  equal to the old struct (ksqlDB's CollectListUdaf.undo); add appends. When the old and the new
  row fall in the same roster one row is emitted, else the old roster's then the new one's; a
  roster emptied by undo stays, with an empty list. Rows carry the input record's timestamp.
- JOB_ROSTERS: stream-table inner join of a job with the roster keyed REGION + '/' + SERVICE_OPTION
  (no roster, or a NULL part of the key: no record); the roster as it is when the job arrives.
- JOB_CANDIDATES: EXPLODE of the roster, in list order (an empty roster gives nothing).
- JOB_NOTIFICATIONS: the candidates with GEO_DISTANCE(job, base, 'KM') <= RADIUS_KM, keyed by the
  tradesperson, DISTANCE_KM rounded as ksqlDB's ROUND(DOUBLE, 2) does; the job's timestamp.
GEO_DISTANCE is the haversine distance with an earth radius of 6371 km. The scenario keeps every
distance away from its radius and from a rounding boundary (checked below), so the last bits of
the floating-point formula cannot change the expected outputs.

Run it again only when the scenario changes: python3 make_job_fanout_golden.py
"""
import json
import os

from make_price_enrichment_golden import statements
from make_truck_tracker_golden import geo_km, ksql_round2

HERE = os.path.dirname(os.path.abspath(__file__))
QUERY = os.path.join(HERE, "..", "..", "queries", "job_fanout.sql")


def profile(ts, tid, name, region, skills, lat, lon, radius, available):
    return {"topic": "tradespeople", "key": tid, "timestamp": ts,
            "value": {"tradesperson_id": tid, "name": name, "region": region, "skills": skills,
                      "base_lat": lat, "base_lon": lon, "radius_km": radius, "available": available,
                      "updated_at": ts}}


def job(ts, jid, service, region, lat, lon, price=250.0, currency="AUD"):
    return {"topic": "jobs", "key": jid, "timestamp": ts,
            "value": {"job_id": jid, "customer_id": "C" + jid[1:], "service_option": service,
                      "region": region, "address": jid + " Example St", "lat": lat, "lon": lon,
                      "posted_at": ts, "job_start": ts + 86400000, "job_target_end": ts + 2 * 86400000,
                      "depends_on": None, "total_price": price, "currency": currency}}


SYD = "sydney"
MEL = "melbourne"

INPUTS = [
    # Sydney: T1 plumbing + electrician near the centre, T2 plumbing in the west with a small radius,
    # T4 painting, T5 plumbing but not available yet. Melbourne: T3 plumbing + painting.
    profile(1000, "T1", "Ana", SYD, ["plumbing", "electrician"], -33.87, 151.21, 15.0, True),
    profile(1100, "T2", "Ben", SYD, ["plumbing"], -33.75, 151.00, 10.0, True),
    profile(1200, "T3", "Cai", MEL, ["plumbing", "painting"], -37.81, 144.96, 30.0, True),
    profile(1300, "T4", "Dee", SYD, ["painting"], -33.90, 151.15, 20.0, True),
    profile(1400, "T5", "Eve", SYD, ["plumbing"], -33.95, 151.25, 25.0, False),   # unavailable: no roster entry
    job(2000, "J1", "plumbing", SYD, -33.89, 151.20),        # T1 in reach, T2 out of reach, T5 unavailable
    profile(2100, "T5", "Eve", SYD, ["plumbing"], -33.95, 151.25, 25.0, True),    # available: joins the roster
    job(2200, "J2", "plumbing", SYD, -33.93, 151.23),        # T1 and T5
    job(2300, "J3", "painting", SYD, -33.88, 151.18),        # T4
    profile(2400, "T4", "Dee", SYD, ["painting"], -33.90, 151.15, 20.0, False),   # unavailable: retracted
    job(2500, "J4", "painting", SYD, -33.88, 151.18),        # the roster is empty now: nobody fits
    job(2600, "J5", "roofing", SYD, -33.88, 151.18),         # nobody offers roofing: no roster at all
    job(2650, "J6", "gardening", SYD, -33.88, 151.18),       # not a service of the platform
    profile(2700, "T4", "Dee", SYD, ["painting"], -33.90, 151.15, 30.0, True),    # available again, wider radius
    job(2800, "J7", "painting", SYD, -33.80, 151.00),        # T4 again (18 km, inside the new 30 km)
    profile(2900, "T1", "Ana", SYD, ["plumbing", "electrician"], -33.60, 151.30, 15.0, True),  # moves north
    job(3000, "J8", "plumbing", SYD, -33.93, 151.23),        # T5 only: T1 is out of reach now
    job(3100, "J9", "plumbing", MEL, -37.85, 145.00),        # Melbourne's roster: T3
    job(3150, "J10", "electrician", SYD, -33.65, 151.28),    # T1 at the new base
    # T2 widens its radius and gains a skill: its plumbing entry moves to the roster's end.
    profile(3200, "T2", "Ben", SYD, ["plumbing", "electrician"], -33.75, 151.00, 40.0, True),
    job(3300, "J11", "plumbing", SYD, -33.85, 151.10),       # T5, then T2 (roster order); T1 out of reach
    job(3400, "J12", "electrician", SYD, -33.70, 151.20),    # T1 and T2
    job(3500, "J13", "plumbing", None, -33.85, 151.10),      # no region: the join key is NULL
]


def main():
    skills = {}     # (tradesperson, skill) -> latest state (LATEST_BY_OFFSET of each column)
    rosters = {}    # roster key -> list of entries (COLLECT_LIST)
    outputs_rosters = []
    outputs_notes = []
    checks = []

    def entry(tid, st):
        return {"TRADESPERSON_ID": tid, "BASE_LAT": st["BASE_LAT"], "BASE_LON": st["BASE_LON"],
                "RADIUS_KM": st["RADIUS_KM"]}

    def roster_key(st, skill):
        return None if st["REGION"] is None or skill is None else st["REGION"] + "/" + skill

    def emit_roster(key, ts):
        outputs_rosters.append({"topic": "skill_rosters", "key": key, "timestamp": ts,
                                "value": {"TRADESPEOPLE": [dict(e) for e in rosters[key]]}})

    for rec in INPUTS:
        v, ts = rec["value"], rec["timestamp"]
        if rec["topic"] == "tradespeople":
            tid = rec["key"]
            for skill in v["skills"]:
                old = skills.get((tid, skill))
                new = dict(old) if old else {"REGION": None, "BASE_LAT": None, "BASE_LON": None,
                                             "RADIUS_KM": None, "AVAILABLE": None}
                for col, field in (("REGION", "region"), ("BASE_LAT", "base_lat"), ("BASE_LON", "base_lon"),
                                   ("RADIUS_KM", "radius_km"), ("AVAILABLE", "available")):
                    if v[field] is not None:
                        new[col] = v[field]
                skills[(tid, skill)] = new
                old_key = roster_key(old, skill) if old and old["AVAILABLE"] else None
                new_key = roster_key(new, skill) if new["AVAILABLE"] else None
                if old_key is not None:
                    lst = rosters[old_key]
                    e = entry(tid, old)
                    idx = max(i for i, x in enumerate(lst) if x == e)   # the last equal element
                    del lst[idx]
                    if old_key != new_key:
                        emit_roster(old_key, ts)
                if new_key is not None:
                    rosters.setdefault(new_key, []).append(entry(tid, new))
                    emit_roster(new_key, ts)
            continue
        # A job: join its roster, explode, keep those within reach.
        if v["region"] is None or v["service_option"] is None:
            continue
        key = v["region"] + "/" + v["service_option"]
        if key not in rosters:
            continue
        for cand in list(rosters[key]):
            d = geo_km(v["lat"], v["lon"], cand["BASE_LAT"], cand["BASE_LON"])
            checks.append((rec["key"], cand["TRADESPERSON_ID"], d, cand["RADIUS_KM"]))
            if d <= cand["RADIUS_KM"]:
                outputs_notes.append({"topic": "job_notifications", "key": cand["TRADESPERSON_ID"], "timestamp": ts,
                                      "value": {"JOB_ID": rec["key"], "SERVICE_OPTION": v["service_option"],
                                                "REGION": v["region"], "ADDRESS": v["address"],
                                                "JOB_START": v["job_start"], "TOTAL_PRICE": v["total_price"],
                                                "CURRENCY": v["currency"], "DISTANCE_KM": ksql_round2(d)}})

    # Keep the scenario away from the edges the floating-point formula could tip.
    for jid, tid, d, radius in checks:
        assert abs(d - radius) > 0.01, (jid, tid, d, radius)
        frac = (d * 100) % 1
        assert 1e-6 < abs(frac - 0.5), (jid, tid, d)
    want = {("J1", "T1"), ("J2", "T1"), ("J2", "T5"), ("J3", "T4"), ("J7", "T4"), ("J8", "T5"), ("J9", "T3"),
            ("J10", "T1"), ("J11", "T5"), ("J11", "T2"), ("J12", "T1"), ("J12", "T2")}
    got = {(o["value"]["JOB_ID"], o["key"]) for o in outputs_notes}
    assert got == want, sorted(got ^ want)

    doc = {"comments": ["Generated by make_job_fanout_golden.py from queries/job_fanout.sql;",
                        "expected values computed independently in that script."],
           "tests": [{"name": "job fan-out: rosters with retraction, reach, unavailable and available again, "
                              "empty roster, unknown service, moved base, roster order",
                      "statements": statements(QUERY), "inputs": INPUTS,
                      "outputs": outputs_rosters + outputs_notes}]}
    with open(os.path.join(HERE, "job_fanout.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
