#!/usr/bin/env python3
"""ksqlDB's REST golden tests (../shared/qtt/rest/*.json) against `eddy run`'s REST API.

    python3 tests/integration/rest_golden.py BUILD_DIR/bin/eddy [FILE.json...] [--filter TEXT]
        [--ledger FILE] [--jobs N] [-v]

Each case runs as ksqlDB's RestTestExecutor runs it: its statements other than SELECTs go to
/ksql one at a time, then its input records are written to their topics, then each SELECT goes to
/query (from the earliest offset; a push query without LIMIT is read until it has given the rows
expected). Each statement's entity is compared with `responses` (the fields given), each query's
header schema, rows and final message with what ksqlDB answered (a pull query's rows in any
order: without ORDER BY, ksqlDB's order is that of its partitions' stores), an `expectedError` with the
status and message of the failing statement. The records a case expects on its topics
(`outputs`) are not checked here.

Each case gets its own state directory and two short-lived `eddy run`s on a port of their own
(--listen 127.0.0.1:0): one for the statements, one (resuming them, with the inputs appended by
--input) for the queries; cases share nothing, so --jobs of them (default 4) run at once, the
servers mostly waiting. Ends with "N passed, M failed, K skipped"; a case with outputs that passes
everything else is counted as passed and listed as "outputs not checked".

With --ledger (tests/conformance/rest_ledger.txt: "FILE.json :: CASE :: REASON" a line), a listed
case that fails is counted as skipped, one that passes is reported "ready to leave the ledger
(passes now)", and a failing case outside it fails the run, as `eddy test --ledger` does.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
args = [a for a in sys.argv[1:]]
VERBOSE = "-v" in args
FILTER = None
if "--filter" in args:
    i = args.index("--filter")
    FILTER = args[i + 1]
    del args[i:i + 2]
LEDGER = None
if "--ledger" in args:
    i = args.index("--ledger")
    LEDGER = args[i + 1]
    del args[i:i + 2]
WRITE_LEDGER = None  # --write-ledger FILE: the failing cases, with a short reason each
if "--write-ledger" in args:
    i = args.index("--write-ledger")
    WRITE_LEDGER = args[i + 1]
    del args[i:i + 2]
JOBS = 4
if "--jobs" in args:
    i = args.index("--jobs")
    JOBS = max(1, int(args[i + 1]))
    del args[i:i + 2]
args = [a for a in args if a != "-v"]
EDDY = os.path.abspath(args[0]) if args else os.path.join(ROOT, "build", "bin", "eddy")
QTT = os.environ.get("EDDY_QTT_DIR", os.path.join(ROOT, "..", "shared", "qtt"))
FILES = args[1:] or sorted(os.path.join(QTT, "rest", f) for f in os.listdir(os.path.join(QTT, "rest")))


def strip_comments(text):
    """Drops // comments outside JSON strings."""
    out, in_str, esc, i = [], False, False, 0
    while i < len(text):
        ch = text[i]
        if in_str:
            out.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def expand(case):
    """A case per entry of `format`, with {FORMAT} replaced (as QTT does)."""
    formats = case.get("format")
    if not formats:
        return [case]
    out = []
    for f in formats:
        c = json.loads(json.dumps(case).replace("{FORMAT}", f))
        c["name"] = f"{case['name']} - {f}"
        out.append(c)
    return out


