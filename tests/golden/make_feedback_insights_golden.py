#!/usr/bin/env python3
"""Writes feedback_insights.json, the golden test of queries/feedback_insights.sql, with expected
outputs computed here, independently of eddy, from ksqlDB's semantics as modelled below:

- Event time is the TIMESTAMP column (SUBMITTED_AT, STATUS_AT), not the Kafka record's timestamp.
- WEEKLY_RATINGS, a tumbling window with EMIT FINAL (Kafka Streams' emit-on-window-close):
  windows are epoch-aligned [start, start + 7 days). Stream time is the largest event time
  seen. A record whose window's end + grace is at or before stream time (after counting the
  record itself) is dropped. After each record, every window whose end + grace is at or before
  stream time is emitted once, in order of window start and then key, with its final result and
  the largest event time in it as its timestamp. A window that has fallen out of the store's
  retention (size + grace, measured from the largest window start seen) by then is lost
  unemitted (the scenario never gets there, but the model keeps the rule).
  COUNT(RATING) and AVG(RATING) skip NULL ratings; AVG of INT is the DOUBLE sum / count;
  ROUND(DOUBLE, 2) rounds the shortest decimal of the double, half up for positives.
- JOB_DELIVERY, a stream aggregation: WHERE keeps COMPLETED and CANCELLED events only; each kept
  event emits the tradesperson's updated row; its timestamp is the larger of the event's and
  the row's previous timestamp. BIGINT / INT divides as Java's long division (toward zero).

Run it again only when the scenario changes: python3 make_feedback_insights_golden.py
"""
from make_price_enrichment_golden import write_golden
from make_truck_tracker_golden import ksql_round2

MIN = 60 * 1000
HOUR = 60 * MIN
DAY = 24 * HOUR
WEEK = 7 * DAY
GRACE = 2 * DAY
W0 = 2926 * WEEK  # 2026-01-29T00:00:00Z, a Thursday: epoch-aligned weeks start on Thursdays
LAG = 2500        # the Kafka record is written 2.5 s after the event


def feedback(n, tp, rating, at):
    v = {"job_id": "job-%02d" % n, "tradesperson_id": tp, "customer_id": "c-%02d" % (n % 4),
         "comment": "thanks" if rating is None or rating >= 4 else "could be better", "submitted_at": at}
    if rating is not None:
        v["rating"] = rating
    return {"topic": "feedback", "key": v["job_id"], "timestamp": at + LAG, "value": v}


def feedback_inputs():
    return [
        feedback(1, "tp-01", 5, W0 + 1 * DAY),
        feedback(2, "tp-02", 3, W0 + 1 * DAY + HOUR),
        feedback(3, "tp-01", 4, W0 + 3 * DAY),
        feedback(4, "tp-01", 2, W0 + 2 * DAY),             # out of order, same week
        feedback(5, "tp-01", None, W0 + 4 * DAY),          # a comment only: no rating
        feedback(6, "tp-02", 4, W0 + 8 * DAY),             # week 2 starts; week 1 still open (grace)
        feedback(7, "tp-01", 3, W0 + 6 * DAY),             # late for week 1, inside its grace
        feedback(8, "tp-03", 5, W0 + 9 * DAY - 1),         # 1 ms before week 1 closes
        feedback(9, "tp-03", 4, W0 + 7 * DAY - 1),         # week 1's last ms, still in grace
        feedback(10, "tp-03", 5, W0 + 9 * DAY),            # week 1 closes: tp-01, tp-02, tp-03 emitted
        feedback(11, "tp-02", 1, W0 + 5 * DAY),            # beyond grace: dropped
        feedback(12, "tp-01", 5, W0 + 10 * DAY),
        feedback(13, "tp-02", 5, W0 + 13 * DAY),
        feedback(14, "tp-01", 4, W0 + 12 * DAY),           # out of order, same week
        feedback(15, "tp-03", 3, W0 + 15 * DAY),           # week 3; week 2 still in grace
        feedback(16, "tp-02", 2, W0 + 14 * DAY - 1),       # late for week 2, inside grace
        feedback(17, "tp-01", 4, W0 + 16 * DAY - 1),       # week 3, 1 ms before week 2 closes
        feedback(18, "tp-02", 4, W0 + 16 * DAY + HOUR),    # week 2 closes
        feedback(19, "tp-01", 1, W0 + 13 * DAY),           # beyond grace for week 2: dropped
        feedback(20, "tp-02", 5, W0 + 23 * DAY),           # week 4; week 3 closes
    ]


