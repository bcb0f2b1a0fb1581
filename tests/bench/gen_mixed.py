"""Writes the non-JUnit part of the mixed benchmark bundle: a Cobertura
report and a Trivy JSON report of about the given sizes (MB).

Usage: gen_mixed.py OUT_DIR COBERTURA_MB TRIVY_MB
Deterministic: the same arguments give the same bytes.
"""
import json
import os
import random
import sys

out, cov_mb, trivy_mb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = random.Random(7)

# Cobertura: many classes with line elements.
target = int(cov_mb * 1024 * 1024)
with open(os.path.join(out, "coverage.xml"), "w") as f:
    f.write('<?xml version="1.0" ?>\n<coverage line-rate="0.8" branch-rate="0.5" version="7.6" timestamp="1">\n<packages><package name="app"><classes>\n')
    written, n = 0, 0
    while written < target:
        lines = "".join(
            f'<line number="{i}" hits="{rng.choice([0, 1, 1, 1, 3])}"/>' for i in range(1, 200)
        )
        chunk = f'<class name="m{n}" filename="app/m{n}.py" line-rate="0.8" branch-rate="0"><methods/><lines>{lines}</lines></class>\n'
        f.write(chunk)
        written += len(chunk)
        n += 1
    f.write("</classes></package></packages>\n</coverage>\n")

# Trivy: one result with many vulnerabilities.
target = int(trivy_mb * 1024 * 1024)
vulns = []
size = 0
sev = ["LOW", "MEDIUM", "HIGH", "CRITICAL", "UNKNOWN"]
while size < target:
    i = len(vulns)
    v = {
        "VulnerabilityID": f"CVE-2024-{10000 + i}",
        "PkgName": f"pkg{i % 5000}",
        "InstalledVersion": "1.0.0",
        "FixedVersion": "1.0.1" if i % 3 else "",
        "Severity": sev[i % 5],
        "Title": "synthetic vulnerability " + "x" * rng.randrange(20, 200),
        "Description": "d" * rng.randrange(100, 600),
        "CVSS": {"nvd": {"V3Score": round(rng.uniform(1, 10), 1)}},
    }
    vulns.append(v)
    size += len(json.dumps(v))
doc = {
    "SchemaVersion": 2,
    "ArtifactName": "bench",
    "ArtifactType": "container_image",
    "Results": [{"Target": "bench", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": vulns}],
}
with open(os.path.join(out, "trivy.json"), "w") as f:
    json.dump(doc, f)
