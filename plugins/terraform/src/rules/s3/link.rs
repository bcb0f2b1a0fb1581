//! Linking S3 companion resources to their buckets and judging each bucket as a whole.
//!
//! Runs once per plan, after the configuration has been read. A companion links by its
//! known `bucket` name when it has one; otherwise by the configuration references of its
//! `bucket` expression, to buckets in the same module instance, preferring the bucket with
//! the same `count`/`for_each` key. It decides nothing about individual attributes: the
//! verdicts come from [`super::read`].

use super::{Bucket, Companion, Item, Kind};
use crate::address::referenced_block;
use crate::config::ConfigIndex;
use crate::rules::{Rule, Verdict};

/// The S3 resources of one plan.
#[derive(Debug, Default)]
pub struct Collected {
    buckets: Vec<Bucket>,
    companions: Vec<Companion>,
    account_block: bool,
}

/// One verdict about a bucket or an unlinked companion.
#[derive(Debug)]
pub struct Judged {
    /// The rule.
    pub rule: Rule,
    /// The bucket (or the unlinked companion) the verdict is about.
    pub address: String,
    /// The companion that caused it, when not the bucket itself.
    pub related: Option<String>,
    /// The verdict, with no `UnknownUnlessUnset` left.
    pub verdict: Verdict,
    /// Where the deciding change starts in the plan.
    pub line: u64,
}

/// Where a companion belongs.
#[derive(Debug, PartialEq)]
enum Target {
    /// These buckets of the plan.
    Buckets(Vec<usize>),
    /// A bucket outside the plan.
    External,
    /// Cannot tell.
    Ambiguous,
}

impl Collected {
    /// Adds one S3 resource.
    pub fn add(&mut self, item: Item) {
        match item {
            Item::Bucket(b) => self.buckets.push(b),
            Item::Companion(c) => self.companions.push(c),
            Item::AccountBlock(on) => self.account_block |= on,
        }
    }

    fn target(&self, companion: &Companion, config: &ConfigIndex) -> Target {
        if let Some(name) = &companion.bucket {
            let hits: Vec<usize> = (0..self.buckets.len())
                .filter(|i| self.buckets.get(*i).is_some_and(|b| b.names.contains(name)))
                .collect();
            return if hits.is_empty() {
                Target::External
            } else {
                Target::Buckets(hits)
            };
        }
        let Some(parsed) = &companion.parsed else {
            return Target::Ambiguous;
        };
        let refs = config.bucket_refs(&parsed.config_address());
        let blocks: Vec<String> = refs
            .iter()
            .filter_map(|r| referenced_block(r))
            .filter(|b| b.starts_with("aws_s3_bucket."))
            .collect();
        if blocks.is_empty() {
            let external = !refs.is_empty() && refs.iter().all(|r| r.starts_with("data."));
            return if external {
                Target::External
            } else {
                Target::Ambiguous
            };
        }
        let same_block = |b: &Bucket| {
            b.parsed
                .as_ref()
                .is_some_and(|p| p.module == parsed.module && blocks.contains(&p.block))
        };
        let candidates: Vec<usize> = (0..self.buckets.len())
            .filter(|i| self.buckets.get(*i).is_some_and(same_block))
            .collect();
        let same_key: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|i| {
                self.buckets
                    .get(*i)
                    .and_then(|b| b.parsed.as_ref())
                    .is_some_and(|p| p.key == parsed.key)
            })
            .collect();
        match (candidates.is_empty(), same_key.is_empty()) {
            (true, _) => Target::Ambiguous,
            (false, false) if candidates.len() > 1 => Target::Buckets(same_key),
            _ => Target::Buckets(candidates),
        }
    }

    /// Links companions and judges every bucket and every unlinked companion.
    pub fn judge(self, config: &ConfigIndex) -> Vec<Judged> {
        let targets: Vec<Target> = self
            .companions
            .iter()
            .map(|c| self.target(c, config))
            .collect();
        let block_unmatched = self
            .companions
            .iter()
            .zip(&targets)
            .any(|(c, t)| c.kind == Kind::AccessBlock && *t == Target::Ambiguous);
        let mut out = Vec::new();
        for (index, bucket) in self.buckets.iter().enumerate() {
            let config_address = bucket.parsed.as_ref().map(|p| p.config_address());
            for (rule, verdict) in &bucket.inline {
                let verdict = match verdict {
                    Verdict::UnknownUnlessUnset { attribute, detail } => {
                        let set = config_address
                            .as_deref()
                            .and_then(|a| config.sets(a, attribute));
                        if set == Some(false) {
                            Verdict::Pass
                        } else {
                            Verdict::Unknown(detail.clone())
                        }
                    }
                    other => other.clone(),
                };
                out.push(Judged {
                    rule: *rule,
                    address: bucket.address.clone(),
                    related: None,
                    verdict,
                    line: bucket.line,
                });
            }
            let mut has_block = false;
            for (companion, target) in self.companions.iter().zip(&targets) {
                let Target::Buckets(hits) = target else {
                    continue;
                };
                if !hits.contains(&index) {
                    continue;
                }
                has_block |= companion.kind == Kind::AccessBlock;
                out.push(Judged {
                    rule: companion.kind.rule(),
                    address: bucket.address.clone(),
                    related: Some(companion.address.clone()),
                    verdict: companion.verdict.clone(),
                    line: companion.line,
                });
            }
            if !has_block {
                let verdict = if block_unmatched {
                    Verdict::Unknown(
                        "a public-access block in the plan cannot be matched to a bucket".into(),
                    )
                } else if self.account_block {
                    Verdict::Pass
                } else {
                    Verdict::Fail("has no public-access block in the plan".into())
                };
                out.push(Judged {
                    rule: Rule::S3AccessBlockMissing,
                    address: bucket.address.clone(),
                    related: None,
                    verdict,
                    line: bucket.line,
                });
            }
        }
        for (companion, target) in self.companions.into_iter().zip(targets) {
            if !matches!(target, Target::Buckets(_)) {
                out.push(Judged {
                    rule: companion.kind.rule(),
                    address: companion.address,
                    related: None,
                    verdict: companion.verdict,
                    line: companion.line,
                });
            }
        }
        out
    }
}
