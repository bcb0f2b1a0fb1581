//! Build variables (`ARG`, `ENV`) and their substitution in instruction words.
//!
//! Docker expands `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
//! `${NAME:+alt}`, `${NAME+alt}` and `${NAME:?message}` in `FROM`, `USER`,
//! `ADD`, `COPY`, `ENV`, `ARG` and friends (never in `RUN`, which the shell
//! expands later), removes quotes and honours the escape character. What cannot
//! be known from the file (an `ARG` without a default, a build platform
//! variable, a pattern operator such as `${NAME%%-*}`) is reported as
//! unresolved, never guessed. Values are capped at [`MAX_VALUE_BYTES`] and
//! nesting at [`MAX_DEPTH`], so `ARG B=$A$A$A$A` chains cannot grow without bound.

use std::collections::BTreeMap;

/// Longest expanded word kept, in bytes; a longer one is cut and marked unresolved.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Deepest `${A:-${B:-...}}` nesting followed.
pub const MAX_DEPTH: usize = 8;

/// Variables in scope: a name with no value is declared (`ARG NAME`) but unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<String, Option<String>>);

impl Vars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `name`, with `value` when it has one.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        self.0.insert(name.to_owned(), value);
    }

    /// The value of `name`, if it is set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.as_deref())
    }
}

/// One word after quote removal and substitution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Variables it used that have no known value (sorted, deduplicated when read via [`Word::unresolved`]).
    unresolved: Vec<String>,
}

impl Word {
    /// The variables without a known value that this word used.
    pub fn unresolved(&self) -> Vec<String> {
        let mut names = self.unresolved.clone();
        names.sort();
        names.dedup();
        names
    }

