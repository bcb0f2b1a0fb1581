//! The Dockerfile grammar, by hand: parser directives, comments, line
//! continuations, here-documents and instructions.
//!
//! It follows BuildKit's reader (the `dockerfile/1` frontend):
//!
//! - parser directives (`# syntax=`, `# escape=`, `# check=`) are read only at
//!   the top, until the first line that is not one; `# escape=` sets the
//!   continuation and escape character (`\` or `` ` ``);
//! - a line whose first non-blank character is `#` is a comment, also between
//!   continued lines, and blank lines inside a continuation are skipped;
//! - a line ending with the escape character (then optional blanks) continues
//!   on the next one, joined without a separator;
//! - `RUN`, `COPY` and `ADD` take here-documents: every word `<<NAME`,
//!   `<<-NAME` or `<<"NAME"` of the instruction reads the following lines up
//!   to a line equal to `NAME` (tabs stripped for `<<-`);
//! - keywords are case-insensitive.
//!
//! What BuildKit would refuse (an unknown instruction, an unterminated
//! here-document, a bad escape directive, an instruction before the first
//! `FROM`) is kept as a [`Problem`], never a panic: the rules still judge the
//! rest. The parser is bounded by the text it is given (see `source`) and by
//! [`MAX_INSTRUCTIONS`].

use crate::instruction::{Heredoc, Instruction, Located, heredoc_markers};

/// Most instructions read from one file.
pub const MAX_INSTRUCTIONS: usize = 10_000;

/// Every instruction BuildKit knows.
pub const KEYWORDS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Something in the file that `docker build` would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong, naming the offending text.
    pub message: String,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\`, or `` ` `` after `# escape=`` ` ``).
    pub escape: char,
    /// The `# syntax=` directive's value, if any, with its line.
    pub syntax: Option<(String, usize)>,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
    /// What BuildKit would refuse.
    pub problems: Vec<Problem>,
}

impl Dockerfile {
    /// How many instructions have a keyword BuildKit knows.
    pub fn known_instructions(&self) -> usize {
        self.instructions
            .iter()
            .filter(|i| KEYWORDS.contains(&i.keyword.as_str()))
            .count()
    }
}

/// Why a file could not be parsed at all.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// More instructions than [`MAX_INSTRUCTIONS`].
    #[error("`{path}` has more than {limit} instructions")]
    TooManyInstructions {
        /// Bundle-relative path.
        path: String,
        /// The cap.
        limit: usize,
    },
}

/// A parser directive line: `# key = value`, key lowercased.
fn directive(line: &str) -> Option<(String, &str)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let key_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let key = rest.get(..key_len)?;
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest.get(key_len..)?.trim_start().strip_prefix('=')?.trim();
    (!value.is_empty()).then(|| (key.to_ascii_lowercase(), value))
}

/// `line` without a trailing escape character (and blanks after it), and
/// whether it continues on the next line.
fn continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(part) => (part, true),
        None => (line, false),
    }
}

/// Parses `text` (already bounded by `source::read_text`).
pub fn parse(text: &str, path: &str) -> Result<Dockerfile, ParseError> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut file = Dockerfile {
        escape: '\\',
        syntax: None,
        instructions: Vec::new(),
        problems: Vec::new(),
    };
    let mut i = read_directives(&lines, &mut file);
    let mut seen_from = false;
    while let Some(line) = lines.get(i) {
        let start = i + 1;
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut joined = Located::new();
        let (part, mut more) = continuation(trimmed, file.escape);
        joined.push(part, start);
        while more {
            let Some(next) = lines.get(i) else { break };
            i += 1;
            let t = next.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (part, again) = continuation(next, file.escape);
            joined.push(part, i);
            more = again;
        }
        let keyword_end = joined
            .text
            .find(char::is_whitespace)
            .unwrap_or(joined.text.len());
        let keyword = joined
            .text
            .get(..keyword_end)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let after = joined.text.get(keyword_end..).unwrap_or_default();
        let args = joined.tail(keyword_end + (after.len() - after.trim_start().len()));
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (name, strip_tabs) in heredoc_markers(&args.text, file.escape) {
                let (heredoc, next) = read_heredoc(&lines, i, name, strip_tabs);
                i = next;
                if !heredoc.terminated {
                    file.problems.push(Problem {
                        line: start,
                        message: format!(
                            "the here-document `{}` started at line {start} is never terminated",
                            heredoc.name
                        ),
                    });
                }
                heredocs.push(heredoc);
            }
        }
        if !KEYWORDS.contains(&keyword.as_str()) {
            let shown = stagegate_sdk::text::clip(&keyword, 40);
            file.problems.push(Problem {
                line: start,
                message: format!("unknown instruction `{shown}`"),
            });
        } else if keyword == "FROM" {
            seen_from = true;
        } else if !seen_from && keyword != "ARG" {
            file.problems.push(Problem {
                line: start,
                message: format!("`{keyword}` comes before the first `FROM`"),
            });
        }
        if file.instructions.len() >= MAX_INSTRUCTIONS {
            return Err(ParseError::TooManyInstructions {
                path: path.to_owned(),
                limit: MAX_INSTRUCTIONS,
            });
        }
        file.instructions.push(Instruction {
            keyword,
            line: start,
            args,
            heredocs,
        });
    }
    if !seen_from && file.known_instructions() > 0 {
        file.problems.push(Problem {
            line: 0,
            message: "no `FROM` instruction".into(),
        });
    }
    Ok(file)
}

/// Reads the parser directives at the top; returns the index of the first other line.
fn read_directives(lines: &[&str], file: &mut Dockerfile) -> usize {
    let mut seen: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some((key, value)) = lines.get(i).and_then(|l| directive(l)) {
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            // BuildKit reads an unknown directive as a comment, which ends the directives.
            break;
        }
        let line = i + 1;
        i += 1;
        if seen.contains(&key) {
            file.problems.push(Problem {
                line,
                message: format!("the `{key}` parser directive is given twice"),
            });
            continue;
        }
        match key.as_str() {
            "escape" => match value {
                "\\" => file.escape = '\\',
                "`" => file.escape = '`',
                other => file.problems.push(Problem {
                    line,
                    message: format!(
                        "invalid escape directive `{}`: must be ` or \\",
                        stagegate_sdk::text::clip(other, 20)
                    ),
                }),
            },
            "syntax" => file.syntax = Some((stagegate_sdk::text::clip(value, 200), line)),
            _ => {}
        }
        seen.push(key);
    }
    i
}

/// Reads a here-document body from line index `i`; returns it and the next line index.
fn read_heredoc(lines: &[&str], mut i: usize, name: String, strip_tabs: bool) -> (Heredoc, usize) {
    let mut body = Located::new();
    let mut terminated = false;
    while let Some(line) = lines.get(i) {
        i += 1;
        let line = if strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == name {
            terminated = true;
            break;
        }
        body.push(line, i);
        body.push("\n", i);
    }
    let heredoc = Heredoc {
        name,
        strip_tabs,
        body,
        terminated,
    };
    (heredoc, i)
}

#[cfg(test)]
mod tests;
