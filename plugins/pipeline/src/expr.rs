//! GitHub Actions expressions (`${{ … }}`): which contexts they read and
//! whether their value can carry attacker-controlled text.
//!
//! An expression is tokenized and parsed (operators, function calls, member
//! and index access) into a small taint analysis: a context path is tainted
//! when it matches [`UNTRUSTED`] (GitHub's security hardening guide and
//! GitHub Security Lab's list of attacker-controlled event fields) or is an
//! object that holds one (`toJSON(github.event.pull_request)`); comparisons,
//! `!`, `contains`, `startsWith`, `endsWith`, `hashFiles` and the status
//! functions yield booleans or digests and clean the value; `&&`, `||`,
//! `format`, `join`, `toJSON` and `fromJSON` pass taint through. Paths are
//! normalized: lowercase, `['x']` as `.x`, indices and `.*` as `*`. An
//! expression that does not parse is judged by the paths it names, so an
//! odd expression can only add findings, never hide one. This module reads
//! text only; where the text lands (`run:`, `script:`) is `github`'s business.

use std::collections::BTreeSet;

/// Attacker-controlled fields of event payloads, by context path. `*` is one
/// segment (an index); a trailing `**` is any non-empty rest.
pub const UNTRUSTED: [&str; 26] = [
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.head_commit.author.username",
    "github.head_ref",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.**",
    "github.event.workflow_run.display_title",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.discussion_comment.body",
];

/// Most expressions read from one value; the rest are ignored (a value with
/// more is not a real workflow).
pub const MAX_EXPRESSIONS: usize = 1000;

/// Deepest nesting of parentheses and calls parsed; deeper expressions are
/// judged by the paths they name.
const MAX_DEPTH: usize = 64;

/// The inner texts of every `${{ … }}` in `text` (quotes inside respected; an
/// unterminated one runs to the end).
pub fn expressions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if out.len() >= MAX_EXPRESSIONS {
            break;
        }
        let body = rest.get(start + 3..).unwrap_or_default();
        let mut in_string = false;
        let mut end = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes.get(i) {
                Some(b'\'') => in_string = !in_string,
                Some(b'}') if !in_string && bytes.get(i + 1) == Some(&b'}') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        match end {
            Some(end) => {
                out.push(body.get(..end).unwrap_or_default().trim());
                rest = body.get(end + 2..).unwrap_or_default();
            }
            None => {
                out.push(body.trim());
                break;
            }
        }
    }
    out
}

/// The untrusted contexts whose text the expression's value can carry, sorted.
pub fn tainted(expression: &str) -> Vec<String> {
    let tokens = tokenize(expression);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
    };
    let parsed = parser.or().filter(|_| parser.at >= tokens.len());
    let set = match parsed {
        Some(value) => value.resolve(),
        None => paths_of(&tokens)
            .into_iter()
            .filter(|p| is_untrusted(p))
            .map(|p| p.join("."))
            .collect(),
    };
    set.into_iter().collect()
}

/// Every context path the expression names (normalized and joined), whatever
/// its value: `actions/checkout`'s `ref`, `secrets.*`.
pub fn paths(expression: &str) -> Vec<String> {
    paths_of(&tokenize(expression))
        .into_iter()
        .map(|p| p.join("."))
        .collect()
}

