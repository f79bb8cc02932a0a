#!/usr/bin/env python3
"""Hostile records through `eddy run` over the embedded log, and hostile statements through
`eddy run`, the REPL and `eddy test` (issue #12).

    python3 tests/integration/hostile_test.py BUILD_DIR/bin/eddy

Good records are interleaved with malformed and truncated JSON, wrong types, missing and extra
fields, a 10 MB string, nesting 10,000 deep, invalid UTF-8, null and empty table keys, timestamps
at the limits, NaN and infinities and out-of-range GEO_DISTANCE coordinates. Every record that
cannot be read or computed must get a processing-log entry naming its offset, eddy must not
crash, and each query's output must equal what this file works out by itself from the records
(ksqlDB's rules: a missing field is NULL, an extra one is ignored, an expression that fails is
NULL for that column, a record that cannot be deserialized is skipped, INT arithmetic wraps).
Raw bytes go in through `--input` records' "value_bytes"/"key_bytes" (base64).

Hostile statements (unknown names, wrong types, bad WITH properties, unterminated strings,
statements of 1 MB, expressions nested 20,000 deep) must each fail with a message at a line and
column, exit 1, and never crash, hang or overflow the stack; over the REST API (/ksql, /query)
each gets a 400 with ksqlDB's error JSON and the server goes on.

Ends with "N passed, M failed, K skipped".
"""
import base64
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import run_tests  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
TMP = tempfile.mkdtemp(prefix="eddy-hostile-test-")
INT_MAX, LONG_MAX, LONG_MIN = 2**31 - 1, 2**63 - 1, -2**63
EARTH_RADIUS_KM = 6371.0

QUERIES = """
CREATE STREAM READINGS (ID VARCHAR KEY, N INT, V DOUBLE, NAME VARCHAR, TS TIMESTAMP, LAT DOUBLE, LON DOUBLE)
  WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM SCORED AS SELECT ID, N + 1 AS N1, V * 2 AS V2, LEN(NAME) AS NAME_LEN, TS,
  GEO_DISTANCE(LAT, LON, 0.0, 0.0) AS DIST FROM READINGS;
CREATE TABLE NAMES AS SELECT NAME, COUNT(*) AS C FROM READINGS GROUP BY NAME;
CREATE TABLE PER_MINUTE AS SELECT ID, COUNT(*) AS C FROM READINGS WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;
CREATE TABLE PLACES (ID VARCHAR PRIMARY KEY, NAME VARCHAR)
  WITH (KAFKA_TOPIC='places', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE PLACES_UP AS SELECT ID, UCASE(NAME) AS NAME FROM PLACES;
"""


def raw(data):
    return base64.b64encode(data).decode()


