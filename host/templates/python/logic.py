"""The judgement of `{{name}}`, in plain Python: tested with pytest, no
WebAssembly needed. `app.py` adapts it to the stagegate contract."""

import json


def allowed(expression: str, allow: set[str]) -> bool:
    """One alternative of an OR is enough; every part of an AND (or WITH)
    must be allowed."""
    cleaned = expression.replace("(", " ").replace(")", " ")
    return any(
        all(part.split(" WITH ")[0].strip() in allow for part in alternative.split(" AND "))
        for alternative in cleaned.split(" OR ")
    )


def allow_list(config: str) -> set[str]:
    """The allow-list from the plugin's configuration (a JSON object text)."""
    try:
        settings = json.loads(config)
    except ValueError as e:
        raise ValueError(f"config is not JSON: {e}")
    values = settings.get("allowed") if isinstance(settings, dict) else None
    if not isinstance(values, list):
        raise ValueError("config needs `allowed`, a list of SPDX licence ids")
    if not all(isinstance(v, str) for v in values):
        raise ValueError("`allowed` must hold only strings")
    return set(values)


class Tally:
    def __init__(self) -> None:
        self.components = 0
        self.unlicensed = 0
        self.denied: set[str] = set()
        self.offenders: list[tuple[str, str]] = []


def judge(sbom: dict, allow: set[str], tally: Tally) -> None:
    """Adds one CycloneDX JSON SBOM to `tally`, nested components included."""
    stack = [sbom]
    while stack:
        node = stack.pop()
        components = node.get("components") if isinstance(node, dict) else None
        if not isinstance(components, list):
            continue
        for component in components:
            if not isinstance(component, dict):
                continue
            stack.append(component)
            tally.components += 1
            name = f"{component.get('name', '?')}@{component.get('version', '')}"
            licences = []
            for entry in component.get("licenses") or []:
                if not isinstance(entry, dict):
                    continue
                if isinstance(entry.get("expression"), str):
                    licences.append(entry["expression"])
                    continue
                licence = entry.get("license") or {}
                value = licence.get("id") or licence.get("name")
                if isinstance(value, str):
                    licences.append(value)
            if not licences:
                tally.unlicensed += 1
            for licence in licences:
                if not allowed(licence, allow):
                    tally.denied.add(licence)
                    tally.offenders.append((name, licence))
