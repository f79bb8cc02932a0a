#!/usr/bin/env python3
"""Faults under `eddy run` over the embedded log: a full disk, a file size limit, and a corrupt
write-ahead log, table file or log file in the state directory (issue #12).

    python3 tests/integration/fault_test.py BUILD_DIR/bin/eddy

A full disk (a small tmpfs mounted for the state directory, or for its RocksDB database alone:
root only, skipped otherwise with the reason) and RLIMIT_FSIZE (EFBIG: any user) must stop eddy
with exit 1 and a message naming the state directory and the OS error: no crash, no hang. After
the space is freed a restart must finish the work, and every output must equal what this file
works out by itself from the input: nothing lost, nothing doubled.

A byte flipped in RocksDB's write-ahead log or in one of its table files, and an embedded log
file cut short or with a byte flipped, must be reported (exit 1, "Corruption" or the file named),
never read as if it were good.

Ends with "N passed, M failed, K skipped".
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import Skip, run_tests  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EDDY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "eddy")
TMP = tempfile.mkdtemp(prefix="eddy-fault-test-")
TIMEOUT = 300  # seconds for one run, sanitizer builds included: anything slower is a hang

BASE = """CREATE STREAM READINGS (ID VARCHAR KEY, N INT, NAME VARCHAR)
  WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=1);
"""
QUERIES = """CREATE STREAM SCALED AS SELECT ID, N * 2 AS N2, NAME FROM READINGS;
CREATE TABLE COUNTS AS SELECT ID, COUNT(*) AS C, SUM(N) AS TOTAL FROM READINGS GROUP BY ID;
"""
RECORDS = 20000
KEYS = 500


def key(i):
    return "k%03d" % (i % KEYS)


def name(i):
    return "n%05d-" % i + "x" * 100


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


BASE_SQL = write(os.path.join(TMP, "base.sql"), BASE)
QUERIES_SQL = write(os.path.join(TMP, "queries.sql"), QUERIES)
INPUT = os.path.join(TMP, "readings.jsonl")
with open(INPUT, "w") as f:
    for i in range(RECORDS):
        f.write(json.dumps({"key": key(i), "value": {"N": i, "NAME": name(i)}, "timestamp": 1000 + i}) + "\n")


def eddy(state, *args, config=None, fsize=None, env=None):
    """Runs `eddy run ... --state-dir state --once --no-listen`; returns (exit code, stderr)."""
    cmd = [EDDY, "run", *args, "--state-dir", state, "--once", "--no-listen"]
    if config:
        cmd += ["--config", config]

    def limit():
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, preexec_fn=limit, env=env)
    return r.returncode, r.stderr.decode("utf-8", "replace")


def load(state, config=None):
    """The first run: the stream and its records, no query yet."""
    rc, err = eddy(state, BASE_SQL, "--input", "readings=" + INPUT, config=config)
    assert rc == 0, f"loading the input: exit {rc}: {err[-2000:]}"


def follow(state, name):
    r = subprocess.run([EDDY, "run", "--state-dir", state, "--follow", name, "--output", "json", "--once",
                        "--no-listen", "--set", "auto.offset.reset=earliest"], capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, f"--follow {name}: exit {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-2000:]}"
    return [json.loads(line) for line in r.stdout.decode().splitlines() if line.startswith("{")]


def check_outputs(state):
    """Every record once in SCALED, in order; COUNTS' last row per key counts each record once."""
    scaled = follow(state, "SCALED")
    want = [{"ID": key(i), "N2": 2 * i, "NAME": name(i)} for i in range(RECORDS)]
    if scaled != want:
        got_n = [r.get("N2", 0) // 2 for r in scaled]
        doubled = len(got_n) - len(set(got_n))
        lost = len(set(range(RECORDS)) - set(got_n))
        first = next((i for i, (g, w) in enumerate(zip(scaled, want)) if g != w), min(len(scaled), len(want)))
        raise AssertionError(f"SCALED: {len(scaled)} rows for {RECORDS} records ({lost} lost, {doubled} doubled); "
                             f"first difference at row {first}: "
                             f"{scaled[first] if first < len(scaled) else None} != {want[first] if first < len(want) else None}")
    last, seen = {}, {}
    for row in follow(state, "COUNTS"):
        k = row["ID"]
        assert row["C"] > seen.get(k, 0), f"COUNTS: the count of {k} went from {seen.get(k)} to {row['C']}"
        seen[k] = row["C"]
        last[k] = (row["C"], row["TOTAL"])
    want_counts = {}
    for i in range(RECORDS):
        c, t = want_counts.get(key(i), (0, 0))
        want_counts[key(i)] = (c + 1, t + i)
    wrong = [(k, last.get(k), v) for k, v in sorted(want_counts.items()) if last.get(k) != v]
    assert not wrong and len(last) == len(want_counts), f"COUNTS: (key, got, want): {wrong[:5]} of {len(wrong)}"


def clean_failure(rc, err, what, words, state):
    assert rc == 1, f"{what}: exit {rc} (expected 1: a clean stop): {err[-3000:]}"
    assert not re.search(r"AddressSanitizer|runtime error:|terminate called|Assertion|Segmentation", err), err[-3000:]
    lines = [l for l in err.splitlines() if l.startswith("eddy run: ")]
    assert lines, f"{what}: no 'eddy run: ...' message: {err[-2000:]}"
    assert any(re.search(w, lines[-1]) for w in words), f"{what}: the message does not say {words}: {lines[-1]}"
    assert os.path.relpath(state, os.getcwd()) in lines[-1] or state in lines[-1], \
        f"{what}: the message does not name the state directory {state}: {lines[-1]}"
    return lines[-1]


# ---- a full disk --------------------------------------------------------------------------------

def need_root():
    if os.geteuid() != 0:
        raise Skip("needs root to mount a tmpfs (a real full disk); the RLIMIT_FSIZE test covers the rest")
    if not shutil.which("mount"):
        raise Skip("no mount command")


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True)
    if r.returncode != 0:
        raise Skip(f"cannot mount a tmpfs: {r.stderr.decode().strip()}")


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def fill(mount, leave):
    """Fills the file system of `mount` up to `leave` free bytes; returns the filler's path."""
    path = os.path.join(mount, "filler")
    st = os.statvfs(mount)
    n = max(0, st.f_bavail * st.f_frsize - leave)
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as f:
        while n > 0:
            f.write(chunk[:min(n, len(chunk))])
            n -= min(n, len(chunk))
    return path