    /// Whether every variable it used had a known value.
    pub fn resolved(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// `input` as one word: quotes removed, variables substituted.
pub fn expand(input: &str, vars: &Vars, escape: char) -> Word {
    let chars: Vec<char> = input.chars().collect();
    let mut words = process(&chars, vars, escape, false, 0);
    words.pop().unwrap_or_default()
}

/// `input` split into words at unquoted blanks, each expanded.
pub fn words(input: &str, vars: &Vars, escape: char) -> Vec<Word> {
    let chars: Vec<char> = input.chars().collect();
    process(&chars, vars, escape, true, 0)
}

fn mark_too_long(word: &mut Word) {
    if !word.unresolved.iter().any(|n| n == "(too long)") {
        word.unresolved.push("(too long)".into());
    }
}

fn push_char(word: &mut Word, c: char) {
    if word.text.len() + c.len_utf8() <= MAX_VALUE_BYTES {
        word.text.push(c);
    } else {
        mark_too_long(word);
    }
}

fn push_str(word: &mut Word, s: &str) {
    let room = MAX_VALUE_BYTES.saturating_sub(word.text.len());
    if s.len() <= room {
        word.text.push_str(s);
        return;
    }
    let mut cut = room;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    word.text.push_str(s.get(..cut).unwrap_or_default());
    mark_too_long(word);
}

fn process(chars: &[char], vars: &Vars, escape: char, split: bool, depth: usize) -> Vec<Word> {
    let mut words = Vec::new();
    let mut word = Word::default();
    let mut started = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c == escape {
            started = true;
            push_char(&mut word, chars.get(i).copied().unwrap_or(escape));
            i += 1;
        } else if c == '\'' {
            started = true;
            while let Some(&q) = chars.get(i) {
                i += 1;
                if q == '\'' {
                    break;
                }
                push_char(&mut word, q);
            }
        } else if c == '"' {
            started = true;
            while let Some(&q) = chars.get(i) {
                i += 1;
                if q == '"' {
                    break;
                }
                if q == escape {
                    match chars.get(i) {
                        Some(&next) if matches!(next, '"' | '$') || next == escape => {
                            push_char(&mut word, next);
                            i += 1;
                        }
                        _ => push_char(&mut word, q),
                    }
                } else if q == '$' {
                    i = substitute(chars, i, vars, escape, depth, &mut word);
                } else {
                    push_char(&mut word, q);
                }
            }
        } else if c == '$' {
            started = true;
            i = substitute(chars, i, vars, escape, depth, &mut word);
        } else if split && c.is_whitespace() {
            if started {
                words.push(std::mem::take(&mut word));
                started = false;
            }
        } else {
            started = true;
            push_char(&mut word, c);
        }
    }
    if started || !split {
        words.push(word);
    }
    words
}

/// Substitutes the variable reference after a `$` at `i`; returns the index after it.
fn substitute(
    chars: &[char],
    i: usize,
    vars: &Vars,
    escape: char,
    depth: usize,
    word: &mut Word,
) -> usize {
    let is_name = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    match chars.get(i) {
        Some('{') => {
            let mut level = 1;
            let mut j = i + 1;
            while let Some(&c) = chars.get(j) {
                if c == '{' {
                    level += 1;
                } else if c == '}' {
                    level -= 1;
                    if level == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let inner = chars.get(i + 1..j).unwrap_or_default();
            braced(inner, vars, escape, depth, word);
            j + 1
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let len = chars
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| is_name(c))
                .count();
            let name: String = chars.get(i..i + len).unwrap_or_default().iter().collect();
            lookup(&name, vars, word);
            i + len
        }
        _ => {
            push_char(word, '$');
            i
        }
    }
}

fn lookup(name: &str, vars: &Vars, word: &mut Word) {
    match vars.get(name) {
        Some(value) => push_str(word, value),
        None => word.unresolved.push(name.to_owned()),
    }
}

/// `${...}`: a name, then nothing or an operator and a word.
fn braced(inner: &[char], vars: &Vars, escape: char, depth: usize, word: &mut Word) {
    let len = inner
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
        .count();
    let name: String = inner.get(..len).unwrap_or_default().iter().collect();
    let rest = inner.get(len..).unwrap_or_default();
    let value = vars.get(&name).map(str::to_owned);
    let (colon, op, arg) = match rest {
        [':', op, arg @ ..] => (true, Some(*op), arg),
        [op, arg @ ..] => (false, Some(*op), arg),
        [] => (false, None, &[][..]),
    };
    let set = value.as_ref().is_some_and(|v| !colon || !v.is_empty());
    let nested = |word: &mut Word| {
        if depth >= MAX_DEPTH {
            word.unresolved.push(format!("{name} (nested too deep)"));
            return;
        }
        let mut expanded = process(arg, vars, escape, false, depth + 1);
        if let Some(w) = expanded.pop() {
            push_str(word, &w.text);
            word.unresolved.extend(w.unresolved);
        }
    };
    match (op, value) {
        (None, Some(v)) => push_str(word, &v),
        (None, None) => word.unresolved.push(name),
        (Some('-'), v) => match v {
            Some(v) if set => push_str(word, &v),
            _ => nested(word),
        },
        (Some('+'), _) => {
            if set {
                nested(word);
            }
        }
        (Some('?'), Some(v)) if set => push_str(word, &v),
        (Some(_), Some(v)) if name.is_empty() => push_str(word, &v),
        (Some(_), _) => word.unresolved.push(format!("{name} (pattern)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.set("TAG", Some("3.20".into()));
        v.set("EMPTY", Some(String::new()));
        v.set("UNSET", None);
        v
    }

    fn show(input: &str) -> (String, Vec<String>) {
        let w = expand(input, &vars(), '\\');
        let unresolved = w.unresolved();
        (w.text, unresolved)
    }

    #[test]
    fn substitution_forms() {
        assert_eq!(show("alpine:$TAG").0, "alpine:3.20");
        assert_eq!(show("alpine:${TAG}-x").0, "alpine:3.20-x");
        assert_eq!(show("${UNSET:-ubuntu:22.04}").0, "ubuntu:22.04");
        assert_eq!(show("${EMPTY:-d}").0, "d");
        assert_eq!(show("${EMPTY-d}").0, "");
        assert_eq!(show("${TAG:+set}").0, "set");
        assert_eq!(show("${UNSET:+set}").0, "");
        assert_eq!(show("${UNSET:-${TAG}}").0, "3.20");
        assert_eq!(show("\\$TAG '$TAG' \"$TAG\"").0, "$TAG $TAG 3.20");
        assert_eq!(show("$ 5$").0, "$ 5$");
    }

    #[test]
    fn unknown_values_are_unresolved_not_guessed() {
        assert_eq!(show("$UNSET").1, vec!["UNSET"]);
        assert_eq!(show("binaries-$TARGETOS").1, vec!["TARGETOS"]);
        assert_eq!(show("${TAG%%.*}").1, vec!["TAG (pattern)"]);
        assert_eq!(show("${UNSET:?need it}").1, vec!["UNSET (pattern)"]);
        assert!(expand("${TAG}", &vars(), '\\').resolved());
    }

    #[test]
    fn splitting_and_escapes() {
        let w: Vec<String> = words("a=\"b c\" d\\ e  'f'", &vars(), '\\')
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, vec!["a=b c", "d e", "f"]);
        let w: Vec<String> = words("C:\\x `$TAG", &vars(), '`')
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, vec!["C:\\x", "$TAG"]);
    }

    #[test]
    fn growth_and_nesting_are_bounded() {
        let mut v = Vars::new();
        v.set("A", Some("x".repeat(MAX_VALUE_BYTES - 10)));
        let w = expand("$A$A$A$A", &v, '\\');
        assert!(w.text.len() <= MAX_VALUE_BYTES + 4);
        assert_eq!(w.unresolved(), vec!["(too long)"]);
        let deep = format!("{}x{}", "${U:-".repeat(50), "}".repeat(50));
        let w = expand(&deep, &v, '\\');
        assert!(!w.resolved());
    }
}
