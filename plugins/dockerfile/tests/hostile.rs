//! Hostile and malformed input: every limit is an error naming the file,
//! everything else is judged without a panic, and random text never panics.

use proptest::prelude::*;
use stagegate_sdk::{Evaluation, EvaluationExt};

fn run(text: &[u8], config: &str) -> Result<Evaluation, String> {
    stagegate_plugin_dockerfile::evaluate_files(
        vec![("hostile/Dockerfile".to_owned(), Ok(text))],
        config,
        &mut |_| {},
    )
}

#[test]
fn limits_are_errors_naming_the_file() {
    let long_line = format!("FROM alpine\nRUN echo {}\n", "x".repeat(1024 * 1024));
    let err = run(long_line.as_bytes(), "{}").unwrap_err();
    assert!(
        err.starts_with("`hostile/Dockerfile` line 2 is longer than"),
        "{err}"
    );

    let big = format!("FROM alpine\n{}", "# padding\n".repeat(110_000));
    let err = run(big.as_bytes(), "{\"max_file_mib\": 1}").unwrap_err();
    assert_eq!(
        err,
        "`hostile/Dockerfile` is larger than 1048576 bytes (`max_file_mib`); a Dockerfile that large is refused"
    );

    let many = format!("FROM alpine\n{}", "RUN true\n".repeat(10_000));
    let err = run(many.as_bytes(), "{}").unwrap_err();
    assert_eq!(err, "`hostile/Dockerfile` has more than 10000 instructions");

    let err = run(b"FROM alpine\n\x00", "{}").unwrap_err();
    assert!(err.contains("not a text file"), "{err}");
}

#[test]
fn deep_nesting_and_long_chains_end() {
    let nested = format!(
        "FROM alpine:3.20\nRUN echo {}\nRUN x=\"{}\"\nARG A={}x{}\nFROM busybox:$A\n",
        "$(".repeat(50_000),
        "$(\"".repeat(20_000),
        "${U:-".repeat(10_000),
        "}".repeat(10_000)
    );
    let evaluation = run(nested.as_bytes(), "{}").unwrap();
    assert_eq!(evaluation.long("inputs"), Some(1));

    // 9,000 stages, each built on the one before: the user walk is a loop, not recursion.
    let mut chain = String::from("FROM alpine:3.20 AS s0\nUSER app\n");
    for i in 1..9_000 {
        chain.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
    }
    let evaluation = run(chain.as_bytes(), "{}").unwrap();
    assert_eq!(evaluation.long("stages"), Some(9_000));
    assert_eq!(evaluation.long("runs_as_root"), Some(0));

    // A pipe bomb of downloads in one RUN, capped findings.
    let bomb = format!(
        "FROM alpine:3.20\nRUN {}\nUSER app\n",
        "curl x | sh; ".repeat(20_000)
    );
    let evaluation = run(bomb.as_bytes(), "{\"max_findings\": 10}").unwrap();
    assert_eq!(evaluation.long("curl_pipe_shell"), Some(20_000));
    assert_eq!(
        evaluation.findings.len(),
        11,
        "10 kept and one saying how many were left out"
    );
    assert!(evaluation.long("findings_dropped").unwrap() > 19_000);
}

#[test]
fn many_heredocs_and_unterminated_ones() {
    let mut text = String::from("FROM alpine:3.20\nRUN cat");
    for i in 0..2_000 {
        text.push_str(&format!(" <<E{i}"));
    }
    text.push('\n');
    for i in 0..1_999 {
        text.push_str(&format!("body\nE{i}\n"));
    }
    let evaluation = run(text.as_bytes(), "{}").unwrap();
    assert_eq!(
        evaluation.long("malformed"),
        Some(1),
        "the last one never ends"
    );
}

#[test]
fn control_characters_and_bidi_overrides_stay_data() {
    let text =
        "FROM alpine:3.20\u{202e}\nUSER \u{1b}[2Jroot\nRUN echo \u{0}".replace('\u{0}', "\u{7}");
    let evaluation = run(text.as_bytes(), "{}").unwrap();
    assert_eq!(evaluation.long("inputs"), Some(1));
    // The host's writer shows control characters; the plugin only keeps messages bounded.
    for finding in &evaluation.findings {
        assert!(finding.message.len() < 4096);
    }
}

const FRAGMENTS: [&str; 24] = [
    "FROM ",
    "from ",
    "ARG ",
    "ENV ",
    "USER ",
    "RUN ",
    "ADD ",
    "COPY ",
    " AS ",
    "<<EOF",
    "<<-X",
    "EOF",
    "\\\n",
    "`\n",
    "# escape=`\n",
    "# syntax=x\n",
    "$(",
    "${A:-",
    "}",
    "\"",
    "'",
    "|",
    " sh",
    "\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        let _ = run(text.as_bytes(), "{}");
    }

    #[test]
    fn random_dockerfile_shapes_never_panic(parts in proptest::collection::vec((0usize..FRAGMENTS.len(), "[a-z0-9:@/ .=-]{0,12}"), 0..80)) {
        let mut text = String::new();
        for (i, word) in parts {
            text.push_str(FRAGMENTS[i]);
            text.push_str(&word);
        }
        if let Ok(evaluation) = run(text.as_bytes(), "{}") {
            prop_assert!(evaluation.long("inputs").unwrap() <= 1);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = run(&bytes, "{}");
    }
}
