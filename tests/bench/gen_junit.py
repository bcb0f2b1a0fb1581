"""Writes a bundle of Surefire-style JUnit XML reports of about MB megabytes.

Usage: gen_junit.py OUT_DIR MB
Deterministic: the same arguments give the same bytes.
"""
import os
import random
import sys

out, mb = sys.argv[1], float(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
target = int(mb * 1024 * 1024)
written, index = 0, 0
while written < target:
    path = os.path.join(out, f"TEST-com.example.Suite{index}.xml")
    cases = []
    for i in range(400):
        name = f"test_case_{i}_{rng.randrange(10**6)}"
        kind = rng.random()
        body = ""
        if kind < 0.01:
            body = f'<failure message="expected &lt;{i}&gt; but was &lt;{i+1}&gt;" type="AssertionError">at com.example.Suite{index}.{name}(Suite{index}.java:{i})\n' + "  at frame\n" * 5 + "</failure>"
        elif kind < 0.03:
            body = '<skipped message="disabled"/>'
        out_text = "<system-out><![CDATA[" + "log line\n" * rng.randrange(1, 6) + "]]></system-out>"
        cases.append(f'    <testcase name="{name}" classname="com.example.Suite{index}" time="0.{rng.randrange(999):03d}">{body}{out_text}</testcase>\n')
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="com.example.Suite{index}" tests="{len(cases)}">\n'
        + "".join(cases)
        + "</testsuite>\n"
    )
    with open(path, "w") as f:
        f.write(text)
    written += len(text)
    index += 1
