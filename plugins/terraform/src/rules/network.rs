//! Open admin ports: ingress from the whole internet to SSH (22), RDP (3389) or all ports,
//! for AWS security groups and rules, Azure network security rules and GCP firewalls.
//!
//! Each condition of a rule (direction, action, protocol, source, ports) is read as
//! yes / no / unknown; one definite "no" passes the rule, all "yes" fails it, anything
//! else is unknown. A source is "the internet" when it is a `/0` CIDR (`0.0.0.0/0`,
//! `::/0`) or, for Azure, `*`, `Internet`, `Any` or `0.0.0.0`. TCP counts for SSH and
//! RDP, UDP for RDP only (RDP also runs over UDP 3389), and "all protocols" for both.

use super::Verdict;
use crate::value::{Node, Val};

const SSH: i64 = 22;
const RDP: i64 = 3389;

/// A condition of a rule as far as the plan tells.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tri {
    Yes(String),
    No,
    Unknown(String),
}

/// Folds conditions: any `No` passes, then any `Unknown` is unknown, else it fails.
fn all(conditions: Vec<Tri>) -> Verdict {
    let mut yes = Vec::new();
    let mut unknown = None;
    for c in conditions {
        match c {
            Tri::No => return Verdict::Pass,
            Tri::Unknown(what) => unknown = unknown.or(Some(what)),
            Tri::Yes(text) if !text.is_empty() => yes.push(text),
            Tri::Yes(_) => {}
        }
    }
    match unknown {
        Some(what) => Verdict::Unknown(what),
        None => Verdict::Fail(format!("allows {}", yes.join(" to "))),
    }
}

/// Folds several rules of one resource: any failure fails (naming up to three), then any
/// unknown is unknown.
fn any(verdicts: Vec<Verdict>) -> Verdict {
    let mut failed = Vec::new();
    let mut unknown = None;
    for v in verdicts {
        match v {
            Verdict::Fail(text) => failed.push(text),
            Verdict::Unknown(what) => unknown = unknown.or(Some(what)),
            Verdict::UnknownUnlessUnset { detail, .. } => unknown = unknown.or(Some(detail)),
            Verdict::Pass => {}
        }
    }
    if !failed.is_empty() {
        failed.dedup();
        let more = failed.len().saturating_sub(3);
        failed.truncate(3);
        let mut text = failed.join("; ");
        if more > 0 {
            text.push_str(&format!("; and {more} more rules"));
        }
        return Verdict::Fail(text);
    }
    unknown.map_or(Verdict::Pass, Verdict::Unknown)
}

fn is_world_cidr(cidr: &str) -> bool {
    cidr.trim().ends_with("/0")
}

/// Whether any source is the whole internet.
fn sources(known: &[&str], unknown: bool, world: fn(&str) -> bool, what: &str) -> Tri {
    match known.iter().find(|s| world(s)) {
        Some(s) => Tri::Yes(format!("ingress from {}", s.trim())),
        None if unknown => Tri::Unknown(format!("the {what} is only known after apply")),
        None => Tri::No,
    }
}

/// Which admin ports a protocol and port range reach.
fn ports(protocol: &str, from: i64, to: i64) -> Tri {
    let (label, candidates): (&str, &[i64]) = match protocol.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" | "*" => ("", &[SSH, RDP]),
        "tcp" | "6" => ("tcp ", &[SSH, RDP]),
        "udp" | "17" => ("udp ", &[RDP]),
        _ => return Tri::No,
    };
    if from <= 0 && to >= 65535 {
        return Tri::Yes(format!("all {label}ports"));
    }
    let hit: Vec<String> = candidates
        .iter()
        .filter(|port| from <= **port && **port <= to)
        .map(|port| match *port {
            SSH => "22 (SSH)".to_owned(),
            _ => "3389 (RDP)".to_owned(),
        })
        .collect();
    match hit.as_slice() {
        [] => Tri::No,
        [one] if from == to => Tri::Yes(format!("{label}port {one}")),
        _ => Tri::Yes(format!(
            "{label}ports {from}-{to}, including {}",
            hit.join(" and ")
        )),
    }
}

