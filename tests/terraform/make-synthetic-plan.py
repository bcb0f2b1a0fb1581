#!/usr/bin/env python3
"""Writes `synthetic_security-mix.json`: a hand-built Terraform plan (format_version 1.2) in the shape
`terraform show -json` prints, covering every security rule of the `terraform` plugin with a firing,
a passing and an unknown case, plus modules, count/for_each addresses, deletes and replaces.

No provider can be downloaded here, so no real tool produced this file: the shapes (after /
after_unknown, configuration references, prior_state data sources) follow real plans of the AWS,
azurerm and google providers. Run: python3 make-synthetic-plan.py OUT.json
"""
import json
import sys

AWS = "registry.terraform.io/hashicorp/aws"
AZ = "registry.terraform.io/hashicorp/azurerm"
GCP = "registry.terraform.io/hashicorp/google"

changes = []      # resource_changes
planned = {}      # module address ("" = root) -> list of planned_values resources
config = {"resources": [], "module_calls": {}}
prior = []        # prior_state root resources (data sources read during plan)


def split(address):
    """module prefix (with instance keys), type, name, index of a resource address."""
    parts = address.split(".")
    module = []
    while parts[0] == "module":
        module += parts[:2]
        parts = parts[2:]
    rest = ".".join(parts)
    mode = "managed"
    if rest.startswith("data."):
        mode, rest = "data", rest[5:]
    rtype, name = rest.split(".", 1)
    index = None
    if "[" in name:
        name, key = name.split("[", 1)
        key = key[:-1]
        index = json.loads(key)
    return ".".join(module), mode, rtype, name, index


def add(address, after, unknown=None, actions=("create",), provider=AWS, before=None, refs=None):
    module, mode, rtype, name, index = split(address)
    rc = {"address": address}
    if module:
        rc["module_address"] = module
    rc.update({"mode": mode, "type": rtype, "name": name})
    if index is not None:
        rc["index"] = index
    rc["provider_name"] = provider
    rc["change"] = {
        "actions": list(actions),
        "before": before,
        "after": after,
        "after_unknown": unknown or {},
        "before_sensitive": False if before is None else {},
        "after_sensitive": False if after is None else {},
    }
    changes.append(rc)
    if after is not None:
        pv = {k: v for k, v in rc.items() if k not in ("change", "module_address")}
        pv["schema_version"] = 0
        pv["values"] = after
        pv["sensitive_values"] = {}
        planned.setdefault(module, []).append(pv)
    # configuration: one entry per resource block (not per instance), module-relative
    mod_cfg = config
    for call in [p.split("[")[0] for p in module.split(".")[1::2]] if module else []:
        mod_cfg = mod_cfg["module_calls"].setdefault(call, {"source": "./modules/" + call,
                                                            "module": {"resources": [], "module_calls": {}}})["module"]
    cfg_addr = (mode == "data" and "data." or "") + rtype + "." + name
    if not any(r["address"] == cfg_addr for r in mod_cfg["resources"]):
        exprs = {}
        for key, value in (after or {}).items():
            if isinstance(value, (str, int, bool)) and key not in ("id", "arn"):
                exprs[key] = {"constant_value": value}
        for key, targets in (refs or {}).items():
            exprs[key] = {"references": targets}
        mod_cfg["resources"].append({"address": cfg_addr, "mode": mode, "type": rtype, "name": name,
                                     "provider_config_key": provider.split("/")[-1], "expressions": exprs,
                                     "schema_version": 0})


def bucket(address, name, **extra):
    after = {"bucket": name, "force_destroy": False, "object_lock_enabled": False, "tags": None, "timeouts": None}
    after.update(extra)
    unknown = {"id": True, "arn": True, "bucket_domain_name": True, "region": True, "acl": "acl" not in extra,
               "grant": True, "policy": "policy" not in extra, "versioning": True, "tags_all": True,
               "server_side_encryption_configuration": "server_side_encryption_configuration" not in extra}
    add(address, after, {k: v for k, v in unknown.items() if v})


def companion(address, bucket_ref, after, unknown=None, bucket_name=None):
    after = dict(after)
    unk = {"id": True}
    if bucket_name is None:
        unk["bucket"] = True           # aws_s3_bucket.x.id is unknown until apply
    else:
        after["bucket"] = bucket_name
    unk.update(unknown or {})
    add(address, after, unk, refs={"bucket": [bucket_ref + ".id", bucket_ref]})


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


PAB_ON = {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
          "restrict_public_buckets": True}

