"""Helpers for stagegate plugins in Python, with the concepts of the Rust SDK
(stagegate-sdk): metadata, matchers, reading artifacts from the read-only
bundle (streamed), a facts builder, findings with file and line, the plugin's
config as a parsed object, and logging through the host.

The names mirror the contract in wit/plugin.wit; stagegate's test suite
checks that every fact type, severity, matcher and log level of the contract
is covered here.
"""

import json
from typing import IO, Any, Iterable, Optional

from componentize_py_types import Err
from wit_world.imports import host
from wit_world.imports.types import (
    Artifact,
    ArtifactKind,
    Evaluation,
    Fact,
    FactSpec,
    FactType,
    FactValue_Boolean,
    FactValue_Decimal,
    FactValue_Long,
    FactValue_Text,
    FactValue_TextSet,
    Finding,
    Matcher_AnyText,
    Matcher_Glob,
    Matcher_JsonKeys,
    Matcher_TextPrefix,
    Matcher_XmlRoot,
    Matcher_YamlKeys,
    Metadata,
    Severity,
)

BUNDLE_ROOT = "/bundle"

# wit: enum fact-type
FACT_TYPES = {
    "boolean": FactType.BOOLEAN,
    "long": FactType.LONG,
    "text": FactType.TEXT,
    "text-set": FactType.TEXT_SET,
    "decimal": FactType.DECIMAL,
}
# wit: enum severity
SEVERITIES = {
    "info": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}
# wit: enum log-level
LOG_LEVELS = {
    "debug": host.LogLevel.DEBUG,
    "info": host.LogLevel.INFO,
    "warn": host.LogLevel.WARN,
    "error": host.LogLevel.ERROR,
}
# wit: variant matcher
MATCHERS = {
    "xml-root": lambda root: Matcher_XmlRoot(root),
    "json-keys": lambda *keys: Matcher_JsonKeys(list(keys)),
    "yaml-keys": lambda *keys: Matcher_YamlKeys(list(keys)),
    "glob": lambda pattern: Matcher_Glob(pattern),
    "text-prefix": lambda prefix: Matcher_TextPrefix(prefix),
    "any-text": lambda: Matcher_AnyText(),
}


def metadata(name: str, version: str, description: str, reads: dict, facts: Iterable[tuple]) -> Metadata:
    """`reads` maps a kind name to its matchers (see MATCHERS); `facts` are
    `(name, type, doc)` with a type of FACT_TYPES."""
    return Metadata(
        name=name,
        version=version,
        description=description,
        reads=[ArtifactKind(name=kind, matchers=list(matchers)) for kind, matchers in reads.items()],
        facts=[FactSpec(name=n, type=FACT_TYPES[t], doc=doc) for n, t, doc in facts],
    )


def config(text: str) -> dict:
    """The plugin's configuration as a dict; anything else is an error."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise Err(f"config is not JSON: {e}")
    if not isinstance(value, dict):
        raise Err("config must be a JSON object")
    return value


def open_artifact(artifact: Artifact) -> IO[bytes]:
    """The artifact as a binary file, for streaming reads."""
    try:
        return open(f"{BUNDLE_ROOT}/{artifact.path}", "rb")
    except OSError as e:
        raise Err(f"cannot open `{artifact.path}`: {e}")


def read_json(artifact: Artifact, limit: int) -> Any:
    """The artifact parsed as JSON, refusing files larger than `limit` bytes."""
    if artifact.size > limit:
        raise Err(f"`{artifact.path}` is {artifact.size} bytes, more than the {limit} this plugin reads whole")
    with open_artifact(artifact) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise Err(f"`{artifact.path}` is not JSON: {e}")


def finding(rule: str, severity: str, message: str, path: Optional[str] = None, line: Optional[int] = None) -> Finding:
    """A finding; `severity` is a key of SEVERITIES, `line` is 1-based."""
    return Finding(rule=rule, severity=SEVERITIES[severity], message=message, path=path, line=line)


class Facts:
    """Builds the facts of one evaluation, in order."""

    def __init__(self) -> None:
        self._facts: list[Fact] = []

    def boolean(self, name: str, value: bool) -> "Facts":
        self._facts.append(Fact(name=name, value=FactValue_Boolean(bool(value))))
        return self

    def long(self, name: str, value: int) -> "Facts":
        self._facts.append(Fact(name=name, value=FactValue_Long(int(value))))
        return self

    def text(self, name: str, value: str) -> "Facts":
        self._facts.append(Fact(name=name, value=FactValue_Text(value)))
        return self

    def text_set(self, name: str, values: Iterable[str]) -> "Facts":
        self._facts.append(Fact(name=name, value=FactValue_TextSet(sorted(set(values)))))
        return self

    def decimal(self, name: str, value: str) -> "Facts":
        self._facts.append(Fact(name=name, value=FactValue_Decimal(value)))
        return self

    def evaluation(self, findings: Iterable[Finding] = ()) -> Evaluation:
        return Evaluation(facts=self._facts, findings=list(findings))


def log(level: str, message: str) -> None:
    """A line in the plugin's log (bounded by the host; shown in the report)."""
    host.log(LOG_LEVELS[level], message)
