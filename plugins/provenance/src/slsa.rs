//! The two SLSA provenance predicates, read for the two things the gate judges: who built
//! the subjects (the builder id) and from which source repository.
//!
//! - v0.2 (`https://slsa.dev/provenance/v0.2`): `builder.id`; the source is
//!   `invocation.configSource.uri`, else the first `materials[].uri` that is a `git+` URI.
//! - v1 (`https://slsa.dev/provenance/v1`): `runDetails.builder.id`; the source is, in this
//!   order, `buildDefinition.externalParameters.workflow.repository` (GitHub Actions build
//!   types), `externalParameters.source` (a URI, or an object with a `uri`),
//!   `externalParameters.repository`, `externalParameters.configSource.uri`, else the first
//!   `resolvedDependencies[].uri` that is a `git+` URI.
//!
//! Every other field is skipped unread. Sources are compared after
//! [`normalise_source`], so `git+https://github.com/acme/shop@refs/tags/v1` and
//! `https://github.com/acme/shop` name the same repository.

use serde::Deserialize;

use crate::bounded::{Bounded, UriOrString};

/// What every SLSA provenance predicate type starts with.
pub const PROVENANCE_PREFIX: &str = "https://slsa.dev/provenance/";
/// The predicate type of SLSA provenance v0.2.
pub const PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// The predicate type of SLSA provenance v1.
pub const PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// Most materials or resolved dependencies looked at for a `git+` source.
const MAX_DEPENDENCIES: usize = 1000;

/// A SLSA provenance version this plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlsaVersion {
    /// `https://slsa.dev/provenance/v0.2`.
    V02,
    /// `https://slsa.dev/provenance/v1`.
    V1,
}

impl SlsaVersion {
    /// The version of `predicate_type`, if it is one this plugin reads.
    pub fn of(predicate_type: &str) -> Option<SlsaVersion> {
        match predicate_type {
            PROVENANCE_V02 => Some(SlsaVersion::V02),
            PROVENANCE_V1 => Some(SlsaVersion::V1),
            _ => None,
        }
    }

    /// `SLSA v0.2` or `SLSA v1`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            SlsaVersion::V02 => "SLSA v0.2",
            SlsaVersion::V1 => "SLSA v1",
        }
    }
}

/// The builder and source a predicate names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Build {
    /// The builder id, when given and not empty.
    pub builder: Option<String>,
    /// The source repository, normalised.
    pub source: Option<String>,
}

#[derive(Deserialize, Default)]
struct Builder {
    id: Option<String>,
}

#[derive(Deserialize, Default)]
struct Resource {
    uri: Option<String>,
}

#[derive(Deserialize)]
struct V02 {
    builder: Option<Builder>,
    invocation: Option<Invocation>,
    materials: Option<Bounded<Resource, MAX_DEPENDENCIES>>,
}

#[derive(Deserialize)]
struct Invocation {
    #[serde(rename = "configSource")]
    config_source: Option<Resource>,
}

#[derive(Deserialize)]
struct V1 {
    #[serde(rename = "buildDefinition")]
    build_definition: Option<BuildDefinition>,
    #[serde(rename = "runDetails")]
    run_details: Option<RunDetails>,
}

#[derive(Deserialize)]
struct BuildDefinition {
    #[serde(rename = "externalParameters")]
    external_parameters: Option<ExternalParameters>,
    #[serde(rename = "resolvedDependencies")]
    resolved_dependencies: Option<Bounded<Resource, MAX_DEPENDENCIES>>,
}

#[derive(Deserialize)]
struct ExternalParameters {
    workflow: Option<Workflow>,
    source: Option<UriOrString>,
    repository: Option<UriOrString>,
    #[serde(rename = "configSource")]
    config_source: Option<UriOrString>,
}

#[derive(Deserialize)]
struct Workflow {
    repository: Option<UriOrString>,
}

#[derive(Deserialize)]
struct RunDetails {
    builder: Option<Builder>,
}

/// Reads the predicate JSON of `version`.
pub fn parse(version: SlsaVersion, json: &str) -> Result<Build, String> {
    let (builder, source) = match version {
        SlsaVersion::V02 => {
            let p: V02 = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let source = p
                .invocation
                .and_then(|i| i.config_source)
                .and_then(|c| c.uri)
                .or_else(|| first_git(p.materials));
            (p.builder.and_then(|b| b.id), source)
        }
        SlsaVersion::V1 => {
            let p: V1 = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let builder = p.run_details.and_then(|r| r.builder).and_then(|b| b.id);
            let (external, dependencies) = match p.build_definition {
                Some(d) => (d.external_parameters, d.resolved_dependencies),
                None => (None, None),
            };
            let source = external
                .and_then(|e| {
                    e.workflow
                        .and_then(|w| w.repository)
                        .and_then(|r| r.0)
                        .or(e.source.and_then(|s| s.0))
                        .or(e.repository.and_then(|r| r.0))
                        .or(e.config_source.and_then(|c| c.0))
                })
                .or_else(|| first_git(dependencies));
            (builder, source)
        }
    };
    Ok(Build {
        builder: builder.filter(|b| !b.is_empty()),
        source: source.as_deref().and_then(normalise_source),
    })
}

