//! Unit tests of the open-admin-port checks, one table per cloud.

use super::*;
use serde_json::{Value, json};

fn verdict(check: impl Fn(Node<'_>) -> Verdict, after: Value, unknown: Value) -> Verdict {
    check(Node::new(Some(&after), Some(&unknown)))
}

fn is_fail(v: &Verdict) -> bool {
    matches!(v, Verdict::Fail(_))
}

#[test]
fn aws_security_group_blocks() {
    let sg = |ingress: Value| {
        verdict(
            |n| aws("aws_security_group", n),
            json!({ "ingress": ingress }),
            json!({}),
        )
    };
    let rule = |cidr: &str, v6: &str, from: i64, to: i64, proto: &str| json!({"cidr_blocks": [cidr], "ipv6_cidr_blocks": [v6], "from_port": from, "to_port": to, "protocol": proto});
    let v = sg(json!([rule("0.0.0.0/0", "", 22, 22, "tcp")]));
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from 0.0.0.0/0 to tcp port 22 (SSH)".into())
    );
    let v = sg(json!([rule("10.0.0.0/8", "::/0", 3389, 3389, "tcp")]));
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from ::/0 to tcp port 3389 (RDP)".into())
    );
    let v = sg(json!([rule("0.0.0.0/0", "", 0, 0, "-1")]));
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from 0.0.0.0/0 to all ports".into())
    );
    let v = sg(json!([rule("0.0.0.0/0", "", 0, 65535, "tcp")]));
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from 0.0.0.0/0 to all tcp ports".into())
    );
    let v = sg(json!([rule("0.0.0.0/0", "", 20, 30, "6")]));
    assert_eq!(
        v,
        Verdict::Fail(
            "allows ingress from 0.0.0.0/0 to tcp ports 20-30, including 22 (SSH)".into()
        )
    );
    for passing in [
        rule("0.0.0.0/0", "", 443, 443, "tcp"),
        rule("10.0.0.0/8", "", 22, 22, "tcp"),
        rule("0.0.0.0/0", "", 22, 22, "udp"),
        rule("0.0.0.0/0", "", -1, -1, "icmp"),
        rule("0.0.0.0/0", "", 0, 0, "tcp"),
    ] {
        assert_eq!(sg(json!([passing.clone()])), Verdict::Pass, "{passing}");
    }
    assert!(is_fail(&sg(json!([rule(
        "0.0.0.0/0",
        "",
        3389,
        3389,
        "udp"
    )]))));
    assert_eq!(sg(json!([])), Verdict::Pass);
}

#[test]
fn aws_unknown_values() {
    let computed = verdict(
        |n| aws("aws_security_group", n),
        json!({}),
        json!({"ingress": true}),
    );
    assert!(matches!(
        computed,
        Verdict::UnknownUnlessUnset {
            attribute: "ingress",
            ..
        }
    ));
    let after = json!({"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp"});
    let v = verdict(
        |n| aws("aws_security_group_rule", n),
        after.clone(),
        json!({"cidr_blocks": true}),
    );
    assert_eq!(
        v,
        Verdict::Unknown("the source CIDR list is only known after apply".into())
    );
    // Known ports that miss 22 and 3389 decide without the unknown CIDRs.
    let https = json!({"type": "ingress", "from_port": 443, "to_port": 443, "protocol": "tcp"});
    let v = verdict(
        |n| aws("aws_security_group_rule", n),
        https,
        json!({"cidr_blocks": true}),
    );
    assert_eq!(v, Verdict::Pass);
    // A known open CIDR decides even when another element is unknown.
    let mixed = json!({"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp",
                       "cidr_blocks": ["0.0.0.0/0", null]});
    let v = verdict(
        |n| aws("aws_security_group_rule", n),
        mixed,
        json!({"cidr_blocks": [false, true]}),
    );
    assert!(is_fail(&v));
    let egress = json!({"type": "egress", "cidr_blocks": ["0.0.0.0/0"], "protocol": "-1"});
    assert_eq!(
        verdict(|n| aws("aws_security_group_rule", n), egress, json!({})),
        Verdict::Pass
    );
    let v = verdict(
        |n| aws("aws_security_group_rule", n),
        json!({}),
        json!({"type": true}),
    );
    assert!(matches!(v, Verdict::Unknown(_)));
}

#[test]
fn aws_vpc_ingress_rule() {
    let check = |after: Value| {
        verdict(
            |n| aws("aws_vpc_security_group_ingress_rule", n),
            after,
            json!({}),
        )
    };
    let all =
        json!({"cidr_ipv4": "0.0.0.0/0", "ip_protocol": "-1", "from_port": null, "to_port": null});
    assert_eq!(
        check(all),
        Verdict::Fail("allows ingress from 0.0.0.0/0 to all ports".into())
    );
    let v6 = json!({"cidr_ipv6": "::/0", "ip_protocol": "tcp", "from_port": 3389, "to_port": 3389});
    assert!(is_fail(&check(v6)));
    let internal =
        json!({"cidr_ipv4": "10.0.0.0/8", "ip_protocol": "tcp", "from_port": 22, "to_port": 22});
    assert_eq!(check(internal), Verdict::Pass);
    let sg_source = json!({"referenced_security_group_id": "sg-1", "ip_protocol": "-1"});
    assert_eq!(check(sg_source), Verdict::Pass);
}

