//! Image references: `[registry[:port]/]path[:tag][@digest]`.
//!
//! Only what the rules need: the tag, whether a `sha256` digest pins the
//! reference, and whether it floats (`:latest`, or neither tag nor digest).

/// A parsed image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry and path, without tag or digest.
    pub name: &'a str,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits `reference`; never fails (a malformed reference is judged as written).
    pub fn parse(reference: &'a str) -> Self {
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (reference, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let path_tail = rest.get(last_slash..).unwrap_or_default();
        let (name, tag) = match path_tail.rfind(':') {
            Some(colon) => (
                rest.get(..last_slash + colon).unwrap_or(rest),
                rest.get(last_slash + colon + 1..),
            ),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    /// Pinned by `@sha256:` and 64 hexadecimal digits.
    pub fn pinned(&self) -> bool {
        self.digest
            .and_then(|d| d.strip_prefix("sha256:"))
            .is_some_and(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
    }

    /// Tagged `latest`, or with neither a tag nor a digest (Docker then pulls `latest`).
    pub fn floating(&self) -> bool {
        match (self.tag, self.digest) {
            (Some(tag), _) => tag == "latest",
            (None, digest) => digest.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04";

    #[test]
    fn tags_digests_and_registries_with_ports() {
        let r = ImageRef::parse("registry.example:5000/team/app:1.2");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("registry.example:5000/team/app", Some("1.2"), None)
        );
        let r = ImageRef::parse("registry.example:5000/team/app");
        assert_eq!((r.name, r.tag), ("registry.example:5000/team/app", None));
        assert!(r.floating());
        assert!(ImageRef::parse("alpine:latest").floating());
        assert!(!ImageRef::parse("alpine:3.20").floating());
        let pinned = format!("tonistiigi/xx@{DIGEST}");
        let r = ImageRef::parse(&pinned);
        assert!(r.pinned() && !r.floating());
        let both = format!("golang:1.23@{DIGEST}");
        assert!(ImageRef::parse(&both).pinned());
        assert!(!ImageRef::parse("alpine@sha256:abc").pinned());
        assert!(!ImageRef::parse("alpine@sha512:abc").floating());
    }
}
