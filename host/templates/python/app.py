"""`{{name}}` as a stagegate plugin: reads CycloneDX JSON SBOMs and reports
the licences outside the allow-list in its configuration. The judgement is in
`logic.py`; this file only reads artifacts (under the read-only `/bundle`)
and builds facts, with the helpers of `stagegate_plugin.py`."""

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import Artifact, Evaluation, Metadata

import stagegate_plugin as sg
from logic import Tally, allow_list, judge

MAX_SBOM_BYTES = 64 * 1024 * 1024


class Guest(exports.Guest):
    def describe(self) -> Metadata:
        return sg.metadata(
            "{{name}}",
            "0.1.0",
            "licences of CycloneDX SBOM components outside an allow-list",
            reads={"cyclonedx-json": [sg.MATCHERS["json-keys"]("bomFormat", "specVersion")]},
            facts=[
                ("inputs", "long", "SBOMs read"),
                ("components", "long", "components in them"),
                ("unlicensed", "long", "components naming no licence"),
                ("denied", "text-set", "licences outside the allow-list"),
            ],
        )

    def evaluate(self, artifacts: list[Artifact], config: str) -> Evaluation:
        sg.config(config)
        try:
            allow = allow_list(config)
        except ValueError as e:
            raise Err(str(e))
        tally = Tally()
        findings = []
        for artifact in artifacts:
            sbom = sg.read_json(artifact, MAX_SBOM_BYTES)
            before = len(tally.offenders)
            judge(sbom, allow, tally)
            for component, licence in tally.offenders[before:]:
                findings.append(
                    sg.finding(
                        "{{name}}/denied",
                        "medium",
                        f"{component}: licence {licence} is not allowed",
                        path=artifact.path,
                    )
                )
        sg.log("info", f"read {len(artifacts)} SBOM(s), {tally.components} component(s)")
        return (
            sg.Facts()
            .long("inputs", len(artifacts))
            .long("components", tally.components)
            .long("unlicensed", tally.unlicensed)
            .text_set("denied", tally.denied)
            .evaluation(findings)
        )
