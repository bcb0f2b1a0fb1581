//! What a `RUN` script does that the rules care about: remote code run
//! unverified, world-writable modes, and package installs with their cleanup.
//!
//! Everything here works on the pipelines of [`crate::shell`]; offsets are
//! byte offsets in the script given, so the caller can map them to lines.
//! Command substitutions are followed (bounded by [`crate::shell::MAX_DEPTH`]).
//! Descriptions quote at most [`SHOWN_CHARS`] characters of a command, passed
//! through the shared redactor: a token in a URL is never echoed.

use crate::shell::{Command, Pipeline, Word, basename, pipelines_at};

/// Most characters of a command quoted in a finding.
pub const SHOWN_CHARS: usize = 100;

/// Programs that fetch remote content.
const DOWNLOADERS: [&str; 8] = [
    "curl",
    "wget",
    "fetch",
    "aria2c",
    "iwr",
    "irm",
    "invoke-webrequest",
    "invoke-restmethod",
];

/// Shells and interpreters that run a script read from their input.
const SINKS: [&str; 21] = [
    "sh",
    "bash",
    "zsh",
    "dash",
    "ash",
    "ksh",
    "mksh",
    "fish",
    "busybox",
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "pwsh",
    "powershell",
    "powershell.exe",
    "iex",
    "invoke-expression",
];

/// A place in the script and what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// Byte offset in the script.
    pub at: usize,
    /// A short, redacted description naming the command.
    pub what: String,
}

/// A package manager family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get`, `apt`, `aptitude`.
    Apt,
    /// `apk`.
    Apk,
    /// `dnf`, `yum`, `microdnf`, `tdnf`.
    Rpm,
}

/// One package install command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// Its family.
    pub manager: Manager,
    /// Where it is.
    pub spot: Spot,
    /// apt: `--no-install-recommends` (or `APT::Install-Recommends=false`) given.
    pub no_recommends: bool,
    /// apk: `--no-cache` given.
    pub no_cache: bool,
}

/// What a script does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptFacts {
    /// Downloads run by a shell or interpreter.
    pub remote_code: Vec<Spot>,
    /// `chmod`, `mkdir -m`, `install -m` with a world-writable mode.
    pub world_writable: Vec<Spot>,
    /// Package installs.
    pub installs: Vec<Install>,
    /// `rm` of `/var/lib/apt/lists`.
    pub apt_lists_removed: bool,
    /// `rm` of `/var/cache/apk`.
    pub apk_cache_removed: bool,
    /// `dnf|yum|microdnf clean all`, or `rm` of their cache.
    pub rpm_cleaned: bool,
}

impl ScriptFacts {
    /// Adds what `other` found, its offsets shifted by `offset`.
    pub fn merge(&mut self, other: ScriptFacts, offset: usize) {
        let shift = |mut spot: Spot| {
            spot.at += offset;
            spot
        };
        self.remote_code
            .extend(other.remote_code.into_iter().map(shift));
        self.world_writable
            .extend(other.world_writable.into_iter().map(shift));
        self.installs
            .extend(other.installs.into_iter().map(|mut install| {
                install.spot.at += offset;
                install
            }));
        self.apt_lists_removed |= other.apt_lists_removed;
        self.apk_cache_removed |= other.apk_cache_removed;
        self.rpm_cleaned |= other.rpm_cleaned;
    }
}

/// Judges a script.
pub fn analyze(script: &str) -> ScriptFacts {
    analyze_at(script, 0)
}

fn analyze_at(script: &str, depth: usize) -> ScriptFacts {
    let mut facts = ScriptFacts::default();
    let pipelines = pipelines_at(script, depth);
    for pipeline in &pipelines {
        if let Some(spot) = piped_download(pipeline) {
            facts.remote_code.push(spot);
        }
        for command in pipeline {
            command_facts(command, &mut facts);
            if depth < crate::shell::MAX_DEPTH {
                for word in &command.words {
                    for (at, inner) in &word.subs {
                        facts.merge(analyze_at(inner, depth + 1), *at);
                    }
                }
            }
        }
    }
    // PowerShell: `iex ((New-Object Net.WebClient).DownloadString('…'))` has no pipe.
    let mut offset = 0;
    for line in script.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        let runs =
            lower.contains("iex ") || lower.contains("iex(") || lower.contains("invoke-expression");
        let fetches = lower.contains("downloadstring") || lower.contains("invoke-webrequest");
        if runs && fetches && !line.contains('|') {
            facts.remote_code.push(Spot {
                at: offset + (line.len() - line.trim_start().len()),
                what: format!("`{}` runs a downloaded script", shown(line.trim())),
            });
        }
        offset += line.len();
    }
    facts
}

