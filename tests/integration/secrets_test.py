#!/usr/bin/env python3
"""Secrets: a password given in eddy.yaml or with --set never shows (issue #12).

    python3 tests/integration/secrets_test.py BUILD_DIR/bin/eddy

`eddy run` on the test broker's SASL_PLAINTEXT listener (scripts/kafka.sh: mechanism PLAIN, a
user and password of its own), once with the password in eddy.yaml's `kafka` map and once with
`--set kafka.sasl.password=...` (and the same password as a ksqlDB property, `--set
ksql.streams.sasl.password=...`). Rows must flow (so the login worked), and the password must
appear in none of eddy's output (stdout, stderr: its log), the answers of the REST API to SHOW
PROPERTIES, DESCRIBE, DESCRIBE ... EXTENDED, EXPLAIN, LIST QUERIES, /info, /status, /metrics, an
error, a push query's rows. With a wrong password eddy must stop with a message that says the
cluster refused the credentials, within a minute, without the wrong password in it.

Skipped (saying why) when no broker with the SASL listener runs: `scripts/kafka.sh start`
starts one with it (a broker started before the listener existed needs `scripts/kafka.sh stop`
first). Ends with "N passed, M failed, K skipped".
"""
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import Skip, run_tests  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
TMP = tempfile.mkdtemp(prefix="eddy-secrets-test-")
RUN = "%d%d" % (os.getpid(), int(time.time()))  # topics and services of this run only


def sasl_listener():
    r = subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), "sasl"], capture_output=True, text=True)
    if r.returncode != 0 or len(r.stdout.split()) != 3:
        raise Skip("no test broker with a SASL listener (scripts/kafka.sh start; a broker started before the "
                   "listener existed needs scripts/kafka.sh stop first)")
    return r.stdout.split()


