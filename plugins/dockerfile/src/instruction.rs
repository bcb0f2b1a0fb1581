//! One parsed instruction: its keyword, its arguments with their source lines,
//! its flags, its JSON (exec) form and its here-documents.
//!
//! Line continuations are already joined here, so a rule sees one argument
//! text; [`Located`] maps any offset in it back to the physical line it came
//! from, so findings point at the right line of a long `RUN`. Nothing here
//! judges an instruction.

/// Text assembled from several physical lines, with the line each part started on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Located {
    /// The text.
    pub text: String,
    /// `(offset in text, 1-based line)` for each physical line that contributed, ascending.
    starts: Vec<(usize, usize)>,
}

impl Located {
    /// An empty text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `part`, which came from physical line `line`.
    pub fn push(&mut self, part: &str, line: usize) {
        self.starts.push((self.text.len(), line));
        self.text.push_str(part);
    }

    /// The physical line of byte `offset` (the first line for an empty text).
    pub fn line_at(&self, offset: usize) -> usize {
        let index = self.starts.partition_point(|(start, _)| *start <= offset);
        self.starts
            .get(index.saturating_sub(1))
            .map_or(0, |(_, line)| *line)
    }

    /// The text from `offset` on, with its line map shifted to match.
    pub fn tail(&self, offset: usize) -> Located {
        let Some(text) = self.text.get(offset..) else {
            return Located::new();
        };
        let mut starts = vec![(0, self.line_at(offset))];
        starts.extend(
            self.starts
                .iter()
                .filter(|(start, _)| *start > offset)
                .map(|(start, line)| (start - offset, *line)),
        );
        Located {
            text: text.to_owned(),
            starts,
        }
    }
}

/// A here-document attached to a `RUN`, `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (`EOF`).
    pub name: String,
    /// The marker was `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// The body, one `\n`-terminated line per source line.
    pub body: Located,
    /// A line equal to the delimiter ended it (false: the file ended first).
    pub terminated: bool,
}

/// One instruction of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, uppercased (`RUN`).
    pub keyword: String,
    /// 1-based line of the keyword.
    pub line: usize,
    /// The arguments, continuations joined (without the keyword).
    pub args: Located,
    /// Here-documents, in the order their markers appear.
    pub heredocs: Vec<Heredoc>,
}

/// A leading `--name=value` flag (`--from=builder`, `--mount=type=cache,target=/x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name, lowercased, without the dashes.
    pub name: String,
    /// The value after `=`, empty when none.
    pub value: String,
}

impl Instruction {
    /// The leading flags and the byte offset in `args` where the rest starts.
    pub fn flags(&self) -> (Vec<Flag>, usize) {
        let text = &self.args.text;
        let mut flags = Vec::new();
        let mut at = 0;
        loop {
            let rest = text.get(at..).unwrap_or_default();
            let skipped = rest.len() - rest.trim_start().len();
            let word_start = at + skipped;
            let rest = rest.trim_start();
            if !rest.starts_with("--") {
                return (flags, word_start);
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = rest.get(2..end).unwrap_or_default();
            let (name, value) = word.split_once('=').unwrap_or((word, ""));
            flags.push(Flag {
                name: name.to_ascii_lowercase(),
                value: unquote(value).to_owned(),
            });
            at = word_start + end;
        }
    }

    /// The arguments after the flags.
    pub fn rest(&self) -> Located {
        let (_, at) = self.flags();
        self.args.tail(at)
    }

    /// The exec (JSON array) form of the arguments after the flags, if they are one.
    pub fn json_form(&self) -> Option<Vec<String>> {
        let rest = self.rest();
        let text = rest.text.trim();
        if !text.starts_with('[') {
            return None;
        }
        serde_json::from_str(text).ok()
    }
}

/// `value` without one pair of surrounding quotes.
pub fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Splits `text` into shell-like words: whitespace separates, quotes group
/// (and are kept), `escape` protects the next character. Returns each word with
/// its byte offset.
pub fn raw_words(text: &str, escape: char) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == escape && q == '"' {
                escaped = true;
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push((s, text.get(s..i).unwrap_or_default()));
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if c == escape {
            escaped = true;
        } else if c == '"' || c == '\'' {
            quote = Some(c);
        }
    }
    if let Some(s) = start {
        words.push((s, text.get(s..).unwrap_or_default()));
    }
    words
}

/// The here-document markers among `text`'s words: `(name, strip_tabs)`.
/// A marker is a whole word `[digits]<<[-]NAME`, `NAME` optionally quoted;
/// `<<<` (a here-string) is not one.
pub fn heredoc_markers(text: &str, escape: char) -> Vec<(String, bool)> {
    raw_words(text, escape)
        .into_iter()
        .filter_map(|(_, word)| {
            let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = rest.strip_prefix("<<")?;
            if rest.starts_with('<') {
                return None;
            }
            let (strip_tabs, rest) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let name = unquote(rest);
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            valid.then(|| (name.to_owned(), strip_tabs))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instruction(args: &str) -> Instruction {
        let mut located = Located::new();
        located.push(args, 7);
        Instruction {
            keyword: "RUN".into(),
            line: 7,
            args: located,
            heredocs: Vec::new(),
        }
    }

    #[test]
    fn lines_of_offsets() {
        let mut text = Located::new();
        text.push("apt-get update && ", 3);
        text.push("    apt-get install -y curl", 4);
        assert_eq!(text.line_at(0), 3);
        assert_eq!(text.line_at(17), 3);
        assert_eq!(text.line_at(18), 4);
        assert_eq!(text.line_at(10_000), 4);
        let tail = text.tail(20);
        assert!(tail.text.starts_with("  apt-get install"));
        assert_eq!(tail.line_at(0), 4);
        assert_eq!(Located::new().line_at(5), 0);
    }

    #[test]
    fn flags_and_exec_form() {
        let run = instruction(
            "--mount=type=cache,target=/var/lib/apt  --network=none [\"sh\", \"-c\", \"x\"]",
        );
        let (flags, at) = run.flags();
        assert_eq!(flags.len(), 2);
        assert_eq!(flags[0].name, "mount");
        assert_eq!(flags[0].value, "type=cache,target=/var/lib/apt");
        assert_eq!(flags[1].name, "network");
        assert!(run.args.text[at..].starts_with('['));
        assert_eq!(run.json_form().unwrap(), vec!["sh", "-c", "x"]);
        assert_eq!(instruction("[not json").json_form(), None);
        assert_eq!(instruction("--chmod=\"755\" a b").flags().0[0].value, "755");
    }

    #[test]
    fn heredoc_markers_are_whole_words() {
        assert_eq!(heredoc_markers("<<EOF", '\\'), vec![("EOF".into(), false)]);
        assert_eq!(
            heredoc_markers("cat 5<<-\"END\" <<'two' > /x", '\\'),
            vec![("END".into(), true), ("two".into(), false)]
        );
        assert!(heredoc_markers("echo $((1<<2)) <<<here 'a <<EOF'", '\\').is_empty());
        assert!(heredoc_markers("cat<<EOF", '\\').is_empty());
    }

    #[test]
    fn words_keep_quotes_and_offsets() {
        let words = raw_words("a \"b c\" 'd e'  f\\ g", '\\');
        let texts: Vec<&str> = words.iter().map(|(_, w)| *w).collect();
        assert_eq!(texts, vec!["a", "\"b c\"", "'d e'", "f\\ g"]);
        assert_eq!(words[3].0, 15);
    }
}