/// `text` clipped and redacted, for a message.
pub fn shown(text: &str) -> String {
    let clipped = stagegate_sdk::text::clip(text.trim(), SHOWN_CHARS);
    stagegate_redact::redact(&clipped).into_owned()
}

fn describe(words: &[Word]) -> String {
    let joined: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    shown(&joined.join(" "))
}

fn is_downloader(command: &Command) -> bool {
    let named = command
        .name()
        .is_some_and(|n| DOWNLOADERS.contains(&n.as_str()));
    named
        || command
            .words
            .iter()
            .any(|w| w.text.to_ascii_lowercase().contains("downloadstring("))
}

/// A sink that reads its script from standard input: no `-c` among its
/// options and no script file before `-s`, `-` or `--` (`sh -s -- -y -c x`
/// reads standard input: options after `-s` belong to the script).
fn reads_stdin(command: &Command) -> bool {
    let Some(name) = command.name() else {
        return false;
    };
    if !SINKS.contains(&name.as_str()) {
        return false;
    }
    if matches!(name.as_str(), "iex" | "invoke-expression") {
        return true;
    }
    for arg in command.argv().iter().skip(1) {
        let arg = arg.text.as_str();
        if arg == "-" || arg == "--" || arg == "-s" {
            return true;
        }
        if arg.starts_with("--") {
            continue;
        }
        match arg.strip_prefix('-') {
            Some(cluster) if cluster.contains('c') => return false,
            Some(cluster) if cluster.contains('s') => return true,
            Some(_) => continue,
            None => return false,
        }
    }
    true
}

fn piped_download(pipeline: &Pipeline) -> Option<Spot> {
    let first = pipeline.iter().position(is_downloader)?;
    let sink = pipeline.iter().skip(first + 1).find(|c| reads_stdin(c))?;
    let source = pipeline.get(first)?;
    let at = source.argv().first().map_or(0, |w| w.at);
    Some(Spot {
        at,
        what: format!(
            "`{}` is piped into `{}`",
            describe(source.argv()),
            describe(sink.argv())
        ),
    })
}

/// A shell, `eval`, `source` or `.` given a substitution that downloads:
/// `sh -c "$(curl …)"`, `bash <(wget -O- …)`, `eval "$(curl …)"`.
fn substituted_download(command: &Command) -> Option<Spot> {
    let argv = command.argv();
    let name = basename(&argv.first()?.text);
    let runs = SINKS.contains(&name.as_str()) || matches!(name.as_str(), "eval" | "source" | ".");
    if !runs {
        return None;
    }
    let downloads = argv.iter().skip(1).any(|w| {
        w.subs.iter().any(|(_, inner)| {
            pipelines_at(inner, crate::shell::MAX_DEPTH)
                .iter()
                .flatten()
                .any(is_downloader)
        })
    });
    downloads.then(|| Spot {
        at: argv.first().map_or(0, |w| w.at),
        what: format!("`{}` runs a downloaded script", describe(argv)),
    })
}

