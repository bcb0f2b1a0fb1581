//! The Cedar schema a gate's policies are validated against, composed from
//! the base schema, the policy parameters and every loaded plugin's declared
//! facts; and the check that policies name only stages of the configured
//! chain (Cedar's validator cannot know which `Stage` entities exist).

use std::fmt::Write as _;

use cedar_policy::Policy;
use serde_json::{Map, Value, json};

use super::params::Params;
use crate::facts::{FactSpec, FactType};

/// The base schema (`policies/base.cedarschema`): entity types the host fills in.
pub const BASE_SCHEMA: &str = include_str!("../../../policies/base.cedarschema");

/// The full Cedar schema: the base schema plus the `promote` action, whose
/// context holds what the host knows of the transition (`from`, `from_rank`,
/// `required`, `bundle`), the parameters, and one record per plugin.
pub fn compose(plugins: &[(&str, &[FactSpec])], params: &Params) -> String {
    let mut text = String::from(BASE_SCHEMA);
    text.push_str("\n// Composed by the host from the plugins' declared facts.\n");
    text.push_str(concat!(
        "action \"promote\" appliesTo {\n",
        "  principal: [Change],\n",
        "  resource: [Stage],\n",
        "  context: {\n",
        "    \"from\": String,\n",
        "    \"from_rank\": Long,\n",
        "    \"required\": Set<String>,\n",
        "    \"chain\": { \"required\": Bool, \"passed\": Bool, \"previous\": String, \"signer\": String },\n",
        "    \"bundle\": { \"artifacts\": Long, \"unclaimed\": Long },\n",
        "    \"params\": {\n",
    ));
    for (name, (ty, _)) in params {
        let _ = writeln!(text, "      \"{name}\": {},", ty.cedar());
    }
    text.push_str("    },\n");
    for (plugin, facts) in plugins {
        let _ = writeln!(text, "    \"{plugin}\": {{");
        for fact in *facts {
            let _ = writeln!(text, "      \"{}\": {},", fact.name, fact.ty.cedar());
        }
        text.push_str("    },\n");
    }
    text.push_str("  }\n};\n");
    text
}

/// [`compose`]'s schema in Cedar's JSON schema format, which parses an order
/// of magnitude faster than the text (no grammar, no lexer). The gate builds
/// its schema from this; the text is what `validate` shows, and a test keeps
/// the two the same schema.
pub fn compose_json(plugins: &[(&str, &[FactSpec])], params: &Params) -> Value {
    fn record(attributes: Map<String, Value>) -> Value {
        json!({ "type": "Record", "attributes": attributes })
    }
    fn fields<'a>(fields: impl IntoIterator<Item = (&'a str, Value)>) -> Map<String, Value> {
        fields
            .into_iter()
            .map(|(name, ty)| (name.to_owned(), ty))
            .collect()
    }
    let string = || json!({ "type": "String" });
    let long = || json!({ "type": "Long" });
    let boolean = || json!({ "type": "Boolean" });
    let mut context = fields([
        ("from", string()),
        ("from_rank", long()),
        ("required", json!({ "type": "Set", "element": string() })),
        (
            "chain",
            record(fields([
                ("required", boolean()),
                ("passed", boolean()),
                ("previous", string()),
                ("signer", string()),
            ])),
        ),
        (
            "bundle",
            record(fields([("artifacts", long()), ("unclaimed", long())])),
        ),
        (
            "params",
            record(
                params
                    .iter()
                    .map(|(n, (ty, _))| (n.clone(), fact_type(*ty)))
                    .collect(),
            ),
        ),
    ]);
    for (plugin, facts) in plugins {
        let attributes = facts
            .iter()
            .map(|f| (f.name.clone(), fact_type(f.ty)))
            .collect();
        context.insert((*plugin).to_owned(), record(attributes));
    }
    json!({ "": {
        "entityTypes": {
            "Change": { "shape": record(fields([
                ("commit", string()), ("branch", string()), ("author", string()),
            ])) },
            "Stage": { "shape": record(fields([
                ("name", string()), ("rank", long()), ("first", boolean()), ("last", boolean()),
            ])) },
        },
        "actions": { "promote": { "appliesTo": {
            "principalTypes": ["Change"],
            "resourceTypes": ["Stage"],
            "context": record(context),
        } } },
    } })
}

