//! Recognises a configuration file's format and flattens it into [`Entry`] values.
//!
//! The format comes from the file name (`.properties`, `.env`, `.ini`, ...);
//! `.conf` and unknown names are sniffed from the first significant line:
//! YAML (mongod.conf), INI-like `key = value` (postgresql.conf) or
//! space-separated directives (redis.conf, nginx.conf). Readers only parse;
//! they judge nothing and never print values.

mod ini;
mod lines;
mod python;
mod tree;

use crate::entry::Entry;
use crate::yaml::{Limits, YamlError};

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML, possibly several documents.
    Yaml,
    /// JSON (read by the YAML reader, of which it is a subset).
    Json,
    /// TOML.
    Toml,
    /// Java `.properties`.
    Properties,
    /// `.env` files.
    DotEnv,
    /// INI, `.cfg`, `.npmrc`, `.gitconfig` and `key = value` `.conf` files.
    Ini,
    /// Space-separated directives (`redis.conf`, `nginx.conf`).
    Directives,
    /// Python settings modules (Django), read by a line scan of assignments.
    Python,
}

impl Format {
    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "YAML",
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Properties => ".properties",
            Format::DotEnv => ".env",
            Format::Ini => "INI",
            Format::Directives => "directives",
            Format::Python => "Python settings",
        }
    }

    /// How an error message says a file is not of this format.
    pub fn invalid(self) -> &'static str {
        match self {
            Format::Yaml | Format::Json => "is not valid YAML or JSON",
            Format::Toml => "is not valid TOML",
            Format::Properties => "is not a valid .properties file",
            Format::DotEnv => "is not a valid .env file",
            Format::Ini => "is not a valid INI file",
            Format::Directives => "is not a valid directives file",
            Format::Python => "is not a valid Python settings file",
        }
    }

    /// The format of the file at `path` whose text is `text`, and whether it was
    /// guessed from the content (`.conf` and unknown names) rather than the name.
    pub fn detect(path: &str, text: &str) -> (Format, bool) {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
        let format = match ext {
            "yml" | "yaml" => Format::Yaml,
            "json" => Format::Json,
            "toml" => Format::Toml,
            "properties" => Format::Properties,
            "env" => Format::DotEnv,
            "ini" | "cfg" | "npmrc" | "gitconfig" => Format::Ini,
            "py" => Format::Python,
            _ if name == ".env" || name.starts_with(".env.") => Format::DotEnv,
            _ => return (sniff(text), true),
        };
        (format, false)
    }
}

/// Guesses the format of a `.conf`-like file from its first significant line.
fn sniff(text: &str) -> Format {
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
    else {
        return Format::Ini;
    };
    if line.starts_with('{') {
        return Format::Json;
    }
    if line.starts_with('[') && line.ends_with(']') {
        return Format::Ini;
    }
    let word: &str = line
        .split(|c: char| c.is_whitespace() || c == '=' || c == ':')
        .next()
        .unwrap_or("");
    let rest = line.get(word.len()..).unwrap_or("").trim_start();
    if rest.starts_with(':') && (rest.len() == 1 || rest.get(1..2) == Some(" ")) {
        Format::Yaml
    } else if rest.starts_with('=') {
        Format::Ini
    } else {
        Format::Directives
    }
}

/// A line-format file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Why a file could not be flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// A YAML or JSON error (already phrased).
    Yaml(YamlError),
    /// Another format's error.
    Line(Format, LineError),
}

impl From<YamlError> for ReadError {
    fn from(e: YamlError) -> Self {
        ReadError::Yaml(e)
    }
}

/// Flattens `text` of `format` into entries passed to `sink`.
pub fn read(
    text: &str,
    format: Format,
    limits: &Limits,
    sink: &mut dyn FnMut(Entry),
) -> Result<(), ReadError> {
    let line = |e: LineError| ReadError::Line(format, e);
    match format {
        Format::Yaml | Format::Json => tree::read_yaml(text, limits, sink),
        Format::Toml => tree::read_toml(text, sink).map_err(line),
        Format::Properties => {
            lines::read_properties(text, sink);
            Ok(())
        }
        Format::DotEnv => lines::read_dotenv(text, sink).map_err(line),
        Format::Ini => ini::read_ini(text, sink).map_err(line),
        Format::Directives => {
            ini::read_directives(text, sink);
            Ok(())
        }
        Format::Python => {
            python::read_python(text, sink);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_name_and_content() {
        let cases = [
            ("a/.env", "", Format::DotEnv, false),
            (".env.production", "", Format::DotEnv, false),
            ("x/prod.env", "", Format::DotEnv, false),
            ("appsettings.Development.json", "", Format::Json, false),
            ("grafana.ini", "", Format::Ini, false),
            ("settings.py", "", Format::Python, false),
            (
                "mongod.conf",
                "# c\nstorage:\n  dbPath: /x\n",
                Format::Yaml,
                true,
            ),
            (
                "redis.conf",
                "# c\nbind 0.0.0.0\n",
                Format::Directives,
                true,
            ),
            (
                "postgresql.conf",
                "listen_addresses = '*'\n",
                Format::Ini,
                true,
            ),
            (
                "nginx.conf",
                "user nginx;\nhttp {\n",
                Format::Directives,
                true,
            ),
        ];
        for (path, text, format, guessed) in cases {
            assert_eq!(Format::detect(path, text), (format, guessed), "{path}");
        }
    }
}