def full_disk(name, leave, db_only):
    """Loads the input, fills the disk (the state directory's, or its database's alone) up to `leave`
    bytes, runs the queries (they must stop cleanly), frees the space, runs them again."""
    need_root()
    base = os.path.join(TMP, name)
    mount = os.path.join(base, "mnt")
    if db_only:
        state = os.path.join(base, "state")
        mount = os.path.join(state, "db")  # RocksDB on the full disk, the log files beside it
    else:
        state = os.path.join(mount, "state")
    mount_tmpfs(mount, "16m")
    try:
        load(state)
        filler = fill(mount, leave)
        rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
        message = clean_failure(rc, err, "on a full disk", [r"No space left on device"], state)
        os.remove(filler)
        rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
        assert rc == 0, f"after the space was freed: exit {rc}: {err[-3000:]}"
        check_outputs(state)
        print(f"     {message[:200]}")
    finally:
        umount(mount)


def test_full_disk_log_files_64k_free():
    full_disk("full-log-64k", 64 << 10, False)


def test_full_disk_log_files_1m_free():
    full_disk("full-log-1m", 1 << 20, False)


def test_full_disk_rocksdb_only():
    full_disk("full-db", 32 << 10, True)


def test_file_size_limit():
    """RLIMIT_FSIZE: writes past it fail with EFBIG (any user)."""
    state = os.path.join(TMP, "fsize", "state")
    load(state)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL, fsize=1 << 20)
    message = clean_failure(rc, err, "past RLIMIT_FSIZE", [r"File too large"], state)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
    assert rc == 0, f"without the limit: exit {rc}: {err[-3000:]}"
    check_outputs(state)
    print(f"     {message[:200]}")


# ---- corruption -------------------------------------------------------------------------------

def flip(path, at):
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x5A]))


def processed_state(name, config=None):
    state = os.path.join(TMP, name, "state")
    load(state, config)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL, config=config)
    assert rc == 0, f"exit {rc}: {err[-3000:]}"
    return state


def test_corrupt_write_ahead_log():
    state = processed_state("wal")
    db = os.path.join(state, "db")
    wals = sorted((os.path.getsize(os.path.join(db, f)), f) for f in os.listdir(db) if f.endswith(".log"))
    assert wals and wals[-1][0] > 1000, f"no write-ahead log to corrupt in {os.listdir(db)}"
    size, wal = wals[-1]
    flip(os.path.join(db, wal), size // 3)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
    print(f"     {clean_failure(rc, err, 'a corrupt WAL', [r'Corruption'], state)[:200]}")


def test_corrupt_table_file():
    # Small memtables (eddy.yaml's state map) put the store in table files; the run after the
    # first flushes what its write-ahead log held, so every key of COUNTS is in one.
    config = write(os.path.join(TMP, "small.yaml"), "state:\n  write-buffer: 64k\n")
    state = processed_state("sst", config)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL, config=config)
    assert rc == 0, err[-2000:]
    db = os.path.join(state, "db")
    store = None
    for f in sorted(os.listdir(db)):
        if f.endswith(".sst"):
            data = open(os.path.join(db, f), "rb").read()
            if re.search(rb"CTAS_COUNTS_\d+\.COUNTS-aggregate", data) and b"k499" in data:
                store = (f, len(data))
    assert store, f"no table file of the COUNTS aggregate store in {sorted(os.listdir(db))}"
    flip(os.path.join(db, store[0]), 40)  # in the first data block
    more = os.path.join(TMP, "more.jsonl")
    with open(more, "w") as f:
        for i in range(KEYS):
            f.write(json.dumps({"key": key(i), "value": {"N": 0, "NAME": "more"}, "timestamp": 10 ** 6}) + "\n")
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL, "--input", "readings=" + more, config=config)
    print(f"     {clean_failure(rc, err, 'a corrupt table file', [r'Corruption', r'checksum'], state)[:200]}")


def readings_log(state):
    logs = [f for f in os.listdir(os.path.join(state, "log")) if f.startswith("readings.") and f.endswith(".log")]
    assert len(logs) == 1, logs
    return os.path.join(state, "log", logs[0])


def test_truncated_log_file():
    state = os.path.join(TMP, "cut", "state")
    load(state)
    path = readings_log(state)
    os.truncate(path, os.path.getsize(path) - 10)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
    print(f"     {clean_failure(rc, err, 'a truncated log file', [r'committed records are missing'], state)[:200]}")


def test_corrupt_log_file():
    state = os.path.join(TMP, "flip", "state")
    load(state)
    path = readings_log(state)
    flip(path, os.path.getsize(path) // 2)
    rc, err = eddy(state, BASE_SQL, QUERIES_SQL)
    print(f"     {clean_failure(rc, err, 'a corrupt log file', [r'checksum', r'corrupt'], state)[:200]}")


def main():
    return run_tests(globals(), TMP)


if __name__ == "__main__":
    sys.exit(main())
