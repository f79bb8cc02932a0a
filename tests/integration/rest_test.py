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


def stop_server(proc):
    """SIGTERM, then SIGKILL when it has not stopped within 20 s."""
    proc.terminate()
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def check_push_query_limit(c, tmp_root):
    """ksqlDB's ksql.max.push.queries (--set here): one push query over it is refused with
    ksqlDB's error 40003; a pull query is not counted; a slot is free again once a query ends."""
    import http.client as http_client
    empty = os.path.join(tmp_root, "empty.sql")
    open(empty, "w").close()
    proc = subprocess.Popen([EDDY, "run", empty, "--state-dir", os.path.join(tmp_root, "state"), "--listen",
                             "127.0.0.1:0", "--set", "ksql.max.push.queries=2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    conns = []
    try:
        proc.stderr.readline()  # eddy: ready
        port = int(proc.stderr.readline().strip().rsplit(":", 1)[1])  # eddy: REST API on http://HOST:PORT
        url = f"http://127.0.0.1:{port}"
        http(url + "/ksql", {"ksql": "CREATE STREAM S (K STRING KEY, V INT) WITH (KAFKA_TOPIC='s', "
                                     "VALUE_FORMAT='JSON', PARTITIONS=1);"})

        def push():
            conn = http_client.HTTPConnection("127.0.0.1", port, timeout=15)
            conn.request("POST", "/query", json.dumps({"ksql": "SELECT * FROM S EMIT CHANGES;"}),
                         {"Content-Type": "application/vnd.ksql.v1+json"})
            r = conn.getresponse()
            conns.append(conn)
            return r

        first, second = push(), push()
        c.check(first.status == 200 and second.status == 200, "push-query limit: 2 of 2 run",
                (first.status, second.status))
        first.readline(), second.readline()  # their headers: both queries are running
        third = push()
        body = json.loads(third.read().decode())
        c.check(third.status == 400 and body.get("error_code") == 40003 and
                body.get("message") == "Maximum number of push queries exceeded",
                "push-query limit: one more is ksqlDB's error 40003", (third.status, body))
        code, _ = http(url + "/query", {"ksql": "SELECT * FROM S;"})
        c.check(code == 200, "push-query limit: a pull query is not counted", code)
        conns[0].close()  # the client goes: its query ends and gives its slot back
        deadline, status = time.time() + 10, None
        while time.time() < deadline:
            r = push()
            status = r.status
            if status == 200:
                break
            r.read()
            time.sleep(0.3)
        c.check(status == 200, "push-query limit: a slot is free again once a query ends", status)
    except Exception as e:
        c.check(False, "push-query limit", repr(e))
    finally:
        for conn in conns:
            conn.close()
        stop_server(proc)
        shutil.rmtree(tmp_root, ignore_errors=True)


def check_tls(c, tmp_root):
    """eddy.yaml's server.tls: HTTPS with a self-signed certificate made here by the openssl CLI;
    a client trusting it gets answers and a streamed push query, plain HTTP gets nothing, a key
    that is not the certificate's is refused at start."""
    import http.client as http_client
    import ssl
    cert, key = os.path.join(tmp_root, "cert.pem"), os.path.join(tmp_root, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        c.check(False, "TLS: a self-signed certificate (openssl CLI)", r.stderr[-400:])
        return
    config = os.path.join(tmp_root, "eddy.yaml")
    with open(config, "w") as f:
        f.write("server:\n  tls:\n    cert: cert.pem\n    key: key.pem\n")  # relative to eddy.yaml
    empty = os.path.join(tmp_root, "empty.sql")
    open(empty, "w").close()
    proc = subprocess.Popen([EDDY, "run", empty, "--state-dir", os.path.join(tmp_root, "state"), "--config", config,
                             "--listen", "127.0.0.1:0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        proc.stderr.readline()  # eddy: ready
        line = proc.stderr.readline().strip()
        c.check("https://127.0.0.1:" in line, "TLS: eddy run says https", line)
        port = int(line.rsplit(":", 1)[1])
        ctx = ssl.create_default_context(cafile=cert)
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/info", context=ctx, timeout=15) as r:
            info = json.loads(r.read().decode())
        c.check(info["KsqlServerInfo"]["version"] == "0.29.0", "TLS: /info over HTTPS", info)
        req = urllib.request.Request(f"https://127.0.0.1:{port}/ksql", method="POST", data=json.dumps(
            {"ksql": "CREATE STREAM S (K STRING KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);"
                     " INSERT INTO S (K, V) VALUES ('a', 1); INSERT INTO S (K, V) VALUES ('b', 2);"}).encode())
        with urllib.request.urlopen(req, context=ctx, timeout=15) as r:
            created = json.loads(r.read().decode())
        c.check(created[0]["commandStatus"]["message"] == "Stream created", "TLS: statements over HTTPS", created)
        conn = http_client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=15)
        conn.request("POST", "/query", json.dumps({"ksql": "SELECT * FROM S EMIT CHANGES LIMIT 2;",
                                                   "streamsProperties": {"auto.offset.reset": "earliest"}}))
        entries = json.loads(conn.getresponse().read().decode())
        conn.close()
        c.check([e["row"]["columns"] for e in entries[1:-1]] == [["a", 1], ["b", 2]] and
                entries[-1] == {"finalMessage": "Limit Reached"}, "TLS: a push query streamed over HTTPS", entries)
        # eddy repl --server https://...: trusts the certificate through OpenSSL's SSL_CERT_FILE.
        script = "SET 'auto.offset.reset'='earliest';\nSELECT * FROM S EMIT CHANGES LIMIT 2;\nSHOW STREAMS;\n"
        r = subprocess.run([EDDY, "repl", "--server", f"https://127.0.0.1:{port}"], input=script, capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, SSL_CERT_FILE=cert))
        c.check(r.returncode == 0 and "Limit Reached" in r.stdout and "| a " in r.stdout and "| S " in r.stdout,
                "TLS: eddy repl --server https:// (SSL_CERT_FILE)", (r.returncode, r.stdout[-400:], r.stderr[-300:]))
        env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        r = subprocess.run([EDDY, "repl", "--server", f"https://127.0.0.1:{port}"], input=script, capture_output=True,
                           text=True, timeout=30, env=env)
        c.check(r.returncode == 1 and "certificate is not trusted" in r.stderr,
                "TLS: eddy repl refuses a certificate it does not trust", (r.returncode, r.stderr[-300:]))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/info", timeout=5).read()
            c.check(False, "TLS: plain HTTP gets no answer")
        except (OSError, http_client.HTTPException):
            c.check(True, "TLS: plain HTTP gets no answer")
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/info", context=ssl.create_default_context(), timeout=5)
            c.check(False, "TLS: a client not trusting the certificate refuses it")
        except (ssl.SSLError, urllib.error.URLError) as e:
            c.check("CERTIFICATE_VERIFY_FAILED" in str(e), "TLS: a client not trusting the certificate refuses it", str(e))
    except Exception as e:
        c.check(False, "TLS", repr(e))
    finally:
        stop_server(proc)
    # A key that is not the certificate's: eddy run says which file and exits 1.
    other = os.path.join(tmp_root, "other.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", other], capture_output=True)
    with open(config, "w") as f:
        f.write(f"server:\n  tls:\n    cert: cert.pem\n    key: {other}\n")
    r = subprocess.run([EDDY, "run", empty, "--state-dir", os.path.join(tmp_root, "state2"), "--config", config,
                        "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    c.check(r.returncode == 1 and "other.pem" in r.stderr and "private key" in r.stderr,
            "TLS: a key that does not match the certificate is refused at start", (r.returncode, r.stderr[-300:]))
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
    check_push_query_limit(c, tempfile.mkdtemp(prefix="eddy-rest-limit-"))
    check_tls(c, tempfile.mkdtemp(prefix="eddy-rest-tls-"))
    print(f"{c.passed} passed, {c.failed} failed, 0 skipped")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