def post(url, body, timeout=30):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/vnd.ksql.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start(state, inputs):
    """A server on a free port: the process and its URL."""
    empty = os.path.join(os.path.dirname(state), "empty.sql")
    open(empty, "w").close()
    cmd = [EDDY, "run", empty, "--state-dir", state, "--listen", "127.0.0.1:0"] + inputs
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    if "eddy: ready" not in line:
        err = line + p.stderr.read()
        p.wait()
        raise RuntimeError("eddy run did not start: " + err[-500:])
    api = p.stderr.readline()  # "eddy: REST API on http://127.0.0.1:PORT"
    m = re.search(r"(http://\S+)", api)
    if not m:
        stop(p)
        raise RuntimeError("eddy run did not say where its API is: " + api)
    return p, m.group(1)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def subset(expected, actual):
    """Whether every field `expected` gives is in `actual` with the same value."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            subset(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and float(expected) == float(actual)
    return expected == actual


def sorted_rows(entries):
    """The entries with the rows between header and final message in a canonical order."""
    rows = [e for e in entries if "row" in e]
    others = [e for e in entries if "row" not in e]
    return others[:1] + sorted(rows, key=lambda e: json.dumps(e, sort_keys=True)) + others[1:]


def read_query(url, sql, props, expected_rows):
    """Status and the entries of a /query answer; a push query without LIMIT is read until it
    has given `expected_rows` rows (or 5 s went by)."""
    req = urllib.request.Request(url + "/query", data=json.dumps({"ksql": sql, "streamsProperties": props}).encode(),
                                 method="POST", headers={"Content-Type": "application/vnd.ksql.v1+json"})
    try:
        r = urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    entries, buf, deadline = [], "", time.time() + 5
    with r:
        while time.time() < deadline:
            try:
                chunk = r.read1(65536).decode()
            except (TimeoutError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                line = line.strip().lstrip("[").rstrip(",").rstrip("]").strip()
                if line:
                    entries.append(json.loads(line))
            rows = sum(1 for e in entries if "row" in e)
            if rows >= expected_rows and not any("finalMessage" in e for e in entries) and "LIMIT" not in sql.upper():
                break
        line = buf.strip().lstrip("[").rstrip("]").rstrip(",").strip()
        if line:
            entries.append(json.loads(line))
    return 200, entries


def check_error(expected_error, code, body, what):
    """None when the failed request is the error the case expects, else why not."""
    msg = json.loads(body).get("message", body) if body.startswith("{") else body
    if not expected_error:
        return f"{what}: {msg}"
    if expected_error.get("status", code) != code:
        return f"status {code}, expected {expected_error.get('status')}: {msg}"
    if expected_error.get("message", "") not in msg:
        return f"error {msg!r} does not contain {expected_error.get('message')!r}"
    return None


def run_case(case, tmp):
    """None when it passes, else why not."""
    statements = case["statements"]
    props = {k: str(v) if not isinstance(v, str) else v for k, v in case.get("properties", {}).items()}
    expected_error = case.get("expectedError")
    responses = list(case.get("responses", []))
    admin_expected = [r["admin"] for r in responses if "admin" in r]
    query_expected = [r["query"] for r in responses if "query" in r]
    selects = [s for s in statements if re.match(r"\s*SELECT\b", s, re.I)]
    admins = [s for s in statements if not re.match(r"\s*SELECT\b", s, re.I)]
    state = os.path.join(tmp, "state")
    p, url = start(state, [])
    admin_got = []
    try:
        for s in admins:
            code, body = post(url + "/ksql", {"ksql": s, "streamsProperties": props})
            if code != 200:
                return check_error(expected_error, code, body, f"statement failed ({code}): {s}")
            admin_got += json.loads(body)
    finally:
        stop(p)
    for i, want in enumerate(admin_expected):
        if i >= len(admin_got) or not subset(want, admin_got[i]):
            return f"statement entity {i}: expected {json.dumps(want)}, got {json.dumps(admin_got[i] if i < len(admin_got) else None)[:300]}"
    if not selects:
        return "expected an error" if expected_error else None
    files = {}
    for rec in case.get("inputs", []):
        path = os.path.join(tmp, f"input-{len(files)}-{re.sub('[^A-Za-z0-9_]', '_', rec['topic'])}.jsonl")
        f = files.setdefault(rec["topic"], open(path, "w"))
        line = {"key": rec.get("key"), "value": rec.get("value"), "timestamp": rec.get("timestamp", 0)}
        if rec.get("headers"):
            line["headers"] = rec["headers"]
        f.write(json.dumps(line) + "\n")
    inputs = []
    for topic, f in files.items():
        f.close()
        inputs += ["--input", f"{topic}={f.name}"]
    p, url = start(state, inputs)
    try:
        for i, s in enumerate(selects):
            want = query_expected[i] if i < len(query_expected) else None
            want_rows = sum(1 for e in want if "row" in e) if want else 0
            qprops = {"auto.offset.reset": "earliest"}
            qprops.update(props)
            code, got = read_query(url, s, qprops, want_rows)
            if code != 200:
                return check_error(expected_error, code, got, f"query failed ({code}): {s}")
            if want is None:
                continue
            if not re.search(r"\bEMIT\s+CHANGES\b", s, re.I):
                # A pull query has no ORDER BY: ksqlDB's order is that of its partitions' stores.
                got, want = sorted_rows(got), sorted_rows(want)
            if len(got) != len(want) or not all(subset(w, g) for w, g in zip(want, got)):
                return f"query {s}\n  expected {json.dumps(want)}\n  got      {json.dumps(got)}"
    finally:
        stop(p)
    return "expected an error" if expected_error else None


def load_ledger(path):
    """{"FILE.json :: CASE": REASON} from the ledger's lines (# comments and blank lines skipped)."""
    ledger = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(" :: ")
            if len(parts) < 3:
                raise SystemExit(f"{path}: expected FILE.json :: CASE :: REASON, got {line!r}")
            ledger[" :: ".join(parts[:-1]).strip()] = parts[-1]
    return ledger


