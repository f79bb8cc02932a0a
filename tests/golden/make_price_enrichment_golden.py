#!/usr/bin/env python3
"""Writes price_enrichment.json, the golden test of queries/price_enrichment.sql, with expected
outputs computed here, independently of eddy, from ksqlDB's semantics as modelled below:

- Stream-table LEFT joins: a quote sees the promo code and currency rate tables as they are when
  the quote is processed (inputs are processed one at a time, in order); a table tombstone
  deletes the row and produces no output by itself. A missing row leaves its columns NULL.
- BETWEEN is inclusive; with a NULL bound it is not true, so CASE falls to ELSE.
- DOUBLE arithmetic is IEEE, evaluated left to right as written; ROUND(DOUBLE, 2) rounds the
  shortest decimal of the double (Java's BigDecimal.valueOf), half up for positives. Any NULL
  operand makes the result NULL.
- The output timestamp of a stream-table join is the stream record's, which is QUOTED_AT (the
  source's TIMESTAMP column), not the Kafka record's timestamp.
- Table aggregation (Kafka Streams' KTable groupBy/aggregate): an update of a payment takes its
  old row out of its old group and adds the new row to its new group; when both groups are the
  same, one result is emitted, else the old group's and then the new group's. A tombstone only
  takes the old row out; a tombstone for a job never seen does nothing. COUNT(*) undoes by
  subtracting 1, SUM(DOUBLE) by subtracting the amount (so the float sum follows that exact
  order of operations). HAVING COUNT(*) > 0 turns a group that falls to 0 into a tombstone. The
  result's timestamp is the larger of the record's and the group's previous result's.

Run it again only when the scenario changes: python3 make_price_enrichment_golden.py
"""
import json
import os

from make_truck_tracker_golden import ksql_round2

HERE = os.path.dirname(os.path.abspath(__file__))

MIN = 60 * 1000
DAY = 24 * 60 * MIN
T0 = 1767225600000  # 2026-01-01T00:00:00Z
LAG = 1500          # the Kafka record is written 1.5 s after the event


def statements(path):
    """The file's statements, comment lines dropped (no ';' occurs inside a literal there)."""
    text = open(path).read()
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    return [s.strip() + ";" for s in text.split(";") if s.strip()]


def rnd(x):
    return None if x is None else ksql_round2(x)


def rate(currency, usd_rate, ts):
    return {"topic": "currency_rates", "key": currency, "timestamp": ts,
            "value": {"currency": currency, "usd_rate": usd_rate, "updated_at": ts}}


def promo(code, pct, valid_from, valid_until, ts):
    return {"topic": "promo_codes", "key": code, "timestamp": ts,
            "value": {"code": code, "discount_pct": pct, "valid_from": valid_from, "valid_until": valid_until}}


def quote(qid, job, customer, amount, cost, currency, code, at, absent_code=False):
    v = {"quote_id": qid, "job_id": job, "customer_id": customer, "tradesperson_id": "tp-" + job[-2:],
         "amount": amount, "cost": cost, "currency": currency, "quoted_at": at}
    if not absent_code:
        v["promo_code"] = code
    return {"topic": "quotes", "key": qid, "timestamp": at + LAG, "value": v}


def payment(job, customer, quote_id, amount, currency, status, at):
    return {"topic": "payments", "key": job, "timestamp": at,
            "value": {"job_id": job, "customer_id": customer, "quote_id": quote_id, "amount": amount,
                      "currency": currency, "status": status, "updated_at": at}}


def tombstone(topic, key, ts):
    return {"topic": topic, "key": key, "value": None, "timestamp": ts}