fn command_facts(command: &Command, facts: &mut ScriptFacts) {
    if let Some(spot) = substituted_download(command) {
        facts.remote_code.push(spot);
    }
    let argv = command.argv();
    let Some(name) = command.name() else {
        return;
    };
    let args = argv.get(1..).unwrap_or_default();
    let spot = || Spot {
        at: argv.first().map_or(0, |w| w.at),
        what: format!("`{}`", describe(argv)),
    };
    match name.as_str() {
        "chmod" => {
            let mode = args
                .iter()
                .map(|w| w.text.as_str())
                .find(|t| !is_chmod_option(t));
            if mode.is_some_and(world_writable) {
                facts.world_writable.push(spot());
            }
        }
        "mkdir" | "install" if mode_option(args).is_some_and(world_writable) => {
            facts.world_writable.push(spot());
        }
        "rm" => {
            for w in args {
                let t = w.text.as_str();
                facts.apt_lists_removed |= t.starts_with("/var/lib/apt/lists");
                facts.apk_cache_removed |= t.starts_with("/var/cache/apk");
                facts.rpm_cleaned |=
                    t.starts_with("/var/cache/dnf") || t.starts_with("/var/cache/yum");
            }
        }
        "apt-get" | "apt" | "aptitude" if command.has("install") => {
            let no_recommends = args.iter().any(|w| {
                let t = w.text.to_ascii_lowercase();
                t == "--no-install-recommends"
                    || t.contains("apt::install-recommends=false")
                    || t.contains("apt::install-recommends=0")
            });
            facts.installs.push(Install {
                manager: Manager::Apt,
                spot: spot(),
                no_recommends,
                no_cache: false,
            });
        }
        "apk" if command.has("add") => facts.installs.push(Install {
            manager: Manager::Apk,
            spot: spot(),
            no_recommends: false,
            no_cache: command.has("--no-cache"),
        }),
        "dnf" | "dnf5" | "yum" | "microdnf" | "tdnf" => {
            if command.has("clean") && command.has("all") {
                facts.rpm_cleaned = true;
            } else if [
                "install",
                "groupinstall",
                "reinstall",
                "upgrade",
                "update",
                "swap",
                "downgrade",
            ]
            .iter()
            .any(|sub| command.has(sub))
            {
                facts.installs.push(Install {
                    manager: Manager::Rpm,
                    spot: spot(),
                    no_recommends: false,
                    no_cache: false,
                });
            }
        }
        _ => {}
    }
}

fn is_chmod_option(text: &str) -> bool {
    text.starts_with("--")
        || (text.len() > 1
            && text.starts_with('-')
            && text
                .chars()
                .skip(1)
                .all(|c| matches!(c, 'R' | 'v' | 'f' | 'c' | 'h' | 'H' | 'L' | 'P')))
}

/// The value of `-m MODE`, `-mMODE` or `--mode=MODE`.
fn mode_option(args: &[Word]) -> Option<&str> {
    let mut words = args.iter().map(|w| w.text.as_str());
    while let Some(word) = words.next() {
        if word == "-m" || word == "--mode" {
            return words.next();
        }
        if let Some(mode) = word.strip_prefix("--mode=") {
            return Some(mode);
        }
        if let Some(mode) = word.strip_prefix("-m").filter(|m| !m.is_empty()) {
            return Some(mode);
        }
    }
    None
}

