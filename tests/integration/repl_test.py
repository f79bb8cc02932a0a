#!/usr/bin/env python3
"""The REPL driven through a pseudo-terminal, as a person would: keys in, screen out; and
`eddy repl --server` attached to a running `eddy run` over its REST API (statements on stdin,
and a person at a pseudo-terminal).

    python3 tests/integration/repl_test.py BUILD_DIR/bin/eddy

Ends with "N passed, M failed, K skipped"."""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import struct
import sys
import tempfile
import termios
import time
import urllib.request

EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/bin/eddy"


class Term:
    def __init__(self, args, cwd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(cwd)
            env = dict(os.environ, HOME=cwd, TERM="dumb")
            env.pop("EDDY_PASSWORD", None)
            os.execve(EDDY, [EDDY] + args, env)
        self.out = ""

    def expect(self, pattern, timeout=10):
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.out)
            if m:
                self.out = self.out[m.end():]
                return m
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen so far:\n{self.out[-2000:]}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError(f"eddy ended while waiting for {pattern!r}; screen:\n{self.out[-2000:]}")
                self.out += data.decode("utf-8", "replace")

    def resize(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, text):
        os.write(self.fd, text.encode())

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)

    def wait_exit(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 65536)
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("eddy did not exit")


PROMPT = r"eddy> "


def session(tmp):
    t = Term(["repl", "--state-dir", os.path.join(tmp, "state")], tmp)
    t.expect(PROMPT)
    return t


def test_statements_multiline_and_errors(tmp):
    t = session(tmp)
    try:
        t.send("CREATE STREAM S (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);\r")
        t.expect("Stream created")
        t.expect(PROMPT)
        t.send("INSERT INTO S (K, V)\r")
        t.expect(r"   -> ")
        t.send("VALUES ('a', 1);\r")
        t.expect(PROMPT)
        # An error shows the line, a caret under the column, and the reason; the session goes on.
        t.send("SELECT NOPE FROM S EMIT CHANGES;\r")
        m = t.expect(r"SELECT NOPE FROM S EMIT CHANGES;\r?\n( *)\^\r?\n.*1:8: SELECT column 'NOPE' cannot be resolved")
        assert len(m.group(1)) == 7, repr(m.group(1))
        t.expect(PROMPT)
        t.send("SHOW STREAMS;\r")
        t.expect(r"\| S +\| s +\| KAFKA +\| JSON")
        t.expect(PROMPT)
        t.send("SHOW TOPICS;\r")
        t.expect(r"\| s +\| 1 +\| 1 +\|")
        t.expect(PROMPT)
        t.send("DROP STREAM S DELETE TOPIC;\r")
        t.expect("dropped")
        t.expect(PROMPT)
        t.send("SHOW TOPICS;\r")
        m = t.expect(r"(?s)Kafka Topic(.*?)" + PROMPT)
        assert "| s " not in m.group(1), m.group(1)
        t.send("\x04")  # Ctrl-D leaves
        assert t.wait_exit() == 0
    finally:
        t.close()


def test_push_query_cancelled_with_ctrl_c_and_pull_query(tmp):
    t = session(tmp)
    try:
        t.send("CREATE STREAM S (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);\r")
        t.expect(PROMPT)
        t.send("INSERT INTO S (K, V) VALUES ('a', 1);\r")
        t.expect(PROMPT)
        t.send("INSERT INTO S (K, V) VALUES ('a', 5);\r")
        t.expect(PROMPT)
        t.send("SET 'auto.offset.reset' = 'earliest';\r")
        t.expect(PROMPT)
        t.send("SELECT K, V * 10 AS X FROM S EMIT CHANGES;\r")
        t.expect(r"\| a +\| 10 +\|")
        t.expect(r"\| a +\| 50 +\|")
        time.sleep(0.3)
        t.send("\x03")  # Ctrl-C cancels the push query, not the session
        t.expect("Query terminated")
        t.expect(PROMPT)
        t.send("CREATE TABLE T AS SELECT K, SUM(V) AS TOTAL FROM S GROUP BY K;\r")
        query_id = t.expect(r"Created query (\S+)").group(1)
        t.expect(PROMPT)
        # EXPLAIN of a running query: records in and out, stream time and state per node.
        t.send(f"EXPLAIN {query_id};\r")
        t.expect(r"Aggregate.*\(in: 2, out: 2, stream time: \d{4}-\d\d-\d\dT[\d:.]+, state [^:]+: ~\d+ keys")
        t.expect(PROMPT)
        t.send("SELECT * FROM T;\r")  # a pull query: the current row per key
        t.expect(r"\| a +\| 6 +\|")
        t.expect("1 row")
        t.expect(PROMPT)
        t.send("SELECT K FROM S EMIT CHANGES LIMIT 2;\r")
        t.expect("Limit Reached")
        t.expect(PROMPT)
    finally:
        t.close()


