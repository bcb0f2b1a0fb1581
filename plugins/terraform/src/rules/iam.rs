//! Wildcard IAM: an IAM policy document with an `Allow` statement whose `Action` is or
//! contains `*` and whose `Resource` is or contains `*`, i.e. full administrator rights.
//!
//! Policies arrive as JSON text inside an attribute (`policy`, `inline_policy`, or `json`
//! of a `data.aws_iam_policy_document`), so each one is parsed on its own with serde into
//! the few fields needed. A statement without `Effect` counts as `Allow`, as checkov reads
//! it. Narrower wildcards (`s3:*`, or many actions on `*`) are not this rule. Text that is
//! not a policy document is reported as unknown, never as a pass.

use super::Verdict;
use crate::value::{Node, Val};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "Statement")]
    statement: Option<OneOrMany<Statement>>,
}

#[derive(Deserialize)]
struct Statement {
    #[serde(rename = "Effect")]
    effect: Option<String>,
    #[serde(rename = "Action")]
    action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource")]
    resource: Option<OneOrMany<String>>,
}

fn has_star(list: Option<&OneOrMany<String>>) -> bool {
    list.is_some_and(|l| l.as_slice().iter().any(|s| s.trim() == "*"))
}

/// Checks one policy text: `Some(detail)` when a statement grants `*` on `*`.
fn wildcard(text: &str) -> Result<Option<String>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let doc: Document = serde_json::from_str(text).map_err(|_| ())?;
    let statements = doc.statement.as_ref().map_or(&[][..], OneOrMany::as_slice);
    Ok(statements
        .iter()
        .position(|s| {
            s.effect.as_deref().unwrap_or("Allow") == "Allow"
                && has_star(s.action.as_ref())
                && has_star(s.resource.as_ref())
        })
        .map(|i| {
            format!(
                "allows every action (`*`) on every resource (`*`) in statement {}",
                i + 1
            )
        }))
}

/// A policy document held as JSON text in the attribute at `node`.
pub fn document(node: Node<'_>) -> Verdict {
    match node.str() {
        Val::Known(text) => match wildcard(text) {
            Ok(Some(detail)) => Verdict::Fail(detail),
            Ok(None) => Verdict::Pass,
            Err(()) => Verdict::Unknown("its policy is not a readable IAM policy document".into()),
        },
        Val::Absent => Verdict::Pass,
        Val::Unknown => Verdict::Unknown("its policy document is only known after apply".into()),
    }
}

/// `aws_iam_role` with inline `inline_policy { policy = ... }` blocks.
pub fn role_inline(node: Node<'_>) -> Verdict {
    match node.get("inline_policy").items() {
        Val::Unknown => Verdict::UnknownUnlessUnset {
            attribute: "inline_policy",
            detail: "its `inline_policy` blocks are only known after apply".into(),
        },
        Val::Absent => Verdict::Pass,
        Val::Known(blocks) => {
            let mut unknown = None;
            for block in blocks {
                match document(block.get("policy")) {
                    Verdict::Fail(detail) => {
                        return Verdict::Fail(format!("inline policy {detail}"));
                    }
                    Verdict::Unknown(what) => unknown = unknown.or(Some(what)),
                    _ => {}
                }
            }
            unknown.map_or(Verdict::Pass, Verdict::Unknown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn verdict(policy: Value) -> Verdict {
        let after = json!({ "policy": policy.to_string() });
        document(Node::new(Some(&after), None).get("policy"))
    }

    #[test]
    fn admin_statement_fires() {
        let v = verdict(json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}));
        assert!(
            matches!(v, Verdict::Fail(ref d) if d.contains("statement 1")),
            "{v:?}"
        );
        let v = verdict(json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Action": ["ec2:*", "*"], "Resource": ["arn:aws:s3:::b", "*"]}
        ]}));
        assert!(
            matches!(v, Verdict::Fail(ref d) if d.contains("statement 2")),
            "{v:?}"
        );
    }

    #[test]
    fn narrower_or_denied_statements_pass() {
        for doc in [
            json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}]}),
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
            json!({"Version": "2012-10-17"}),
        ] {
            assert_eq!(verdict(doc.clone()), Verdict::Pass, "{doc}");
        }
    }

    #[test]
    fn unreadable_or_unknown_policies_are_unknown() {
        let after = json!({"policy": "{not json"});
        let node = Node::new(Some(&after), None);
        assert!(matches!(document(node.get("policy")), Verdict::Unknown(_)));
        let v = verdict(json!({"Statement": [{"Action": 5, "Resource": "*"}]}));
        assert!(matches!(v, Verdict::Unknown(_)));
        let after = json!({});
        let unknown = json!({"policy": true});
        let node = Node::new(Some(&after), Some(&unknown));
        assert!(matches!(document(node.get("policy")), Verdict::Unknown(_)));
        let empty = json!({"policy": ""});
        assert_eq!(
            document(Node::new(Some(&empty), None).get("policy")),
            Verdict::Pass
        );
    }

    #[test]
    fn role_inline_policies() {
        let admin = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let after = json!({"inline_policy": [{"name": "a", "policy": admin.to_string()}]});
        let v = role_inline(Node::new(Some(&after), None));
        assert!(matches!(v, Verdict::Fail(ref d) if d.starts_with("inline policy")));
        let after = json!({});
        let unknown = json!({"inline_policy": true});
        let v = role_inline(Node::new(Some(&after), Some(&unknown)));
        assert!(matches!(
            v,
            Verdict::UnknownUnlessUnset {
                attribute: "inline_policy",
                ..
            }
        ));
    }
}
