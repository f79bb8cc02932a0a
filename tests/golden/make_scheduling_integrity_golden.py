#!/usr/bin/env python3
"""Writes scheduling_integrity.json, the golden test of queries/scheduling_integrity.sql, with the
expected outputs computed here, independently of eddy, by modelling ksqlDB's semantics:

- APPOINTMENTS is a table: a record replaces the job's appointment, a null value deletes it.
- TRADESPERSON_DAY_BOOKINGS: a table aggregation after WHERE STATUS <> 'CANCELLED', grouped by
  tradesperson and TIMESTAMPTOSTRING(START_TS, 'yyyy-MM-dd', 'UTC'). An update undoes the old row's
  contribution (if it passed the WHERE) and adds the new one (if it passes); COLLECT_LIST's undo
  removes the LAST equal element, add appends. Old and new row in the same group: one output row;
  in different groups: the old group's row, then the new group's. Rows carry the record's timestamp.
- DOUBLE_BOOKINGS, DEPENDENT_APPOINTMENTS, SCHEDULED_ENDS, DEPENDENCY_VIOLATIONS: a projection
  with WHERE over a (materialized) source table, Kafka Streams' table filter with old values: a
  row that passes is written; a row that fails, or a delete, writes a tombstone only when that
  key's previous row had passed; otherwise nothing.
- DEPENDENCY_CHECKS: a foreign-key LEFT join, DEPENDENT_APPOINTMENTS.DEPENDS_ON -> SCHEDULED_ENDS'
  key. A left insert or update gives the joined row (right side NULL when the other job has no
  active appointment); a left delete a tombstone; a right insert, update or delete gives the
  joined row of every left row that refers to it. The scenario keeps to one dependent per job and
  no chains, so one appointment change never produces output from both sides of the join.
Overlap: [start, end) intervals, B.START < A.END AND A.START < B.END; touching ones do not overlap.

Run it again only when the scenario changes: python3 make_scheduling_integrity_golden.py
"""
import datetime
import json
import os

from make_price_enrichment_golden import statements

HERE = os.path.dirname(os.path.abspath(__file__))
QUERY = os.path.join(HERE, "..", "..", "queries", "scheduling_integrity.sql")

H = 3600 * 1000
DAY_MS = 24 * H
D0 = int(datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc).timestamp() * 1000)  # a Tuesday, 00:00 UTC
T0 = int(datetime.datetime(2026, 11, 25, 8, 0, tzinfo=datetime.timezone.utc).timestamp() * 1000)


_seq = [0]


def appt(job, tp, day, start_h, end_h, status="BOOKED", depends_on=None):
    _seq[0] += 1
    ts = T0 + _seq[0] * 60000
    return {"topic": "appointments", "key": job, "timestamp": ts,
            "value": {"job_id": job, "tradesperson_id": tp, "start_ts": D0 + day * DAY_MS + start_h * H,
                      "end_ts": D0 + day * DAY_MS + end_h * H, "status": status, "depends_on": depends_on,
                      "updated_at": ts}}


def delete(job):
    _seq[0] += 1
    return {"topic": "appointments", "key": job, "timestamp": T0 + _seq[0] * 60000, "value": None}