def test_pull_queries_fit_a_narrow_terminal(tmp):
    t = session(tmp)
    t.resize(24, 40)
    try:
        t.send("CREATE STREAM S (K VARCHAR KEY, NOTE VARCHAR, N INT) "
               "WITH (KAFKA_TOPIC='notes', VALUE_FORMAT='JSON', PARTITIONS=1);\r")
        t.expect(PROMPT)
        long_note = "the quick brown fox jumps over the lazy dog"
        t.send(f"INSERT INTO S (K, NOTE, N) VALUES ('a', 'short', 1);\r")
        t.expect(PROMPT)
        t.send(f"INSERT INTO S (K, NOTE, N) VALUES ('b', '{long_note}', 2);\r")
        t.expect(PROMPT)
        t.send("CREATE TABLE LATEST AS SELECT K, LATEST_BY_OFFSET(NOTE) AS NOTE, SUM(N) AS N FROM S GROUP BY K;\r")
        t.expect("Created query")
        t.expect(PROMPT)
        t.send("INSERT INTO S (K, NOTE, N) VALUES ('a', 'newer', 10);\r")
        t.expect(PROMPT)
        # By key: the current row of 'a' only.
        t.send("SELECT * FROM LATEST WHERE K = 'a';\r")
        t.expect(r"\| a +\| newer +\| 11 +\|")
        t.expect("1 row")
        t.expect(PROMPT)
        # A scan in a 40-column terminal: no line wider than the terminal, the long note wrapped.
        t.send("SELECT * FROM LATEST;\r")
        m = t.expect(r"(?s)(\+-.*?)2 rows")
        lines = [l for l in m.group(1).replace("\r", "").split("\n") if l]
        assert all(len(l) <= 40 for l in lines), lines
        notes = "".join(l.split("|")[2].strip() for l in lines if l.startswith("|"))
        assert long_note.replace(" ", "") in notes.replace(" ", ""), lines
        assert sum(1 for l in lines if l.startswith("|")) == 4, lines  # header, 'a', 'b' on two lines
        t.expect(PROMPT)
        t.send("SELECT * FROM LATEST WHERE K = 'nobody';\r")
        t.expect("0 rows")
        t.expect(PROMPT)
    finally:
        t.close()


def test_tab_completion_variables_and_scripts(tmp):
    script = os.path.join(tmp, "setup.sql")
    with open(script, "w") as f:
        f.write("CREATE STREAM READINGS (K VARCHAR KEY, TEMPERATURE DOUBLE) "
                "WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=1);\n")
    t = session(tmp)
    try:
        t.send(f"RUN SCRIPT '{script}';\r")
        t.expect("Stream created")
        t.expect(PROMPT)
        # Tab completes a keyword and then a stream name that exists only in this session.
        t.send("DESCRI\tREAD\t;\r")
        t.expect(r"Name: READINGS")
        t.expect(PROMPT)
        t.send("DEFINE col = 'TEMPERATURE';\r")
        t.expect(PROMPT)
        t.send("INSERT INTO READINGS (K, ${col}) VALUES ('x', 21.5);\r")
        t.expect(PROMPT)
        t.send("SET 'auto.offset.reset' = 'earliest';\r")
        t.expect(PROMPT)
        t.send("SELECT K, ${col} FROM READINGS EMIT CHANGES LIMIT 1;\r")
        t.expect(r"\| x +\| 21.5 +\|")
        t.expect("Limit Reached")
        t.expect(PROMPT)
    finally:
        t.close()


def test_prompt_is_quick(tmp):
    """Time from start to the prompt, warm: the median of five starts."""
    times = []
    for i in range(5):
        start = time.time()
        t = Term(["repl", "--state-dir", os.path.join(tmp, "state")], tmp)
        try:
            t.expect(PROMPT)
            times.append(time.time() - start)
        finally:
            t.close()
    times.sort()
    print(f"     prompt after {times[2] * 1000:.0f} ms (median of 5)")


# `eddy repl --server URL`: the REPL attached to a running `eddy run`.

