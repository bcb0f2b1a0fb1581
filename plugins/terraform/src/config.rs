//! The plan's `configuration` section, reduced to what linking needs.
//!
//! Two questions need the configuration: which bucket a companion resource (ACL,
//! public-access block, policy, encryption) belongs to when its `bucket` value is unknown
//! until apply (its expression then names the bucket resource it references), and whether
//! an attribute that is unknown in the plan was set in the configuration at all (if not,
//! the provider computes it). Only the top-level expression keys and the `bucket`
//! references of each resource block are kept; all other expression content is skipped
//! unread.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The `configuration` object of a plan.
#[derive(Debug, Default, Deserialize)]
pub struct Configuration {
    #[serde(default)]
    root_module: Option<Module>,
}

#[derive(Debug, Default, Deserialize)]
struct Module {
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    module_calls: BTreeMap<String, ModuleCall>,
}

#[derive(Debug, Deserialize)]
struct ModuleCall {
    #[serde(default)]
    module: Option<Module>,
}

#[derive(Debug, Deserialize)]
struct Resource {
    address: String,
    #[serde(default)]
    expressions: Expressions,
}

/// The keys a resource block sets, and what its `bucket` expression references.
#[derive(Debug, Default, Clone)]
pub struct Expressions {
    keys: Vec<String>,
    bucket_refs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BucketExpression {
    Refs { references: Vec<String> },
    Other(IgnoredAny),
}

impl<'de> Deserialize<'de> for Expressions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExprVisitor;
        impl<'de> Visitor<'de> for ExprVisitor {
            type Value = Expressions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of expressions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Expressions, A::Error> {
                let mut out = Expressions::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "bucket" {
                        if let BucketExpression::Refs { references } = map.next_value()? {
                            out.bucket_refs = references;
                        }
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                    out.keys.push(key);
                }
                Ok(out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Expressions, E> {
                Ok(Expressions::default())
            }
        }
        deserializer.deserialize_any(ExprVisitor)
    }
}

/// Resource blocks by full configuration address (`module.a.module.b.aws_s3_bucket.x`).
#[derive(Debug, Default)]
pub struct ConfigIndex {
    present: bool,
    blocks: HashMap<String, Expressions>,
}

impl Configuration {
    /// Flattens the module tree into an index.
    pub fn index(self) -> ConfigIndex {
        let mut index = ConfigIndex {
            present: true,
            blocks: HashMap::new(),
        };
        let mut stack: Vec<(String, Module)> = self
            .root_module
            .map(|m| vec![(String::new(), m)])
            .unwrap_or_default();
        while let Some((prefix, module)) = stack.pop() {
            for resource in module.resources {
                index.blocks.insert(
                    format!("{prefix}{}", resource.address),
                    resource.expressions,
                );
            }
            for (name, call) in module.module_calls {
                if let Some(child) = call.module {
                    stack.push((format!("{prefix}module.{name}."), child));
                }
            }
        }
        index
    }
}

impl ConfigIndex {
    /// Whether the block at `config_address` sets `attribute`; `None` when the plan has no
    /// configuration for it, so nothing can be concluded.
    pub fn sets(&self, config_address: &str, attribute: &str) -> Option<bool> {
        if !self.present {
            return None;
        }
        self.blocks
            .get(config_address)
            .map(|e| e.keys.iter().any(|k| k == attribute))
    }

    /// The references of the `bucket` expression of the block at `config_address`.
    pub fn bucket_refs(&self, config_address: &str) -> &[String] {
        self.blocks
            .get(config_address)
            .map_or(&[], |e| e.bucket_refs.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_modules_and_keeps_bucket_refs() {
        let text = r#"{"provider_config": {}, "root_module": {
            "resources": [{"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
                           "expressions": {"bucket": {"constant_value": "x"}, "acl": {"references": ["var.acl"]}}}],
            "module_calls": {"m": {"source": "./m", "module": {"resources": [
                {"address": "aws_s3_bucket_acl.a", "expressions": {
                    "bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]},
                    "access_control_policy": [{"grant": [{"permission": {"constant_value": "READ"}}]}]}},
                {"address": "null_resource.n"}]}}}}}"#;
        let index = serde_json::from_str::<Configuration>(text).unwrap().index();
        assert_eq!(index.sets("aws_s3_bucket.b", "acl"), Some(true));
        assert_eq!(index.sets("aws_s3_bucket.b", "grant"), Some(false));
        assert_eq!(index.sets("aws_s3_bucket.missing", "acl"), None);
        assert_eq!(
            index.bucket_refs("module.m.aws_s3_bucket_acl.a"),
            ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]
        );
        assert!(index.bucket_refs("aws_s3_bucket.b").is_empty());
        assert_eq!(index.sets("module.m.null_resource.n", "x"), Some(false));
    }

    #[test]
    fn absent_configuration_concludes_nothing() {
        let index = ConfigIndex::default();
        assert_eq!(index.sets("aws_s3_bucket.b", "acl"), None);
    }
}
