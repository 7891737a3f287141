#!/usr/bin/python3
"""Count the results of one or more `meson test` runs.

Usage: count-tests.py --run TESTLOG.json EXIT_STATUS [--run ...]

Each TESTLOG.json holds one JSON object per line, one per test, as meson
writes it to <builddir>/meson-logs/testlog.json. A run whose `meson test`
exited non-zero without any failed test in its log (it crashed, or its log
is missing) counts as one failure, so a broken run never reads as a pass.

Prints the failed tests, then as the last line
`N passed, N failed` (and `, N skipped` when some were skipped).
Exits 1 when anything failed or no test ran.
"""

import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}
# Anything else (FAIL, ERROR, TIMEOUT, UNEXPECTEDPASS, INTERRUPT, ...) failed.


def read_log(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def parse_args(argv):
    runs = []
    args = argv[1:]
    while args:
        if args[0] != "--run" or len(args) < 3:
            raise SystemExit("usage: count-tests.py --run TESTLOG.json EXIT_STATUS [--run ...]")
        runs.append((args[1], int(args[2])))
        args = args[3:]
    return runs


def main(argv):
    runs = parse_args(argv)
    passed = failed = skipped = 0

    for path, status in runs:
        run_failed = 0
        try:
            tests = read_log(path)
        except ValueError as e:
            print(f"{path}: unreadable test log: {e}")
            tests = []
        for test in tests:
            result = test.get("result")
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                run_failed += 1
                print(f"FAILED: {test.get('name')} ({result}) in {path}")
        if status != 0 and run_failed == 0:
            run_failed = 1
            print(f"FAILED: {path}: the run exited with status {status} "
                  "but its log records no failed test")
        failed += run_failed

    if passed == 0 and failed == 0:
        print("no test ran")
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
