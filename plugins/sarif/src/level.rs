//! SARIF levels and security severities, and how a result's effective values are chosen.
//!
//! Level (SARIF 2.1.0 §3.27.10): the result's `level`; else the level that the result's
//! invocation (`provenance.invocationIndex`) sets for its rule in `ruleConfigurationOverrides`;
//! else its rule's `defaultConfiguration.level`; else `warning` — except that a result whose
//! `kind` is present and not `fail` defaults to `none`. An unknown level string is read as
//! `warning`.
//!
//! Security severity follows GitHub code scanning: the `security-severity` property (a number
//! or numeric string, 0.0–10.0) of the result, else of its rule, maps to critical (>= 9.0),
//! high (>= 7.0), medium (>= 4.0), low (> 0.0) or none (0.0). Without one, the level decides:
//! error → high, warning → medium, note → low, none → none. Nothing here does I/O.

/// A SARIF result level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `error`: a serious problem.
    Error,
    /// `warning`: a problem.
    Warning,
    /// `note`: a minor problem or an opportunity.
    Note,
    /// `none`: informational only.
    None,
}

impl Level {
    /// Reads a level string; unknown values are `None` here so callers can choose a default.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "note" => Some(Level::Note),
            "none" => Some(Level::None),
            _ => None,
        }
    }

    /// Reads a level string, reading an unknown value as `warning` (the spec's default).
    pub fn parse_or_warning(text: &str) -> Level {
        Level::parse(text).unwrap_or(Level::Warning)
    }
}

/// A security-severity bucket, as GitHub code scanning names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecuritySeverity {
    /// No security relevance (score 0.0 or level `none`).
    None,
    /// Score above 0.0 and below 4.0, or level `note`.
    Low,
    /// Score from 4.0 and below 7.0, or level `warning`.
    Medium,
    /// Score from 7.0 and below 9.0, or level `error`.
    High,
    /// Score of 9.0 or more.
    Critical,
}

impl SecuritySeverity {
    /// Buckets a score; `None` for a score that is not a finite number from 0 to 10.
    pub fn from_score(score: f64) -> Option<SecuritySeverity> {
        if !score.is_finite() || !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(if score >= 9.0 {
            SecuritySeverity::Critical
        } else if score >= 7.0 {
            SecuritySeverity::High
        } else if score >= 4.0 {
            SecuritySeverity::Medium
        } else if score > 0.0 {
            SecuritySeverity::Low
        } else {
            SecuritySeverity::None
        })
    }

    /// The fallback for a result without a usable `security-severity`.
    pub fn from_level(level: Level) -> SecuritySeverity {
        match level {
            Level::Error => SecuritySeverity::High,
            Level::Warning => SecuritySeverity::Medium,
            Level::Note => SecuritySeverity::Low,
            Level::None => SecuritySeverity::None,
        }
    }
}

/// The effective level of a result (see the module docs): `result_level` and `rule_default`
/// (the invocation's override of the rule's level, else the rule's default) are already
/// parsed with [`Level::parse_or_warning`].
pub fn effective_level(
    result_level: Option<Level>,
    rule_default: Option<Level>,
    kind_is_fail: bool,
) -> Level {
    match (result_level, kind_is_fail) {
        (Some(level), _) => level,
        (None, false) => Level::None,
        (None, true) => rule_default.unwrap_or(Level::Warning),
    }
}

/// The effective security severity: result score, else rule score, else from the level.
pub fn effective_severity(
    result_score: Option<f64>,
    rule_score: Option<f64>,
    level: Level,
) -> SecuritySeverity {
    result_score
        .and_then(SecuritySeverity::from_score)
        .or_else(|| rule_score.and_then(SecuritySeverity::from_score))
        .unwrap_or_else(|| SecuritySeverity::from_level(level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_defaults_follow_the_spec() {
        let (error, warning, note) = (Level::Error, Level::Warning, Level::Note);
        assert_eq!(effective_level(Some(note), Some(error), true), note);
        assert_eq!(effective_level(None, Some(error), true), error);
        assert_eq!(effective_level(None, None, true), warning);
        assert_eq!(effective_level(None, Some(error), false), Level::None);
        assert_eq!(effective_level(Some(note), None, false), note);
        assert_eq!(Level::parse_or_warning("info"), warning);
    }

    #[test]
    fn scores_bucket_like_github() {
        use SecuritySeverity as S;
        let cases = [
            (9.0, S::Critical),
            (10.0, S::Critical),
            (8.9, S::High),
            (7.0, S::High),
            (6.9, S::Medium),
            (4.0, S::Medium),
            (0.1, S::Low),
            (0.0, S::None),
        ];
        for (score, expected) in cases {
            assert_eq!(S::from_score(score), Some(expected), "{score}");
        }
        assert_eq!(S::from_score(-1.0), None);
        assert_eq!(S::from_score(f64::NAN), None);
        assert_eq!(S::from_score(11.0), None);
    }

    #[test]
    fn result_score_beats_rule_score_beats_level() {
        use SecuritySeverity as S;
        assert_eq!(
            effective_severity(Some(9.5), Some(2.0), Level::Note),
            S::Critical
        );
        assert_eq!(effective_severity(None, Some(2.0), Level::Error), S::Low);
        assert_eq!(
            effective_severity(Some(f64::NAN), None, Level::Error),
            S::High
        );
        assert_eq!(effective_severity(None, None, Level::Warning), S::Medium);
        assert_eq!(effective_severity(None, None, Level::None), S::None);
    }
}