def quote_inputs():
    return [
        rate("USD", 1.0, T0),
        rate("AUD", 0.65, T0),
        rate("GBP", 1.27, T0),
        promo("SPRING10", 10.0, T0, T0 + 30 * DAY, T0),
        promo("WELCOME25", 25.0, T0 + 10 * DAY, T0 + 20 * DAY, T0),
        promo("OLD5", 5.0, T0 - 60 * DAY, T0 - DAY, T0),
        quote("q-01", "job-01", "c-01", 200.0, 120.0, "USD", "SPRING10", T0 + DAY),       # valid code
        quote("q-02", "job-02", "c-02", 349.99, 200.0, "AUD", None, T0 + DAY + MIN),       # code null
        quote("q-03", "job-03", "c-03", 120.0, 90.0, "GBP", None, T0 + DAY + 2 * MIN,
              absent_code=True),                                                            # field absent
        quote("q-04", "job-04", "c-01", 120.0, 70.0, "GBP", "NOPE", T0 + 2 * DAY),         # unknown code
        quote("q-05", "job-05", "c-02", 500.0, 380.0, "USD", "OLD5", T0 + 2 * DAY),        # expired code
        quote("q-06", "job-06", "c-03", 80.0, 30.0, "AUD", "WELCOME25", T0 + 3 * DAY),     # not valid yet
        quote("q-07", "job-07", "c-04", 15000.0, 9000.0, "INR", "SPRING10", T0 + 3 * DAY),  # no INR rate
        quote("q-08", "job-08", "c-01", 99.99, 60.0, "USD", "SPRING10", T0 + 30 * DAY),    # last valid ms
        quote("q-09", "job-09", "c-01", 99.99, 60.0, "USD", "SPRING10", T0 + 30 * DAY + 1),  # one ms too late
        quote("q-10", "job-10", "c-05", 10.05, 12.5, "GBP", "WELCOME25", T0 + 10 * DAY),   # first valid ms; negative margin
        rate("AUD", 0.66, T0 + 11 * DAY),                                                   # the rate moves
        quote("q-11", "job-11", "c-02", 100.0, 55.0, "AUD", "WELCOME25", T0 + 12 * DAY),   # new rate
        tombstone("promo_codes", "SPRING10", T0 + 12 * DAY + MIN),                          # code withdrawn
        quote("q-12", "job-12", "c-03", 250.0, 100.0, "USD", "SPRING10", T0 + 13 * DAY),   # now unknown
        promo("WELCOME25", 30.0, T0 + 10 * DAY, T0 + 20 * DAY, T0 + 13 * DAY + MIN),        # terms change
        quote("q-13", "job-13", "c-04", 333.33, 111.11, "GBP", "WELCOME25", T0 + 14 * DAY),
        tombstone("currency_rates", "GBP", T0 + 14 * DAY + MIN),                            # rate withdrawn
        quote("q-14", "job-14", "c-05", 64.0, 20.0, "GBP", "welcome25", T0 + 15 * DAY),    # codes are case-sensitive
    ]


def price_quotes(inputs):
    promos, rates, out = {}, {}, []
    for rec in inputs:
        v = rec["value"]
        if rec["topic"] == "promo_codes":
            if v is None:
                promos.pop(rec["key"], None)
            else:
                promos[rec["key"]] = v
            continue
        if rec["topic"] == "currency_rates":
            if v is None:
                rates.pop(rec["key"], None)
            else:
                rates[rec["key"]] = v["usd_rate"]
            continue
        if rec["topic"] != "quotes":
            continue
        code = v.get("promo_code")
        p = promos.get(code if code is not None else "")
        applies = p is not None and p["valid_from"] <= v["quoted_at"] <= p["valid_until"]
        pct = p["discount_pct"] if applies else 0.0
        usd = rates.get(v["currency"])
        amount, cost = v["amount"], v["cost"]
        final = amount - amount * pct / 100
        out.append({"topic": "quotes_priced", "key": v["quote_id"], "timestamp": v["quoted_at"],
                    "value": {"JOB_ID": v["job_id"], "CUSTOMER_ID": v["customer_id"],
                              "TRADESPERSON_ID": v["tradesperson_id"], "CURRENCY": v["currency"],
                              "AMOUNT": amount, "PROMO_APPLIED": code if applies else None,
                              "DISCOUNT_PCT": pct,
                              "DISCOUNT": rnd(amount * pct / 100),
                              "FINAL_PRICE": rnd(final),
                              "MARGIN": rnd(amount - amount * pct / 100 - cost),
                              "FINAL_PRICE_USD": rnd(final * usd) if usd is not None else None,
                              "QUOTED_AT": v["quoted_at"]}})
    return out