BIG = "z" * 10_000_000
DEEP = "[" * 10_000 + "]" * 10_000
# (key, value as JSON or raw bytes, what it is). "bad": cannot be deserialized.
READINGS = [
    ("a", {"N": 1, "V": 1.5, "NAME": "alpha", "TS": 1000, "LAT": 0.0, "LON": 90.0}, "good"),
    ("b", b'{"N": 1, "V": ', "bad"),  # truncated
    ("b", b"hello", "bad"),  # not JSON
    ("a", {"N": 2, "V": -0.25, "NAME": "alpha", "LAT": 45.0, "LON": 45.0}, "good"),
    ("c", {"N": "abc"}, "bad"),  # a string that is no INT
    ("c", {"N": {"a": 1}}, "bad"),  # an object for an INT
    ("c", {"N": [1, 2]}, "bad"),  # an array for an INT
    ("d", {"N": 3, "NAME": "beta"}, "good"),
    ("e", {}, "good"),  # every field missing: all NULL
    ("f", {"N": 4, "NAME": "beta", "EXTRA": [1, {"x": None}], "more": "?"}, "good"),  # extra fields ignored
    ("g", {"N": 5, "NAME": BIG}, "good"),  # a 10 MB string
    ("h", b'{"N": 6, "NAME": ' + DEEP.encode() + b"}", "bad"),  # nested 10,000 deep in a column
    ("h", b'{"N": 7, "EXTRA": ' + DEEP.encode() + b"}", "good:7"),  # ... in an extra field: not read
    ("i", b'{"N": 8, "NAME": "\xff\xfe"}', "bad"),  # invalid UTF-8
    ("i", b'{"N": 9, "EXTRA": "\xc3\x28"}', "bad"),  # invalid UTF-8 outside the columns
    ("i", b'{"N": 10, "NAME": "\xed\xa0\x80"}', "bad"),  # an encoded surrogate
    ("j", b'{"N": 11, "V": NaN}', "bad"),  # bare NaN is not JSON
    ("j", {"N": 12, "V": "NaN"}, "good"),
    ("j", {"N": 13, "V": "Infinity"}, "good"),
    ("j", b'{"N": 14, "V": -1e400}', "good:14"),  # overflows to -Infinity, as Jackson reads it
    ("k", {"N": 15, "TS": LONG_MAX}, "good"),
    ("k", {"N": 16, "TS": LONG_MIN}, "good"),
    ("l", {"N": 17, "LAT": 91.0, "LON": 0.0}, "geo"),  # out-of-range latitude
    ("l", {"N": 18, "LAT": 0.0, "LON": -180.5}, "geo"),  # out-of-range longitude
    ("l", {"N": 19, "LAT": "NaN", "LON": 0.0}, "good"),  # NaN passes the range check: NaN
    ("m", {"N": INT_MAX, "V": 1.7976931348623157e308}, "good"),  # wraps; overflows to Infinity
    (None, {"N": 20, "NAME": "gamma"}, "good"),  # a null key on a stream
    ("", {"N": 21, "NAME": ""}, "good"),  # an empty key and an empty string
    ("n", {"N": 22, "NAME": "gamma"}, "late"),  # at the largest timestamp: no window can hold it
    ("o", {"N": 23, "NAME": "alpha", "LAT": -90.0, "LON": 180.0}, "good"),
]
LATE_TS = LONG_MAX

# (key or None or raw key bytes, value or None or raw bytes, what it is)
PLACES = [
    ("p1", {"NAME": "first"}, "good"),
    (None, {"NAME": "no key"}, "nullkey"),
    ("", {"NAME": "empty key"}, "good"),
    ("p2", b'{"NAME":', "bad"),
    ("p3", {"NAME": 5}, "good"),  # a number read as a string: "5"
    ("p4", b'{"NAME": "\xe2\x82"}', "bad"),  # truncated UTF-8
    ("p1", None, "good"),  # a tombstone
    ("p5", {"NAME": "ascii only"}, "good"),
]


def value_of(v, tag):
    """The value a good record's JSON gives (the raw "good:N" ones written out by hand)."""
    if tag == "good:7":
        return {"N": 7}
    if tag == "good:14":
        return {"N": 14, "V": -math.inf}
    return v


def as_double(x):
    if x is None:
        return None
    if isinstance(x, str):
        return float(x)  # "NaN", "Infinity" as Jackson's coercion reads them
    return float(x)


def wrap_int(n):
    return (n + 2**31) % 2**32 - 2**31


