//! A small, lenient reader of package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`),
//! the identifier SBOMs and scanners use to name packages. It extracts only what the plugin needs
//! (type, namespace, name, version) and never fails loudly: text that is not a package URL gives
//! `None`. It must not validate types or qualifiers, which vary between tools.

/// The parts of a package URL this plugin uses, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The package type, lowercase (`npm`, `pypi`, `maven`, `deb` ...).
    pub kind: String,
    /// The namespace (npm scope with its `@`, Maven group, distribution ...), if any.
    pub namespace: Option<String>,
    /// The package name.
    pub name: String,
    /// The version, if any.
    pub version: Option<String>,
}

impl Purl {
    /// Parses `text`; `None` when it does not start with `pkg:` or has no name.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix("pkg:")?;
        let rest = rest.split('#').next().unwrap_or("");
        let rest = rest.split('?').next().unwrap_or("");
        let rest = rest.trim_start_matches('/');
        let (kind, path) = rest.split_once('/')?;
        let (path, version) = match path.rsplit_once('@') {
            // An `@` inside the path (a raw npm scope) is not a version separator.
            Some((p, v)) if !p.is_empty() && !v.contains('/') => (p, Some(decode(v))),
            _ => (path, None),
        };
        let path = path.trim_matches('/');
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, name)) => (Some(decode(ns)), decode(name)),
            None => (None, decode(path)),
        };
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self {
            kind: kind.to_ascii_lowercase(),
            namespace: namespace.filter(|n| !n.is_empty()),
            name,
            version: version.filter(|v| !v.is_empty()),
        })
    }

    /// The name a person would use: `@scope/name` for npm, `group:artifact` for Maven,
    /// `namespace/name` for source-hosted ecosystems, and the bare name otherwise (for OS
    /// packages the namespace is the distribution, not part of the name).
    pub fn display_name(&self) -> String {
        match (self.kind.as_str(), &self.namespace) {
            ("maven", Some(ns)) => format!("{ns}:{}", self.name),
            ("npm" | "composer" | "golang" | "github" | "bitbucket" | "swift", Some(ns)) => {
                format!("{ns}/{}", self.name)
            }
            _ => self.name.clone(),
        }
    }
}

/// Percent-decodes `text`; malformed escapes are kept as they are.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_scoped_and_plain() {
        let p = Purl::parse("pkg:npm/%40jest/core@29.7.0").unwrap();
        assert_eq!(p.kind, "npm");
        assert_eq!(p.namespace.as_deref(), Some("@jest"));
        assert_eq!(p.name, "core");
        assert_eq!(p.version.as_deref(), Some("29.7.0"));
        assert_eq!(p.display_name(), "@jest/core");
        let p = Purl::parse("pkg:npm/jquery@3.3.9").unwrap();
        assert_eq!(p.display_name(), "jquery");
    }

    #[test]
    fn qualifiers_subpath_and_distro_namespace() {
        let p = Purl::parse("pkg:deb/debian/bash@5.0-4?arch=amd64&distro=debian-10.1#x").unwrap();
        assert_eq!(p.display_name(), "bash");
        assert_eq!(p.version.as_deref(), Some("5.0-4"));
        let p = Purl::parse("pkg:maven/org.springframework/spring-beans@5.3.15?type=jar").unwrap();
        assert_eq!(p.display_name(), "org.springframework:spring-beans");
        let p = Purl::parse("pkg:pypi/requests").unwrap();
        assert_eq!(p.version, None);
    }

    #[test]
    fn not_purls() {
        assert_eq!(Purl::parse("product-ABC"), None);
        assert_eq!(Purl::parse("pkg:"), None);
        assert_eq!(Purl::parse("pkg:npm/"), None);
        assert_eq!(decode("a%zz%4"), "a%zz%4");
    }
}