/// Whether the normalized path (segments) is untrusted or an object holding an untrusted field.
pub fn is_untrusted(path: &[String]) -> bool {
    UNTRUSTED.iter().any(|pattern| {
        let pattern: Vec<&str> = pattern.split('.').collect();
        let (fixed, rest_any) = match pattern.split_last() {
            Some((&"**", fixed)) => (fixed, true),
            _ => (pattern.as_slice(), false),
        };
        let prefix_matches = path
            .iter()
            .zip(fixed.iter())
            .all(|(s, p)| *p == "*" || s == p);
        if !prefix_matches {
            return false;
        }
        // Shorter: an object holding the field; equal: the field; longer: inside `**`.
        path.len() <= fixed.len() || rest_any
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num,
    Dot,
    Star,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Not,
    Cmp,
    And,
    Or,
    Other,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '\'' => {
                let mut value = String::new();
                while let Some(&d) = chars.get(i) {
                    i += 1;
                    if d == '\'' {
                        if chars.get(i) == Some(&'\'') {
                            value.push('\'');
                            i += 1;
                        } else {
                            break;
                        }
                    } else {
                        value.push(d);
                    }
                }
                out.push(Tok::Str(value));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut ident = String::from(c);
                while let Some(&d) = chars.get(i) {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '-' {
                        ident.push(d);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Tok::Ident(ident.to_ascii_lowercase()));
            }
            c if c.is_ascii_digit() => {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.' || *d == '_')
                {
                    i += 1;
                }
                out.push(Tok::Num);
            }
            '.' => out.push(Tok::Dot),
            '*' => out.push(Tok::Star),
            '[' => out.push(Tok::LBracket),
            ']' => out.push(Tok::RBracket),
            '(' => out.push(Tok::LParen),
            ')' => out.push(Tok::RParen),
            ',' => out.push(Tok::Comma),
            '&' if next == Some('&') => {
                i += 1;
                out.push(Tok::And);
            }
            '|' if next == Some('|') => {
                i += 1;
                out.push(Tok::Or);
            }
            '=' | '!' | '<' | '>' if next == Some('=') => {
                i += 1;
                out.push(Tok::Cmp);
            }
            '<' | '>' => out.push(Tok::Cmp),
            '!' => out.push(Tok::Not),
            _ => out.push(Tok::Other),
        }
    }
    out
}

/// Every dotted path in the tokens, normalized, without parsing.
fn paths_of(tokens: &[Tok]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(tok) = tokens.get(i) {
        let preceded_by_dot = i > 0 && tokens.get(i - 1) == Some(&Tok::Dot);
        let Tok::Ident(first) = tok else {
            i += 1;
            continue;
        };
        if preceded_by_dot || tokens.get(i + 1) == Some(&Tok::LParen) {
            i += 1;
            continue;
        }
        let mut path = vec![first.clone()];
        i += 1;
        loop {
            match (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2)) {
                (Some(Tok::Dot), Some(Tok::Ident(name)), _) => {
                    path.push(name.clone());
                    i += 2;
                }
                (Some(Tok::Dot), Some(Tok::Star), _) => {
                    path.push("*".into());
                    i += 2;
                }
                (Some(Tok::LBracket), Some(Tok::Str(name)), Some(Tok::RBracket)) => {
                    path.push(name.to_ascii_lowercase());
                    i += 3;
                }
                (Some(Tok::LBracket), Some(_), Some(Tok::RBracket)) => {
                    path.push("*".into());
                    i += 3;
                }
                _ => break,
            }
        }
        out.push(path);
    }
    out
}

/// A partly evaluated value: a context path still being extended, plus the
/// untrusted contexts it already carries.
#[derive(Debug, Default)]
struct Value {
    path: Option<Vec<String>>,
    taint: BTreeSet<String>,
}

impl Value {
    fn clean() -> Self {
        Self::default()
    }

    fn resolve(self) -> BTreeSet<String> {
        let mut taint = self.taint;
        if let Some(path) = self.path
            && is_untrusted(&path)
        {
            taint.insert(path.join("."));
        }
        taint
    }
}

