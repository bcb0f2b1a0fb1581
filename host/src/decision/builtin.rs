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
/// The id of the stage-chaining forbid.
pub const PREVIOUS_STAGE_NOT_PASSED: &str = "previous-stage-not-passed";

/// One forbid per loaded plugin that declares an `inputs` fact: it denies when
/// the target stage requires that plugin's evidence and the plugin measured
/// nothing. Plus `no-stage-skipping` unless skipping is allowed.
pub fn policies(plugins: &[(&str, &[FactSpec])], gates: super::HostGates) -> String {
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
    if gates.require_previous {
        let _ = write!(
            text,
            "@id(\"{PREVIOUS_STAGE_NOT_PASSED}\")\n\
             @reason(\"the bundle holds no valid decision attestation, signed by a trusted key, that this commit was allowed into the previous stage: promote it through that stage first and carry its attestation (`check --attest`) in the bundle\")\n\
             forbid (principal, action == Action::\"promote\", resource)\n\
             when {{ context.chain.required && !context.chain.passed }};\n\n"
        );
    }
    if !gates.allow_stage_skipping {
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
        let gates = |allow_stage_skipping, require_previous| crate::decision::HostGates {
            allow_stage_skipping,
            require_previous,
        };
        let text = policies(
            &[("junit", &with), ("other", &without)],
            gates(false, false),
        );
        let set = cedar_policy::PolicySet::from_str(&text).unwrap();
        let ids: Vec<String> = set
            .policies()
            .map(|p| p.annotation("id").unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["evidence-required-junit", "no-stage-skipping"]);
        assert!(text.contains("reports with a \\\"run\\\" testin them"));
        let text = policies(&[("junit", &with)], gates(true, false));
        assert!(!text.contains(NO_STAGE_SKIPPING));
        assert!(!text.contains(PREVIOUS_STAGE_NOT_PASSED));
        let text = policies(&[("junit", &with)], gates(true, true));
        assert!(text.contains(PREVIOUS_STAGE_NOT_PASSED));
    }
}
