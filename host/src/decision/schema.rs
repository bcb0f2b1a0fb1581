//! The Cedar schema a gate's policies are validated against, composed from
//! the base schema, the policy parameters and every loaded plugin's declared
//! facts; and the check that policies name only stages of the configured
//! chain (Cedar's validator cannot know which `Stage` entities exist).

use std::fmt::Write as _;

use cedar_policy::Policy;

use super::params::Params;
use crate::facts::FactSpec;

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