struct Parser<'t> {
    tokens: &'t [Tok],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<Value> {
        let mut left = self.and()?;
        while self.eat(&Tok::Or) {
            let right = self.and()?;
            left = union(left, right);
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Value> {
        let mut left = self.comparison()?;
        while self.eat(&Tok::And) {
            let right = self.comparison()?;
            left = union(left, right);
        }
        Some(left)
    }

    fn comparison(&mut self) -> Option<Value> {
        let left = self.unary()?;
        if self.eat(&Tok::Cmp) {
            self.unary()?;
            // A comparison is a boolean, whatever it compares.
            while self.eat(&Tok::Cmp) {
                self.unary()?;
            }
            return Some(Value::clean());
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Value> {
        if self.eat(&Tok::Not) {
            self.unary()?;
            return Some(Value::clean());
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let mut value = self.primary()?;
        loop {
            if self.eat(&Tok::Dot) {
                let segment = match self.peek().cloned() {
                    Some(Tok::Ident(name)) => name,
                    Some(Tok::Star) => "*".into(),
                    _ => return None,
                };
                self.at += 1;
                if let Some(path) = value.path.as_mut() {
                    path.push(segment);
                }
            } else if self.eat(&Tok::LBracket) {
                let segment = match (self.peek().cloned(), self.tokens.get(self.at + 1)) {
                    (Some(Tok::Str(name)), Some(Tok::RBracket)) => {
                        self.at += 1;
                        name.to_ascii_lowercase()
                    }
                    (Some(Tok::Star), Some(Tok::RBracket)) => {
                        self.at += 1;
                        "*".into()
                    }
                    _ => {
                        let index = self.or()?;
                        value.taint.extend(index.resolve());
                        "*".into()
                    }
                };
                if !self.eat(&Tok::RBracket) {
                    return None;
                }
                if let Some(path) = value.path.as_mut() {
                    path.push(segment);
                }
            } else {
                break;
            }
        }
        self.depth -= 1;
        Some(value)
    }

    fn primary(&mut self) -> Option<Value> {
        match self.peek().cloned()? {
            Tok::Ident(name) => {
                self.at += 1;
                if self.eat(&Tok::LParen) {
                    let mut args = Vec::new();
                    if !self.eat(&Tok::RParen) {
                        loop {
                            args.push(self.or()?);
                            if self.eat(&Tok::RParen) {
                                break;
                            }
                            if !self.eat(&Tok::Comma) {
                                return None;
                            }
                        }
                    }
                    let cleans = matches!(
                        name.as_str(),
                        "contains"
                            | "startswith"
                            | "endswith"
                            | "hashfiles"
                            | "success"
                            | "always"
                            | "failure"
                            | "cancelled"
                    );
                    let mut value = Value::clean();
                    if !cleans {
                        for arg in args {
                            value.taint.extend(arg.resolve());
                        }
                    }
                    Some(value)
                } else {
                    Some(Value {
                        path: Some(vec![name]),
                        taint: BTreeSet::new(),
                    })
                }
            }
            Tok::Str(_) | Tok::Num => {
                self.at += 1;
                Some(Value::clean())
            }
            Tok::LParen => {
                self.at += 1;
                let inner = self.or()?;
                if !self.eat(&Tok::RParen) {
                    return None;
                }
                // A parenthesized path is a value, not a path to extend.
                Some(Value {
                    path: None,
                    taint: inner.resolve(),
                })
            }
            _ => None,
        }
    }
}

fn union(left: Value, right: Value) -> Value {
    let mut taint = left.resolve();
    taint.extend(right.resolve());
    Value { path: None, taint }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_found_with_quotes_respected() {
        assert_eq!(
            expressions("a ${{ x }} b ${{ format('}}', y) }} c ${{ z"),
            vec!["x", "format('}}', y)", "z"]
        );
        assert!(expressions("no expression here").is_empty());
    }

    #[test]
    fn untrusted_fields_are_tainted_and_normalized() {
        assert_eq!(
            tainted("github.event.issue.title"),
            ["github.event.issue.title"]
        );
        assert_eq!(
            tainted("GitHub.Event.Issue.Title"),
            ["github.event.issue.title"]
        );
        assert_eq!(
            tainted("github.event['pull_request']['head'].ref"),
            ["github.event.pull_request.head.ref"]
        );
        assert_eq!(
            tainted("github.event.commits[0].message"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(
            tainted("github.event.workflow_run.head_commit.author.name"),
            ["github.event.workflow_run.head_commit.author.name"]
        );
        assert_eq!(tainted("github.head_ref || 'main'"), ["github.head_ref"]);
        assert_eq!(
            tainted("toJSON(github.event.pull_request)"),
            ["github.event.pull_request"]
        );
        assert_eq!(
            tainted("format('{0}-{1}', github.event.issue.body, github.run_id)"),
            ["github.event.issue.body"]
        );
    }

    #[test]
    fn trusted_values_and_booleans_are_clean() {
        for clean in [
            "github.event.pull_request.head.sha",
            "github.event.pull_request.number",
            "github.event.pull_request.head.repo.fork",
            "github.event.workflow_run.pull_requests.*.base.repo.id",
            "github.event.issue.title == 'x'",
            "contains(github.event.issue.title, 'bug')",
            "!github.event.issue.body",
            "startsWith(github.head_ref, 'release/')",
            "matrix.os",
            "secrets.GITHUB_TOKEN",
            "inputs.name",
            "'${{ github.event.issue.title }}'",
        ] {
            assert!(tainted(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn unparsable_expressions_fall_back_to_the_paths_they_name() {
        assert_eq!(
            tainted("github.event.issue.title ) ("),
            ["github.event.issue.title"]
        );
        let deep = format!("{}github.head_ref{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(tainted(&deep), ["github.head_ref"]);
    }

    #[test]
    fn paths_lists_every_context() {
        assert_eq!(
            paths("github.event.pull_request.head.sha || secrets['MY_TOKEN']"),
            ["github.event.pull_request.head.sha", "secrets.my_token"]
        );
    }
}
