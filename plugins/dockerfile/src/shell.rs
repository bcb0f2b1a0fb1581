//! Just enough of the POSIX shell to find commands in a `RUN` script.
//!
//! The script is split into words (quotes removed, `\` escapes honoured,
//! `#` comments dropped) and the words into simple commands joined by `|`
//! into pipelines; `;`, `&&`, `||`, `&`, newlines and parentheses end a
//! pipeline. Command substitutions (`$(…)`, `` `…` ``, `<(…)`, `>(…)`) stay
//! inside their word and are also returned as scripts of their own, so
//! `sh -c "$(curl …)"` can be judged. This is not a shell: no expansion,
//! no control flow, no redirection semantics; only the shapes the rules look
//! for. Every loop advances, and nesting is followed at most [`MAX_DEPTH`] deep.

/// Deepest nesting of command substitutions followed.
pub const MAX_DEPTH: usize = 16;

/// One shell word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed (substitutions kept as written).
    pub text: String,
    /// Byte offset of the word in the script.
    pub at: usize,
    /// The command substitutions inside it: `(byte offset in the script, inner script)`.
    pub subs: Vec<(usize, String)>,
}

/// A simple command: its words as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// Every word, assignments and wrappers included.
    pub words: Vec<Word>,
}

impl Command {
    /// The words from the command name on: leading `NAME=value` assignments,
    /// `sudo`, `env`, `exec`, `command`, `nohup`, `time`, `xargs` (with their
    /// options) and keywords (`then`, `do`, `if`, `!`, `{`, …) skipped.
    pub fn argv(&self) -> &[Word] {
        let mut i = 0;
        while let Some(word) = self.words.get(i) {
            let text = word.text.as_str();
            if is_assignment(text) {
                i += 1;
                continue;
            }
            match basename(text).as_str() {
                "sudo" => {
                    i += 1;
                    while let Some(flag) = self.words.get(i).map(|w| w.text.as_str()) {
                        if !flag.starts_with('-') {
                            break;
                        }
                        let takes_value = matches!(flag, "-u" | "-g" | "-C" | "-p" | "-U" | "-h");
                        i += if takes_value { 2 } else { 1 };
                    }
                }
                "env" | "xargs" => {
                    i += 1;
                    while self
                        .words
                        .get(i)
                        .is_some_and(|w| w.text.starts_with('-') || is_assignment(&w.text))
                    {
                        i += 1;
                    }
                }
                "exec" | "command" | "nohup" | "time" | "then" | "do" | "else" | "elif" | "if"
                | "while" | "until" | "!" | "{" | "}" => i += 1,
                _ => break,
            }
        }
        self.words.get(i..).unwrap_or_default()
    }

    /// The command's name: the basename of its first word, lowercased.
    pub fn name(&self) -> Option<String> {
        self.argv().first().map(|w| basename(&w.text))
    }

    /// Whether some argument after the name is exactly `word`.
    pub fn has(&self, word: &str) -> bool {
        self.argv().iter().skip(1).any(|w| w.text == word)
    }
}

