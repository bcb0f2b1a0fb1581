"""SARIF result counts by level, two independent ways, one JSON object per file.

Usage: sarif_counts.py FILE...

"sarif_tools": every result of every run, by the level sarif-tools gives it
(sarif.sarif_file_utils.read_result_severity, the function behind its `summary` and
`ls` commands); "sarif_tools_error" says why sarif.loader.load_sarif_file refuses the
file, when it does (null otherwise). sarif-tools counts every result:
kind pass, suppressed and absent ones too. "sarif_tools_open" is the same over the
results the walk counts as open. "sarif_tools_records" counts the records
sarif-tools' own commands (`summary`, `ls`, `csv`...) are made of (SarifFile.get_records)
by their Severity, when it can make them ("sarif_tools_records_error" otherwise: it
needs `ruleId` on every result, and `tool.driver` and a `results` array on every run);
"results_without_rule_id" and "runs_without_results" count what lacks them.

"walk": a plain walk of the JSON by SARIF 2.1.0, counting what the stagegate plugin
counts as open: results whose kind is `pass` or `notApplicable` are left out
(`passed`), so are results whose baselineState is `absent` (`absent`) and results with
a suppression whose status is `accepted` or absent (`suppressed`). The level of an open
result is its `level`; else `none` when `kind` is present and not `fail`; else the
level a ruleConfigurationOverrides entry of the result's invocation
(provenance.invocationIndex) gives the rule; else the rule's
`defaultConfiguration.level` (§3.27.10), the rule found by ruleIndex /
rule.index in the component rule.toolComponent names (the driver by default), else by
ruleId / rule.id among the driver's and the extensions' rules, a hierarchical id
`A/B` also matching `A`; else `warning`.

"differs": the results whose open level sarif-tools and the walk see differently, with
why: `extension-rule` (the walk found the rule among tool.extensions, which
sarif-tools does not search: it reads rule.index in the driver's rules whatever
rule.toolComponent says, and ruleId only there), `hierarchical-id` (the walk matched
`A/B` to rule `A`; sarif-tools matches whole ids only) or `other`.
"""

import json
import sys

from sarif import loader
from sarif.sarif_file_utils import read_result_severity

LEVELS = ("error", "warning", "note", "none")


def empty():
    return {level: 0 for level in LEVELS}


def resolve(index, rule_id, where, run):
    """The rule a reportingDescriptorReference names, and how it was found: (rule,
    "driver" or "extension", "index", "id" or "base-id"); (None, None, None) if none."""
    tool = run.get("tool") or {}
    driver = tool.get("driver") or {}
    extensions = tool.get("extensions") or []
    component = driver
    if where is not None:
        if where.get("index") is not None:
            at = where["index"]
            component = extensions[at] if 0 <= at < len(extensions) else None
        elif where.get("name") is not None:
            named = [c for c in [driver, *extensions] if c.get("name") == where["name"]]
            component = named[0] if named else None
    if component is not None and index is not None:
        rules = component.get("rules") or []
        if 0 <= index < len(rules):
            return rules[index], "driver" if component is driver else "extension", "index"
    if rule_id is None:
        return None, None, None
    candidates = [(rule_id, "id")]
    if "/" in rule_id:
        candidates.append((rule_id.split("/", 1)[0], "base-id"))
    for wanted, how in candidates:
        for rules, found_in in [(driver.get("rules") or [], "driver")] + [
            (e.get("rules") or [], "extension") for e in extensions
        ]:
            for rule in rules:
                if rule.get("id") == wanted:
                    return rule, found_in, how
    return None, None, None


def find_rule(result, run):
    """The rule of a result: ruleIndex / rule.index in the component rule.toolComponent
    names, else ruleId / rule.id."""
    reference = result.get("rule") or {}
    return resolve(
        result.get("ruleIndex", reference.get("index")),
        result.get("ruleId", reference.get("id")),
        reference.get("toolComponent"),
        run,
    )


def override_level(result, rule, run):
    """§3.27.10: the level a ruleConfigurationOverrides entry of the result's invocation
    (provenance.invocationIndex) gives its rule, if any."""
    at = (result.get("provenance") or {}).get("invocationIndex")
    invocations = run.get("invocations") or []
    if rule is None or at is None or not 0 <= at < len(invocations):
        return None
    for override in invocations[at].get("ruleConfigurationOverrides") or []:
        descriptor = override.get("descriptor") or {}
        named, _, _ = resolve(descriptor.get("index"), descriptor.get("id"), descriptor.get("toolComponent"), run)
        level = (override.get("configuration") or {}).get("level")
        if named is rule and level is not None:
            return level
    return None


def walk_level(result, run):
    """The level, and why sarif-tools might see another one (None when it should not)."""
    level = result.get("level")
    if level is not None:
        return level, None
    kind = result.get("kind")
    if kind is not None and kind != "fail":
        return "none", None
    rule, where, how = find_rule(result, run)
    configured = override_level(result, rule, run) or ((rule or {}).get("defaultConfiguration") or {}).get("level")
    if where == "extension":
        why = "extension-rule"
    elif how == "base-id":
        why = "hierarchical-id"
    else:
        why = "other"
    return configured or "warning", why


def counts(path):
    try:
        with open(path, encoding="utf-8-sig") as file:
            data = json.load(file)
    except Exception as error:  # noqa: BLE001 - any refusal is reported as data
        return {"error": f"{type(error).__name__}: {error}"}
    records = None
    records_error = None
    try:
        sarif_file = loader.load_sarif_file(path)
        tools_error = None
    except Exception as error:  # noqa: BLE001 - any refusal is reported as data
        cause = error.__cause__ or error
        tools_error = f"{type(cause).__name__}: {cause}"
    else:
        try:
            records = empty()
            for record in sarif_file.get_records():
                records[record["Severity"]] = records.get(record["Severity"], 0) + 1
        except Exception as error:  # noqa: BLE001 - any refusal is reported as data
            records = None
            records_error = f"{type(error).__name__}: {error}"
    tools = empty()
    tools_open = empty()
    walk = {"open": empty(), "passed": 0, "absent": 0, "suppressed": 0}
    differs = {}
    without_rule_id = 0
    without_results = 0
    for run in data.get("runs") or []:
        without_results += run.get("results") is None
        for result in run.get("results") or []:
            without_rule_id += "ruleId" not in result
            tools_level = read_result_severity(result, run)
            tools[tools_level] = tools.get(tools_level, 0) + 1
            if result.get("kind") in ("pass", "notApplicable"):
                walk["passed"] += 1
                continue
            if result.get("baselineState") == "absent":
                walk["absent"] += 1
                continue
            suppressions = result.get("suppressions") or []
            if any(s.get("status") in (None, "accepted") for s in suppressions):
                walk["suppressed"] += 1
                continue
            level, why = walk_level(result, run)
            walk["open"][level] = walk["open"].get(level, 0) + 1
            tools_open[tools_level] = tools_open.get(tools_level, 0) + 1
            if level != tools_level:
                key = f"{why}: {level} -> {tools_level}"
                differs[key] = differs.get(key, 0) + 1
    return {
        "version": data.get("version"),
        "sarif_tools_error": tools_error,
        "sarif_tools": tools,
        "sarif_tools_open": tools_open,
        "sarif_tools_records": records,
        "sarif_tools_records_error": records_error,
        "results_without_rule_id": without_rule_id,
        "runs_without_results": without_results,
        "walk": walk,
        "differs": differs,
    }


def main():
    print(json.dumps({path: counts(path) for path in sys.argv[1:]}, sort_keys=True))


if __name__ == "__main__":
    main()