/// A fact type in Cedar's JSON schema format.
fn fact_type(ty: FactType) -> Value {
    match ty {
        FactType::Bool => json!({ "type": "Boolean" }),
        FactType::Long => json!({ "type": "Long" }),
        FactType::String => json!({ "type": "String" }),
        FactType::SetOfString => json!({ "type": "Set", "element": { "type": "String" } }),
        FactType::Decimal => json!({ "type": "Extension", "name": "decimal" }),
    }
}

/// The `Stage` entity ids `policy` names that are not in `stages`, each with
/// the closest configured stage when one is close enough to be a typo.
pub fn unknown_stages(policy: &Policy, stages: &[String]) -> Vec<(String, Option<String>)> {
    let mut unknown: Vec<(String, Option<String>)> = Vec::new();
    for uid in policy.entity_literals() {
        if uid.type_name().basename() != "Stage" {
            continue;
        }
        let id = uid.id().unescaped().to_owned();
        if stages.contains(&id) || unknown.iter().any(|(u, _)| *u == id) {
            continue;
        }
        let closest = super::closest(&id, stages.iter().map(String::as_str)).map(str::to_owned);
        unknown.push((id, closest));
    }
    unknown.sort();
    unknown
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn the_json_schema_is_the_text_schema() {
        use cedar_policy::SchemaFragment;
        let facts = [
            FactSpec {
                name: "total".into(),
                ty: FactType::Long,
                doc: String::new(),
            },
            FactSpec {
                name: "ok".into(),
                ty: FactType::Bool,
                doc: String::new(),
            },
            FactSpec {
                name: "name".into(),
                ty: FactType::String,
                doc: String::new(),
            },
            FactSpec {
                name: "ids".into(),
                ty: FactType::SetOfString,
                doc: String::new(),
            },
            FactSpec {
                name: "ratio".into(),
                ty: FactType::Decimal,
                doc: String::new(),
            },
        ];
        let plugins: [(&str, &[FactSpec]); 2] = [("junit", &facts), ("other", &facts[..1])];
        let params =
            super::super::resolve_params(super::super::DEFAULT_PARAMS, &toml::Table::new())
                .unwrap();
        let (from_text, _) =
            SchemaFragment::from_cedarschema_str(&compose(&plugins, &params)).unwrap();
        let from_json = SchemaFragment::from_json_value(compose_json(&plugins, &params)).unwrap();
        // Both printed by Cedar in its canonical text form. JSON names the
        // built-in types outright (`__cedar::Long`); the text's bare `Long`
        // resolves to the same type, as the base schema declares no type of
        // that name.
        assert_eq!(
            from_text.to_cedarschema().unwrap(),
            from_json.to_cedarschema().unwrap().replace("__cedar::", "")
        );
    }

    #[test]
    fn stages_outside_the_chain_are_named_with_a_suggestion() {
        let policy = Policy::from_str(
            "forbid (principal, action, resource == Stage::\"prd\") when { resource == Stage::\"test\" || resource == Stage::\"nightly\" };",
        )
        .unwrap();
        let stages = ["dev".to_owned(), "test".to_owned(), "prod".to_owned()];
        assert_eq!(
            unknown_stages(&policy, &stages),
            [
                ("nightly".to_owned(), None),
                ("prd".to_owned(), Some("prod".to_owned()))
            ]
        );
        let fine =
            Policy::from_str("permit (principal, action, resource == Stage::\"prod\");").unwrap();
        assert!(unknown_stages(&fine, &stages).is_empty());
    }
}
