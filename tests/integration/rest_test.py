#!/usr/bin/env python3
"""eddy's REST API against a ksqlDB client library nobody here wrote: ksql-python-ng from PyPI,
used unchanged, talks to a running `eddy run` as it would to ksqlDB. It creates a stream,
inserts rows, creates a table, runs a pull query and push queries (one to its LIMIT, one cut
off by the client), reads DESCRIBE and SHOW through the library's helpers, gets ksqlDB's
error codes, and logs in with HTTP basic authentication (eddy.yaml's server.users). A few checks of eddy's own (request-size limit, /metrics, /status) use urllib.

    python3 tests/integration/rest_test.py BUILD_DIR/bin/eddy

The library is installed, pinned, into a venv in the build directory on first use (pip from
PyPI). Ends with "N passed, M failed, K skipped". Expected values are worked out by hand from
the rows inserted.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
# httpx 0.28 dropped the `cert` argument of httpx.get that this release still passes.
CLIENT = ["ksql-python-ng==0.29.0.1", "httpx<0.28"]
VENV = os.path.join(os.path.dirname(os.path.dirname(EDDY)), "rest-client-venv")


def venv_python():
    return os.path.join(VENV, "bin", "python3")


def ensure_client():
    """Re-runs this script in the venv holding the client; False when it cannot be installed."""
    try:
        import ksql  # noqa: F401
        return True
    except ImportError:
        pass
    if os.path.abspath(sys.prefix) == os.path.abspath(VENV):
        return False
    if not os.path.exists(venv_python()):
        r = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"rest: cannot make a venv at {VENV}: {r.stderr.strip()}")
            return False
    r = subprocess.run([venv_python(), "-c", "import ksql, httpx; assert httpx.__version__ < '0.28'"], capture_output=True)
    if r.returncode != 0:
        r = subprocess.run([venv_python(), "-m", "pip", "install", "-q", "--disable-pip-version-check"] + CLIENT,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"rest: cannot install {' '.join(CLIENT)}: {r.stderr.strip()[-500:]}")
            return False
    os.execv(venv_python(), [venv_python(), os.path.abspath(__file__)] + sys.argv[1:])
    return False  # not reached


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))


def http(url, body=None, method=None):
    """Status and body of a request (urllib: for the checks of eddy's own)."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def stream_entries(chunks):
    """The entries of a /query response, read as the client hands its chunks over."""
    text = "".join(chunks)
    return json.loads(text)


def check_basic_auth(c, KSQLAPI, tmp_root):
    """eddy.yaml's server.users: the client's api_key/secret (HTTP basic authentication) get in,
    no credentials or a wrong password get 401."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = os.path.join(tmp_root, "eddy.yaml")
    with open(config, "w") as f:
        f.write("server:\n  users:\n    alice: s3cret\n")
    empty = os.path.join(tmp_root, "empty.sql")
    open(empty, "w").close()
    proc = subprocess.Popen([EDDY, "run", empty, "--state-dir", os.path.join(tmp_root, "state"), "--config", config,
                             "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stderr.readline()  # eddy: ready
        proc.stderr.readline()  # the API's address
        client = KSQLAPI(url, api_key="alice", secret="s3cret")
        r = client.ksql("SHOW STREAMS;")
        c.check(r[0]["@type"] == "streams", "basic authentication: the right password gets in", r)
        for who, kwargs in [("no credentials", {}), ("a wrong password", {"api_key": "alice", "secret": "nope"})]:
            try:
                KSQLAPI(url, **kwargs)
                c.check(False, f"basic authentication: {who} is refused")
            except ValueError as e:
                c.check("401" in str(e) and "40100" in str(e), f"basic authentication: {who} is refused", str(e))
    except Exception as e:
        c.check(False, "basic authentication", repr(e))
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        c.check("s3cret" not in err, "the password is never printed", err)
        shutil.rmtree(tmp_root, ignore_errors=True)


def main():
    if not ensure_client():
        if os.environ.get("CI") == "true":
            print("0 passed, 1 failed, 0 skipped")
            return 1
        print("rest: the client library is not available; skipped")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    from ksql import KSQLAPI
    from ksql import utils
    from ksql.errors import KSQLError

    c = Checks()
    tmp = tempfile.mkdtemp(prefix="eddy-rest-test-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    empty = os.path.join(tmp, "empty.sql")
    open(empty, "w").close()
    proc = subprocess.Popen([EDDY, "run", empty, "--state-dir", os.path.join(tmp, "state"),
                             "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if http(url + "/healthcheck")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        client = KSQLAPI(url, timeout=15)  # asks /info for the server's version
        c.check(client.get_ksql_version() == "0.29.0", "/info through KSQLAPI")

        # A stream, through the library's statement builder.
        created = client.create_stream(table_name="EVENTS", columns_type=["K VARCHAR KEY", "V INT"],
                                       topic="events", value_format="JSON")
        c.check(created is True, "create_stream")
        c.check(utils.get_all_streams(client) == ["EVENTS"], "SHOW STREAMS (utils.get_all_streams)",
                utils.get_all_streams(client))

        # Rows, through INSERT ... VALUES on /ksql: ksqlDB answers with no entity.
        for k, v in [("a", 1), ("b", 2), ("a", 3)]:
            r = client.ksql(f"INSERT INTO EVENTS (K, V) VALUES ('{k}', {v});")
            c.check(r == [], f"INSERT ('{k}', {v})", r)

        r = client.ksql("CREATE TABLE TOTALS AS SELECT K, SUM(V) AS TOTAL, COUNT(*) AS N FROM EVENTS GROUP BY K;")
        status = r[0]["commandStatus"] if r and r[0].get("@type") == "currentStatus" else {}
        query_id = status.get("queryId") or ""
        c.check(status.get("status") == "SUCCESS" and query_id.startswith("CTAS_TOTALS"), "CREATE TABLE AS SELECT", r)

        # A pull query: a = 1 + 3 over 2 rows, b = 2 over 1.
        entries = stream_entries(client.query("SELECT * FROM TOTALS;"))
        header = entries[0].get("header", {})
        c.check(header.get("schema") == "`K` STRING KEY, `TOTAL` INTEGER, `N` BIGINT", "pull query header", header)
        rows = sorted(e["row"]["columns"] for e in entries[1:])
        c.check(rows == [["a", 4, 2], ["b", 2, 1]], "pull query rows", rows)
        entries = stream_entries(client.query("SELECT TOTAL FROM TOTALS WHERE K = 'b';"))
        c.check([e["row"]["columns"] for e in entries[1:]] == [[2]], "pull query by key", entries)

        # A push query from the earliest offset, to its LIMIT.
        entries = stream_entries(client.query("SELECT K, V FROM EVENTS EMIT CHANGES LIMIT 2;",
                                              stream_properties={"ksql.streams.auto.offset.reset": "earliest"}))
        c.check(entries[0].get("header", {}).get("schema") == "`K` STRING, `V` INTEGER", "push query header", entries[0])
        c.check([e["row"]["columns"] for e in entries[1:-1]] == [["a", 1], ["b", 2]], "push query rows", entries)
        c.check(entries[-1] == {"finalMessage": "Limit Reached"}, "push query ends with Limit Reached", entries[-1])

        # A push query from the latest offset: rows inserted while it runs arrive; the client
        # leaving ends it on the server.
        got, started = [], threading.Event()

        def consume():
            buffer = ""
            gen = client.query("SELECT V * 10 AS X FROM EVENTS WHERE K = 'c' EMIT CHANGES;")
            for chunk in gen:
                started.set()
                buffer += chunk
                while "\n" in buffer:
                    line, buffer = buffer.split("\n", 1)
                    line = line.strip().rstrip(",")
                    if line.startswith('{"row"'):
                        got.append(json.loads(line)["row"]["columns"])
                if len(got) >= 2:
                    gen.close()
                    return

        t = threading.Thread(target=consume, daemon=True)
        t.start()
        started.wait(10)
        time.sleep(0.3)
        for v in (7, 8):
            client.ksql(f"INSERT INTO EVENTS (K, V) VALUES ('c', {v});")
        t.join(20)
        c.check(got == [[70], [80]], "push query streams rows as they arrive", got)
        pushes = None
        for _ in range(50):
            metrics = http(url + "/metrics")[1]
            pushes = [line for line in metrics.splitlines() if line.startswith("eddy_push_queries ")]
            if pushes == ["eddy_push_queries 0"]:
                break
            time.sleep(0.1)
        c.check(pushes == ["eddy_push_queries 0"], "a push query ends when its client goes", pushes)

        # DESCRIBE through the library's helpers: the CTAS reads EVENTS.
        info = utils.get_stream_info(client, "EVENTS")
        c.check(info and info["name"] == "EVENTS" and [f["name"] for f in info["fields"]] == ["K", "V"],
                "DESCRIBE EXTENDED (utils.get_stream_info)", info)
        reads, writes = utils.get_dependent_queries(client, "EVENTS")
        c.check(reads == [query_id] and writes == [], "read and write queries (utils.get_dependent_queries)",
                (reads, writes))
        c.check(utils.get_stream_info(client, "NOPE") is None, "an unknown stream is error 40001 (get_stream_info)")
        props = client.get_properties()
        c.check(any(p["name"] == "auto.offset.reset" for p in props), "SHOW PROPERTIES (get_properties)", props)

        try:
            client.ksql("CREATE STREAM BROKEN (K VARCHAR KEY) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='NOPE', PARTITIONS=1);")
            c.check(False, "a bad statement raises KSQLError")
        except KSQLError as e:
            c.check(e.error_code == 40001, "a bad statement raises KSQLError 40001", (e.error_code, str(e)))
        try:
            client.ksql("SELECT * FROM EVENTS;")
            c.check(False, "a SELECT on /ksql raises KSQLError")
        except KSQLError as e:
            c.check(e.error_code == 40002, "a SELECT on /ksql is error 40002", e.error_code)

        # eddy's own: metrics, status, the request-size limit.
        metrics = http(url + "/metrics")[1]
        c.check(f'eddy_query_records_in_total{{query_id="{query_id}"}} 5' in metrics, "/metrics counts records in",
                metrics[:400])
        code, body = http(url + "/status")
        c.check(code == 200 and "stream/`EVENTS`/create" in json.loads(body)["commandStatuses"], "/status", body)
        code, body = http(url + "/ksql", b'{"ksql":"' + b"x" * (9 << 20) + b'"}')
        c.check(code == 413 and json.loads(body)["error_code"] == 41300, "a request over the size limit is 413", code)

        # The library drops a stream: TERMINATE of its queries, then DROP STREAM.
        utils.drop_stream(client, "EVENTS")
        c.check(utils.get_all_streams(client) == [], "utils.drop_stream", utils.get_all_streams(client))
    except Exception as e:  # a crash of the client or of the server fails the run, with its cause
        c.check(False, "the client session", repr(e))
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        c.check(proc.returncode == 0, "eddy run stops cleanly on SIGTERM with the API serving", err[-800:])
        shutil.rmtree(tmp, ignore_errors=True)
    check_basic_auth(c, KSQLAPI, tmp_root=tempfile.mkdtemp(prefix="eddy-rest-auth-"))
    print(f"{c.passed} passed, {c.failed} failed, 0 skipped")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