INPUTS = [
    # T1's Tuesday: A1 9-11 and A2 11-13 touch but do not overlap; A3 14-16.
    appt("A1", "T1", 0, 9, 11),
    appt("A2", "T1", 0, 11, 13),
    appt("A3", "T1", 0, 14, 16),
    appt("A3", "T1", 0, 12, 14, "RESCHEDULED"),      # a reschedule that creates a double booking (A2, A3)
    appt("A4", "T1", 0, 15, 17),                     # still double-booked: the row is written again
    appt("A2", "T1", 1, 9, 11, "RESCHEDULED"),       # A2 moves to Wednesday: Tuesday's conflict is gone
    appt("A5", "T1", 1, 10, 12),                     # Wednesday: A5 overlaps A2
    appt("A5", "T1", 1, 10, 12, "CANCELLED"),        # the cancellation removes it
    # T2: A7 inside A6; a cancelled appointment never counts; then A7 is deleted (a tombstone).
    appt("A6", "T2", 0, 9, 12),
    appt("A8", "T2", 0, 10, 11, "CANCELLED"),
    appt("A7", "T2", 0, 10, 11),
    delete("A7"),
    # Dependencies: the wall W1 (T3), then the painting P1 (T4) that depends on it.
    appt("W1", "T3", 2, 8, 16),
    appt("P1", "T4", 2, 14, 17, depends_on="W1"),      # starts before the wall is finished
    appt("P1", "T4", 3, 9, 12, "RESCHEDULED", depends_on="W1"),   # fixed by a reschedule
    appt("W1", "T3", 3, 8, 17, "RESCHEDULED"),       # the wall slips into Thursday: P1 is early again
    appt("W1", "T3", 3, 8, 17, "CANCELLED"),         # no wall at all: its dependency is not scheduled
    appt("W1", "T3", 2, 8, 16, "BOOKED"),            # booked again on Wednesday: P1 is fine
    appt("Q1", "T4", 4, 9, 10, depends_on="NOPE"),     # depends on a job nobody has booked
    appt("Q1", "T4", 4, 9, 10, "CANCELLED", depends_on="NOPE"),   # cancelled: the violation goes
]