def payment_inputs():
    return [
        payment("job-01", "c-01", "q-01", 180.0, "USD", "PENDING", T0 + DAY),
        payment("job-08", "c-01", "q-08", 89.99, "USD", "PENDING", T0 + 2 * DAY),
        payment("job-02", "c-02", "q-02", 349.99, "AUD", "PENDING", T0 + 3 * DAY),
        payment("job-01", "c-01", "q-01", 180.0, "USD", "AUTHORIZED", T0 + 4 * DAY),   # same group: one row
        tombstone("payments", "job-01", T0 + 5 * DAY),                                  # settles
        tombstone("payments", "job-99", T0 + 5 * DAY + MIN),                            # unknown job: nothing
        payment("job-02", "c-02", "q-02", 349.99, "USD", "PENDING", T0 + 6 * DAY),      # currency fixed: moves group
        payment("job-08", "c-01", "q-08", 95.5, "USD", "AUTHORIZED", T0 + 7 * DAY),     # amount changes
        payment("job-13", "c-04", "q-13", 233.33, "GBP", "PENDING", T0 + 7 * DAY + MIN),
        tombstone("payments", "job-08", T0 + 8 * DAY),                                  # c-01 has nothing open
        tombstone("payments", "job-08", T0 + 8 * DAY + MIN),                            # settled twice: nothing
        payment("job-12", "c-01", "q-12", 250.0, "USD", "PENDING", T0 + 6 * DAY),       # out of order in time
        payment("job-02", "c-02", "q-02", 349.99, "USD", "AUTHORIZED", T0 + 9 * DAY),
        tombstone("payments", "job-02", T0 + 10 * DAY),
        tombstone("payments", "job-13", T0 + 10 * DAY + MIN),
    ]


def open_payments(inputs):
    rows = {}     # job -> (group, amount)
    groups = {}   # group -> [count, sum, ts]
    out = []

    def emit(group, ts):
        count, total, _ = groups[group]
        key = {"CUSTOMER_ID": group[0], "CURRENCY": group[1]}
        value = {"OPEN_PAYMENTS": count, "OPEN_AMOUNT": ksql_round2(total)} if count > 0 else None
        out.append({"topic": "open_payments", "key": key, "value": value, "timestamp": ts})

    def fold(group, amount, ts, sign):
        g = groups.get(group)
        if g is None:
            g = groups[group] = [0, 0.0, ts]
        else:
            g[2] = max(ts, g[2])
        g[0] += sign
        g[1] = g[1] + amount if sign > 0 else g[1] - amount
        return g[2]

    for rec in inputs:
        if rec["topic"] != "payments":
            continue
        job, v, ts = rec["key"], rec["value"], rec["timestamp"]
        old = rows.pop(job, None)
        new = None
        if v is not None:
            new = ((v["customer_id"], v["currency"]), v["amount"])
            rows[job] = new
        if old is not None and new is not None and old[0] == new[0]:
            fold(old[0], old[1], ts, -1)
            emit(new[0], fold(new[0], new[1], ts, +1))
            continue
        if old is not None:
            emit(old[0], fold(old[0], old[1], ts, -1))
        if new is not None:
            emit(new[0], fold(new[0], new[1], ts, +1))
    return out


def write_golden(name, cases):
    """Writes NAME.json: one case per (title, inputs, outputs), each with every statement of
    queries/NAME.sql."""
    query = os.path.join(HERE, "..", "..", "queries", name + ".sql")
    doc = {"comments": ["Generated by make_%s_golden.py from queries/%s.sql;" % (name, name),
                        "expected values computed independently in that script."],
           "tests": [{"name": title, "statements": statements(query), "inputs": inputs, "outputs": outputs}
                     for title, inputs, outputs in cases]}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def main():
    quotes = quote_inputs()
    payments = payment_inputs()
    write_golden("price_enrichment", [
        ("price enrichment: valid, missing, unknown, expired, not yet valid and withdrawn promo codes; "
         "missing and changed currency rates; validity bounds; rounding", quotes, price_quotes(quotes)),
        ("open payments per customer: updates, moves between groups, settlement tombstones, a tombstone "
         "for an unknown job, a repeated tombstone, an out-of-order update", payments, open_payments(payments)),
    ])


if __name__ == "__main__":
    main()
