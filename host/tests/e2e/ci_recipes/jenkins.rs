//! The Jenkinsfile: its brackets and strings balance, it has the pipeline's
//! parts, and its `sh` script runs as Jenkins runs it.

use super::{allowed_bundle, bin_dir, denied_bundle, path_of, read_json, run_script, vars};
use crate::support::repo;

/// The Jenkinsfile's gate script: the one `script: '''…'''` of an `sh` step.
pub fn gate_script(jenkinsfile: &str) -> String {
    let parts: Vec<&str> = jenkinsfile.split("'''").collect();
    assert_eq!(parts.len(), 3, "one triple-quoted sh script");
    assert!(
        parts[0].trim_end().ends_with("script:"),
        "the ''' string is an sh script"
    );
    let script = parts[1];
    // Groovy would turn backslashes into escapes: the script has none.
    assert!(!script.contains('\\'), "no backslash in the Groovy string");
    script.to_owned()
}

/// Brackets balance outside strings and comments (Groovy's `'…'`, `"…"`,
/// `'''…'''`, `//` and `/* */`).
fn groovy_balanced(text: &str) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut stack = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let starts = |i: usize, s: &str| chars[i..].iter().take(s.len()).copied().eq(s.chars());
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        if starts(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let close = if starts(i, "/*") {
            "*/"
        } else if starts(i, "'''") {
            "'''"
        } else if starts(i, "\"\"\"") {
            "\"\"\""
        } else if c == '\'' {
            "'"
        } else if c == '"' {
            "\""
        } else {
            ""
        };
        if !close.is_empty() {
            let open = if close == "*/" { 2 } else { close.len() };
            i += open;
            loop {
                if i >= chars.len() {
                    return Err(format!("unterminated {close} from line {line}"));
                }
                if chars[i] == '\\' && close != "*/" {
                    i += 2;
                    continue;
                }
                if starts(i, close) {
                    i += close.len();
                    break;
                }
                if chars[i] == '\n' {
                    if close.len() == 1 {
                        return Err(format!("newline in a string on line {line}"));
                    }
                    line += 1;
                }
                i += 1;
            }
            continue;
        }
        match c {
            '{' | '(' | '[' => stack.push((c, line)),
            '}' | ')' | ']' => {
                let want = match c {
                    '}' => '{',
                    ')' => '(',
                    _ => '[',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Err(format!("`{c}` on line {line} closes `{open}` of line {at}"));
                    }
                    None => return Err(format!("unopened `{c}` on line {line}")),
                }
            }
            _ => {}
        }
        i += 1;
    }
    match stack.pop() {
        Some((open, at)) => Err(format!("`{open}` of line {at} is never closed")),
        None => Ok(()),
    }
}

/// `NAME = 'value'` lines of the `environment { }` block.
fn jenkins_environment(jenkinsfile: &str) -> Vec<(String, String)> {
    let block = jenkinsfile
        .split_once("environment {")
        .expect("an environment block")
        .1
        .split_once('}')
        .unwrap()
        .0;
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| {
            let (name, value) = l.split_once(" = ").unwrap_or_else(|| panic!("`{l}`"));
            (name.to_owned(), value.trim_matches('\'').to_owned())
        })
        .collect()
}

#[test]
fn the_jenkinsfile_gates_with_jenkins_variables() {
    let text = std::fs::read_to_string(repo().join("ci/jenkins/Jenkinsfile")).unwrap();
    groovy_balanced(&text).unwrap();
    assert!(groovy_balanced(&text.replacen("post {", "post ", 1)).is_err());
    assert!(groovy_balanced(&text.replacen("'prod'", "'prod", 1)).is_err());
    let code: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    assert_eq!(code.first(), Some(&"pipeline {"));
    for part in [
        "agent any",
        "stages {",
        "stage('Quality gate') {",
        "int code = sh(label: 'stagegate check', returnStatus: true, script: '''",
        "if (code == 1) {",
        "} else if (code != 0) {",
        "post {",
        "always {",
        "archiveArtifacts artifacts: 'stagegate.json, stagegate.sarif', allowEmptyArchive: true, fingerprint: true",
        "junit testResults: 'stagegate-junit.xml', allowEmptyResults: true",
    ] {
        assert!(code.contains(&part), "the Jenkinsfile lacks `{part}`");
    }

    // The sh step's script, run as Jenkins runs it (`sh -xe`).
    let script = gate_script(&text);
    let mut env = vars(&[
        ("PATH", &path_of(&[&bin_dir()])),
        ("JENKINS_URL", "https://ci.acme.example/"),
        ("GIT_COMMIT", "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"),
        ("BRANCH_NAME", "main"),
        ("CHANGE_AUTHOR", "jdoe"),
        ("BUILD_URL", "https://ci.acme.example/job/shop/12/"),
    ]);
    env.extend(jenkins_environment(&text));
    let home = tempfile::tempdir().unwrap();
    env.push(("HOME".into(), home.path().display().to_string()));
    assert!(
        env.iter()
            .any(|(k, v)| k == "STAGEGATE_BUNDLE" && v == "reports")
    );

    let workspace = tempfile::tempdir().unwrap();
    allowed_bundle(workspace.path());
    std::fs::rename(
        workspace.path().join("gate-bundle"),
        workspace.path().join("reports"),
    )
    .unwrap();
    let ran = run_script(&["sh", "-xe"], &script, workspace.path(), &env);
    assert_eq!(ran.code, 0, "{}", ran.all());
    let report = read_json(&workspace.path().join("stagegate.json"));
    assert_eq!(report["decision"], "allow");
    assert_eq!(report["change"]["ci"], "jenkins");
    assert_eq!(
        report["change"]["run_url"],
        "https://ci.acme.example/job/shop/12/"
    );
    assert_eq!(report["change"]["author"], "jdoe");
    assert_eq!(
        read_json(&workspace.path().join("stagegate.sarif"))["version"],
        "2.1.0"
    );
    assert!(
        std::fs::read_to_string(workspace.path().join("stagegate-junit.xml"))
            .unwrap()
            .contains("<testsuites")
    );

    let workspace = tempfile::tempdir().unwrap();
    denied_bundle(workspace.path());
    std::fs::rename(
        workspace.path().join("gate-bundle"),
        workspace.path().join("reports"),
    )
    .unwrap();
    env.push(("STAGEGATE_ARGS".into(), "--explain --branch release".into()));
    let ran = run_script(&["sh", "-xe"], &script, workspace.path(), &env);
    assert_eq!(ran.code, 1, "{}", ran.all());
    let report = read_json(&workspace.path().join("stagegate.json"));
    assert_eq!(report["decision"], "deny");
    assert_eq!(
        report["change"]["branch"], "release",
        "STAGEGATE_ARGS reached stagegate"
    );
}