/// The first `git+` URI of a list of materials or dependencies.
fn first_git(list: Option<Bounded<Resource, MAX_DEPENDENCIES>>) -> Option<String> {
    list?
        .items
        .into_iter()
        .filter_map(|r| r.uri)
        .find(|uri| uri.starts_with("git+"))
}

/// A source repository in one spelling: without `git+`, without the `@ref`, `#fragment` or
/// `?query` after its path, without a trailing `.git` or `/`, with scheme and host
/// lowercased. `git+https://GitHub.com/acme/shop.git@refs/heads/main` becomes
/// `https://github.com/acme/shop`. `None` for an empty string.
///
/// ```
/// use stagegate_plugin_provenance::slsa::normalise_source;
/// assert_eq!(
///     normalise_source("git+https://GitHub.com/acme/shop.git@refs/tags/v1").as_deref(),
///     Some("https://github.com/acme/shop")
/// );
/// ```
pub fn normalise_source(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let uri = uri.strip_prefix("git+").unwrap_or(uri);
    let (scheme, rest) = match uri.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, uri),
    };
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host.to_ascii_lowercase(), path),
        None => (rest.to_ascii_lowercase(), ""),
    };
    let path = path
        .split(['@', '#', '?'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut out = String::with_capacity(uri.len());
    if let Some(scheme) = scheme {
        out.push_str(&scheme);
        out.push_str("://");
    }
    out.push_str(&host);
    if !path.is_empty() {
        out.push('/');
        out.push_str(path);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_normalised() {
        for (uri, expected) in [
            (
                "git+https://github.com/acme/shop",
                "https://github.com/acme/shop",
            ),
            (
                "git+https://github.com/acme/shop@refs/heads/main",
                "https://github.com/acme/shop",
            ),
            (
                "https://GitHub.com/acme/shop.git",
                "https://github.com/acme/shop",
            ),
            (
                "https://github.com/acme/shop/",
                "https://github.com/acme/shop",
            ),
            ("git+ssh://git@host/x.git#frag", "ssh://git@host/x"),
            ("github.com/acme/shop", "github.com/acme/shop"),
        ] {
            assert_eq!(normalise_source(uri).as_deref(), Some(expected), "{uri}");
        }
        assert_eq!(normalise_source(""), None);
        assert_eq!(normalise_source("git+"), None);
    }

    #[test]
    fn v1_source_in_its_order_of_preference() {
        let read = |json: &str| parse(SlsaVersion::V1, json).unwrap();
        let deps =
            r#""resolvedDependencies":[{"uri":"pkg:docker/x"},{"uri":"git+https://d/dep@v1"}]"#;
        assert_eq!(
            read(&format!(r#"{{"buildDefinition":{{{deps}}}}}"#))
                .source
                .as_deref(),
            Some("https://d/dep")
        );
        assert_eq!(
            read(&format!(
                r#"{{"buildDefinition":{{"externalParameters":{{"repository":"https://r/x"}},{deps}}}}}"#
            ))
            .source
            .as_deref(),
            Some("https://r/x")
        );
        assert_eq!(
            read(r#"{"buildDefinition":{"externalParameters":{"source":{"uri":"git+https://s/x"},"repository":"https://r/x"}}}"#)
                .source
                .as_deref(),
            Some("https://s/x")
        );
        assert_eq!(
            read(r#"{"buildDefinition":{"externalParameters":{"workflow":{"repository":"https://w/x"},"source":"https://s/x"}}}"#)
                .source
                .as_deref(),
            Some("https://w/x")
        );
        assert_eq!(read("{}"), Build::default());
        assert_eq!(
            read(r#"{"runDetails":{"builder":{"id":""}}}"#).builder,
            None
        );
    }

    #[test]
    fn v02_source_and_builder() {
        let build = parse(
            SlsaVersion::V02,
            r#"{"builder":{"id":"https://ci/b"},"materials":[{"uri":"pkg:x"},{"uri":"git+https://m/x@abc"}]}"#,
        )
        .unwrap();
        assert_eq!(build.builder.as_deref(), Some("https://ci/b"));
        assert_eq!(build.source.as_deref(), Some("https://m/x"));
        assert!(parse(SlsaVersion::V02, r#"{"builder":"x"}"#).is_err());
    }
}
