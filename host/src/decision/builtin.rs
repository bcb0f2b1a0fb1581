//! The gates the host enforces whatever the policy directory says: the
//! evidence each stage requires (`[evidence]` in `stagegate.toml`) and no
//! skipping of stages. They are Cedar forbids generated from the
//! configuration and added to every policy set after the user's policies, so
//! they are validated, decided and reported like any other policy, and a
//! replaced policy directory cannot drop them.

use std::fmt::Write as _;

use crate::facts::FactSpec;

/// The prefix of the per-plugin evidence forbids: `evidence-required-junit`.
pub const EVIDENCE_PREFIX: &str = "evidence-required-";
/// The id of the stage-skipping forbid.
pub const NO_STAGE_SKIPPING: &str = "no-stage-skipping";

/// One forbid per loaded plugin that declares an `inputs` fact: it denies when
/// the target stage requires that plugin's evidence and the plugin measured
/// nothing. Plus `no-stage-skipping` unless skipping is allowed.
pub fn policies(plugins: &[(&str, &[FactSpec])], allow_stage_skipping: bool) -> String {
    let mut text = String::from("// Host-enforced gates, generated from stagegate.toml.\n");
    for (plugin, facts) in plugins {
        let Some(inputs) = facts.iter().find(|f| f.name == "inputs") else {
            continue;
        };
        let counted = if inputs.doc.is_empty() {
            String::new()
        } else {
            format!(" ({})", cedar_string(&inputs.doc))
        };
        let _ = write!(
            text,
            "@id(\"{EVIDENCE_PREFIX}{plugin}\")\n\
             @reason(\"this stage requires evidence from plugin `{plugin}` and it measured nothing{counted}: add its input to the bundle\")\n\
             forbid (principal, action == Action::\"promote\", resource)\n\
             when {{ context.required.contains(\"{plugin}\") && context.{plugin}.inputs == 0 }};\n\n"
        );
    }
    if !allow_stage_skipping {
        let _ = write!(
            text,
            "@id(\"{NO_STAGE_SKIPPING}\")\n\
             @reason(\"the change skips a stage: promote it through every stage in order, or set `allow_stage_skipping = true` in stagegate.toml\")\n\
             forbid (principal, action == Action::\"promote\", resource)\n\
             when {{ resource.rank > context.from_rank + 1 }};\n"
        );
    }
    text
}

/// `text` as the inside of a Cedar string literal.
fn cedar_string(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::facts::FactType;

    #[test]
    fn one_forbid_per_plugin_with_inputs() {
        let with = [FactSpec {
            name: "inputs".into(),
            ty: FactType::Long,
            doc: "reports with a \"run\" test\nin them".into(),
        }];
        let without = [FactSpec {
            name: "total".into(),
            ty: FactType::Long,
            doc: String::new(),
        }];
        let text = policies(&[("junit", &with), ("other", &without)], false);
        let set = cedar_policy::PolicySet::from_str(&text).unwrap();
        let ids: Vec<String> = set
            .policies()
            .map(|p| p.annotation("id").unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["evidence-required-junit", "no-stage-skipping"]);
        assert!(text.contains("reports with a \\\"run\\\" testin them"));
        let text = policies(&[("junit", &with)], true);
        assert!(!text.contains(NO_STAGE_SKIPPING));
    }
}