def post(url, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/vnd.ksql.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def get(url, path):
    try:
        with urllib.request.urlopen(url + path, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def queries(n):
    topic = f"secrets_{RUN}_{n}"
    return (f"CREATE STREAM S (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='{topic}', VALUE_FORMAT='JSON', "
            f"PARTITIONS=1);\n"
            f"CREATE STREAM DOUBLED AS SELECT K, V * 2 AS V2 FROM S;\n"
            f"INSERT INTO S (K, V) VALUES ('a', 1);\n")


def run_with(n, password, yaml_kafka, extra_args):
    """Runs eddy on the SASL listener; returns everything it said and the API answered."""
    address, user, _ = sasl_listener()
    work = os.path.join(TMP, f"run{n}")
    os.makedirs(work)
    sql = os.path.join(work, "q.sql")
    with open(sql, "w") as f:
        f.write(queries(n))
    config = os.path.join(work, "eddy.yaml")
    with open(config, "w") as f:
        f.write(f"bootstrap-servers: {address}\nkafka:\n  security.protocol: SASL_PLAINTEXT\n"
                f"  sasl.mechanism: PLAIN\n  sasl.username: {user}\n")
        for k, v in yaml_kafka.items():
            f.write(f"  {k}: {v}\n")
    proc = subprocess.Popen([EDDY, "run", sql, "--config", config, "--state-dir", os.path.join(work, "state"),
                             "--service-id", f"secrets{RUN}x{n}", "--listen", "127.0.0.1:0", "--follow", "DOUBLED",
                             "--output", "json", *extra_args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answers = []
    line = api = ""
    try:
        line = proc.stderr.readline()
        assert line.strip() == "eddy: ready", f"eddy did not start: {line}{proc.stderr.read()[-3000:]}"
        api = proc.stderr.readline()
        port = int(api.strip().rsplit(":", 1)[1])
        url = f"http://127.0.0.1:{port}"
        # Rows flow (--follow DOUBLED on stdout): the login worked.
        rows, deadline = [], time.time() + 90
        while len(rows) < 1 and time.time() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1)
            if ready:
                row = proc.stdout.readline()
                if not row:
                    break
                rows.append(row)
        got = sorted(json.loads(r) for r in rows if r.startswith("{"))
        assert got == [{"K": "a", "V2": 2}], f"rows through the SASL listener: {rows}"
        answers.append("".join(rows))
        for stmt in ["SHOW PROPERTIES;", "DESCRIBE S;", "DESCRIBE S EXTENDED;", "DESCRIBE DOUBLED EXTENDED;",
                     "LIST QUERIES;", "SHOW QUERIES EXTENDED;", "LIST STREAMS EXTENDED;", "SHOW TOPICS;",
                     "CREATE STREAM BAD WITH (KAFKA_TOPIC='no_such_topic_" + RUN + "', VALUE_FORMAT='JSON');",
                     "SELECT NOPE FROM S EMIT CHANGES;"]:
            code, body = post(url, "/query" if stmt.startswith("SELECT") else "/ksql", {"ksql": stmt})
            answers.append(body)
            if stmt == "SHOW PROPERTIES;":
                assert code == 200, f"{stmt} {code}: {body[:500]}"
        m = re.search(r'"queryId"\s*:\s*"([^"]+)"', answers[5] + answers[6])
        if m:
            code, body = post(url, "/ksql", {"ksql": f"EXPLAIN {m.group(1)};"})
            answers.append(body)
        for path in ["/info", "/status", "/metrics", "/healthcheck"]:
            answers.append(get(url, path)[1])
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    return {"stdout": out, "stderr": line + api + err, "answers": answers, "rc": proc.returncode}


def assert_hidden(password, seen):
    for what, text in [("stdout", seen["stdout"]), ("stderr", seen["stderr"])] + \
                      [(f"REST answer {i}", a) for i, a in enumerate(seen["answers"])]:
        assert password not in text, f"the password shows in {what}: ...{text[max(0, text.find(password) - 200):][:400]}"


def test_password_in_eddy_yaml():
    _, _, password = sasl_listener()
    seen = run_with(1, password, {"sasl.password": password}, [])
    assert_hidden(password, seen)
    assert len(seen["answers"]) >= 12, len(seen["answers"])


def test_password_with_set():
    _, _, password = sasl_listener()
    seen = run_with(2, password, {}, ["--set", f"kafka.sasl.password={password}",
                                      "--set", f"ksql.streams.sasl.password={password}"])
    assert_hidden(password, seen)
    show = seen["answers"][1]
    assert "ksql.streams.sasl.password" in show or "sasl.password" in show, \
        f"SHOW PROPERTIES does not list the property set (hidden): {show[:1500]}"


def test_wrong_password():
    address, user, _ = sasl_listener()
    wrong = "wrong-" + RUN + "-pass"
    work = os.path.join(TMP, "wrong")
    os.makedirs(work)
    sql = os.path.join(work, "q.sql")
    with open(sql, "w") as f:
        f.write(queries(3))
    start = time.time()
    r = subprocess.run([EDDY, "run", sql, "--bootstrap-servers", address, "--state-dir", os.path.join(work, "state"),
                        "--service-id", f"secrets{RUN}x3", "--no-listen", "--once",
                        "--set", "kafka.security.protocol=SASL_PLAINTEXT", "--set", "kafka.sasl.mechanism=PLAIN",
                        "--set", f"kafka.sasl.username={user}", "--set", f"kafka.sasl.password={wrong}"],
                       capture_output=True, text=True, timeout=180)
    seconds = time.time() - start
    assert r.returncode == 1, f"exit {r.returncode}: {r.stderr[-2000:]}"
    assert wrong not in r.stdout + r.stderr, f"the wrong password shows: {r.stderr[-2000:]}"
    last = [l for l in r.stderr.splitlines() if l.startswith("eddy run: ")]
    assert last and "refused eddy's credentials" in last[-1] and "Authentication failed" in last[-1], r.stderr[-2000:]
    assert seconds < 60, f"took {seconds:.0f} s to give up"
    print(f"     {last[-1][:200]} ({seconds:.1f} s)")


def main():
    return run_tests(globals(), TMP)


if __name__ == "__main__":
    sys.exit(main())