/// Whether a `chmod` mode gives others write access: an octal mode whose
/// last digit has the write bit (`777`, `1777`, `666`, `o2`), or a symbolic
/// clause for `o` or `a` that adds or sets `w` (`a+rwx`, `o+w`, `ugo=rwx`).
pub fn world_writable(mode: &str) -> bool {
    let mode = mode.trim();
    if !mode.is_empty() && mode.len() <= 4 && mode.chars().all(|c| ('0'..='7').contains(&c)) {
        return mode
            .chars()
            .last()
            .and_then(|c| c.to_digit(8))
            .is_some_and(|others| others & 2 != 0);
    }
    mode.split(',').any(|clause| {
        let who_len = clause
            .find(|c: char| !matches!(c, 'u' | 'g' | 'o' | 'a'))
            .unwrap_or(clause.len());
        let who = clause.get(..who_len).unwrap_or_default();
        let ops = clause.get(who_len..).unwrap_or_default();
        if !(who.contains('o') || who.contains('a')) {
            return false;
        }
        // Each operator applies to the permissions up to the next operator.
        let mut adding = false;
        ops.chars().any(|c| match c {
            '+' | '=' => {
                adding = true;
                false
            }
            '-' => {
                adding = false;
                false
            }
            'w' => adding,
            _ => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(script: &str) -> usize {
        analyze(script).remote_code.len()
    }

    #[test]
    fn downloads_run_by_a_shell() {
        for script in [
            "curl -fsSL https://sh.rustup.rs | sh -s -- -y",
            "curl https://sh.rustup.rs -sSf |sh -s -- -y",
            "wget -O- https://x/install.sh | bash",
            "wget -qO - https://x | sudo -E bash -",
            "curl -sL https://aka.ms/InstallAzureCLIDeb | tee /tmp/i | bash",
            "curl -sSL https://install.python-poetry.org | python3 -",
            "curl -fsSL https://sh.rustup.rs | sh -s -- -y --profile minimal -c rls clippy",
            "curl -fsSL https://x | bash -es",
            "sh -c \"$(curl -fsSL https://x/install.sh)\"",
            "bash <(curl -s https://x)",
            "eval \"$(wget -qO- https://x)\"",
            "iex ((New-Object System.Net.WebClient).DownloadString('https://x/install.ps1'))",
            "iwr https://x/install.ps1 -UseBasicParsing | iex",
            "apt-get update && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs",
        ] {
            assert_eq!(remote(script), 1, "{script}");
        }
    }

    #[test]
    fn downloads_not_run_are_not_remote_code() {
        for script in [
            "curl -fsSL https://x/fixuid.tar.gz | tar -C /usr/local/bin -xzf -",
            "wget https://x/shellcheck.tar.xz -O- | tar xJvf - shellcheck",
            "curl -L https://packages.microsoft.com/keys/microsoft.asc | apt-key add -",
            "curl -o /tmp/i.sh https://x && sha256sum -c sums && sh /tmp/i.sh",
            "echo 'curl x | sh'",
            "curl x | sh -c 'cat > /tmp/a'",
            "curl x | bash -ec 'cat > /tmp/a'",
            "curl x | bash /opt/verify.sh",
            "bash --version | head -n 1",
        ] {
            assert_eq!(remote(script), 0, "{script}");
        }
    }

    #[test]
    fn modes() {
        for mode in [
            "777", "0777", "1777", "666", "2", "a+rwx", "o+w", "ugo=rwx", "u+x,o+rw", "a=rwx",
        ] {
            assert!(world_writable(mode), "{mode}");
        }
        for mode in [
            "755",
            "4755",
            "0644",
            "g+w",
            "a+rx",
            "o-w",
            "+w",
            "a-w+x",
            "$MODE",
            "u=rwx,g=rx",
        ] {
            assert!(!world_writable(mode), "{mode}");
        }
        let facts =
            analyze("chmod -R 777 /app && mkdir -m 0777 /x && install -m755 a b && chmod a+rx f");
        assert_eq!(facts.world_writable.len(), 2);
        assert!(facts.world_writable[0].what.contains("chmod -R 777 /app"));
    }

    #[test]
    fn installs_and_cleanup() {
        let facts = analyze(
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
        );
        assert_eq!(facts.installs.len(), 1);
        assert!(facts.installs[0].no_recommends && facts.apt_lists_removed);
        let facts = analyze("apk --root \"$R\" --no-cache add --initdb x; apk add y");
        assert_eq!(facts.installs.len(), 2);
        assert!(facts.installs[0].no_cache && !facts.installs[1].no_cache);
        let facts = analyze("dnf -y install tar && dnf clean all");
        assert_eq!(facts.installs.len(), 1);
        assert!(facts.rpm_cleaned);
        let facts = analyze("apt-get -o APT::Install-Recommends=false install x");
        assert!(facts.installs[0].no_recommends);
        assert!(
            analyze("apt-get update; apt-cache search x")
                .installs
                .is_empty()
        );
    }

    #[test]
    fn offsets_point_into_the_script_and_substitutions() {
        let script = "echo ok\nX=$(chmod 777 /tmp/x)";
        let facts = analyze(script);
        assert_eq!(facts.world_writable.len(), 1);
        assert_eq!(&script[facts.world_writable[0].at..][..9], "chmod 777");
    }

    #[test]
    fn secrets_in_commands_are_not_echoed() {
        let token = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
        let facts = analyze(&format!(
            "curl -H 'Authorization: token {token}' https://x/i.sh | sh"
        ));
        assert_eq!(facts.remote_code.len(), 1);
        assert!(
            !facts.remote_code[0].what.contains(token),
            "{}",
            facts.remote_code[0].what
        );
    }
}
