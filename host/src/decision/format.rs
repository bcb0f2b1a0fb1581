//! `stagegate fmt`: Cedar policy files in the formatter's canonical layout
//! (`cedar-policy-formatter`, the one `cedar format` uses), comments kept.
//! A formatted text must parse to exactly the policies of the original, or
//! it is refused: formatting never changes what a gate decides.

use std::str::FromStr;

use cedar_policy::PolicySet;

/// Why a policy file cannot be formatted.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file does not parse.
    #[error("does not parse: {0}")]
    Parse(String),
    /// The formatter's output would mean something else.
    #[error("the formatter changed its meaning; left as it is")]
    Changed,
}

/// Each policy's JSON form, in order.
fn meaning(text: &str) -> Result<Vec<serde_json::Value>, FormatError> {
    let set = PolicySet::from_str(text).map_err(|e| FormatError::Parse(e.to_string()))?;
    let mut policies: Vec<serde_json::Value> = set
        .policies()
        .map(|p| p.to_json().map_err(|e| FormatError::Parse(e.to_string())))
        .collect::<Result<_, _>>()?;
    policies.sort_by_key(|p| p.to_string());
    Ok(policies)
}

/// `text` formatted (80 columns, two-space indent), ending in one newline.
pub fn format(text: &str) -> Result<String, FormatError> {
    let before = meaning(text)?;
    let config = cedar_policy_formatter::Config::default();
    let mut formatted = cedar_policy_formatter::policies_str_to_pretty(text, &config)
        .map_err(|e| FormatError::Parse(format!("{e:?}")))?;
    if !formatted.ends_with('\n') {
        formatted.push('\n');
    }
    if meaning(&formatted)? != before {
        return Err(FormatError::Changed);
    }
    Ok(formatted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_is_idempotent_and_keeps_comments_and_meaning() {
        let messy = "// gate for prod\n@id(\"x\") @reason(\"r\")\nforbid(principal,action,resource)   when {context.junit.failed>0 || context.junit.errored > 0};\n";
        let once = format(messy).unwrap();
        assert!(once.contains("// gate for prod"), "{once}");
        assert!(once.contains("context.junit.failed > 0"), "{once}");
        assert_eq!(format(&once).unwrap(), once);
        assert!(matches!(
            format("permit(principal"),
            Err(FormatError::Parse(_))
        ));
    }

    #[test]
    fn the_default_policies_are_formatted() {
        for (name, text) in crate::decision::DEFAULT_POLICIES {
            assert_eq!(
                format(text).unwrap(),
                *text,
                "policies/{name} is not formatted"
            );
        }
    }
}