#[test]
fn azure_rules() {
    let rule = |src: &str, port: &str, proto: &str| {
        json!({"direction": "Inbound", "access": "Allow", "protocol": proto,
               "source_address_prefix": src, "destination_port_range": port})
    };
    for (src, port, proto) in [
        ("*", "22", "Tcp"),
        ("Internet", "3389", "*"),
        ("0.0.0.0/0", "3380-3390", "Tcp"),
        ("any", "*", "Tcp"),
        ("0.0.0.0", "22", "*"),
    ] {
        let v = verdict(azure_rule, rule(src, port, proto), json!({}));
        assert!(is_fail(&v), "{src} {port} {proto}: {v:?}");
    }
    for (src, port, proto) in [
        ("10.0.0.0/8", "22", "Tcp"),
        ("*", "443", "Tcp"),
        ("*", "22", "Udp"),
        ("VirtualNetwork", "*", "*"),
    ] {
        assert_eq!(
            verdict(azure_rule, rule(src, port, proto), json!({})),
            Verdict::Pass
        );
    }
    let mut outbound = rule("*", "22", "Tcp");
    outbound["direction"] = json!("Outbound");
    assert_eq!(verdict(azure_rule, outbound, json!({})), Verdict::Pass);
    let mut deny = rule("*", "22", "Tcp");
    deny["access"] = json!("Deny");
    assert_eq!(verdict(azure_rule, deny, json!({})), Verdict::Pass);
    let lists = json!({"direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                       "source_address_prefix": "", "source_address_prefixes": ["10.0.0.0/8", "Internet"],
                       "destination_port_range": "", "destination_port_ranges": ["80", "20-25"]});
    assert!(is_fail(&verdict(azure_rule, lists, json!({}))));
    let group =
        json!({"security_rule": [rule("10.1.0.0/16", "22", "Tcp"), rule("*", "3389", "Tcp")]});
    assert!(is_fail(&verdict(azure_group, group, json!({}))));
    let v = verdict(azure_group, json!({}), json!({"security_rule": true}));
    assert!(matches!(
        v,
        Verdict::UnknownUnlessUnset {
            attribute: "security_rule",
            ..
        }
    ));
}

#[test]
fn gcp_firewalls() {
    let fw = |ranges: Value, allow: Value| json!({"direction": "INGRESS", "disabled": false, "source_ranges": ranges, "allow": allow});
    let v = verdict(
        gcp,
        fw(
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "tcp", "ports": ["22"]}]),
        ),
        json!({}),
    );
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from 0.0.0.0/0 to tcp port 22 (SSH)".into())
    );
    let v = verdict(
        gcp,
        fw(
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "all", "ports": []}]),
        ),
        json!({}),
    );
    assert_eq!(
        v,
        Verdict::Fail("allows ingress from 0.0.0.0/0 to all ports".into())
    );
    let v = verdict(
        gcp,
        fw(
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "tcp", "ports": []}]),
        ),
        json!({}),
    );
    assert!(is_fail(&v));
    let v = verdict(
        gcp,
        fw(
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "tcp", "ports": ["3000-4000"]}]),
        ),
        json!({}),
    );
    assert!(is_fail(&v));
    let v = verdict(
        gcp,
        fw(json!(null), json!([{"protocol": "tcp", "ports": ["22"]}])),
        json!({}),
    );
    assert!(
        matches!(v, Verdict::Fail(ref d) if d.contains("no source given")),
        "{v:?}"
    );
    for (ranges, allow) in [
        (
            json!(["10.0.0.0/8"]),
            json!([{"protocol": "tcp", "ports": ["22"]}]),
        ),
        (
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "tcp", "ports": ["443", "8080-8090"]}]),
        ),
        (
            json!(["0.0.0.0/0"]),
            json!([{"protocol": "icmp", "ports": []}]),
        ),
    ] {
        assert_eq!(verdict(gcp, fw(ranges, allow), json!({})), Verdict::Pass);
    }
    let mut disabled = fw(json!(["0.0.0.0/0"]), json!([{"protocol": "all"}]));
    disabled["disabled"] = json!(true);
    assert_eq!(verdict(gcp, disabled, json!({})), Verdict::Pass);
    let mut egress = fw(json!(["0.0.0.0/0"]), json!([{"protocol": "all"}]));
    egress["direction"] = json!("EGRESS");
    assert_eq!(verdict(gcp, egress, json!({})), Verdict::Pass);
    let v = verdict(
        gcp,
        fw(json!(null), json!([{"protocol": "tcp", "ports": ["22"]}])),
        json!({"source_ranges": true}),
    );
    assert!(matches!(v, Verdict::Unknown(_)), "{v:?}");
}
