//! The grammar on small written inputs: keywords, continuations, directives,
//! here-documents, problems and the instruction cap.

use super::*;

fn parsed(text: &str) -> Dockerfile {
    parse(text, "Dockerfile").unwrap()
}

fn keywords(file: &Dockerfile) -> Vec<(&str, usize)> {
    file.instructions
        .iter()
        .map(|i| (i.keyword.as_str(), i.line))
        .collect()
}

#[test]
fn keywords_are_case_insensitive_and_comments_skipped() {
    let file =
        parsed("# a comment\nfrom alpine:3.20\n\n  # indented comment\nRun echo hi\nuser app\n");
    assert_eq!(keywords(&file), vec![("FROM", 2), ("RUN", 5), ("USER", 6)]);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.instructions[1].args.text, "echo hi");
}

#[test]
fn continuations_join_lines_and_skip_comments_and_blank_lines() {
    let text = "FROM debian:12\nRUN apt-get update && \\\n    # a comment inside\n\n    apt-get install -y curl \\  \n    && rm -rf /var/lib/apt/lists/*\nUSER 1000\n";
    let file = parsed(text);
    assert_eq!(keywords(&file), vec![("FROM", 1), ("RUN", 2), ("USER", 7)]);
    let run = &file.instructions[1].args;
    assert_eq!(
        run.text,
        "apt-get update &&     apt-get install -y curl     && rm -rf /var/lib/apt/lists/*"
    );
    let install = run.text.find("apt-get install").unwrap();
    assert_eq!(run.line_at(install), 5);
    assert_eq!(run.line_at(run.text.find("rm -rf").unwrap()), 6);
}

#[test]
fn the_escape_directive_changes_the_continuation_character() {
    let text = "# escape=`\r\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\r\nRUN dir C:\\ `\r\n    && echo done\r\nCOPY a\\ C:\\b\\\r\n";
    let file = parsed(text);
    assert_eq!(file.escape, '`');
    assert_eq!(keywords(&file), vec![("FROM", 2), ("RUN", 3), ("COPY", 5)]);
    assert_eq!(file.instructions[1].args.text, "dir C:\\     && echo done");
    assert_eq!(file.instructions[2].args.text, "a\\ C:\\b\\");
}

#[test]
fn directives_are_read_only_at_the_top() {
    let file = parsed(
        "#syntax = docker/dockerfile:1.7\n# escape=\\\nFROM alpine\n# escape=`\nRUN a \\\n b\n",
    );
    assert_eq!(file.syntax, Some(("docker/dockerfile:1.7".into(), 1)));
    assert_eq!(file.escape, '\\');
    assert_eq!(file.instructions[1].args.text, "a  b");
    // After a comment, a directive is just a comment.
    let file = parsed("# hello\n# escape=`\nFROM alpine\n");
    assert_eq!(file.escape, '\\');
    // Twice, or invalid: a problem, the default stays.
    let file = parsed("# escape=`\n# escape=\\\n# syntax=a\n# escape=?\nFROM alpine\n");
    assert_eq!(file.escape, '`');
    let messages: Vec<&str> = file.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "the `escape` parser directive is given twice",
            "the `escape` parser directive is given twice"
        ]
    );
    let file = parsed("# escape=?\nFROM alpine\n");
    assert!(
        file.problems[0]
            .message
            .starts_with("invalid escape directive `?`")
    );
}

#[test]
fn heredocs_read_their_bodies() {
    let text = "FROM alpine\nRUN <<EOF\napk add curl\nEOF\nCOPY <<-\"CONF\" <<two /etc/\n\tkey=value\n\tCONF\nsecond\ntwo\nRUN --mount=type=cache,target=/var/cache/apk \\\n    <<EOT sh -e\necho hi\nEOT\nUSER app\n";
    let file = parsed(text);
    assert_eq!(
        keywords(&file),
        vec![
            ("FROM", 1),
            ("RUN", 2),
            ("COPY", 5),
            ("RUN", 10),
            ("USER", 14)
        ]
    );
    let run = &file.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(run.heredocs[0].body.text, "apk add curl\n");
    assert_eq!(run.heredocs[0].body.line_at(0), 3);
    let copy = &file.instructions[2];
    assert_eq!(copy.heredocs.len(), 2);
    assert_eq!(copy.heredocs[0].name, "CONF");
    assert!(copy.heredocs[0].strip_tabs);
    assert_eq!(copy.heredocs[0].body.text, "key=value\n");
    assert_eq!(copy.heredocs[1].body.text, "second\n");
    assert_eq!(file.instructions[3].heredocs[0].body.text, "echo hi\n");
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    // Other instructions take no heredocs.
    let file = parsed("FROM alpine\nLABEL a=<<EOF\nUSER x\n");
    assert_eq!(
        keywords(&file),
        vec![("FROM", 1), ("LABEL", 2), ("USER", 3)]
    );
}

#[test]
fn an_unterminated_heredoc_is_a_problem_and_swallows_the_rest() {
    let file = parsed("FROM alpine\nRUN <<EOF\necho a\nUSER app\n");
    assert_eq!(keywords(&file), vec![("FROM", 1), ("RUN", 2)]);
    assert!(!file.instructions[1].heredocs[0].terminated);
    assert_eq!(
        file.problems[0].message,
        "the here-document `EOF` started at line 2 is never terminated"
    );
}

#[test]
fn what_docker_refuses_is_a_problem_not_an_error() {
    let file = parsed("ENV A=1\nARG B\nFROM alpine\nFETCH x\n");
    let messages: Vec<&str> = file.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "`ENV` comes before the first `FROM`",
            "unknown instruction `FETCH`"
        ]
    );
    let file = parsed("RUN echo\n");
    assert!(
        file.problems
            .iter()
            .any(|p| p.message == "no `FROM` instruction")
    );
    // A file of unknown words only is no Dockerfile at all.
    let file = parsed("node_modules\n*.log\n");
    assert_eq!(file.known_instructions(), 0);
}

#[test]
fn the_instruction_count_is_bounded() {
    let text = "FROM alpine\n".to_owned() + &"RUN true\n".repeat(MAX_INSTRUCTIONS);
    let err = parse(&text, "many/Dockerfile").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("`many/Dockerfile` has more than {MAX_INSTRUCTIONS} instructions")
    );
    let ok = "FROM alpine\n".to_owned() + &"RUN true\n".repeat(MAX_INSTRUCTIONS - 1);
    assert_eq!(parsed(&ok).instructions.len(), MAX_INSTRUCTIONS);
}

#[test]
fn a_trailing_continuation_at_the_end_of_the_file_ends_the_instruction() {
    let file = parsed("FROM alpine\nRUN echo \\");
    assert_eq!(file.instructions[1].args.text, "echo ");
    let file = parsed("FROM alpine\nRUN echo \\\n# only a comment follows\n");
    assert_eq!(file.instructions.len(), 2);
}