def haversine(lat1, lon1, lat2, lon2):
    """GEO_DISTANCE's great-circle distance in km, from the haversine formula."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def expected_scored():
    rows = []
    for key, v, tag in READINGS:
        if tag == "bad":
            continue
        v = value_of(v, tag)
        n, d, name = v.get("N"), as_double(v.get("V")), v.get("NAME")
        lat, lon = as_double(v.get("LAT")), as_double(v.get("LON"))
        dist = None
        if lat is not None and lon is not None and tag != "geo":
            dist = haversine(lat, lon, 0.0, 0.0)
        rows.append({"ID": key, "N1": None if n is None else wrap_int(n + 1),
                     "V2": None if d is None else d * 2, "NAME_LEN": None if name is None else len(name),
                     "TS": v.get("TS"), "DIST": dist})
    return rows


def expected_names():
    counts, rows = {}, []
    for _, v, tag in READINGS:
        v = value_of(v, tag)
        if tag == "bad" or v.get("NAME") is None:
            continue
        counts[v["NAME"]] = counts.get(v["NAME"], 0) + 1
        rows.append({"NAME": v["NAME"], "C": counts[v["NAME"]]})
    return rows


def expected_per_minute():
    counts, rows = {}, []
    for key, _, tag in READINGS:
        if tag in ("bad", "late") or key is None:
            continue
        counts[key] = counts.get(key, 0) + 1  # every other record is in the window [0, 60000)
        rows.append({"ID": key, "C": counts[key]})
    return rows


def expected_places():
    rows = []
    for key, v, tag in PLACES:
        if tag in ("bad", "nullkey"):
            continue
        if v is None:
            rows.append({"ID": key, "NAME": None, "__tombstone": True})
        else:
            rows.append({"ID": key, "NAME": str(v["NAME"]).upper()})
    return rows


def write_records(name, records, timestamps):
    path = os.path.join(TMP, name + ".jsonl")
    with open(path, "w") as f:
        for (key, v, _), ts in zip(records, timestamps):
            r = {"timestamp": ts}
            if key is not None:
                r["key"] = key
            if isinstance(v, bytes):
                r["value_bytes"] = raw(v)
            elif v is not None:
                r["value"] = v
            f.write(json.dumps(r) + "\n")
    return path


RUN = {}


def run_once():
    """Runs the queries over both inputs once; the tests read what it left."""
    if RUN:
        return RUN
    sql = os.path.join(TMP, "hostile.sql")
    with open(sql, "w") as f:
        f.write(QUERIES)
    readings_ts = [LATE_TS if tag == "late" else 1000 * i for i, (_, _, tag) in enumerate(READINGS)]
    state = os.path.join(TMP, "state")
    args = [EDDY, "run", sql, "--state-dir", state, "--once",
            "--input", "readings=" + write_records("readings", READINGS, readings_ts),
            "--input", "places=" + write_records("places", PLACES, [1000 * i for i in range(len(PLACES))])]
    start = time.time()
    r = subprocess.run(args, capture_output=True, timeout=600)
    RUN["seconds"] = time.time() - start
    RUN["result"] = r
    RUN["stderr"] = r.stderr.decode("utf-8", "replace")
    RUN["state"] = state
    return RUN


def follow(name):
    run = run_once()
    r = subprocess.run([EDDY, "run", "--state-dir", run["state"], "--follow", name, "--output", "json", "--once",
                        "--set", "auto.offset.reset=earliest"], capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    out = r.stdout.decode("utf-8")  # must be valid UTF-8
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def same(a, b):
    if isinstance(a, float) or isinstance(b, float) or isinstance(a, str) and a in ("NaN", "Infinity", "-Infinity"):
        try:
            x, y = as_double(a), as_double(b)
        except (TypeError, ValueError):
            return False
        if x is None or y is None:
            return x is y
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    return a == b


def check_rows(got, want, what):
    problems = []
    if len(got) != len(want):
        problems.append(f"{what}: expected {len(want)} rows, got {len(got)}")
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g is None or w is None or set(g) != set(w) or not all(same(g[k], w[k]) for k in w):
            short = lambda r: {k: (v[:20] + f"...({len(v)} chars)" if isinstance(v, str) and len(v) > 40 else v)
                               for k, v in r.items()} if r else r
            problems.append(f"  row {i + 1}:\n    expected: {short(w)}\n    actual:   {short(g)}")
        if len(problems) > 10:
            break
    if problems:
        raise AssertionError("\n".join(problems))


def log_entries(query_prefix):
    """Offsets of the processing-log entries of the queries whose id starts with query_prefix."""
    found = {}
    for m in re.finditer(r"^eddy: processing log: (\S+): (\S*) partition \d+ offset (\d+): (.*)$",
                         run_once()["stderr"], re.M):
        if m.group(1).startswith(query_prefix):
            found.setdefault(int(m.group(3)), []).append(m.group(4))
    return found


def test_eddy_survives_and_reports():
    run = run_once()
    r = run["result"]
    assert r.returncode == 0, f"exit {r.returncode}: {run['stderr'][-3000:]}"
    assert "eddy: ready" in run["stderr"], run["stderr"][-3000:]
    print(f"     one run over {len(READINGS) + len(PLACES)} records in {run['seconds']:.1f} s")


def test_each_bad_reading_is_logged():
    entries = log_entries("CSAS_SCORED")
    missing = [f"offset {i} ({tag})" for i, (_, _, tag) in enumerate(READINGS)
               if tag in ("bad", "geo") and i not in entries]
    assert not missing, f"no processing-log entry for {missing}"
    unexpected = [f"offset {i}: {entries[i]}" for i, (_, _, tag) in enumerate(READINGS)
                  if tag not in ("bad", "geo") and i in entries]
    assert not unexpected, f"entries for good records: {unexpected}"
    for i, (_, _, tag) in enumerate(READINGS):
        if tag == "bad":
            assert any("deserialize" in e for e in entries[i]), f"offset {i}: {entries[i]}"
        if tag == "geo":
            assert any("GEO_DISTANCE" in e for e in entries[i]), f"offset {i}: {entries[i]}"


def test_group_by_null_and_late_records_are_logged():
    names = log_entries("CTAS_NAMES")
    for i, (_, v, tag) in enumerate(READINGS):
        if tag == "bad" or value_of(v, tag).get("NAME") is None:
            assert i in names, f"NAMES: no processing-log entry for offset {i}"
    windows = log_entries("CTAS_PER_MINUTE")
    late = [i for i, (_, _, tag) in enumerate(READINGS) if tag == "late"]
    for i in late:
        assert i in windows and any("timestamp" in e for e in windows[i]), f"PER_MINUTE: offset {i}: {windows.get(i)}"


def test_table_keys_and_bad_values_are_logged():
    entries = log_entries("CTAS_PLACES_UP")
    for i, (_, _, tag) in enumerate(PLACES):
        if tag in ("bad", "nullkey"):
            assert i in entries, f"PLACES: no processing-log entry for offset {i} ({tag})"
        else:
            assert i not in entries, f"PLACES: an entry for a good record at offset {i}: {entries[i]}"


def test_scored_output():
    check_rows(follow("SCORED"), expected_scored(), "SCORED")


def test_names_output():
    check_rows(follow("NAMES"), expected_names(), "NAMES")


def test_per_minute_output():
    check_rows(follow("PER_MINUTE"), expected_per_minute(), "PER_MINUTE")


def test_places_output():
    check_rows(follow("PLACES_UP"), expected_places(), "PLACES_UP")


# ---- hostile statements ------------------------------------------------------------------------

BASE = ("CREATE STREAM S (K VARCHAR KEY, V INT, ST STRUCT<A INT>, ARR ARRAY<INT>) "
        "WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);")
SELECT = "CREATE STREAM X AS SELECT "
DEPTH = 20_000
MB = 1_000_000
# (name, statement, what the message must say, its column when it is plain to see, else None)
STATEMENTS = [
    ("unknown column", "SELECT NOPE FROM S EMIT CHANGES;", "cannot be resolved", 8),
    ("unknown source", "CREATE STREAM X AS SELECT * FROM NOPE;", "NOPE does not exist", 34),
    ("unknown function", SELECT + "NOPE_FN(V) AS Y FROM S;", "NOPE_FN", 27),
    ("wrong types", SELECT + "V + 'a' AS Y FROM S;", "Unsupported arithmetic types", None),
    ("WHERE not boolean", "CREATE STREAM X AS SELECT * FROM S WHERE V;", "boolean", None),
    ("unknown format", "CREATE STREAM Y (K INT KEY) WITH (KAFKA_TOPIC='y', VALUE_FORMAT='NOPE');",
     "Unknown format: NOPE", None),
    ("unknown WITH property", "CREATE STREAM Y (K INT KEY) WITH (KAFKA_TOPIC='y', VALUE_FORMAT='JSON', FOO=1);",
     "FOO", None),
    ("PARTITIONS not a number", "CREATE STREAM Y (K INT KEY) WITH (KAFKA_TOPIC='y', VALUE_FORMAT='JSON', "
     "PARTITIONS='abc');", "PARTITIONS", None),
    ("PARTITIONS two billion", "CREATE STREAM Y (K INT KEY) WITH (KAFKA_TOPIC='y', VALUE_FORMAT='JSON', "
     "PARTITIONS=2000000000);", "PARTITIONS", None),
    ("no KAFKA_TOPIC", "CREATE STREAM Y (K INT KEY) WITH (VALUE_FORMAT='JSON');", "KAFKA_TOPIC", None),
    ("unterminated string", "SELECT 'abc FROM S EMIT CHANGES;", "unterminated string", 8),
    ("unterminated identifier", 'SELECT "abc FROM S EMIT CHANGES;', "unterminated", 8),
    ("1 MB string, then an unknown column",
     "CREATE STREAM X AS SELECT * FROM S WHERE K = '" + "x" * MB + "' AND NOPE = 1;", "NOPE",
     len("CREATE STREAM X AS SELECT * FROM S WHERE K = '") + MB + len("' AND ") + 1),
    ("1 MB IN list, then an unknown column",
     "CREATE STREAM X AS SELECT * FROM S WHERE V IN (" + ", ".join(["7"] * (MB // 3)) + ") AND NOPE = 1;",
     "NOPE", None),
    ("parentheses 20,000 deep", SELECT + "(" * DEPTH + "V" + ")" * DEPTH + " AS Y FROM S;", "nested too deeply",
     len(SELECT) + 201),
    ("NOT 20,000 times", "CREATE STREAM X AS SELECT * FROM S WHERE " + "NOT " * DEPTH + "TRUE;",
     "nested too deeply", None),
    ("minus 20,000 times", SELECT + "- " * DEPTH + "V AS Y FROM S;", "nested too deeply", None),
    ("a sum of 20,000 terms", SELECT + "+".join(["V"] * DEPTH) + " AS Y FROM S;", "nested too deeply", None),
    ("20,000 ANDs", "CREATE STREAM X AS SELECT * FROM S WHERE " + " AND ".join(["V > 1"] * DEPTH) + ";",
     "nested too deeply", None),
    ("20,000 subscripts", SELECT + "ARR" + "[1]" * DEPTH + " AS Y FROM S;", "nested too deeply", None),
    ("20,000 dereferences", SELECT + "ST" + "->A" * DEPTH + " AS Y FROM S;", "nested too deeply", None),
    ("CASE 20,000 deep", SELECT + "CASE WHEN V > 1 THEN " * DEPTH + "1" + " END" * DEPTH + " AS Y FROM S;",
     "nested too deeply", None),
    ("function calls 20,000 deep", SELECT + "ABS(" * DEPTH + "V" + ")" * DEPTH + " AS Y FROM S;",
     "nested too deeply", None),
    ("ARRAY 20,000 deep", SELECT + "ARRAY[" * DEPTH + "1" + "]" * DEPTH + " AS Y FROM S;", "nested too deeply",
     None),
    ("STRUCT type 20,000 deep", "CREATE STREAM Y (K INT KEY, V " + "STRUCT<A " * DEPTH + "INT" + ">" * DEPTH +
     ") WITH (KAFKA_TOPIC='y', VALUE_FORMAT='JSON');", "nested too deeply", None),
    ("a lambda of 20,000 terms", SELECT + "TRANSFORM(ARR, x => " + "x + " * DEPTH + "1) AS Y FROM S;",
     "nested too deeply", None),
]
STATEMENT_SECONDS = 120  # per statement, sanitizer builds included: anything slower is a hang


def sanitizer_report(text):
    return re.search(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:", text)


def check_statement_error(how, name, rc, err, line, where, want, column, seconds):
    assert rc == 1, f"{how}: {name}: exit {rc}, expected 1 (an error): {err[-1500:]}"
    assert not sanitizer_report(err), f"{how}: {name}: {err[-3000:]}"
    m = re.search(where + r"(\d+):(\d+): (.*)", err)
    assert m, f"{how}: {name}: no position in: {err[-600:]}"
    assert int(m.group(1)) == line, f"{how}: {name}: line {m.group(1)}, expected {line}: {m.group(0)[:300]}"
    if column is not None:
        assert int(m.group(2)) == column, f"{how}: {name}: column {m.group(2)}, expected {column}: {m.group(0)[:300]}"
    assert want in err, f"{how}: {name}: expected a message saying '{want}', got: {m.group(0)[:300]}"
    assert seconds < STATEMENT_SECONDS, f"{how}: {name}: took {seconds:.0f} s"


def test_hostile_statements_in_eddy_run():
    slowest = (0, "")
    for i, (name, text, want, column) in enumerate(STATEMENTS):
        path = os.path.join(TMP, f"statement{i}.sql")
        with open(path, "w") as f:
            f.write(BASE + "\n" + text + "\n")
        start = time.time()
        r = subprocess.run([EDDY, "run", path, "--state-dir", os.path.join(TMP, f"st{i}"), "--once"],
                           capture_output=True, timeout=STATEMENT_SECONDS * 2)
        seconds = time.time() - start
        slowest = max(slowest, (seconds, name))
        check_statement_error("eddy run", name, r.returncode, r.stderr.decode("utf-8", "replace"), 2,
                              re.escape(path) + ":", want, column, seconds)
    print(f"     {len(STATEMENTS)} statements; slowest: {slowest[1]} ({slowest[0]:.1f} s)")


def test_hostile_statements_in_the_repl():
    for i, (name, text, want, column) in enumerate(STATEMENTS):
        start = time.time()
        r = subprocess.run([EDDY, "repl", "--state-dir", os.path.join(TMP, f"repl{i}")],
                           input=(BASE + "\n" + text + "\n").encode(), capture_output=True,
                           timeout=STATEMENT_SECONDS * 2)
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        # The REPL counts lines within the statement.
        check_statement_error("repl", name, r.returncode, out, 1, "line ", want, column, time.time() - start)


def test_hostile_statements_in_eddy_test():
    """Each statement as a QTT case expecting an error: `eddy test` must pass every one."""
    path = os.path.join(TMP, "hostile_statements.json")
    cases = [{"name": name, "statements": [BASE, text], "inputs": [], "outputs": [],
              "expectedException": {"message": want}} for name, text, want, _ in STATEMENTS]
    with open(path, "w") as f:
        json.dump({"tests": cases}, f)
    r = subprocess.run([EDDY, "test", "--timeout", str(STATEMENT_SECONDS), path], capture_output=True,
                       timeout=STATEMENT_SECONDS * len(STATEMENTS))
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert not sanitizer_report(out), out[-3000:]
    assert r.returncode == 0 and f"{len(STATEMENTS)} passed, 0 failed" in out, out[-3000:]


def rest_post(url, path, body, timeout):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/vnd.ksql.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_hostile_statements_over_rest():
    """Each statement over /ksql (the SELECTs over /query) of one `eddy run` serving the
    REST API: a 400 with ksqlDB's error JSON, the message and its position; the server lives on."""
    empty = os.path.join(TMP, "empty.sql")
    open(empty, "w").close()
    proc = subprocess.Popen([EDDY, "run", empty, "--state-dir", os.path.join(TMP, "rest"), "--listen",
                             "127.0.0.1:0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert proc.stderr.readline().decode().strip() == "eddy: ready"
        port = int(proc.stderr.readline().decode().strip().rsplit(":", 1)[1])  # eddy: REST API on http://HOST:PORT
        url = f"http://127.0.0.1:{port}"
        code, body = rest_post(url, "/ksql", {"ksql": BASE}, 60)
        assert code == 200, f"{code}: {body[:500]}"
        for name, text, want, column in STATEMENTS:
            # A SELECT over /ksql is refused before it is parsed (as ksqlDB does): /query only.
            paths = ["/query"] if text.startswith("SELECT") else ["/ksql"]
            for path in paths:
                start = time.time()
                code, body = rest_post(url, path, {"ksql": text}, STATEMENT_SECONDS)
                seconds = time.time() - start
                assert proc.poll() is None, f"{path}: {name}: eddy exited ({proc.returncode})"
                assert code == 400, f"{path}: {name}: HTTP {code}, expected 400: {body[:500]}"
                error = json.loads(body)
                assert error.get("@type") in ("statement_error", "generic_error") and "error_code" in error, \
                    f"{path}: {name}: not ksqlDB's error JSON: {body[:500]}"
                # ksqlDB's REST errors carry the statement's text ("statementText") and a position
                # where the parser gives one; eddy's do the same.
                message = error["message"]
                assert want in message, f"{path}: {name}: expected a message saying '{want}', got: {message[:300]}"
                if column is not None:
                    check_statement_error(f"REST {path}", name, 1, message, 1, "line ", want, column, seconds)
                assert seconds < STATEMENT_SECONDS, f"{path}: {name}: took {seconds:.0f} s"
        code, body = rest_post(url, "/ksql", {"ksql": "SHOW STREAMS;"}, 60)
        assert code == 200 and '"S"' in body, f"after the hostile statements: {code}: {body[:500]}"
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    err = err.decode("utf-8", "replace")
    assert proc.returncode == 0, f"eddy run exited {proc.returncode} on SIGTERM: {err[-2000:]}"
    assert not sanitizer_report(err), err[-3000:]


def main():
    return run_tests(globals(), TMP, first="test_eddy_survives_and_reports")


if __name__ == "__main__":
    sys.exit(main())