def reason(why):
    """A ledger line's short reason for a failure."""
    m = re.search(r"The (\w+) format needs a schema registry", why)
    if m:
        return f"schema-registry format {m.group(1)}"
    m = re.search(r"line \d+:\d+: (.*? is not supported yet|.*? are not supported yet)", why)
    if m:
        return m.group(1)[:80]
    if why == "expected an error":
        return "eddy accepts a statement ksqlDB rejects"
    if " does not contain " in why:
        return "error message differs from ksqlDB's"
    if why.startswith("status "):
        return "error status differs from ksqlDB's"
    if why.startswith("statement entity"):
        return "statement answer differs from ksqlDB's"
    if why.startswith("query ") and "expected" in why:
        if re.search(r"WINDOWSTART|WindowStart|WINDOWEND", why):
            return "windowed rows in query results"
        return "query answer differs from ksqlDB's"
    if why.startswith(("statement failed", "query failed")):
        m = re.search(r"line \d+:\d+: ([^\n]*)", why)
        return "rejected: " + (m.group(1) if m else why.split(": ", 1)[-1])[:80]
    return why.splitlines()[0][:80]


def run_one(case):
    tmp = tempfile.mkdtemp(prefix="eddy-rest-golden-")
    try:
        return run_case(case, tmp)
    except Exception as e:  # a crash or hang of the server fails the case
        return repr(e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    passed = failed = skipped = 0
    ledger = load_ledger(LEDGER) if LEDGER else {}
    unchecked, leave = [], []
    cases = []
    for path in FILES:
        with open(path) as f:
            doc = json.loads(strip_comments(f.read()))
        for case in [c for t in doc["tests"] for c in expand(t)]:
            name = f"{os.path.basename(path)} :: {case['name'].strip()}"
            if FILTER and FILTER not in name:
                continue
            if case.get("enabled") is False:
                skipped += 1
                continue
            cases.append((name, case))
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        results = list(pool.map(lambda nc: run_one(nc[1]), cases))
    for (name, case), why in zip(cases, results):
        if why is None:
            passed += 1
            if name in ledger:
                leave.append(name)
            if case.get("outputs"):
                unchecked.append(name)
            if VERBOSE:
                print(f"ok   {name}")
        elif name in ledger:
            skipped += 1
            if VERBOSE:
                print(f"skip {name} (in the ledger: {ledger[name]}): {why}")
        else:
            failed += 1
            print(f"FAIL {name}: {why}")
    if VERBOSE:
        for name in unchecked:
            print(f"outputs not checked: {name}")
    if WRITE_LEDGER:
        with open(WRITE_LEDGER, "w") as f:
            f.write("# ksqlDB's REST golden tests (../shared/qtt/rest) that eddy's API does not pass yet.\n"
                    "# One a line: FILE.json :: CASE NAME :: REASON. Run by tests/integration/rest_golden.py\n"
                    "# --ledger (scripts/test.sh); it only shrinks: the run reports cases listed here that pass now.\n")
            for (name, case), why in zip(cases, results):
                if why is not None:
                    f.write(f"{name} :: {reason(why)}\n")
    for name in leave:
        print(f"ready to leave the ledger (passes now): {name}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
