//! What the plugin learned from all manifests: counts, images and bounded findings.
//!
//! Each [`Rule`] feeds one count fact and one finding rule id. Findings are
//! capped so a huge manifest cannot flood the report; the number left out is
//! kept so the cap is visible. The image set is bounded too. This module must
//! not know about the SDK: `lib.rs` converts.

use std::collections::BTreeSet;

/// Most entries kept in the `images` set.
pub const MAX_IMAGES: usize = 100;
/// Longest image reference kept in the `images` set, in characters.
pub const MAX_IMAGE_CHARS: usize = 200;

/// How bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Hygiene.
    Low,
    /// Weakens isolation.
    Medium,
    /// Breaks isolation.
    High,
}

/// A check the plugin runs, one per count fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `securityContext.privileged: true`.
    Privileged,
    /// `allowPrivilegeEscalation: true`.
    PrivilegeEscalation,
    /// The container may run as root.
    RunAsRoot,
    /// `hostNetwork`, `hostPID` or `hostIPC`.
    HostNamespace,
    /// A `hostPath` volume.
    HostPath,
    /// An image tagged `:latest` or not tagged.
    LatestImage,
    /// An image not pinned by digest.
    UnpinnedImage,
    /// A container without CPU and memory limits.
    NoResourceLimits,
    /// A literal secret-looking environment value.
    EnvSecret,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 9] = [
        Rule::Privileged,
        Rule::PrivilegeEscalation,
        Rule::RunAsRoot,
        Rule::HostNamespace,
        Rule::HostPath,
        Rule::LatestImage,
        Rule::UnpinnedImage,
        Rule::NoResourceLimits,
        Rule::EnvSecret,
    ];

    /// The count fact this rule feeds.
    pub fn fact(self) -> &'static str {
        match self {
            Rule::Privileged => "privileged",
            Rule::PrivilegeEscalation => "privilege_escalation",
            Rule::RunAsRoot => "run_as_root",
            Rule::HostNamespace => "host_namespaces",
            Rule::HostPath => "host_path",
            Rule::LatestImage => "latest_images",
            Rule::UnpinnedImage => "unpinned_images",
            Rule::NoResourceLimits => "no_resource_limits",
            Rule::EnvSecret => "env_secrets",
        }
    }

    /// The finding rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Privileged => "kubernetes/privileged",
            Rule::PrivilegeEscalation => "kubernetes/privilege-escalation",
            Rule::RunAsRoot => "kubernetes/run-as-root",
            Rule::HostNamespace => "kubernetes/host-namespace",
            Rule::HostPath => "kubernetes/host-path",
            Rule::LatestImage => "kubernetes/latest-image",
            Rule::UnpinnedImage => "kubernetes/unpinned-image",
            Rule::NoResourceLimits => "kubernetes/no-resource-limits",
            Rule::EnvSecret => "kubernetes/env-secret",
        }
    }

    /// How bad a hit is.
    pub fn level(self) -> Level {
        match self {
            Rule::Privileged | Rule::HostNamespace | Rule::HostPath | Rule::EnvSecret => {
                Level::High
            }
            Rule::PrivilegeEscalation | Rule::RunAsRoot | Rule::LatestImage => Level::Medium,
            Rule::UnpinnedImage | Rule::NoResourceLimits => Level::Low,
        }
    }

    /// One line telling how to fix a hit.
    pub fn remediation(self) -> &'static str {
        match self {
            Rule::Privileged => "remove `privileged: true`; add only the capabilities needed",
            Rule::PrivilegeEscalation => "set `allowPrivilegeEscalation: false`",
            Rule::RunAsRoot => "set `runAsNonRoot: true` and a non-zero `runAsUser`",
            Rule::HostNamespace => "remove the host namespace setting",
            Rule::HostPath => {
                "use a volume type other than `hostPath` (emptyDir, a PVC, a ConfigMap)"
            }
            Rule::LatestImage => "use an explicit version tag, ideally with a digest",
            Rule::UnpinnedImage => "pin the image by digest (`image@sha256:...`)",
            Rule::NoResourceLimits => "set `resources.limits.cpu` and `resources.limits.memory`",
            Rule::EnvSecret => "read the value from a Secret with `valueFrom.secretKeyRef`",
        }
    }
}

/// One problem found, located in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule that fired.
    pub rule: Rule,
    /// Bundle-relative path of the manifest.
    pub path: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// What was found and how to fix it; never a secret value.
    pub message: String,
}

/// Totals over every manifest read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Kubernetes objects read (list items counted one by one).
    pub objects: u64,
    /// Workload objects with a pod spec.
    pub workloads: u64,
    /// Containers, init containers and ephemeral containers.
    pub containers: u64,
    /// Hits per rule, in [`Rule::ALL`] order.
    pub counts: [u64; 9],
    /// Distinct images, at most [`MAX_IMAGES`].
    pub images: BTreeSet<String>,
    /// Findings kept, at most `max_hits`.
    pub hits: Vec<Hit>,
    /// Findings left out because of the cap.
    pub hits_dropped: u64,
    /// Notes on skipped documents, for the log (bounded like the hits).
    pub notes: Vec<String>,
    /// The cap on kept findings.
    pub max_hits: usize,
}

impl Report {
    /// An empty report keeping at most `max_hits` findings.
    pub fn new(max_hits: usize) -> Self {
        Self {
            max_hits,
            ..Self::default()
        }
    }

    /// How many hits `rule` had.
    pub fn count(&self, rule: Rule) -> u64 {
        let index = Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0);
        self.counts.get(index).copied().unwrap_or(0)
    }

    /// Counts a hit of `rule` and keeps its finding while under the cap.
    pub fn hit(&mut self, rule: Rule, path: &str, line: usize, what: String) {
        if let Some(index) = Rule::ALL.iter().position(|r| *r == rule)
            && let Some(count) = self.counts.get_mut(index)
        {
            *count += 1;
        }
        if self.hits.len() >= self.max_hits {
            self.hits_dropped += 1;
            return;
        }
        let message = format!("{what}; fix: {}", rule.remediation());
        self.hits.push(Hit {
            rule,
            path: path.to_owned(),
            line,
            message,
        });
    }

    /// Adds `image` to the bounded image set.
    pub fn image(&mut self, image: &str) {
        if self.images.len() >= MAX_IMAGES {
            return;
        }
        let kept = stagegate_sdk::text::prefix(image, MAX_IMAGE_CHARS);
        self.images.insert(kept.to_owned());
    }

    /// Keeps a note on something skipped, bounded by the finding cap.
    pub fn note(&mut self, note: String) {
        if self.notes.len() < self.max_hits {
            self.notes.push(note);
        }
    }
}
