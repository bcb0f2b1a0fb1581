"""Runs coverage.py on the small project in fixtures/coverage-py/project and writes its
reports, so that the coverage plugin can be compared with numbers coverage.py computed.

Usage: coverage_run.py OUT_DIR

The project is copied to a fresh temporary directory (the reports name that copy in
their <source>), its unittest suite is run twice under the venv's `coverage`, once
measuring lines only and once with --branch, and each run is written as Cobertura XML
(`coverage xml`), LCOV (`coverage lcov`) and JSON (`coverage json`):
OUT_DIR/{lines,branch}.{cobertura.xml,lcov,json}. Prints the list of files written as JSON.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(HERE, "..", "fixtures", "coverage-py", "project")
COVERAGE = os.path.join(os.path.dirname(sys.executable), "coverage")


def run(args, cwd):
    subprocess.run([COVERAGE, *args], cwd=cwd, check=True, capture_output=True)


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="coverage-py-") as work:
        project = os.path.join(work, "project")
        shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
        for name, extra in (("lines", []), ("branch", ["--branch"])):
            data = os.path.join(work, f".coverage.{name}")
            run(["run", f"--data-file={data}", "--source=.", *extra, "-m", "unittest", "test_calc"], project)
            for command, suffix in (("xml", "cobertura.xml"), ("lcov", "lcov"), ("json", "json")):
                target = os.path.join(out, f"{name}.{suffix}")
                run([command, f"--data-file={data}", "-o", target], project)
                written.append(target)
    print(json.dumps(written))


if __name__ == "__main__":
    main()
