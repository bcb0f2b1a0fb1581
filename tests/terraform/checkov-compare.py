#!/usr/bin/env python3
"""Cross-checks the `terraform` plugin against checkov on the same Terraform plan files.

For every plan it runs the plugin's native example (`examples/native_scan.rs`, the same analysis the
WebAssembly plugin runs) and `checkov -f PLAN --framework terraform_plan -o json`, maps checkov's
failed checks onto the plugin's five security counts, and prints per plan the agreements, the
differences and the wall time of each tool. Every difference must be listed in EXPLAINED below (with
a reason in REASONS); an unexplained difference makes the script exit 1.

Usage:
    python3 tests/terraform/checkov-compare.py [--checkov PATH] [--native PATH] [PLAN.json ...]
        > tests/terraform/checkov-compare.txt

Defaults: all tests/fixtures/terraform-plan/*.json; checkov from staging/venv-checkov (or PATH);
the native example is (re)built first with `cargo build --release --example native_scan`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "terraform-plan"
CRATE = next(p for p in (REPO / "plugins" / "terraform", REPO / "staging" / "terraform") if p.exists())

# checkov check id -> the plugin's count fact it corresponds to.
CHECKOV_MAP = {
    # public_buckets
    "CKV_AWS_20": "public_buckets",  # S3 ACL allows public READ (public-read, public-read-write, authenticated-read)
    "CKV_AWS_57": "public_buckets",  # S3 ACL allows public WRITE
    "CKV_AWS_53": "public_buckets",  # public-access block: block_public_acls
    "CKV_AWS_54": "public_buckets",  # public-access block: block_public_policy
    "CKV_AWS_55": "public_buckets",  # public-access block: ignore_public_acls
    "CKV_AWS_56": "public_buckets",  # public-access block: restrict_public_buckets
    "CKV2_AWS_6": "public_buckets",  # bucket has a public-access block (acls + policy on)
    "CKV_AWS_70": "public_buckets",  # bucket policy allows any principal
    "CKV_AZURE_34": "public_buckets",  # blob container access type private
    "CKV_AZURE_190": "public_buckets",  # storage account allow_nested_items_to_be_public
    "CKV_GCP_28": "public_buckets",  # GCS bucket IAM allUsers / allAuthenticatedUsers
    # open_admin_ports
    "CKV_AWS_24": "open_admin_ports",  # SG ingress 0.0.0.0/0 to 22
    "CKV_AWS_25": "open_admin_ports",  # SG ingress 0.0.0.0/0 to 3389
    "CKV_AWS_277": "open_admin_ports",  # SG ingress 0.0.0.0/0 to all ports (-1)
    "CKV_AZURE_9": "open_admin_ports",  # NSG RDP from the internet
    "CKV_AZURE_10": "open_admin_ports",  # NSG SSH from the internet
    "CKV_GCP_2": "open_admin_ports",  # firewall SSH from 0.0.0.0/0
    "CKV_GCP_3": "open_admin_ports",  # firewall RDP from 0.0.0.0/0
    # wildcard_iam
    "CKV_AWS_1": "wildcard_iam",  # data.aws_iam_policy_document with * on *
    "CKV_AWS_62": "wildcard_iam",  # IAM policy resources with * on *
    "CKV_AWS_63": "wildcard_iam",  # Action "*" on any resource (broader)
    "CKV_AWS_355": "wildcard_iam",  # restrictable actions on Resource "*" (broader)
    # unencrypted_storage
    "CKV_AWS_19": "unencrypted_storage",  # S3 encryption at rest (passes without config since 2023)
    "CKV_AWS_3": "unencrypted_storage",  # EBS encrypted
    "CKV_AWS_16": "unencrypted_storage",  # RDS storage_encrypted
    "CKV_AWS_96": "unencrypted_storage",  # Aurora storage_encrypted
    # public_databases
    "CKV_AWS_17": "public_databases",  # RDS publicly_accessible
}
# Looked at and deliberately not mapped: CKV_AWS_260 (ingress to port 80, not an admin port),
# CKV_AWS_145 (S3 encrypted with a customer KMS key: stricter than "encrypted"), CKV_AWS_286..290
# (IAM privilege escalation and friends: other questions), CKV_AZURE_77 (UDP from the internet).

# (plan file, count fact, resource address) -> reason id, for every expected difference.
EXPLAINED = {
    ("tfc_aws_large-noop-update.json", "wildcard_iam", "aws_iam_role_policy.lambda_role_policy"): "broad-355",
    ("tfc_aws_large-noop-update.json", "wildcard_iam", "aws_iam_role_policy.myapp_instance_role_policy"): "broad-355",
    ("synthetic_security-mix.json", "public_buckets", "aws_s3_bucket_policy.policy_vpce"): "ck-case",
    ("synthetic_security-mix.json", "open_admin_ports", "aws_security_group_rule.rdp_v6"): "ck-null-prefix",
    ("synthetic_security-mix.json", "open_admin_ports", "aws_security_group_rule.wide_range"): "ck-null-prefix",
    ("synthetic_security-mix.json", "open_admin_ports", "aws_vpc_security_group_ingress_rule.all_traffic"): "ck-vpc-all",
    ("synthetic_security-mix.json", "open_admin_ports", "azurerm_network_security_group.inline"): "ck-azure-cidr",
    ("synthetic_security-mix.json", "open_admin_ports", "google_compute_firewall.all_world"): "ck-gcp-all",
    ("synthetic_security-mix.json", "wildcard_iam", "data.aws_iam_policy_document.admin"): "ck-prior-state",
    ("synthetic_security-mix.json", "unencrypted_storage", "aws_ebs_volume.account_default"): "unknown-ebs",
}

REASONS = {
    "broad-355": (
        "checkov only",
        "CKV_AWS_355 flags any statement that allows restrictable actions on Resource \"*\" (here "
        "`cloudwatch:*`, `dynamodb:*`, `iam:PassRole`, ... on \"*\"). The plugin's wildcard_iam is the "
        "issue's narrower rule: Action \"*\" on Resource \"*\" (full admin, checkov CKV_AWS_62/CKV_AWS_1).",
        "kept: by design (a different, broader question)",
    ),
    "ck-case": (
        "checkov only",
        "The policy allows Principal {\"AWS\": \"*\"} only with Condition StringEquals "
        "aws:SourceVpce. checkov's CKV_AWS_70 looks the key up case-sensitively as `aws:sourceVpce`, "
        "misses `aws:SourceVpce` (AWS's documented spelling; condition keys are case-insensitive) "
        "and fails the bucket. The plugin matches keys without case and treats a VPC-endpoint "
        "condition as narrowing.",
        "kept: checkov false positive",
    ),
    "ck-null-prefix": (
        "plugin only",
        "aws_security_group_rule ingress from 0.0.0.0/0 or ::/0 to 3389 / 0-65535. In the plan "
        "`prefix_list_ids` is null (the AWS provider leaves it null when unset, as in "
        "tfc_aws_delete-update-create.json); checkov's AbsSecurityGroupUnrestrictedIngress reads the "
        "wrapped value [None] as 'has prefix lists' and passes the rule.",
        "kept: checkov false negative",
    ),
    "ck-vpc-all": (
        "plugin only",
        "aws_vpc_security_group_ingress_rule with ip_protocol \"-1\" from 0.0.0.0/0: the provider "
        "plans from_port/to_port as null for all protocols; checkov (CKV_AWS_277/24/25) only reads "
        "from_port/to_port and `protocol`, not `ip_protocol`, so it passes.",
        "kept: checkov false negative",
    ),
    "ck-azure-cidr": (
        "plugin only",
        "Inline NSG security_rule from source_address_prefixes [\"0.0.0.0/0\"] to 3380-3390. checkov's "
        "NSGRulePortAccessRestricted compares the prefix with (\"*\", \"0.0.0.0\", \"<nw>/0\", "
        "\"/0\", \"internet\", \"any\") by equality, so the literal \"0.0.0.0/0\" is not 'internet'.",
        "kept: checkov false negative",
    ),
    "ck-gcp-all": (
        "plugin only",
        "google_compute_firewall allowing protocol \"all\" (no ports = every port) from 0.0.0.0/0. "
        "checkov's CKV_GCP_2/3 only look at listed `ports` and never at protocol \"all\".",
        "kept: checkov false negative (the issue asks for 'tcp 22/3389 or all')",
    ),
    "ck-prior-state": (
        "plugin only",
        "data.aws_iam_policy_document.admin (Action * on Resource *) was read at plan time, so it "
        "lives in prior_state, not in planned_values or resource_changes; checkov's plan parser does "
        "not read prior_state data sources and never runs CKV_AWS_1 on it.",
        "kept: the issue asks for policy documents in planned values / prior state",
    ),
    "unknown-ebs": (
        "checkov only (plugin: unknown)",
        "aws_ebs_volume without `encrypted`: the provider plans it as unknown (it takes the account's "
        "EBS default-encryption setting). checkov reads the missing value as false and fails "
        "CKV_AWS_3; the plugin never guesses an unknown and reports it in unknown_security_values "
        "with a low finding.",
        "kept: by design (unknown is never guessed)",
    ),
}


def native_binary(explicit):
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "staging" / "target-terraform"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), CARGO_BUILD_JOBS="1")
    subprocess.run(["cargo", "build", "--release", "--example", "native_scan"], cwd=CRATE, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target / "release" / "examples" / "native_scan"


def checkov_binary(explicit):
    if explicit:
        return explicit
    venv = REPO / "staging" / "venv-checkov" / "bin" / "checkov"
    return str(venv) if venv.exists() else shutil.which("checkov") or "checkov"


def run_native(binary, plan):
    started = time.perf_counter()
    out = subprocess.run([str(binary), str(plan)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return json.loads(out.stdout)[0], wall


def run_checkov(checkov, plan):
    started = time.perf_counter()
    out = subprocess.run([checkov, "-f", str(plan), "--framework", "terraform_plan", "-o", "json",
                          "--quiet", "--skip-download"], capture_output=True, text=True)
    wall = time.perf_counter() - started
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        report = {"summary": {"parsing_errors": 1}}
    if isinstance(report, list):
        report = next((r for r in report if r.get("check_type") == "terraform_plan"), {})
    return report, wall


def compare(name, native, checkov_report):
    """Returns (agreements, differences, unmapped checkov failures) for one plan."""
    failed = checkov_report.get("results", {}).get("failed_checks", [])
    ck = {}  # (fact, address) -> check ids
    unmapped = 0
    for check in failed:
        fact = CHECKOV_MAP.get(check["check_id"])
        if fact is None:
            unmapped += 1
            continue
        ck.setdefault((fact, check["resource"]), set()).add(check["check_id"])
    fired, unknown = {}, set()
    for f in native.get("findings", []):
        if not f.get("address") or not f.get("category"):
            continue
        if f["rule"] == "terraform/unknown-security-value":
            unknown.add((f["category"], f["address"]))
            continue
        subjects = [f["address"]] + ([f["related"]] if f.get("related") else [])
        key = (f["category"], f["address"])
        fired.setdefault(key, {"rules": set(), "subjects": set(subjects)})
        fired[key]["rules"].add(f["rule"])
        fired[key]["subjects"].update(subjects)
    agreements, differences = [], []
    matched_ck = set()
    for (fact, address), info in sorted(fired.items()):
        hits = sorted(k for k in ck if k[0] == fact and k[1] in info["subjects"])
        if hits:
            matched_ck.update(hits)
            ids = sorted(set().union(*(ck[h] for h in hits)))
            agreements.append(f"{fact:<19} {address}  [{', '.join(ids)} | {', '.join(sorted(info['rules']))}]")
        else:
            differences.append((fact, address, "plugin only", ", ".join(sorted(info["rules"]))))
    for (fact, address), ids in sorted(ck.items()):
        if (fact, address) in matched_ck:
            continue
        side = "checkov only (plugin: unknown)" if (fact, address) in unknown else "checkov only"
        differences.append((fact, address, side, ", ".join(sorted(ids))))
    return agreements, differences, unmapped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov")
    parser.add_argument("--native")
    parser.add_argument("plans", nargs="*")
    args = parser.parse_args()
    plans = [Path(p) for p in args.plans] or sorted(FIXTURES.glob("*.json"))
    native_bin = native_binary(args.native)
    checkov = checkov_binary(args.checkov)
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# stagegate `terraform` plugin vs checkov {version} (`-f PLAN --framework terraform_plan -o json`)")
    print("# generated by tests/terraform/checkov-compare.py; times are wall-clock per process on this machine")
    print("# (2 cores); the plugin's time is its native example binary, the in-process analysis time in ()")
    totals = {"agree": 0, "differ": 0, "unexplained": 0, "native": 0.0, "checkov": 0.0}
    used_reasons = set()
    for plan in plans:
        name = plan.name
        native, native_wall = run_native(native_bin, plan)
        report, checkov_wall = run_checkov(checkov, plan)
        totals["native"] += native_wall
        totals["checkov"] += checkov_wall
        print(f"\n== {name}")
        print(f"   time     plugin {native_wall * 1000:8.1f} ms ({native['elapsed_ms']:.1f} ms)   "
              f"checkov {checkov_wall:6.2f} s")
        ck_errors = report.get("summary", {}).get("parsing_errors", 0)
        if "error" in native:
            verdict = "agree: both reject the file" if ck_errors else "DIFFER: only the plugin rejects it"
            print(f"   plugin   error: {native['error'].replace(str(plan), name)}")
            print(f"   checkov  parsing_errors={ck_errors}")
            print(f"   {verdict}")
            totals["agree" if ck_errors else "unexplained"] += 1
            continue
        agreements, differences, unmapped = compare(name, native, report)
        facts = native["facts"]
        counts = ", ".join(f"{k}={facts[k]}" for k in ("public_buckets", "open_admin_ports", "wildcard_iam",
                                                        "unencrypted_storage", "public_databases",
                                                        "unknown_security_values"))
        print(f"   plugin   {counts}")
        print(f"   checkov  {len(report.get('results', {}).get('failed_checks', []))} failed checks, "
              f"{unmapped} of them on questions the plugin does not ask")
        if not agreements and not differences:
            print("   agree    nothing to report on either side")
        for line in agreements:
            print(f"   agree    {line}")
        for fact, address, side, ids in differences:
            reason = EXPLAINED.get((name, fact, address))
            if reason:
                used_reasons.add(reason)
                print(f"   differ   {fact:<19} {address}  {side} [{ids}] -> see [{reason}]")
            else:
                totals["unexplained"] += 1
                print(f"   DIFFER   {fact:<19} {address}  {side} [{ids}] -> UNEXPLAINED")
        totals["agree"] += len(agreements)
        totals["differ"] += len(differences)
    print(f"\n# summary: {len(plans)} plans, {totals['agree']} agreements, {totals['differ']} differences "
          f"({totals['unexplained']} unexplained); wall time plugin {totals['native']:.2f} s, "
          f"checkov {totals['checkov']:.1f} s")
    print("#\n# Differences explained (every one above points here):")
    print("# | id | side | why | decision |")
    print("# |---|---|---|---|")
    for key in sorted(used_reasons):
        side, why, decision = REASONS[key]
        print(f"# | {key} | {side} | {why} | {decision} |")
    return 1 if totals["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
