"""A minimal stagegate plugin in Python: counts the lines of `*.txt` artifacts.

It proves the WIT contract serves non-Rust authors: it is built with
componentize-py and runs in the same sandbox as the built-in plugins, reading
its artifacts through the read-only `/bundle` view with plain `open()`.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import host
from wit_world.imports.types import (
    Artifact,
    ArtifactKind,
    Evaluation,
    Fact,
    FactSpec,
    FactType,
    FactValue_Long,
    FactValue_TextSet,
    Finding,
    Matcher_Glob,
    Metadata,
    Severity,
)


class Guest(exports.Guest):
    def describe(self) -> Metadata:
        return Metadata(
            name="pylines",
            version="0.1.0",
            description="counts lines of *.txt artifacts (Python example)",
            reads=[ArtifactKind(name="plain-text", matchers=[Matcher_Glob("**/*.txt")])],
            facts=[
                FactSpec(name="inputs", type=FactType.LONG, doc="text files read"),
                FactSpec(name="lines", type=FactType.LONG, doc="lines across all files"),
                FactSpec(name="todo_files", type=FactType.TEXT_SET, doc="files with a TODO line"),
            ],
        )

    def evaluate(self, artifacts: list[Artifact], config: str) -> Evaluation:
        try:
            settings = json.loads(config)
        except ValueError as e:
            raise Err(f"config is not JSON: {e}")
        if settings != {}:
            raise Err(f"unknown config keys: {sorted(settings)}")
        lines = 0
        todo_files = set()
        findings = []
        for artifact in artifacts:
            with open(f"/bundle/{artifact.path}", "rb") as f:
                for number, line in enumerate(f, start=1):
                    lines += 1
                    if line.startswith(b"TODO"):
                        todo_files.add(artifact.path)
                        findings.append(
                            Finding(
                                rule="pylines/todo",
                                severity=Severity.LOW,
                                message=line.decode("utf-8", "replace").strip()[:200],
                                path=artifact.path,
                                line=number,
                            )
                        )
        host.log(host.LogLevel.INFO, f"read {len(artifacts)} file(s), {lines} line(s)")
        return Evaluation(
            facts=[
                Fact(name="inputs", value=FactValue_Long(len(artifacts))),
                Fact(name="lines", value=FactValue_Long(lines)),
                Fact(name="todo_files", value=FactValue_TextSet(sorted(todo_files))),
            ],
            findings=findings,
        )
