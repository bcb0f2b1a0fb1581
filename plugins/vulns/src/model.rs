//! The scanner-neutral vocabulary every format parser produces: one [`Record`] per
//! (vulnerability, affected package) pair a scanner reported, plus the package names an
//! input lists. Parsers translate their format's words into these types and nothing else;
//! this module must not know any scanner's field names, and it never touches the SDK.

use crate::purl::Purl;

/// The longest text kept from an input (ids, names, versions, fix hints), in characters.
pub const MAX_TEXT: usize = 200;

/// How severe a vulnerability is, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// The input gave no severity this plugin understands.
    #[default]
    Unknown,
    /// Low, negligible, informational or "none".
    Low,
    /// Medium (or "moderate").
    Medium,
    /// High (or "important").
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Reads a severity word in any letter case; words it does not know are [`Severity::Unknown`].
    pub fn parse(word: &str) -> Self {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Self::Critical,
            "high" | "important" => Self::High,
            "medium" | "moderate" => Self::Medium,
            "low" | "negligible" | "info" | "informational" | "none" => Self::Low,
            _ => Self::Unknown,
        }
    }

    /// The CVSS v3 qualitative band of a base score (0.1-3.9 low, 4-6.9 medium, 7-8.9 high,
    /// 9-10 critical; 0 is low).
    pub fn from_cvss(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }

    /// The lowercase name used in facts and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// The package ecosystems the typosquat check knows popular names for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// The npm registry.
    Npm,
    /// The Python Package Index.
    PyPi,
    /// crates.io.
    Crates,
}

impl Ecosystem {
    /// The ecosystem of a package-URL type (`npm`, `pypi`, `cargo`), if it is one of the three.
    pub fn from_purl_type(kind: &str) -> Option<Self> {
        match kind.to_ascii_lowercase().as_str() {
            "npm" => Some(Self::Npm),
            "pypi" => Some(Self::PyPi),
            "cargo" => Some(Self::Crates),
            _ => None,
        }
    }

    /// The lowercase name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::PyPi => "pypi",
            Self::Crates => "crates.io",
        }
    }
}

/// A package as an input names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    /// The name as reported (for npm scoped packages `@scope/name`, for Maven `group:artifact`).
    pub name: String,
    /// The installed version, empty when unknown.
    pub version: String,
    /// The ecosystem when the input tells it.
    pub ecosystem: Option<Ecosystem>,
}

impl Package {
    /// A package from a name and version, both clipped to [`MAX_TEXT`].
    pub fn new(name: &str, version: &str, ecosystem: Option<Ecosystem>) -> Self {
        Self {
            name: clip(name),
            version: clip(version),
            ecosystem,
        }
    }

    /// A package from a package URL; `None` when the URL does not parse.
    pub fn from_purl(text: &str) -> Option<Self> {
        let purl = Purl::parse(text)?;
        Some(Self::new(
            &purl.display_name(),
            purl.version.as_deref().unwrap_or(""),
            Ecosystem::from_purl_type(&purl.kind),
        ))
    }

    /// `name@version`, or the name alone when the version is unknown.
    pub fn label(&self) -> String {
        match (self.name.is_empty(), self.version.is_empty()) {
            (true, _) => "(no package named)".to_owned(),
            (false, true) => self.name.clone(),
            (false, false) => format!("{}@{}", self.name, self.version),
        }
    }
}

/// One vulnerability reported against one package by one input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// The id the scanner reports (CVE, GHSA, PYSEC, vendor ids ...).
    pub id: String,
    /// Other ids the scanner states for the same vulnerability.
    pub aliases: Vec<String>,
    /// The affected package.
    pub package: Package,
    /// The scanner's severity.
    pub severity: Severity,
    /// The highest CVSS base score the scanner gives, if any.
    pub cvss: Option<f64>,
    /// Whether the scanner says a fix is available.
    pub fixable: bool,
    /// The fixed version or fix hint, when the scanner gives one.
    pub fix: Option<String>,
    /// Whether a VEX statement (or the scanner's VEX handling) says the package is not affected.
    pub not_affected: bool,
}

/// Everything one input contributed.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The vulnerabilities, one per affected package.
    pub records: Vec<Record>,
    /// Every package the input lists (SBOM components, scanned packages), for the typosquat check.
    pub packages: Vec<Package>,
    /// How many things the input says were scanned or described: Trivy's artifact, result
    /// targets and Kubernetes resources, Grype's source and matched packages, CycloneDX
    /// components and vulnerabilities, pip-audit's audited (not skipped) dependencies. An input
    /// naming none measured nothing and is no evidence; a clean scan of a named target is.
    pub scanned: u64,
}

/// Keeps at most [`MAX_TEXT`] characters of `text`, with control characters replaced by spaces.
pub fn clip(text: &str) -> String {
    stagegate_sdk::text::clip_plain(text.trim(), MAX_TEXT)
}

/// The largest valid CVSS score (0 to 10) among `scores`.
pub fn max_score(scores: impl IntoIterator<Item = f64>) -> Option<f64> {
    scores
        .into_iter()
        .filter(|s| s.is_finite() && (0.0..=10.0).contains(s))
        .fold(None, |best: Option<f64>, s| {
            Some(best.map_or(s, |b| b.max(s)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_words_and_bands() {
        assert_eq!(Severity::parse("CRITICAL"), Severity::Critical);
        assert_eq!(Severity::parse("Negligible"), Severity::Low);
        assert_eq!(Severity::parse("moderate"), Severity::Medium);
        assert_eq!(Severity::parse("whatever"), Severity::Unknown);
        assert_eq!(Severity::from_cvss(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss(7.0), Severity::High);
        assert_eq!(Severity::from_cvss(6.9), Severity::Medium);
        assert_eq!(Severity::from_cvss(0.0), Severity::Low);
        assert!(Severity::Critical > Severity::Unknown);
    }

    #[test]
    fn clip_bounds_and_cleans() {
        assert_eq!(clip(&"x".repeat(5000)).chars().count(), MAX_TEXT);
        assert_eq!(clip(" a\nb "), "a b");
    }

    #[test]
    fn max_score_ignores_nonsense() {
        assert_eq!(max_score([5.0, 11.0, f64::NAN, -1.0, 7.5]), Some(7.5));
        assert_eq!(max_score([]), None);
    }

    #[test]
    fn package_from_purl() {
        let p = Package::from_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(p.name, "@babel/core");
        assert_eq!(p.version, "7.0.0");
        assert_eq!(p.ecosystem, Some(Ecosystem::Npm));
        assert_eq!(p.label(), "@babel/core@7.0.0");
    }
}