/// The protocol and port range of an AWS rule.
fn aws_ports(rule: Node<'_>, protocol_key: &str) -> Tri {
    let protocol = match rule.get(protocol_key).str() {
        Val::Known(p) => p,
        Val::Absent => "-1",
        Val::Unknown => return Tri::Unknown(format!("`{protocol_key}` is only known after apply")),
    };
    if matches!(protocol.trim(), "-1" | "all") {
        return Tri::Yes("all ports".into());
    }
    match (rule.get("from_port").int(), rule.get("to_port").int()) {
        (Val::Unknown, _) | (_, Val::Unknown) => {
            Tri::Unknown("the port range is only known after apply".into())
        }
        (from, to) => {
            let from = if let Val::Known(f) = from { f } else { 0 };
            let to = if let Val::Known(t) = to { t } else { 65535 };
            ports(protocol, from, to)
        }
    }
}

/// One ingress rule of a security group, or an `aws_security_group_rule`.
fn aws_rule(rule: Node<'_>) -> Verdict {
    let (mut cidrs, unknown4) = rule.get("cidr_blocks").strings();
    let (v6, unknown6) = rule.get("ipv6_cidr_blocks").strings();
    cidrs.extend(v6);
    all(vec![
        sources(
            &cidrs,
            unknown4 || unknown6,
            is_world_cidr,
            "source CIDR list",
        ),
        aws_ports(rule, "protocol"),
    ])
}

/// `aws_security_group`, `aws_security_group_rule` and `aws_vpc_security_group_ingress_rule`.
pub fn aws(rtype: &str, node: Node<'_>) -> Verdict {
    match rtype {
        "aws_security_group" => match node.get("ingress").items() {
            Val::Unknown => Verdict::UnknownUnlessUnset {
                attribute: "ingress",
                detail: "its `ingress` rules are only known after apply".into(),
            },
            Val::Absent => Verdict::Pass,
            Val::Known(rules) => any(rules.into_iter().map(aws_rule).collect()),
        },
        "aws_security_group_rule" => match node.get("type").str() {
            Val::Known(t) if t != "ingress" => Verdict::Pass,
            Val::Unknown => Verdict::Unknown("the rule `type` is only known after apply".into()),
            _ => aws_rule(node),
        },
        _ => {
            let mut cidrs = Vec::new();
            let mut unknown = false;
            for key in ["cidr_ipv4", "cidr_ipv6"] {
                match node.get(key).str() {
                    Val::Known(c) => cidrs.push(c),
                    Val::Unknown => unknown = true,
                    Val::Absent => {}
                }
            }
            all(vec![
                sources(&cidrs, unknown, is_world_cidr, "source CIDR"),
                aws_ports(node, "ip_protocol"),
            ])
        }
    }
}

fn is_world_azure(prefix: &str) -> bool {
    let p = prefix.trim().to_ascii_lowercase();
    matches!(p.as_str(), "*" | "internet" | "any" | "0.0.0.0") || is_world_cidr(&p)
}

/// Whether an Azure port spec (`22`, `20-25`, `*`) reaches an admin port for `protocol`.
fn azure_ports(specs: &[&str], unknown: bool, protocol: &str) -> Tri {
    let mut found = Tri::No;
    for spec in specs {
        let spec = spec.trim();
        let (from, to) = match spec.split_once('-') {
            _ if spec == "*" => (0, 65535),
            Some((a, b)) => match (a.trim().parse(), b.trim().parse()) {
                (Ok(a), Ok(b)) => (a, b),
                _ => continue,
            },
            None => match spec.parse() {
                Ok(p) => (p, p),
                Err(_) => continue,
            },
        };
        if let hit @ Tri::Yes(_) = ports(protocol, from, to) {
            found = hit;
            break;
        }
    }
    match found {
        Tri::No if unknown => {
            Tri::Unknown("the destination ports are only known after apply".into())
        }
        other => other,
    }
}

