//! Terraform resource addresses such as `module.a["x"].module.b.aws_s3_bucket.logs[0]`.
//!
//! A plan names every resource instance by its address; the configuration names the
//! resource block by a module-relative address without instance keys. Linking the two (to
//! find which bucket a public-access block belongs to, or whether an attribute was set in
//! the configuration) needs the address split into its module instance, its module path
//! without keys, its resource block and its instance key. Keys are quoted strings that may
//! hold dots and brackets, so splitting on `.` is not enough. This module only splits
//! text: it never looks anything up.

/// One parsed resource instance address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The module instance, with keys: `module.a["x"].module.b`; empty for the root module.
    pub module: String,
    /// The module path without instance keys: `module.a.module.b`; empty for the root module.
    pub module_config: String,
    /// The resource block relative to its module: `aws_s3_bucket.logs` or `data.x.y`.
    pub block: String,
    /// The resource type, e.g. `aws_s3_bucket`.
    pub rtype: String,
    /// The instance key as written between brackets (`0`, `"k"`), if any.
    pub key: Option<String>,
}

/// One `name[key]` step of an address.
struct Step<'a> {
    name: &'a str,
    key: Option<&'a str>,
    text: &'a str,
}

/// Splits `text` into dot-separated steps, keeping quoted keys whole.
fn steps(text: &str) -> Option<Vec<Step<'_>>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i <= bytes.len() {
        let name_end = i;
        while i < bytes.len() && bytes.get(i).is_some_and(|b| *b != b'.' && *b != b'[') {
            i += 1;
        }
        let name = text.get(name_end..i)?;
        let mut key = None;
        if bytes.get(i) == Some(&b'[') {
            let key_start = i + 1;
            i = key_start;
            if bytes.get(i) == Some(&b'"') {
                i += 1;
                while i < bytes.len() && bytes.get(i) != Some(&b'"') {
                    i += if bytes.get(i) == Some(&b'\\') { 2 } else { 1 };
                }
                i += 1;
            }
            while i < bytes.len() && bytes.get(i) != Some(&b']') {
                i += 1;
            }
            if bytes.get(i) != Some(&b']') {
                return None;
            }
            key = Some(text.get(key_start..i)?);
            i += 1;
        }
        if name.is_empty() {
            return None;
        }
        out.push(Step {
            name,
            key,
            text: text.get(start..i)?,
        });
        match bytes.get(i) {
            None => break,
            Some(b'.') => {
                i += 1;
                start = i;
            }
            Some(_) => return None,
        }
    }
    Some(out)
}

impl Address {
    /// Parses a resource instance address; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Address> {
        let steps = steps(text)?;
        let mut module = Vec::new();
        let mut module_config = Vec::new();
        let mut rest = steps.as_slice();
        while let [first, second, tail @ ..] = rest {
            if first.name != "module" || first.key.is_some() || tail.is_empty() {
                break;
            }
            module.push(format!("module.{}", second.text));
            module_config.push(format!("module.{}", second.name));
            rest = tail;
        }
        let (block, rtype, key) = match rest {
            [data, rtype, name] if data.name == "data" && data.key.is_none() => (
                format!("data.{}.{}", rtype.name, name.name),
                rtype.name,
                name.key,
            ),
            [rtype, name] if rtype.key.is_none() && rtype.name != "module" => (
                format!("{}.{}", rtype.name, name.name),
                rtype.name,
                name.key,
            ),
            _ => return None,
        };
        Some(Address {
            module: module.join("."),
            module_config: module_config.join("."),
            block,
            rtype: rtype.to_owned(),
            key: key.map(str::to_owned),
        })
    }

    /// The configuration address of the block: module path without keys plus the block.
    pub fn config_address(&self) -> String {
        if self.module_config.is_empty() {
            self.block.clone()
        } else {
            format!("{}.{}", self.module_config, self.block)
        }
    }
}

/// The managed resource block a configuration reference points at, if it points at one:
/// `aws_s3_bucket.logs.id` and `aws_s3_bucket.logs[0]` both give `aws_s3_bucket.logs`.
/// References to variables, locals, modules, data sources and `each`/`count` give `None`.
pub fn referenced_block(reference: &str) -> Option<String> {
    let steps = steps(reference)?;
    let [rtype, name, ..] = steps.as_slice() else {
        return None;
    };
    const NOT_RESOURCES: [&str; 9] = [
        "var",
        "local",
        "module",
        "data",
        "each",
        "count",
        "path",
        "self",
        "terraform",
    ];
    if NOT_RESOURCES.contains(&rtype.name) || rtype.key.is_some() {
        return None;
    }
    Some(format!("{}.{}", rtype.name, name.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_resource() {
        let a = Address::parse("aws_s3_bucket.logs").unwrap();
        assert_eq!(a.module, "");
        assert_eq!(a.block, "aws_s3_bucket.logs");
        assert_eq!(a.rtype, "aws_s3_bucket");
        assert_eq!(a.key, None);
        assert_eq!(a.config_address(), "aws_s3_bucket.logs");
    }

    #[test]
    fn nested_modules_with_keys() {
        let a =
            Address::parse(r#"module.a["x.y[1]"].module.b[0].aws_s3_bucket.this["k"]"#).unwrap();
        assert_eq!(a.module, r#"module.a["x.y[1]"].module.b[0]"#);
        assert_eq!(a.module_config, "module.a.module.b");
        assert_eq!(a.block, "aws_s3_bucket.this");
        assert_eq!(a.key.as_deref(), Some(r#""k""#));
        assert_eq!(a.config_address(), "module.a.module.b.aws_s3_bucket.this");
    }

    #[test]
    fn data_source_and_escaped_quote() {
        let a = Address::parse(r#"module.m.data.aws_iam_policy_document.p["a\"]b"]"#).unwrap();
        assert_eq!(a.block, "data.aws_iam_policy_document.p");
        assert_eq!(a.rtype, "aws_iam_policy_document");
        assert_eq!(a.key.as_deref(), Some(r#""a\"]b""#));
    }

    #[test]
    fn malformed() {
        for text in [
            "",
            "x",
            "a.b.c.d",
            "a..b",
            "a.b[0",
            "a.b[0]x",
            "module.m",
            "module.x.module.y",
        ] {
            assert_eq!(Address::parse(text), None, "{text}");
        }
    }

    #[test]
    fn references() {
        assert_eq!(
            referenced_block("aws_s3_bucket.logs.id").as_deref(),
            Some("aws_s3_bucket.logs")
        );
        assert_eq!(
            referenced_block(r#"aws_s3_bucket.logs["a.b"].id"#).as_deref(),
            Some("aws_s3_bucket.logs")
        );
        for r in [
            "var.bucket",
            "module.m.id",
            "data.aws_s3_bucket.b.id",
            "each.key",
            "x",
        ] {
            assert_eq!(referenced_block(r), None, "{r}");
        }
    }
}
