"""Terraform plan change counts from a plain walk of `resource_changes`, one JSON object
per file.

Usage: terraform_actions.py FILE...

For each file: `by_actions`, how many entries of `resource_changes` carry each
`change.actions` list (joined with ","), and `counts`, those lists read as
`terraform show -json` documents them: ["no-op"], ["create"], ["read"], ["update"],
["delete"], ["delete","create"] and ["create","delete"] (replace), ["forget"] and
["create","forget"] / ["forget","create"] (a create and a forget); OpenTofu writes
["open"] for an ephemeral resource, read like ["read"]. `unknown` counts any other list.
A file that is not JSON, not an object or has no `format_version` gets {"error": "..."}.
"""

import json
import sys

# action list -> the counts it adds to
MEANING = {
    ("no-op",): ("noops",),
    ("create",): ("creates",),
    ("read",): ("reads",),
    ("open",): ("reads",),
    ("update",): ("updates",),
    ("delete",): ("deletes",),
    ("delete", "create"): ("replaces",),
    ("create", "delete"): ("replaces",),
    ("forget",): ("forgets",),
    ("create", "forget"): ("creates", "forgets"),
    ("forget", "create"): ("creates", "forgets"),
}
NAMES = ("resource_changes", "creates", "updates", "deletes", "replaces", "noops", "reads", "forgets", "unknown")


def counts(path):
    try:
        with open(path, encoding="utf-8") as file:
            plan = json.load(file)
    except Exception as error:  # noqa: BLE001 - any refusal is reported as data
        return {"error": f"{type(error).__name__}: {error}"}
    if not isinstance(plan, dict) or "format_version" not in plan:
        return {"error": "not a plan object with a format_version"}
    by_actions = {}
    totals = {name: 0 for name in NAMES}
    for change in plan.get("resource_changes") or []:
        actions = tuple((change.get("change") or {}).get("actions") or [])
        key = ",".join(actions)
        by_actions[key] = by_actions.get(key, 0) + 1
        totals["resource_changes"] += 1
        for name in MEANING.get(actions, ("unknown",)):
            totals[name] += 1
    return {"by_actions": by_actions, "counts": totals}


def main():
    print(json.dumps({path: counts(path) for path in sys.argv[1:]}, sort_keys=True))


if __name__ == "__main__":
    main()
