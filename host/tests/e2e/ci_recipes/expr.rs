//! GitHub Actions expressions, as much of the language as `action.yml`
//! uses: contexts (`inputs.x`, `steps.id.outputs.y`, `github.action_path`,
//! `runner.temp`), string literals, `true`/`false`/`null`, `! == != && ||`,
//! parentheses and the status functions. Comparison and truthiness follow
//! GitHub's rules (strings compare case-insensitively; values of different
//! types compare as numbers, so a missing output equals `''`). Anything
//! else is a test failure, never a guess.

/// A value of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Str(String),
}

impl Value {
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
        }
    }

    /// The value as `${{ }}` interpolates it.
    pub fn text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => s.clone(),
        }
    }

    fn number(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Str(s) if s.trim().is_empty() => 0.0,
            Value::Str(s) => s.trim().parse().unwrap_or(f64::NAN),
        }
    }

    fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a.eq_ignore_ascii_case(b),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Null, Value::Null) => true,
            _ => self.number() == other.number(),
        }
    }
}

/// What an expression can see: contexts by their dotted path, and whether
/// the steps so far succeeded (for `success()` and `failure()`).
pub trait Context {
    fn lookup(&self, path: &[&str]) -> Value;
    fn job_ok(&self) -> bool;
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Comma,
    Not,
    Eq,
    Ne,
    And,
    Or,
    Str(String),
    Word(String),
}

fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let operator = match (c, chars.get(i + 1).copied()) {
            ('(', _) => Some((Tok::Open, 1)),
            (')', _) => Some((Tok::Close, 1)),
            (',', _) => Some((Tok::Comma, 1)),
            ('!', Some('=')) => Some((Tok::Ne, 2)),
            ('!', _) => Some((Tok::Not, 1)),
            ('=', Some('=')) => Some((Tok::Eq, 2)),
            ('&', Some('&')) => Some((Tok::And, 2)),
            ('|', Some('|')) => Some((Tok::Or, 2)),
            _ => None,
        };
        if let Some((tok, width)) = operator {
            out.push(tok);
            i += width;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            // A literal: '' is a quote.
            let mut s = String::new();
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('\''), Some('\'')) => {
                        s.push('\'');
                        i += 2;
                    }
                    (Some('\''), _) => {
                        i += 1;
                        break;
                    }
                    (Some(c), _) => {
                        s.push(*c);
                        i += 1;
                    }
                    (None, _) => panic!("unterminated string in expression `{text}`"),
                }
            }
            out.push(Tok::Str(s));
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            panic!("unsupported character `{c}` in expression `{text}`");
        }
    }
    out
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    ctx: &'a dyn Context,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek() == Some(tok);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn or(&mut self) -> Value {
        let mut left = self.and();
        while self.eat(&Tok::Or) {
            let right = self.and();
            left = if left.truthy() { left } else { right };
        }
        left
    }

    fn and(&mut self) -> Value {
        let mut left = self.comparison();
        while self.eat(&Tok::And) {
            let right = self.comparison();
            left = if left.truthy() { right } else { left };
        }
        left
    }

    fn comparison(&mut self) -> Value {
        let left = self.unary();
        if self.eat(&Tok::Eq) {
            Value::Bool(left.equals(&self.unary()))
        } else if self.eat(&Tok::Ne) {
            Value::Bool(!left.equals(&self.unary()))
        } else {
            left
        }
    }

    fn unary(&mut self) -> Value {
        if self.eat(&Tok::Not) {
            Value::Bool(!self.unary().truthy())
        } else {
            self.primary()
        }
    }

    fn primary(&mut self) -> Value {
        let text = self.text;
        let tok = self.peek().cloned();
        self.at += 1;
        match tok {
            Some(Tok::Open) => {
                let value = self.or();
                assert!(self.eat(&Tok::Close), "missing `)` in `{text}`");
                value
            }
            Some(Tok::Str(s)) => Value::Str(s),
            Some(Tok::Word(word)) if self.eat(&Tok::Open) => {
                assert!(self.eat(&Tok::Close), "`{word}` with arguments in `{text}`");
                match word.as_str() {
                    "always" => Value::Bool(true),
                    "success" => Value::Bool(self.ctx.job_ok()),
                    "failure" => Value::Bool(!self.ctx.job_ok()),
                    "cancelled" => Value::Bool(false),
                    _ => panic!("unsupported function `{word}` in `{text}`"),
                }
            }
            Some(Tok::Word(word)) => match word.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => self.ctx.lookup(&word.split('.').collect::<Vec<_>>()),
            },
            other => panic!("unexpected {other:?} in expression `{text}`"),
        }
    }
}

/// Evaluates one expression (the text inside `${{ }}`).
pub fn eval(text: &str, ctx: &dyn Context) -> Value {
    let mut parser = Parser {
        toks: tokens(text),
        at: 0,
        ctx,
        text,
    };
    let value = parser.or();
    assert!(
        parser.at == parser.toks.len(),
        "trailing tokens in expression `{text}`"
    );
    value
}

/// A string with `${{ expr }}` parts replaced by their values.
pub fn interpolate(text: &str, ctx: &dyn Context) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unterminated `${{{{` in `{text}`"));
        out.push_str(&eval(&rest[start + 3..start + end], ctx).text());
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` condition: a bare expression, or one wrapped whole in `${{ }}`.
/// Without a status function it holds only while the steps succeed, as
/// GitHub prepends `success() &&`.
pub fn condition(text: &str, ctx: &dyn Context) -> bool {
    let text = text.trim();
    let inner = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    assert!(!inner.contains("${{"), "mixed `if:` condition `{text}`");
    let status = ["always(", "success(", "failure(", "cancelled("]
        .iter()
        .any(|f| inner.contains(f));
    (status || ctx.job_ok()) && eval(inner, ctx).truthy()
}

#[test]
fn ci_recipes_expressions_follow_githubs_rules() {
    /// Inputs and outputs of a job whose steps so far succeeded (or not).
    struct Fixed(bool);
    impl Context for Fixed {
        fn lookup(&self, path: &[&str]) -> Value {
            match path {
                ["inputs", "upload-sarif"] => Value::Str("TRUE".into()),
                ["steps", "check", "outputs", "sarif"] => Value::Null,
                ["inputs", "to"] => Value::Str("prod".into()),
                _ => panic!("no {path:?}"),
            }
        }
        fn job_ok(&self) -> bool {
            self.0
        }
    }
    let (ok, failed) = (&Fixed(true), &Fixed(false));
    assert!(
        condition("inputs.upload-sarif == 'true'", ok),
        "case-insensitive"
    );
    assert!(
        condition("steps.check.outputs.sarif == ''", ok),
        "null is ''"
    );
    assert!(!condition("steps.check.outputs.sarif != ''", ok));
    assert!(!condition("!inputs.to == 'prod'", ok), "`!` binds first");
    assert!(condition("success()", ok) && !condition("success()", failed));
    assert!(
        !condition("inputs.to == 'prod'", failed),
        "no status function: success() && …"
    );
    assert!(condition("always() && inputs.to == 'prod'", failed));
    assert!(condition("${{ always() && !success() }}", failed));
    assert_eq!(eval("'' || inputs.to", ok), Value::Str("prod".into()));
    assert_eq!(eval("inputs.to && ''", ok), Value::Str(String::new()));
    assert_eq!(
        interpolate("to=${{ inputs.to }}, it''s ${{ 'x''y' }}", ok),
        "to=prod, it''s x'y"
    );
}
