//! Following a multi-line private-key block after its header line.
//!
//! A `-----BEGIN … PRIVATE KEY-----` line alone is not a leak: scanner reports
//! and documentation quote the header without any key. A [`KeyBlock`] starts at
//! a header that ends its line and reads the following lines: optional
//! `Proc-Type:`/`DEK-Info:` headers, base64 key material, the `-----END` line.
//! It is a leak when at least [`MIN_KEY_MATERIAL`] base64 characters follow.
//! The fingerprint is taken over the key material only (the base64 characters
//! of the body, without armor, headers or line breaks), so the same key has the
//! same fingerprint in a `.pem` file and JSON-escaped inside a report. It is
//! hashed as it streams by; no line is stored (outside test builds), and a
//! block gives up after [`MAX_LINES`].

use crate::detect::{BlockLine, MAX_BLOCK_LINES, MIN_KEY_MATERIAL, block_line};
use crate::hit::{Hit, Kind};
use crate::value::Fingerprint;

/// Lines after the header after which a block that has not ended is closed.
pub const MAX_LINES: usize = MAX_BLOCK_LINES;

/// An open key block.
#[derive(Debug, Clone)]
pub struct KeyBlock {
    line: u64,
    detail: String,
    /// Started at the first line of key material.
    fingerprint: Option<Fingerprint>,
    material: usize,
    lines: usize,
    #[cfg(test)]
    value: String,
}

/// What one more line did to a block.
#[derive(Debug)]
pub enum Fed {
    /// The block goes on.
    Open(KeyBlock),
    /// The block ended; a hit when it held key material.
    Closed(Option<Hit>),
}

impl KeyBlock {
    /// Opens a block whose header is on line `line`; `detail` is the key type.
    pub fn start(line: u64, detail: String) -> Self {
        Self {
            line,
            detail,
            fingerprint: None,
            material: 0,
            lines: 0,
            #[cfg(test)]
            value: String::new(),
        }
    }

    /// The line of the header.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Feeds the next line; `whole` is false when the line was too long for
    /// one window, which no key line is.
    pub fn feed(mut self, text: &str, whole: bool) -> Fed {
        let trimmed = text.trim();
        self.lines += 1;
        if !whole || self.lines > MAX_LINES {
            return Fed::Closed(self.close());
        }
        match block_line(trimmed, self.material > 0) {
            BlockLine::End | BlockLine::Outside => return Fed::Closed(self.close()),
            BlockLine::Header => {}
            BlockLine::Material => {
                self.material += trimmed.len();
                self.fingerprint
                    .get_or_insert_with(|| Fingerprint::new(trimmed))
                    .update(trimmed.as_bytes());
                #[cfg(test)]
                self.value.push_str(trimmed);
            }
        }
        Fed::Open(self)
    }

    /// Ends the block (end of file, or a line that is not part of it).
    pub fn close(self) -> Option<Hit> {
        let fingerprint = self
            .fingerprint
            .filter(|_| self.material >= MIN_KEY_MATERIAL)?;
        Some(Hit {
            kind: Kind::PrivateKey,
            line: self.line,
            fingerprint: fingerprint.finish(),
            example: false,
            detail: self.detail,
            #[cfg(test)]
            value: self.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Option<Hit> {
        assert!(lines[0].starts_with("-----BEGIN"));
        let mut block = KeyBlock::start(7, "RSA".into());
        for line in &lines[1..] {
            match block.feed(line, true) {
                Fed::Open(b) => block = b,
                Fed::Closed(hit) => return hit,
            }
        }
        block.close()
    }

    #[test]
    fn block_with_material_is_a_hit_at_the_header_line() {
        let hit = run(&[
            "-----BEGIN RSA PRIVATE KEY-----",
            "MIIEogIBAAKCAQEAsr+KT0qCARZPy0K1eH7xcp7RCJmQxlfSoWnBb+ltPuFtku7p",
            "-----END RSA PRIVATE KEY-----",
        ])
        .unwrap();
        assert_eq!((hit.kind, hit.line), (Kind::PrivateKey, 7));
        assert!(hit.fingerprint.starts_with("MIIE…"));
        assert_eq!(
            hit.value,
            "MIIEogIBAAKCAQEAsr+KT0qCARZPy0K1eH7xcp7RCJmQxlfSoWnBb+ltPuFtku7p"
        );
    }

    #[test]
    fn encrypted_pem_headers_are_part_of_the_block() {
        let hit = run(&[
            "-----BEGIN RSA PRIVATE KEY-----",
            "Proc-Type: 4,ENCRYPTED",
            "DEK-Info: AES-128-CBC,5E5ED1F4E3A2F7A1D4B0C2E1F0A9B8C7",
            "",
            "dGhpcyBpcyBub3QgYSByZWFsIGtleSBqdXN0IHRlc3QgZGF0YQ==",
            "-----END RSA PRIVATE KEY-----",
        ]);
        assert!(hit.is_some());
    }

    #[test]
    fn header_without_material_is_not_a_hit() {
        assert!(run(&["-----BEGIN OPENSSH PRIVATE KEY-----", "\"lineNumber\": 13,"]).is_none());
        assert!(run(&["-----BEGIN OPENSSH PRIVATE KEY-----"]).is_none());
        assert!(
            run(&[
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "abc",
                "-----END OPENSSH PRIVATE KEY-----"
            ])
            .is_none()
        );
    }

    #[test]
    fn truncated_block_with_material_still_counts() {
        assert!(
            run(&[
                "-----BEGIN EC PRIVATE KEY-----",
                "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oDn",
                "}"
            ])
            .is_some()
        );
    }
}