SERVER_QUERIES = """
CREATE STREAM PINGS (TRUCK VARCHAR KEY, SPEED INT) WITH (KAFKA_TOPIC='pings', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE TOP_SPEED AS SELECT TRUCK, MAX(SPEED) AS TOP FROM PINGS GROUP BY TRUCK;
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`eddy run` on a query file, serving the API on a free port."""

    def __init__(self, tmp, users=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        queries = os.path.join(tmp, "queries.sql")
        with open(queries, "w") as f:
            f.write(SERVER_QUERIES)
        args = [EDDY, "run", queries, "--state-dir", os.path.join(tmp, "server-state"),
                "--listen", f"127.0.0.1:{self.port}"]
        if users:
            config = os.path.join(tmp, "server.yaml")
            with open(config, "w") as f:
                f.write("server:\n  users:\n" + "".join(f"    {u}: {p}\n" for u, p in users.items()))
            args += ["--config", config]
        self.proc = subprocess.Popen(args, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise AssertionError("eddy run ended before serving its API")
            if "REST API on" in line:
                return
        raise AssertionError("eddy run did not serve its API")

    def metric(self, name):
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return line.split()[1]
        return None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def attach(args, stdin_text, cwd, env_extra=None, timeout=60):
    env = dict(os.environ, HOME=cwd)
    env.pop("EDDY_PASSWORD", None)
    env.update(env_extra or {})
    return subprocess.run([EDDY, "repl"] + args, input=stdin_text, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_server_statements_from_stdin(tmp):
    srv = Server(tmp)
    try:
        statements = """SHOW STREAMS;
INSERT INTO PINGS (TRUCK, SPEED) VALUES ('t1', 50);
INSERT INTO PINGS (TRUCK, SPEED) VALUES ('t2', 30);
INSERT INTO PINGS (TRUCK, SPEED) VALUES ('t1', 70);
DESCRIBE PINGS;
SELECT * FROM TOP_SPEED;
SET 'auto.offset.reset' = 'earliest';
SELECT TRUCK, SPEED
  FROM PINGS EMIT CHANGES LIMIT 2;
SELECT NOPE FROM PINGS EMIT CHANGES;
DROP STREAM NOBODY;
SHOW TABLES;
"""
        r = attach(["--server", srv.url], statements, tmp)
        # Worked out by hand: the stream the query file made; the three rows; the top speed per
        # truck (t1: max(50, 70), t2: 30); the first two pings from the earliest offset; two
        # errors at their line and column; the table. A failed statement makes the exit code 1.
        expected = """+-------------+-------------+------------+--------------+----------+
| Stream Name | Kafka Topic | Key Format | Value Format | Windowed |
+-------------+-------------+------------+--------------+----------+
| PINGS       | pings       | KAFKA      | JSON         | false    |
+-------------+-------------+------------+--------------+----------+
+-------+--------------+
| Field | Type         |
+-------+--------------+
| TRUCK | STRING (key) |
| SPEED | INTEGER      |
+-------+--------------+
Name: PINGS
Type: STREAM
Kafka topic: pings (partitions: 1)
Key format: KAFKA
Value format: JSON
+-------+-----+
| TRUCK | TOP |
+-------+-----+
| t1    | 70  |
| t2    | 30  |
+-------+-----+
2 rows
Successfully changed local property.
+--------------+--------------+
| TRUCK        | SPEED        |
+--------------+--------------+
| t1           | 50           |
| t2           | 30           |
Limit Reached
Query terminated
SELECT NOPE FROM PINGS EMIT CHANGES;
       ^
line 1:8: SELECT column 'NOPE' cannot be resolved.
DROP STREAM NOBODY;
            ^
line 1:13: Stream NOBODY does not exist.
+------------+-------------+------------+--------------+----------+
| Table Name | Kafka Topic | Key Format | Value Format | Windowed |
+------------+-------------+------------+--------------+----------+
| TOP_SPEED  | TOP_SPEED   | KAFKA      | JSON         | false    |
+------------+-------------+------------+--------------+----------+
"""
        assert r.stdout == expected, f"got:\n{r.stdout}\nstderr:\n{r.stderr}"
        assert r.returncode == 1, r.returncode
        # JSON output, a variable, a script, and a push query without LIMIT read from stdin:
        # it ends when no row has come for 2 s.
        script = os.path.join(tmp, "setup.sql")
        with open(script, "w") as f:
            f.write("INSERT INTO PINGS (TRUCK, SPEED) VALUES ('t3', 90);\n")
        r = attach(["--server", srv.url, "--output", "json", "--set", "auto.offset.reset=earliest"],
                   f"DEFINE src = 'PINGS';\nRUN SCRIPT '{script}';\nSELECT TRUCK, SPEED FROM ${{src}} EMIT CHANGES;\n"
                   "SELECT * FROM TOP_SPEED WHERE TRUCK = 't3';\n", tmp)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout == ('{"TRUCK":"t1","SPEED":50}\n{"TRUCK":"t2","SPEED":30}\n{"TRUCK":"t1","SPEED":70}\n'
                            '{"TRUCK":"t3","SPEED":90}\n{"TRUCK":"t3","TOP":90}\n1 row\n'), r.stdout
    finally:
        srv.stop()


def test_server_attached_terminal_ctrl_c_and_completion(tmp):
    srv = Server(tmp)
    t = Term(["repl", "--server", srv.url], tmp)
    try:
        t.expect(r"Connected to " + re.escape(srv.url))
        t.expect(PROMPT)
        t.send("INSERT INTO PINGS (TRUCK, SPEED)\r")
        t.expect(r"   -> ")
        t.send("VALUES ('t1', 40);\r")
        t.expect(PROMPT)
        # Tab completes a keyword and a stream name the server knows.
        t.send("DESCRI\tPIN\t;\r")
        t.expect(r"Name: PINGS")
        t.expect(PROMPT)
        t.send("SET 'auto.offset.reset' = 'earliest';\r")
        t.expect(PROMPT)
        t.send("SELECT TRUCK, SPEED * 2 AS DOUBLED FROM PINGS EMIT CHANGES;\r")
        t.expect(r"\| t1 +\| 80 +\|")
        assert srv.metric("eddy_push_queries") == "1"
        time.sleep(0.3)
        t.send("\x03")  # Ctrl-C: the push query ends, on the server too; the session goes on
        t.expect("Query terminated")
        t.expect(PROMPT)
        deadline = time.time() + 5
        while srv.metric("eddy_push_queries") != "0" and time.time() < deadline:
            time.sleep(0.1)
        assert srv.metric("eddy_push_queries") == "0"
        t.send("SELECT * FROM TOP_SPEED;\r")
        t.expect(r"\| t1 +\| 40 +\|")
        t.expect("1 row")
        t.expect(PROMPT)
        t.send("\x04")
        assert t.wait_exit() == 0
    finally:
        t.close()
        srv.stop()


def test_server_authentication_and_unreachable(tmp):
    srv = Server(tmp, users={"alice": "s3cret"})
    try:
        r = attach(["--server", srv.url, "--user", "alice"], "SHOW TABLES;\n", tmp, {"EDDY_PASSWORD": "s3cret"})
        assert r.returncode == 0 and "| TOP_SPEED " in r.stdout, r.stdout + r.stderr
        r = attach(["--server", srv.url, "--user", "alice"], "SHOW TABLES;\n", tmp, {"EDDY_PASSWORD": "wrong"})
        assert r.returncode == 1 and r.stdout == "", r.stdout
        assert r.stderr == f"eddy repl: {srv.url} refused user 'alice': wrong user name or password\n", r.stderr
        r = attach(["--server", srv.url], "SHOW TABLES;\n", tmp)
        assert r.returncode == 1, r.returncode
        assert r.stderr.startswith(f"eddy repl: {srv.url} wants a user and password"), r.stderr
        # Without EDDY_PASSWORD the password is asked on the terminal, not echoed.
        t = Term(["repl", "--server", srv.url, "--user", "alice"], tmp)
        try:
            t.expect("Password for alice: ")
            t.send("s3cret\r")
            m = t.expect(r"(?s)(.*)Connected to ")
            assert "s3cret" not in m.group(1), m.group(1)
            t.expect(PROMPT)
            t.send("SHOW TABLES;\r")
            t.expect(r"\| TOP_SPEED +\|")
            t.expect(PROMPT)
        finally:
            t.close()
    finally:
        srv.stop()
    # Nothing listens there any more: one line, at once.
    start = time.time()
    r = attach(["--server", srv.url], "SHOW TABLES;\n", tmp)
    assert r.returncode == 1, r.returncode
    assert r.stderr == f"eddy repl: cannot connect to {srv.url}: Connection refused\n", r.stderr
    assert time.time() - start < 5
    # A server that never takes the connection (its backlog full): given up after 5 s.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        waiting = []
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            waiting.append(c)
        time.sleep(0.2)
        start = time.time()
        r = attach(["--server", f"http://127.0.0.1:{port}"], "SHOW TABLES;\n", tmp)
        took = time.time() - start
        for c in waiting:
            c.close()
    assert r.returncode == 1, r.returncode
    assert r.stderr == f"eddy repl: cannot connect to http://127.0.0.1:{port}: no answer within 5 s\n", r.stderr
    assert 4.5 < took < 15, took


def main():
    passed = failed = 0
    for name, fn in sorted(globals().items()):
        if not name.startswith("test_") or not callable(fn):
            continue
        tmp = tempfile.mkdtemp(prefix="eddy-repl-test-")
        start = time.time()
        try:
            fn(tmp)
            passed += 1
            print(f"ok   {name} ({time.time() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001 - report and go on
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