# --- S3 -------------------------------------------------------------------------------------
bucket("aws_s3_bucket.public_acl", "sg-public-acl", acl="public-read")
bucket("aws_s3_bucket.logs", "sg-logs")
companion("aws_s3_bucket_acl.logs", "aws_s3_bucket.logs", {"acl": "public-read-write", "expected_bucket_owner": None},
          {"access_control_policy": True})
bucket("aws_s3_bucket.private", "sg-private")
companion("aws_s3_bucket_acl.private", "aws_s3_bucket.private", {"acl": "private", "expected_bucket_owner": None},
          {"access_control_policy": True})
companion("aws_s3_bucket_public_access_block.private", "aws_s3_bucket.private", PAB_ON)
companion("aws_s3_bucket_server_side_encryption_configuration.private", "aws_s3_bucket.private",
          {"expected_bucket_owner": None, "rule": [{"apply_server_side_encryption_by_default": [
              {"kms_master_key_id": None, "sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}]})
bucket("aws_s3_bucket.open_pab", "sg-open-pab")
companion("aws_s3_bucket_public_access_block.open_pab", "aws_s3_bucket.open_pab",
          dict(PAB_ON, block_public_policy=False, restrict_public_buckets=False))
bucket("aws_s3_bucket.policy_star", "sg-policy-star")
companion("aws_s3_bucket_policy.policy_star", "aws_s3_bucket.policy_star", {"policy": policy([
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::sg-policy-star/*"}])})
bucket("aws_s3_bucket.policy_vpce", "sg-policy-vpce")
companion("aws_s3_bucket_public_access_block.policy_vpce", "aws_s3_bucket.policy_vpce", PAB_ON)
companion("aws_s3_bucket_policy.policy_vpce", "aws_s3_bucket.policy_vpce", {"policy": policy([
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::sg-policy-vpce/*",
     "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}])})
for key in ("raw", "curated"):
    mod = f'module.data["{key}"]'
    bucket(f"{mod}.aws_s3_bucket.this", f"sg-data-{key}", server_side_encryption_configuration=[{"rule": [
        {"apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "AES256"}],
         "bucket_key_enabled": False}]}])
    companion(f"{mod}.aws_s3_bucket_public_access_block.this", "aws_s3_bucket.this", PAB_ON)

# --- network --------------------------------------------------------------------------------
def sg_rule(cidrs=(), v6=(), port=22, to=None, proto="tcp"):
    return {"cidr_blocks": list(cidrs), "description": "", "from_port": port, "ipv6_cidr_blocks": list(v6),
            "prefix_list_ids": [], "protocol": proto, "security_groups": [], "self": False,
            "to_port": port if to is None else to}

SG_UNKNOWN = {"id": True, "arn": True, "owner_id": True, "tags_all": True}
add("aws_security_group.ssh_world", {"name": "ssh-world", "description": "ssh", "revoke_rules_on_delete": False,
    "vpc_id": "vpc-0a1b2c3d", "timeouts": None, "tags": None,
    "ingress": [sg_rule(["0.0.0.0/0"], port=22), sg_rule(["0.0.0.0/0"], port=443)],
    "egress": [sg_rule(["0.0.0.0/0"], port=0, proto="-1")]}, SG_UNKNOWN)
add("aws_security_group.web", {"name": "web", "description": "web", "revoke_rules_on_delete": False,
    "vpc_id": "vpc-0a1b2c3d", "timeouts": None, "tags": None,
    "ingress": [sg_rule(["0.0.0.0/0"], port=443), sg_rule(["0.0.0.0/0"], v6=["::/0"], port=80),
                sg_rule(["10.0.0.0/8"], port=22)],
    "egress": []}, SG_UNKNOWN)
add("aws_security_group.computed", {"name": "computed", "description": "rules elsewhere",
    "revoke_rules_on_delete": False, "vpc_id": "vpc-0a1b2c3d", "timeouts": None, "tags": None},
    dict(SG_UNKNOWN, ingress=True, egress=True))
RULE_UNKNOWN = {"id": True, "security_group_id": True, "security_group_rule_id": True,
                "source_security_group_id": True}
def sgr(address, rtype, cidrs=(), v6=(), port=22, to=None, proto="tcp", unknown=None):
    after = {"type": rtype, "cidr_blocks": list(cidrs), "description": None, "from_port": port,
             "ipv6_cidr_blocks": list(v6), "prefix_list_ids": None, "protocol": proto, "self": False,
             "to_port": port if to is None else to, "timeouts": None}
    unk = dict(RULE_UNKNOWN)
    for key in unknown or ():
        after.pop(key)
        unk[key] = True
    add(address, after, unk, refs={"security_group_id": ["aws_security_group.computed.id",
                                                         "aws_security_group.computed"]})
sgr("aws_security_group_rule.rdp_v6", "ingress", v6=["::/0"], port=3389)
sgr("aws_security_group_rule.wide_range", "ingress", cidrs=["0.0.0.0/0"], port=0, to=65535)
sgr("aws_security_group_rule.https", "ingress", cidrs=["0.0.0.0/0"], port=443)
sgr("aws_security_group_rule.egress_all", "egress", cidrs=["0.0.0.0/0"], port=0, proto="-1")
sgr("aws_security_group_rule.ssh_from_var", "ingress", port=22, unknown=["cidr_blocks"])
add("aws_vpc_security_group_ingress_rule.all_traffic", {"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": None,
    "description": None, "from_port": None, "to_port": None, "ip_protocol": "-1", "prefix_list_id": None,
    "referenced_security_group_id": None, "security_group_id": "sg-0a1b2c3d4e5f", "tags": None},
    {"id": True, "arn": True, "security_group_rule_id": True, "tags_all": True})
add("aws_vpc_security_group_ingress_rule.ssh_internal", {"cidr_ipv4": "10.0.0.0/8", "cidr_ipv6": None,
    "description": None, "from_port": 22, "to_port": 22, "ip_protocol": "tcp", "prefix_list_id": None,
    "referenced_security_group_id": None, "security_group_id": "sg-0a1b2c3d4e5f", "tags": None},
    {"id": True, "arn": True, "security_group_rule_id": True, "tags_all": True})

def nsg_rule(name, port=None, ports=None, src="*", srcs=None, direction="Inbound", access="Allow", proto="Tcp"):
    return {"access": access, "description": "", "destination_address_prefix": "*",
            "destination_address_prefixes": [], "destination_application_security_group_ids": [],
            "destination_port_range": port or "", "destination_port_ranges": ports or [],
            "direction": direction, "name": name, "priority": 100, "protocol": proto,
            "source_address_prefix": src if srcs is None else "", "source_address_prefixes": srcs or [],
            "source_application_security_group_ids": [], "source_port_range": "*", "source_port_ranges": []}
r = nsg_rule("ssh-from-internet", port="22", src="Internet")
r.update({"network_security_group_name": "sg-nsg", "resource_group_name": "sg-rg", "timeouts": None})
add("azurerm_network_security_rule.ssh_internet", r, {"id": True}, provider=AZ)
r = nsg_rule("https", port="443", src="*")
r.update({"network_security_group_name": "sg-nsg", "resource_group_name": "sg-rg", "timeouts": None})
add("azurerm_network_security_rule.https", r, {"id": True}, provider=AZ)
add("azurerm_network_security_group.inline", {"location": "westeurope", "name": "sg-inline",
    "resource_group_name": "sg-rg", "tags": None, "timeouts": None,
    "security_rule": [nsg_rule("rdp-range", ports=["3380-3390"], srcs=["0.0.0.0/0"], proto="*"),
                      nsg_rule("outbound", port="*", direction="Outbound")]}, {"id": True}, provider=AZ)

def fw(address, ranges, allow, disabled=False):
    add(address, {"allow": allow, "deny": [], "description": None, "destination_ranges": None,
                  "direction": "INGRESS", "disabled": disabled, "log_config": [], "name": address.split(".")[-1],
                  "network": "default", "priority": 1000, "source_ranges": ranges, "source_service_accounts": None,
                  "source_tags": None, "target_service_accounts": None, "target_tags": None, "timeouts": None},
        {"id": True, "creation_timestamp": True, "project": True, "self_link": True, "allow": [{"ports": [False]}]},
        provider=GCP)
fw("google_compute_firewall.ssh_world", ["0.0.0.0/0"], [{"ports": ["22"], "protocol": "tcp"}])
fw("google_compute_firewall.all_world", ["0.0.0.0/0"], [{"ports": [], "protocol": "all"}])
fw("google_compute_firewall.ssh_internal", ["10.128.0.0/9"], [{"ports": ["22"], "protocol": "tcp"}])

# --- IAM ------------------------------------------------------------------------------------
IAM_UNK = {"id": True, "arn": True, "policy_id": True, "tags_all": True, "attachment_count": True}
add("aws_iam_policy.admin", {"name": "admin", "description": None, "path": "/", "tags": None, "name_prefix": None,
    "policy": policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])}, IAM_UNK)
add("aws_iam_role_policy.mixed", {"name": "mixed", "name_prefix": None, "role": "app",
    "policy": policy([{"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]}])}, {"id": True})
add("aws_iam_user_policy.deny_all", {"name": "deny", "name_prefix": None, "user": "ci",
    "policy": policy([{"Effect": "Deny", "Action": "*", "Resource": "*"}])}, {"id": True})
add("aws_iam_group_policy.scoped", {"name": "scoped", "name_prefix": None, "group": "dev",
    "policy": policy([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::sg-logs/*"}])}, {"id": True})
add("aws_iam_policy.computed", {"name": "computed", "description": None, "path": "/", "tags": None,
    "name_prefix": None}, dict(IAM_UNK, policy=True))
prior.append({"address": "data.aws_iam_policy_document.admin", "mode": "data", "type": "aws_iam_policy_document",
              "name": "admin", "provider_name": AWS, "schema_version": 0, "values": {
                  "id": "1234567890", "json": policy([{"Sid": "", "Effect": "Allow", "Action": "*",
                                                       "Resource": "*"}]),
                  "minified_json": "", "override_policy_documents": None, "policy_id": None,
                  "source_policy_documents": None, "version": "2012-10-17",
                  "statement": [{"actions": ["*"], "condition": [], "effect": "Allow", "not_actions": [],
                                 "not_principals": [], "not_resources": [], "principals": [],
                                 "resources": ["*"], "sid": ""}]}, "sensitive_values": {}})
config["resources"].append({"address": "data.aws_iam_policy_document.admin", "mode": "data",
                            "type": "aws_iam_policy_document", "name": "admin", "provider_config_key": "aws",
                            "expressions": {"statement": [{"actions": {"constant_value": ["*"]},
                                                           "resources": {"constant_value": ["*"]}}]},
                            "schema_version": 0})
add("data.aws_iam_policy_document.deferred", {"override_policy_documents": None, "policy_id": None,
    "source_policy_documents": None, "version": None}, {"id": True, "json": True, "minified_json": True,
    "statement": True}, actions=("read",))

# --- storage and databases ------------------------------------------------------------------
EBS_UNK = {"id": True, "arn": True, "iops": True, "kms_key_id": True, "snapshot_id": True, "throughput": True,
           "tags_all": True}
add("aws_ebs_volume.plain", {"availability_zone": "eu-west-1a", "encrypted": False, "size": 20, "type": "gp3",
    "final_snapshot": False, "multi_attach_enabled": None, "outpost_arn": None, "tags": None, "timeouts": None},
    EBS_UNK)
add("aws_ebs_volume.encrypted", {"availability_zone": "eu-west-1a", "encrypted": True, "size": 20, "type": "gp3",
    "final_snapshot": False, "multi_attach_enabled": None, "outpost_arn": None, "tags": None, "timeouts": None},
    EBS_UNK)
add("aws_ebs_volume.account_default", {"availability_zone": "eu-west-1a", "size": 20, "type": "gp3",
    "final_snapshot": False, "multi_attach_enabled": None, "outpost_arn": None, "tags": None, "timeouts": None},
    dict(EBS_UNK, encrypted=True))
DB_UNK = {"id": True, "arn": True, "address": True, "endpoint": True, "hosted_zone_id": True, "resource_id": True}
def db(address, public, encrypted):
    add(address, {"allocated_storage": 20, "engine": "postgres", "engine_version": "16.3",
        "instance_class": "db.t4g.micro", "identifier": address.split(".")[-1].replace("_", "-"),
        "publicly_accessible": public, "storage_encrypted": encrypted, "skip_final_snapshot": True,
        "username": "app", "tags": None}, DB_UNK)
db("aws_db_instance.public", True, False)
db("aws_db_instance.private", False, True)
add("aws_rds_cluster.aurora", {"cluster_identifier": "aurora", "engine": "aurora-postgresql",
    "engine_mode": "provisioned", "master_username": "app", "skip_final_snapshot": True,
    "storage_encrypted": False, "tags": None}, DB_UNK)
add("aws_rds_cluster_instance.aurora[0]", {"cluster_identifier": "aurora", "engine": "aurora-postgresql",
    "instance_class": "db.r6g.large", "publicly_accessible": True, "tags": None}, DB_UNK)
add("aws_rds_cluster_instance.aurora[1]", {"cluster_identifier": "aurora", "engine": "aurora-postgresql",
    "instance_class": "db.r6g.large", "publicly_accessible": False, "tags": None}, DB_UNK)

# --- Azure and GCS public storage ------------------------------------------------------------
def account(address, public):
    add(address, {"account_replication_type": "LRS", "account_tier": "Standard", "location": "westeurope",
        "name": address.split(".")[-1].replace("_", ""), "resource_group_name": "sg-rg",
        "allow_nested_items_to_be_public": public, "min_tls_version": "TLS1_2",
        "public_network_access_enabled": True, "https_traffic_only_enabled": True, "tags": None},
        {"id": True, "primary_blob_endpoint": True, "primary_access_key": True}, provider=AZ)
account("azurerm_storage_account.public", True)
account("azurerm_storage_account.private", False)
add("azurerm_storage_container.assets", {"container_access_type": "container", "metadata": None,
    "name": "assets", "storage_account_name": "public", "timeouts": None},
    {"id": True, "resource_manager_id": True, "has_immutability_policy": True, "has_legal_hold": True},
    provider=AZ)
add("azurerm_storage_container.private", {"container_access_type": "private", "metadata": None,
    "name": "internal", "storage_account_name": "private", "timeouts": None},
    {"id": True, "resource_manager_id": True, "has_immutability_policy": True, "has_legal_hold": True},
    provider=AZ)
add("google_storage_bucket_iam_member.public_read", {"bucket": "sg-gcs-site", "condition": [],
    "member": "allUsers", "role": "roles/storage.objectViewer"}, {"etag": True, "id": True}, provider=GCP)
add("google_storage_bucket_iam_binding.authenticated", {"bucket": "sg-gcs-data", "condition": [],
    "members": ["allAuthenticatedUsers", "group:data@example.com"], "role": "roles/storage.objectViewer"},
    {"etag": True, "id": True}, provider=GCP)
add("google_storage_bucket_iam_member.team", {"bucket": "sg-gcs-data", "condition": [],
    "member": "group:data@example.com", "role": "roles/storage.objectAdmin"}, {"etag": True, "id": True},
    provider=GCP)

# --- lifecycle: deletes, replaces, no-op, update ---------------------------------------------
OLD = {"ami": "ami-0abcdef1234567890", "instance_type": "t3.micro", "id": "i-0123456789abcdef0", "tags": None}
add("aws_instance.old_bastion", None, actions=("delete",), before=OLD)
add('module.legacy.aws_instance.app[0]', {"ami": "ami-0fedcba9876543210", "instance_type": "t3.small", "tags": None},
    {"id": True, "arn": True}, actions=("delete", "create"), before=OLD)
add('aws_instance.blue_green["blue"]', {"ami": "ami-0fedcba9876543210", "instance_type": "t3.small", "tags": None},
    {"id": True, "arn": True}, actions=("create", "delete"), before=OLD)
add("aws_instance.unchanged", OLD, actions=("no-op",), before=OLD)
add("aws_instance.resized", dict(OLD, instance_type="t3.large"), actions=("update",), before=OLD)


def module_tree(mods):
    """planned_values root_module with nested child_modules (addresses with instance keys)."""
    root = {"resources": mods.get("", []), "child_modules": []}
    by_addr = {"": root}
    for mod in sorted(m for m in mods if m):
        parts = mod.split(".")
        for i in range(2, len(parts) + 1, 2):
            addr = ".".join(parts[:i])
            if addr not in by_addr:
                node = {"address": addr, "resources": [], "child_modules": []}
                by_addr[".".join(parts[:i - 2])]["child_modules"].append(node)
                by_addr[addr] = node
        by_addr[mod]["resources"] = mods[mod]
    return root


config["module_calls"]["data"]["for_each_expression"] = {"references": ["local.data_buckets"]}
config["module_calls"]["data"]["module"]["resources"][0]["expressions"]["bucket"] = {
    "references": ["var.name"]}

plan = {
    "format_version": "1.2",
    "terraform_version": "1.9.8",
    "planned_values": {"root_module": module_tree(planned)},
    "resource_changes": changes,
    "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8",
                    "values": {"root_module": {"resources": prior}}},
    "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": AWS}},
                      "root_module": config},
    "timestamp": "2026-01-15T10:00:00Z",
    "applyable": True,
    "complete": True,
    "errored": False,
}
with open(sys.argv[1], "w") as out:
    json.dump(plan, out, indent=2)
    out.write("\n")