def main():
    out = {"tradesperson_day_bookings": [], "double_bookings": [], "dependency_checks": [],
           "dependency_violations": []}

    def emit(topic, key, value, ts):
        out[topic].append({"topic": topic, "key": key, "value": value, "timestamp": ts})

    appointments = {}   # job -> latest value
    bookings = {}       # (tradesperson, day) -> COLLECT_LIST of structs
    passing = {t: set() for t in ("double_bookings", "dependent_appointments", "scheduled_ends",
                                  "dependency_violations")}
    dependent = {}      # DEPENDENT_APPOINTMENTS rows
    ends = {}           # SCHEDULED_ENDS rows

    def table_filter(name, key, row, ok, ts, topic=None, store=None):
        """Kafka Streams' table filter with old values; returns the row written, or None."""
        k = json.dumps(key, sort_keys=True)
        if row is not None and ok(row):
            passing[name].add(k)
            if store is not None:
                store[key] = row
            if topic:
                emit(topic, key, row, ts)
            return "row"
        if k in passing[name]:
            passing[name].discard(k)
            if store is not None:
                store.pop(key, None)
            if topic:
                emit(topic, key, None, ts)
            return "tombstone"
        return None

    def day_of(ms):
        return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")

    def overlapping(lst):
        return [a for a in lst
                if len([b for b in lst if b["JOB_ID"] != a["JOB_ID"] and b["START_TS"] < a["END_TS"]
                        and a["START_TS"] < b["END_TS"]]) > 0]

    def bookings_changed(group, ts):
        key = {"TRADESPERSON_ID": group[0], "DAY": group[1]}
        lst = bookings[group]
        emit("tradesperson_day_bookings", key, {"BOOKINGS": [dict(e) for e in lst]}, ts)
        table_filter("double_bookings", key, {"OVERLAPPING": [dict(e) for e in overlapping(lst)]},
                     lambda r: len(r["OVERLAPPING"]) > 0, ts, "double_bookings")

    def check_row(job, ts):
        a = dependent[job]
        end = ends.get(a["DEPENDS_ON"])
        end_ts = end["END_TS"] if end else None
        problem = ("DEPENDENCY_NOT_SCHEDULED" if end_ts is None
                   else "STARTS_BEFORE_DEPENDENCY_ENDS" if a["START_TS"] < end_ts else None)
        row = {"TRADESPERSON_ID": a["TRADESPERSON_ID"], "DEPENDS_ON": a["DEPENDS_ON"], "START_TS": a["START_TS"],
               "DEPENDS_ON_END_TS": end_ts, "PROBLEM": problem}
        emit("dependency_checks", job, row, ts)
        table_filter("dependency_violations", job, row, lambda r: r["PROBLEM"] is not None, ts,
                     "dependency_violations")

    def check_deleted(job, ts):
        emit("dependency_checks", job, None, ts)
        table_filter("dependency_violations", job, None, None, ts, "dependency_violations")

    for rec in INPUTS:
        job, v, ts = rec["key"], rec["value"], rec["timestamp"]
        old = appointments.get(job)
        if v is None:
            appointments.pop(job, None)
        else:
            appointments[job] = v
        active = lambda a: a is not None and a["status"] is not None and a["status"] != "CANCELLED"

        # TRADESPERSON_DAY_BOOKINGS and DOUBLE_BOOKINGS.
        def contribution(a):
            return ((a["tradesperson_id"], day_of(a["start_ts"])),
                    {"JOB_ID": job, "START_TS": a["start_ts"], "END_TS": a["end_ts"]})
        old_c = contribution(old) if active(old) else None
        new_c = contribution(v) if active(v) else None
        if old_c:
            lst = bookings[old_c[0]]
            del lst[max(i for i, e in enumerate(lst) if e == old_c[1])]
            if not (new_c and new_c[0] == old_c[0]):
                bookings_changed(old_c[0], ts)
        if new_c:
            bookings.setdefault(new_c[0], []).append(new_c[1])
            bookings_changed(new_c[0], ts)

        # SCHEDULED_ENDS (the join's right side), then DEPENDENT_APPOINTMENTS (its left side).
        end_row = {"END_TS": v["end_ts"]} if v is not None else None
        r = table_filter("scheduled_ends", job, end_row, lambda _: active(v), ts, store=ends)
        if r is not None:
            for left in sorted(k for k, a in dependent.items() if a["DEPENDS_ON"] == job):
                check_row(left, ts)
        dep_row = ({"TRADESPERSON_ID": v["tradesperson_id"], "START_TS": v["start_ts"],
                    "DEPENDS_ON": v["depends_on"]} if v is not None else None)
        r = table_filter("dependent_appointments", job, dep_row,
                         lambda row: row["DEPENDS_ON"] is not None and active(v), ts, store=dependent)
        if r == "row":
            check_row(job, ts)
        elif r == "tombstone":
            check_deleted(job, ts)

    # The scenario's promises, checked on the model's own outputs.
    db = [(o["key"]["TRADESPERSON_ID"], o["key"]["DAY"], None if o["value"] is None else
           [e["JOB_ID"] for e in o["value"]["OVERLAPPING"]]) for o in out["double_bookings"]]
    assert db == [("T1", "2026-12-01", ["A2", "A3"]), ("T1", "2026-12-01", ["A2", "A3"]),
                  ("T1", "2026-12-01", None), ("T1", "2026-12-02", ["A2", "A5"]), ("T1", "2026-12-02", None),
                  ("T2", "2026-12-01", ["A6", "A7"]), ("T2", "2026-12-01", None)], db
    dv = [(o["key"], None if o["value"] is None else o["value"]["PROBLEM"]) for o in out["dependency_violations"]]
    assert dv == [("P1", "STARTS_BEFORE_DEPENDENCY_ENDS"), ("P1", None), ("P1", "STARTS_BEFORE_DEPENDENCY_ENDS"),
                  ("P1", "DEPENDENCY_NOT_SCHEDULED"), ("P1", None), ("Q1", "DEPENDENCY_NOT_SCHEDULED"),
                  ("Q1", None)], dv

    outputs = [o for t in ("tradesperson_day_bookings", "double_bookings", "dependency_checks",
                           "dependency_violations") for o in out[t]]
    doc = {"comments": ["Generated by make_scheduling_integrity_golden.py from queries/scheduling_integrity.sql;",
                        "expected values computed independently in that script."],
           "tests": [{"name": "scheduling integrity: double bookings made and removed by reschedules, a cancellation, "
                              "a delete, back-to-back appointments; dependencies broken, fixed, unscheduled, unknown",
                      "statements": statements(QUERY), "inputs": INPUTS, "outputs": outputs}]}
    with open(os.path.join(HERE, "scheduling_integrity.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