/// `NAME=value` with a valid shell name.
fn is_assignment(text: &str) -> bool {
    text.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The last path component, lowercased (`/usr/bin/Bash` → `bash`).
pub fn basename(text: &str) -> String {
    text.rsplit(['/', '\\'])
        .next()
        .unwrap_or(text)
        .to_ascii_lowercase()
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

enum Token {
    Word(Word),
    Pipe,
    Break,
}

struct Lexer<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    i: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).map(|(_, c)| *c)
    }

    fn offset(&self, index: usize) -> usize {
        self.chars.get(index).map_or(self.text.len(), |(at, _)| *at)
    }

    /// With `self.i` at `(`: skips a balanced group; returns the inner byte range.
    fn group(&mut self, depth: usize) -> (usize, usize) {
        self.i += 1;
        let start = self.offset(self.i);
        let mut level = 1usize;
        while let Some(&(at, c)) = self.chars.get(self.i) {
            self.i += 1;
            match c {
                '(' => level += 1,
                ')' => {
                    level -= 1;
                    if level == 0 {
                        return (start, at);
                    }
                }
                '\\' => self.i += 1,
                '\'' => self.skip_until('\''),
                '"' => self.skip_double(depth),
                _ => {}
            }
        }
        (start, self.text.len())
    }

    fn skip_until(&mut self, end: char) {
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == end {
                return;
            }
        }
    }

    fn skip_double(&mut self, depth: usize) {
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '"' => return,
                '\\' => self.i += 1,
                '$' if self.peek() == Some('(') && depth < MAX_DEPTH => {
                    self.group(depth + 1);
                }
                _ => {}
            }
        }
    }

    /// A substitution starting at `self.i` (on `(` or after a backtick):
    /// appended to `word` as written and recorded as a script.
    fn substitution(&mut self, word: &mut Word, opener: char, depth: usize) {
        if opener == '`' {
            let start = self.offset(self.i);
            while let Some(c) = self.peek() {
                self.i += 1;
                if c == '\\' {
                    self.i += 1;
                } else if c == '`' {
                    break;
                }
            }
            let end = self.offset(self.i).saturating_sub(1).max(start);
            let inner = self.text.get(start..end).unwrap_or_default();
            word.text.push('`');
            word.text.push_str(inner);
            word.text.push('`');
            word.subs.push((start, inner.to_owned()));
            return;
        }
        let (start, end) = self.group(depth);
        let inner = self.text.get(start..end).unwrap_or_default();
        word.text.push(opener);
        word.text.push('(');
        word.text.push_str(inner);
        word.text.push(')');
        word.subs.push((start, inner.to_owned()));
    }

    fn double_quoted(&mut self, word: &mut Word, depth: usize) {
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '"' => return,
                '\\' => match self.peek() {
                    Some('\n') => self.i += 1,
                    Some(next @ ('$' | '`' | '"' | '\\')) => {
                        word.text.push(next);
                        self.i += 1;
                    }
                    _ => word.text.push('\\'),
                },
                '$' if self.peek() == Some('(') && depth < MAX_DEPTH => {
                    self.substitution(word, '$', depth + 1);
                }
                '`' if depth < MAX_DEPTH => self.substitution(word, '`', depth + 1),
                _ => word.text.push(c),
            }
        }
    }

    fn tokens(&mut self, depth: usize) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut word: Option<Word> = None;
        let flush = |word: &mut Option<Word>, tokens: &mut Vec<Token>| {
            if let Some(w) = word.take() {
                tokens.push(Token::Word(w));
            }
        };
        while let Some(&(at, c)) = self.chars.get(self.i) {
            self.i += 1;
            let next = self.peek();
            match c {
                ' ' | '\t' | '\r' => flush(&mut word, &mut tokens),
                '\n' | ';' | '(' | ')' => {
                    flush(&mut word, &mut tokens);
                    tokens.push(Token::Break);
                }
                '#' if word.is_none() => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '|' => {
                    flush(&mut word, &mut tokens);
                    if next == Some('|') {
                        self.i += 1;
                        tokens.push(Token::Break);
                    } else {
                        if next == Some('&') {
                            self.i += 1;
                        }
                        tokens.push(Token::Pipe);
                    }
                }
                '&' => {
                    let redirect = word.as_ref().is_some_and(|w| w.text.ends_with(['>', '<']))
                        || next == Some('>');
                    if redirect {
                        current(&mut word, at).text.push('&');
                    } else {
                        if next == Some('&') {
                            self.i += 1;
                        }
                        flush(&mut word, &mut tokens);
                        tokens.push(Token::Break);
                    }
                }
                '\\' => match next {
                    Some('\n') => self.i += 1,
                    Some(n) => {
                        current(&mut word, at).text.push(n);
                        self.i += 1;
                    }
                    None => current(&mut word, at).text.push('\\'),
                },
                '\'' => {
                    let w = current(&mut word, at);
                    while let Some(q) = self.peek() {
                        self.i += 1;
                        if q == '\'' {
                            break;
                        }
                        w.text.push(q);
                    }
                }
                '"' => self.double_quoted(current(&mut word, at), depth),
                '$' | '<' | '>' if next == Some('(') && depth < MAX_DEPTH => {
                    self.substitution(current(&mut word, at), c, depth + 1);
                }
                '`' if depth < MAX_DEPTH => {
                    self.substitution(current(&mut word, at), '`', depth + 1)
                }
                _ => current(&mut word, at).text.push(c),
            }
        }
        flush(&mut word, &mut tokens);
        tokens
    }
}

