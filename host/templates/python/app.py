"""`{{name}}` as a stagegate plugin: reads CycloneDX JSON SBOMs and reports
the licences outside the allow-list in its configuration. The judgement is in
`logic.py`; this file only reads artifacts (under the read-only `/bundle`)
and builds facts."""

import json

from componentize_py_types import Err
from wit_world import exports
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
    Matcher_JsonKeys,
    Metadata,
    Severity,
)

from logic import Tally, allow_list, judge

MAX_SBOM_BYTES = 64 * 1024 * 1024


class Guest(exports.Guest):
    def describe(self) -> Metadata:
        return Metadata(
            name="{{name}}",
            version="0.1.0",
            description="licences of CycloneDX SBOM components outside an allow-list",
            reads=[
                ArtifactKind(
                    name="cyclonedx-json",
                    matchers=[Matcher_JsonKeys(["bomFormat", "specVersion"])],
                )
            ],
            facts=[
                FactSpec(name="inputs", type=FactType.LONG, doc="SBOMs read"),
                FactSpec(name="components", type=FactType.LONG, doc="components in them"),
                FactSpec(name="unlicensed", type=FactType.LONG, doc="components naming no licence"),
                FactSpec(name="denied", type=FactType.TEXT_SET, doc="licences outside the allow-list"),
            ],
        )

    def evaluate(self, artifacts: list[Artifact], config: str) -> Evaluation:
        try:
            allow = allow_list(config)
        except ValueError as e:
            raise Err(str(e))
        tally = Tally()
        findings = []
        for artifact in artifacts:
            if artifact.size > MAX_SBOM_BYTES:
                raise Err(f"`{artifact.path}` is larger than {MAX_SBOM_BYTES} bytes")
            try:
                with open(f"/bundle/{artifact.path}", "rb") as f:
                    sbom = json.load(f)
            except (OSError, ValueError) as e:
                raise Err(f"`{artifact.path}`: {e}")
            before = len(tally.offenders)
            judge(sbom, allow, tally)
            for component, licence in tally.offenders[before:]:
                findings.append(
                    Finding(
                        rule="{{name}}/denied",
                        severity=Severity.MEDIUM,
                        message=f"{component}: licence {licence} is not allowed",
                        path=artifact.path,
                        line=None,
                    )
                )
        return Evaluation(
            facts=[
                Fact(name="inputs", value=FactValue_Long(len(artifacts))),
                Fact(name="components", value=FactValue_Long(tally.components)),
                Fact(name="unlicensed", value=FactValue_Long(tally.unlicensed)),
                Fact(name="denied", value=FactValue_TextSet(sorted(tally.denied))),
            ],
            findings=findings,
        )