def weekly_ratings(inputs):
    windows = {}  # (start, tp) -> [count, sum, n, max_ts]
    stream_time = None
    max_start = None
    out = []
    for rec in inputs:
        v = rec["value"]
        ts, tp, rating = v["submitted_at"], v["tradesperson_id"], v.get("rating")
        stream_time = ts if stream_time is None else max(stream_time, ts)
        start = ts - ts % WEEK
        if start + WEEK + GRACE > stream_time:
            max_start = start if max_start is None else max(max_start, start)
            w = windows.setdefault((start, tp), [0, 0, 0, ts])
            if rating is not None:
                w[0] += 1
                w[1] += rating
                w[2] += 1
            w[3] = max(w[3], ts)
        retained_from = max_start - (WEEK + GRACE)
        for (start, tp) in sorted(k for k in windows if k[0] + WEEK + GRACE <= stream_time):
            count, total, n, max_ts = windows.pop((start, tp))
            if start < retained_from:
                continue
            out.append({"topic": "weekly_ratings", "key": tp, "timestamp": max_ts,
                        "window": {"start": start, "end": start + WEEK, "type": "time"},
                        "value": {"WEEK_START": start, "WEEK_END": start + WEEK, "RATINGS": count,
                                  "AVG_RATING": ksql_round2(total / n) if n else None}})
    return out


def status(job, tp, st, at, target_end):
    return {"topic": "job_status", "key": job, "timestamp": at + LAG,
            "value": {"job_id": job, "tradesperson_id": tp, "status": st, "status_at": at,
                      "job_target_end": target_end}}


def status_inputs():
    end1, end2, end4, end5 = W0 + 2 * DAY, W0 + 3 * DAY, W0 + 4 * DAY, W0 + 5 * DAY
    return [
        status("job-01", "tp-01", "ACCEPTED", W0 + HOUR, end1),
        status("job-01", "tp-01", "EN_ROUTE", W0 + DAY, end1),
        status("job-01", "tp-01", "STARTED", W0 + DAY + HOUR, end1),
        status("job-01", "tp-01", "COMPLETED", end1 - 2 * HOUR, end1),                 # on time
        status("job-03", "tp-02", "ACCEPTED", W0 + 2 * DAY, end2),
        status("job-02", "tp-01", "STARTED", W0 + 3 * DAY, end2),
        status("job-02", "tp-01", "COMPLETED", end2 + 95 * MIN + 30 * 1000, end2),     # late: 95.5 min
        status("job-03", "tp-02", "CANCELLED", W0 + 3 * DAY + HOUR, end2),             # cancelled
        status("job-04", "tp-02", "COMPLETED", end4, end4),                            # exactly on target: not late
        status("job-06", "tp-03", "STARTED", W0 + 4 * DAY, end5),                      # not finished: nothing
        status("job-05", "tp-01", "COMPLETED", end2 + HOUR, W0 + 3 * DAY - 2 * HOUR),  # late, out of order
        status("job-07", "tp-03", "CANCELLED", W0 + 5 * DAY, end5),
        status("job-08", "tp-03", "COMPLETED", end5 + 1, end5),                        # late by 1 ms: 0 minutes
    ]


def job_delivery(inputs):
    rows = {}  # tp -> [completed, late, late_minutes, cancelled, ts]
    out = []
    for rec in inputs:
        v = rec["value"]
        if v["status"] not in ("COMPLETED", "CANCELLED"):
            continue
        tp, ts = v["tradesperson_id"], v["status_at"]
        r = rows.get(tp)
        if r is None:
            r = rows[tp] = [0, 0, 0, 0, ts]
        else:
            r[4] = max(r[4], ts)
        if v["status"] == "COMPLETED":
            r[0] += 1
            if v["status_at"] > v["job_target_end"]:
                r[1] += 1
                r[2] += (v["status_at"] - v["job_target_end"]) // 60000
        else:
            r[3] += 1
        out.append({"topic": "job_delivery", "key": tp, "timestamp": r[4],
                    "value": {"JOBS_COMPLETED": r[0], "COMPLETED_LATE": r[1], "LATE_MINUTES": r[2],
                              "JOBS_CANCELLED": r[3]}})
    return out


def main():
    fb = feedback_inputs()
    st = status_inputs()
    write_golden("feedback_insights", [
        ("weekly ratings: EMIT FINAL per week, out-of-order feedback, late feedback inside and beyond the "
         "grace period, a feedback without a rating, window bounds", fb, weekly_ratings(fb)),
        ("job delivery: completed on time, late, exactly at target end and 1 ms late; cancelled; unfinished "
         "jobs; an out-of-order completion", st, job_delivery(st)),
    ])


if __name__ == "__main__":
    main()
