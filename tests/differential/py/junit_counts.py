"""JUnit XML counts as junitparser sees them, one JSON object per file.

Usage: junit_counts.py FILE...

For each file it prints junitparser's own statistics (`JUnitXml.update_statistics()`:
tests, failures, errors, skipped; these count result elements, so a case with two
<failure> children counts twice) and a per-test-case classification made from
junitparser's TestCase objects: failed if it has a Failure, else errored if it has an
Error, else skipped if it has a Skipped, else passed; passed cases with a flakyFailure or
flakyError (junitparser.xunit2) are also flaky. `multi_result_cases` counts the cases
with more than one final result, where the two views differ. A file junitparser cannot
read gets {"error": "..."}.
"""

import json
import sys

import junitparser
from junitparser import xunit2


def counts(path):
    try:
        stats = junitparser.JUnitXml.fromfile(path)
        cases_xml = xunit2.JUnitXml.fromfile(path)
    except Exception as error:  # noqa: BLE001 - any refusal is reported as data
        return {"error": f"{type(error).__name__}: {error}"}
    stats.update_statistics()
    by_case = {"total": 0, "passed": 0, "failed": 0, "errored": 0, "skipped": 0, "flaky": 0}
    multi = 0
    for suite in cases_xml:
        for case in suite:
            by_case["total"] += 1
            if len(case.result) > 1:
                multi += 1
            if case.is_failure:
                by_case["failed"] += 1
            elif case.is_error:
                by_case["errored"] += 1
            elif case.is_skipped:
                by_case["skipped"] += 1
            else:
                by_case["passed"] += 1
                if case.is_flaky:
                    by_case["flaky"] += 1
    return {
        "stats": {
            "tests": stats.tests,
            "failures": stats.failures,
            "errors": stats.errors,
            "skipped": stats.skipped,
        },
        "cases": by_case,
        "multi_result_cases": multi,
    }


def main():
    print(json.dumps({path: counts(path) for path in sys.argv[1:]}, sort_keys=True))


if __name__ == "__main__":
    main()
