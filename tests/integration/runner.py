"""The loop the integration tests share: runs a module's test_* functions, prints one line each
("ok", "FAIL" with the reason, "skip" with the reason) and ends with "N passed, M failed,
K skipped"; a test skips by raising Skip."""
import shutil
import time


class Skip(Exception):
    pass


def run_tests(namespace, tmp, first=None):
    """Runs the test_* functions of `namespace` (a module's globals()) in name order (`first`
    before the others), removes `tmp`, and returns the exit code."""
    tests = [(n, f) for n, f in sorted(namespace.items()) if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda t: t[0] != first)
    passed = failed = skipped = 0
    for name, fn in tests:
        start = time.time()
        try:
            fn()
            passed += 1
            print(f"ok   {name} ({time.time() - start:.1f} s)", flush=True)
        except Skip as e:
            skipped += 1
            print(f"skip {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1