fn current(word: &mut Option<Word>, at: usize) -> &mut Word {
    word.get_or_insert_with(|| Word {
        at,
        ..Word::default()
    })
}

/// The pipelines of `script`, in order; empty commands are dropped.
pub fn pipelines(script: &str) -> Vec<Pipeline> {
    pipelines_at(script, 0)
}

/// [`pipelines`] for a script nested `depth` substitutions deep.
pub fn pipelines_at(script: &str, depth: usize) -> Vec<Pipeline> {
    let mut lexer = Lexer {
        text: script,
        chars: script.char_indices().collect(),
        i: 0,
    };
    let mut pipelines = Vec::new();
    let mut pipeline: Pipeline = Vec::new();
    let mut command = Command::default();
    for token in lexer.tokens(depth) {
        match token {
            Token::Word(word) => command.words.push(word),
            Token::Pipe => {
                if !command.words.is_empty() {
                    pipeline.push(std::mem::take(&mut command));
                }
            }
            Token::Break => {
                if !command.words.is_empty() {
                    pipeline.push(std::mem::take(&mut command));
                }
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
        }
    }
    if !command.words.is_empty() {
        pipeline.push(command);
    }
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &str) -> Vec<Vec<String>> {
        pipelines(script)
            .iter()
            .map(|p| p.iter().filter_map(Command::name).collect())
            .collect()
    }

    #[test]
    fn pipelines_commands_and_separators() {
        assert_eq!(
            names("curl -fsSL https://x | sudo -E bash - && echo ok; a || b & c"),
            vec![
                vec!["curl", "bash"],
                vec!["echo"],
                vec!["a"],
                vec!["b"],
                vec!["c"]
            ]
        );
        assert_eq!(
            names("DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y x 2>&1 | tee log"),
            vec![vec!["apt-get", "tee"]]
        );
        assert_eq!(
            names("if [ -f a ]; then env -i X=1 sh x; fi"),
            vec![vec!["["], vec!["sh"], vec!["fi"]]
        );
    }

    #[test]
    fn quotes_comments_and_continuations() {
        assert_eq!(
            names("sed 's/a|b/c/' f # | sh\nawk \"{ print \\\"|\\\" }\""),
            vec![vec!["sed"], vec!["awk"]]
        );
        assert_eq!(names("apt-get \\\n install"), vec![vec!["apt-get"]]);
        let p = pipelines("echo 'it''s' \"a b\"");
        let words: Vec<&str> = p[0][0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, vec!["echo", "its", "a b"]);
    }

    #[test]
    fn substitutions_are_kept_and_returned() {
        let p = pipelines("bash -c \"$(curl -fsSL https://x/install.sh)\"");
        let word = &p[0][0].words[2];
        assert_eq!(word.text, "$(curl -fsSL https://x/install.sh)");
        assert_eq!(word.subs[0].1, "curl -fsSL https://x/install.sh");
        assert_eq!(word.subs[0].0, 11);
        let p = pipelines("dst=\"$(echo \"$src\" | tr -d 3)\"; bash <(wget -O- x) `id -u`");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0][0].words[0].subs[0].1, "echo \"$src\" | tr -d 3");
        assert_eq!(p[1][0].words[1].subs[0].1, "wget -O- x");
        assert_eq!(p[1][0].words[2].subs[0].1, "id -u");
    }

    #[test]
    fn deep_and_unbalanced_input_ends() {
        let deep = "$(".repeat(10_000);
        let _ = pipelines(&deep);
        let _ = pipelines("\"$(`'");
        let _ = pipelines("a\\");
    }
}
