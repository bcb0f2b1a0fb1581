"""Line totals coverage.py wrote into its own reports, one JSON object per file.

Usage: coverage_totals.py FILE...

- Cobertura XML (coverage xml): the root's `lines-valid` and `lines-covered` attributes
  (and `branches-valid`, `branches-covered`), and per `<class filename=...>` its
  `<line>` elements and those with hits > 0, read with xml.etree.
- LCOV (coverage lcov): the sums of the LF and LH records (and BRF, BRH), and the same
  per SF record.
- JSON (coverage json): `totals.num_statements`, `totals.covered_lines`,
  `totals.percent_covered` (which counts branches too when the run measured them:
  (covered_lines + covered_branches) / (num_statements + num_branches)),
  `totals.percent_statements_covered` (lines only), `totals.num_branches`,
  `totals.covered_branches`, `totals.percent_branches_covered`, and per file `summary`.

Every report reads as {"valid", "covered", "files": {path: [valid, covered]}}, XML and
LCOV with "branches": [valid, covered], JSON with its extra totals under "json".
"""

import json
import sys
import xml.etree.ElementTree as ET


def cobertura(path):
    root = ET.parse(path).getroot()
    files = {}
    for cls in root.iter("class"):
        lines = cls.find("lines")
        numbers = [] if lines is None else lines.findall("line")
        valid = len(numbers)
        covered = sum(1 for line in numbers if int(line.get("hits", "0")) > 0)
        have = files.setdefault(cls.get("filename"), [0, 0])
        have[0] += valid
        have[1] += covered
    return {
        "valid": int(root.get("lines-valid")),
        "covered": int(root.get("lines-covered")),
        "branches": [int(root.get("branches-valid")), int(root.get("branches-covered"))],
        "files": files,
    }


def lcov(path):
    files = {}
    branches = [0, 0]
    current = None
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if line.startswith("SF:"):
                current = files.setdefault(line[3:], [0, 0])
            elif line.startswith("LF:"):
                current[0] += int(line[3:])
            elif line.startswith("LH:"):
                current[1] += int(line[3:])
            elif line.startswith("BRF:"):
                branches[0] += int(line[4:])
            elif line.startswith("BRH:"):
                branches[1] += int(line[4:])
            elif line == "end_of_record":
                current = None
    return {
        "valid": sum(v for v, _ in files.values()),
        "covered": sum(c for _, c in files.values()),
        "branches": branches,
        "files": files,
    }


def coverage_json(path):
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    totals = data["totals"]
    return {
        "valid": totals["num_statements"],
        "covered": totals["covered_lines"],
        "files": {
            name: [f["summary"]["num_statements"], f["summary"]["covered_lines"]]
            for name, f in data["files"].items()
        },
        "json": {
            key: totals.get(key)
            for key in (
                "percent_covered",
                "percent_statements_covered",
                "percent_branches_covered",
                "num_branches",
                "covered_branches",
            )
        },
        "version": data["meta"]["version"],
        "branch_coverage": data["meta"]["branch_coverage"],
    }


def totals(path):
    if path.endswith(".json"):
        return coverage_json(path)
    if path.endswith(".lcov") or path.endswith(".info"):
        return lcov(path)
    return cobertura(path)


def main():
    print(json.dumps({path: totals(path) for path in sys.argv[1:]}, sort_keys=True))


if __name__ == "__main__":
    main()
