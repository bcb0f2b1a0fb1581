//! The globs of the `required` setting, matched against bundle-relative paths.
//!
//! The same dialect as the host's `glob` matchers: `*` and `?` stay inside one path segment,
//! `**` crosses folders (`dist/**` is everything under `dist/`, `**/*.whl` every wheel), and
//! every other character stands for itself. Matching is a table over pattern and path
//! positions, so no pattern can make it take more than `pattern × path` steps.

/// Longest pattern accepted, in bytes (the host's limit for matcher text).
pub const MAX_PATTERN_BYTES: usize = 256;

/// A checked glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// One byte of the path, as is.
    Byte(u8),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters without `/`.
    Star,
    /// `**`: any run of characters, `/` included.
    Any,
    /// `**/`: nothing, or any run of whole segments with their `/`.
    AnyDirs,
}

impl Glob {
    /// Checks `text`: not empty, at most [`MAX_PATTERN_BYTES`], not absolute, no `..`
    /// segment (a bundle path never has one), no backslash.
    pub fn new(text: &str) -> Result<Glob, String> {
        if text.is_empty() {
            return Err("is empty".to_owned());
        }
        if text.len() > MAX_PATTERN_BYTES {
            return Err(format!("is longer than {MAX_PATTERN_BYTES} bytes"));
        }
        if text.starts_with('/') {
            return Err("is absolute; write it relative to the bundle".to_owned());
        }
        if text.contains('\\') {
            return Err("contains a backslash; separate folders with `/`".to_owned());
        }
        if text.split('/').any(|segment| segment == "..") {
            return Err("has a `..` segment, which no bundle path has".to_owned());
        }
        let bytes = text.as_bytes();
        let mut tokens = Vec::with_capacity(bytes.len());
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            match byte {
                b'*' if bytes.get(index + 1) == Some(&b'*') => {
                    if bytes.get(index + 2) == Some(&b'/') {
                        tokens.push(Token::AnyDirs);
                        index += 3;
                    } else {
                        tokens.push(Token::Any);
                        index += 2;
                    }
                }
                b'*' => {
                    tokens.push(Token::Star);
                    index += 1;
                }
                b'?' => {
                    tokens.push(Token::One);
                    index += 1;
                }
                other => {
                    tokens.push(Token::Byte(other));
                    index += 1;
                }
            }
        }
        Ok(Glob {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the bundle-relative `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.as_bytes();
        let width = path.len() + 1;
        // row[j]: the tokens from `i` on match `path[j..]`; computed from the last token back.
        let mut next = vec![false; width];
        if let Some(end) = next.last_mut() {
            *end = true;
        }
        // slash_after[j]: the first `/` at or after `j`.
        let mut slash_after = vec![None; width];
        for j in (0..path.len()).rev() {
            let value = if path.get(j) == Some(&b'/') {
                Some(j)
            } else {
                slash_after.get(j + 1).copied().flatten()
            };
            if let Some(cell) = slash_after.get_mut(j) {
                *cell = value;
            }
        }
        for token in self.tokens.iter().rev() {
            let mut row = vec![false; width];
            for j in (0..width).rev() {
                let here = path.get(j).copied();
                let after = |k: usize| next.get(k).copied().unwrap_or(false);
                let later = |row: &[bool], k: usize| row.get(k).copied().unwrap_or(false);
                let value = match token {
                    Token::Byte(b) => here == Some(*b) && after(j + 1),
                    Token::One => here.is_some_and(|c| c != b'/') && one_char(path, j, &next),
                    Token::Star => {
                        after(j) || (here.is_some_and(|c| c != b'/') && later(&row, j + 1))
                    }
                    Token::Any => after(j) || (here.is_some() && later(&row, j + 1)),
                    Token::AnyDirs => {
                        after(j)
                            || slash_after
                                .get(j)
                                .copied()
                                .flatten()
                                .is_some_and(|slash| later(&row, slash + 1))
                    }
                };
                if let Some(cell) = row.get_mut(j) {
                    *cell = value;
                }
            }
            next = row;
        }
        next.first().copied().unwrap_or(false)
    }
}

/// `?` matches one whole UTF-8 character starting at `j`, then `next` must hold after it.
fn one_char(path: &[u8], j: usize, next: &[bool]) -> bool {
    let Some(&lead) = path.get(j) else {
        return false;
    };
    let len = match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    next.get(j + len).copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn star_stays_in_one_segment() {
        assert!(matches("dist/*.tar.gz", "dist/app.tar.gz"));
        assert!(matches("dist/*.tar.gz", "dist/.tar.gz"));
        assert!(!matches("dist/*.tar.gz", "dist/sub/app.tar.gz"));
        assert!(!matches("dist/*.tar.gz", "other/app.tar.gz"));
        assert!(!matches("*.whl", "dist/a.whl"));
    }

    #[test]
    fn double_star_crosses_folders() {
        assert!(matches("**/*.whl", "a.whl"));
        assert!(matches("**/*.whl", "dist/py/a.whl"));
        assert!(matches("dist/**", "dist/a/b/c"));
        assert!(!matches("dist/**", "distx/a"));
        assert!(matches("dist/**/app", "dist/app"));
        assert!(matches("dist/**/app", "dist/x/y/app"));
        assert!(!matches("dist/**/app", "dist/xapp"));
        assert!(matches("a**b", "a/x/b"));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(matches("app-?.zip", "app-1.zip"));
        assert!(matches("app-?.zip", "app-é.zip"));
        assert!(!matches("app-?.zip", "app-12.zip"));
        assert!(!matches("a?b", "a/b"));
    }

    #[test]
    fn literal_text_must_be_whole() {
        assert!(matches("dist/app", "dist/app"));
        assert!(!matches("dist/app", "dist/app2"));
        assert!(!matches("dist/app", "dist/ap"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for (pattern, why) in [
            ("", "is empty"),
            ("/dist/*", "is absolute"),
            ("dist\\*", "backslash"),
            ("../x", "`..`"),
            ("a/../b", "`..`"),
        ] {
            let err = Glob::new(pattern).unwrap_err();
            assert!(err.contains(why), "{pattern}: {err}");
        }
        assert!(Glob::new(&"a".repeat(MAX_PATTERN_BYTES + 1)).is_err());
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(100);
        let path = "a".repeat(4000);
        assert!(matches(&format!("**{pattern}"), &path));
        assert!(!matches(&format!("{pattern}b"), &path));
    }
}