/// One Azure security rule (a resource or an inline `security_rule` block).
pub fn azure_rule(rule: Node<'_>) -> Verdict {
    let word = |key: &str, want: &str| match rule.get(key).str() {
        Val::Known(v) if v.eq_ignore_ascii_case(want) => Tri::Yes(String::new()),
        Val::Unknown => Tri::Unknown(format!("`{key}` is only known after apply")),
        _ => Tri::No,
    };
    let protocol = match rule.get("protocol").str() {
        Val::Known(p) => p.to_ascii_lowercase(),
        Val::Absent => return Verdict::Pass,
        Val::Unknown => return Verdict::Unknown("`protocol` is only known after apply".into()),
    };
    let collect = |one: &str, many: &str| {
        let (mut list, unknown) = rule.get(many).strings();
        match rule.get(one).str() {
            Val::Known(v) => list.push(v),
            Val::Unknown => return (list, true),
            Val::Absent => {}
        }
        (list, unknown)
    };
    let (prefixes, src_unknown) = collect("source_address_prefix", "source_address_prefixes");
    let (port_specs, port_unknown) = collect("destination_port_range", "destination_port_ranges");
    all(vec![
        word("direction", "Inbound"),
        word("access", "Allow"),
        sources(
            &prefixes,
            src_unknown,
            is_world_azure,
            "source address prefix",
        ),
        azure_ports(&port_specs, port_unknown, &protocol),
    ])
}

/// `azurerm_network_security_group` with inline `security_rule` blocks.
pub fn azure_group(node: Node<'_>) -> Verdict {
    match node.get("security_rule").items() {
        Val::Unknown => Verdict::UnknownUnlessUnset {
            attribute: "security_rule",
            detail: "its `security_rule` blocks are only known after apply".into(),
        },
        Val::Absent => Verdict::Pass,
        Val::Known(rules) => any(rules.into_iter().map(azure_rule).collect()),
    }
}

/// `google_compute_firewall`. With no source ranges, tags or service accounts, GCP applies
/// the rule to `0.0.0.0/0`, so that counts as the internet.
pub fn gcp(node: Node<'_>) -> Verdict {
    let direction = match node.get("direction").str() {
        Val::Known(d) if !d.eq_ignore_ascii_case("INGRESS") => Tri::No,
        Val::Unknown => Tri::Unknown("`direction` is only known after apply".into()),
        _ => Tri::Yes(String::new()),
    };
    let enabled = match node.get("disabled").bool() {
        Val::Known(true) => Tri::No,
        Val::Unknown => Tri::Unknown("`disabled` is only known after apply".into()),
        _ => Tri::Yes(String::new()),
    };
    let (ranges, ranges_unknown) = node.get("source_ranges").strings();
    let (tags, tags_unknown) = node.get("source_tags").strings();
    let (accounts, accounts_unknown) = node.get("source_service_accounts").strings();
    let source = if ranges.is_empty()
        && tags.is_empty()
        && accounts.is_empty()
        && !ranges_unknown
        && !tags_unknown
        && !accounts_unknown
    {
        Tri::Yes("ingress from 0.0.0.0/0 (no source given)".into())
    } else {
        sources(&ranges, ranges_unknown, is_world_cidr, "source range list")
    };
    let allowed = match node.get("allow").items() {
        Val::Unknown => Tri::Unknown("the `allow` blocks are only known after apply".into()),
        Val::Absent => Tri::No,
        Val::Known(blocks) => {
            let mut found = Tri::No;
            for block in blocks {
                let protocol = match block.get("protocol").str() {
                    Val::Known(p) => p.to_ascii_lowercase(),
                    Val::Unknown => {
                        found =
                            Tri::Unknown("an `allow` protocol is only known after apply".into());
                        continue;
                    }
                    Val::Absent => continue,
                };
                let (specs, unknown) = block.get("ports").strings();
                let hit = if specs.is_empty() && !unknown {
                    ports(&protocol, 0, 65535)
                } else {
                    azure_ports(&specs, unknown, &protocol)
                };
                match hit {
                    Tri::Yes(_) => {
                        found = hit;
                        break;
                    }
                    Tri::Unknown(_) => found = hit,
                    Tri::No => {}
                }
            }
            found
        }
    };
    all(vec![direction, enabled, source, allowed])
}

#[cfg(test)]
mod tests;
