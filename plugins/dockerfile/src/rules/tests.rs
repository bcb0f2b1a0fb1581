//! The rules on small written Dockerfiles: stages and their users, variables,
//! remote ADDs, RUN scripts, modes, package hygiene, secrets and notes.

use super::*;
use crate::parse::parse;

fn judged(text: &str) -> Report {
    let file = parse(text, "Dockerfile").unwrap();
    let mut report = Report::new(100);
    judge(&file, "Dockerfile", &mut report);
    report
}

fn lines(report: &Report, rule: Rule) -> Vec<usize> {
    report
        .hits
        .iter()
        .filter(|h| h.rule == rule)
        .map(|h| h.line)
        .collect()
}

#[test]
fn global_args_resolve_bases_and_stages_are_not_images() {
    let report = judged(
        "ARG GO=1.23\nARG BASE=alpine\nFROM golang:${GO}-alpine AS Build\nFROM build AS test\nFROM scratch\nCOPY --from=build /out /\nFROM $BASE\nUSER 1000\n",
    );
    assert_eq!(report.stages, 4);
    let images: Vec<&str> = report.images.iter().map(String::as_str).collect();
    assert_eq!(images, vec!["alpine", "golang:1.23-alpine"]);
    assert_eq!(lines(&report, Rule::UnpinnedBase), vec![3, 7]);
    assert_eq!(lines(&report, Rule::LatestBase), vec![7]);
    assert_eq!(report.count(Rule::RunsAsRoot), 0);
}

#[test]
fn an_unresolved_base_is_unpinned_with_a_note_and_not_latest() {
    let report = judged("ARG base\nFROM ${base}\nUSER app\n");
    assert_eq!(report.count(Rule::UnpinnedBase), 1);
    assert_eq!(report.count(Rule::LatestBase), 0);
    assert!(
        report.hits[0]
            .message
            .contains("`base` without a known value"),
        "{}",
        report.hits[0].message
    );
    // A stage ARG is not in scope for FROM.
    let report = judged("FROM alpine:3.20\nARG TAG=1\nFROM busybox:$TAG\nUSER app\n");
    assert_eq!(report.count(Rule::UnpinnedBase), 2);
}

#[test]
fn the_final_stage_user_follows_the_stages_it_is_built_on() {
    let inherited =
        "FROM alpine:3.20 AS base\nUSER app\nFROM base AS debug\nUSER root\nFROM base\nCMD x\n";
    assert_eq!(judged(inherited).count(Rule::RunsAsRoot), 0);
    let root_again = "FROM alpine:3.20 AS builder\nUSER 10001\nFROM builder\nUSER 0:0\n";
    let report = judged(root_again);
    assert_eq!(lines(&report, Rule::RunsAsRoot), vec![4]);
    let chain = "FROM alpine:3.20 AS a\nFROM a AS b\nFROM b\n";
    let report = judged(chain);
    assert_eq!(lines(&report, Rule::RunsAsRoot), vec![3]);
    assert!(
        report
            .hits
            .iter()
            .any(|h| h.message.contains("inherited from stage `a`"))
    );
    // Only the final stage counts.
    let build_as_root = "FROM alpine:3.20 AS build\nUSER root\nFROM alpine:3.20\nUSER nobody\n";
    assert_eq!(judged(build_as_root).count(Rule::RunsAsRoot), 0);
    for user in [
        "root",
        "0",
        "0:0",
        "root:root",
        "000",
        "ContainerAdministrator",
    ] {
        let report = judged(&format!("FROM alpine:3.20\nUSER {user}\n"));
        assert_eq!(report.count(Rule::RunsAsRoot), 1, "{user}");
    }
    for user in ["10001", "app:app", "nobody", "rooty", "1000:0"] {
        let report = judged(&format!("FROM alpine:3.20\nUSER {user}\n"));
        assert_eq!(report.count(Rule::RunsAsRoot), 0, "{user}");
    }
}

#[test]
fn users_from_variables() {
    let report = judged("FROM alpine:3.20\nARG UID=1000\nUSER ${UID}\n");
    assert_eq!(report.count(Rule::RunsAsRoot), 0);
    let report = judged("FROM alpine:3.20\nARG UID=0\nUSER $UID\n");
    assert_eq!(report.count(Rule::RunsAsRoot), 1);
    let report = judged("ARG UID=0\nFROM alpine:3.20\nARG UID\nUSER $UID\n");
    assert_eq!(
        report.count(Rule::RunsAsRoot),
        1,
        "a redeclared global ARG keeps its default"
    );
    let report = judged("FROM mcr.microsoft.com/dotnet/aspnet:8.0\nUSER $APP_UID\n");
    assert_eq!(report.count(Rule::RunsAsRoot), 0);
    assert!(
        report
            .hits
            .iter()
            .any(|h| h.rule == Rule::Note && h.message.contains("not counted as root"))
    );
    // ENV is inherited by a stage built on another; ARG is not.
    let report = judged("FROM alpine:3.20 AS a\nENV U=0\nARG V=1\nFROM a\nUSER $U\n");
    assert_eq!(report.count(Rule::RunsAsRoot), 1);
}

#[test]
fn remote_adds() {
    let report = judged(
        "FROM alpine:3.20\nARG URL=https://example.com/a.tgz\nADD $URL /tmp/\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/b.tgz /tmp/\nADD git@github.com:moby/buildkit.git /src\nADD [\"https://example.com/c\", \"/c\"]\nADD local.tgz /opt/\nADD <<EOF /x\nhttps://example.com/not-fetched\nEOF\nUSER app\n",
    );
    assert_eq!(lines(&report, Rule::RemoteAdd), vec![3, 5, 6]);
}

#[test]
fn run_scripts_heredocs_and_exec_forms() {
    let report = judged(
        "FROM debian:12\nRUN <<EOF\nset -e\ncurl -fsSL https://x/i.sh | sh\nEOF\nRUN cat <<EOF > /motd\ncurl x | sh\nEOF\nRUN python3 <<EOF\nprint(1 | 2)\nEOF\nRUN [\"/bin/sh\", \"-c\", \"wget -qO- https://x | bash\"]\nRUN <<EOF\n#!/usr/bin/env python3\nimport os | sh\nEOF\nUSER app\n",
    );
    assert_eq!(lines(&report, Rule::CurlPipeShell), vec![4, 12]);
}

#[test]
fn world_writable_modes_in_run_and_flags() {
    let report = judged(
        "FROM alpine:3.20\nRUN chmod 777 /a && \\\n    chmod -R a+rwx /b\nCOPY --chmod=0666 f /f\nADD --chmod=755 g /g\nRUN [\"chmod\", \"o+w\", \"/c\"]\nUSER app\n",
    );
    assert_eq!(lines(&report, Rule::WorldWritable), vec![2, 3, 4, 6]);
}

#[test]
fn package_hygiene_is_judged_per_run() {
    let report = judged(concat!(
        "FROM debian:12\n",
        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
        "RUN apt-get update && apt-get install -y curl\n",
        "RUN rm -rf /var/lib/apt/lists/*\n",
        "RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get install -y --no-install-recommends jq\n",
        "FROM alpine:3.20\n",
        "RUN apk add --no-cache a && apk add b\n",
        "RUN --mount=type=cache,target=/var/cache/apk apk add c\n",
        "FROM fedora:40\n",
        "RUN dnf -y install tar && dnf clean all\n",
        "RUN yum install -y gzip\n",
        "USER app\n",
    ));
    assert_eq!(lines(&report, Rule::PackageHygiene), vec![3, 7, 11]);
    let message = &report.hits.iter().find(|h| h.line == 3).unwrap().message;
    assert!(
        message.contains("without `--no-install-recommends` and without `rm -rf"),
        "{message}"
    );
}

#[test]
fn secrets_are_fingerprinted_never_echoed() {
    let value = "Vq8nZ2rL5tW9xK3pQ";
    let report = judged(&format!(
        "ARG NPM_TOKEN\nARG GITHUB_TOKEN=${{CI_TOKEN}}\nFROM alpine:3.20\nENV DB_PASSWORD={value} MODE=prod\nENV API_KEY \"two words here\"\nARG SIGNING_KEY=\"{value}\"\nENV MYSQL_ALLOW_EMPTY_PASSWORD=yes\nUSER app\n"
    ));
    assert_eq!(lines(&report, Rule::SecretEnv), vec![4, 5, 6]);
    for hit in &report.hits {
        assert!(!hit.message.contains(value), "{}", hit.message);
        assert!(!hit.message.contains("two words"), "{}", hit.message);
    }
    let fingerprint = stagegate_redact::value::fingerprint(value);
    let first = report
        .hits
        .iter()
        .find(|h| h.rule == Rule::SecretEnv)
        .unwrap();
    assert!(first.message.contains(&fingerprint), "{}", first.message);
}

#[test]
fn malformed_files_count_once() {
    let report = judged("FROM\nFETCH x\nUSER\n");
    assert_eq!(report.malformed, 1);
    assert_eq!(report.malformed_hits, 3);
    let report = judged("FROM alpine:3.20\nUSER app\n");
    assert_eq!(report.malformed, 0);
}

#[test]
fn custom_frontends_are_noted() {
    let report =
        judged("# syntax=docker/dockerfile:1.7-labs@sha256:abc\nFROM alpine:3.20\nUSER a\n");
    assert!(!report.hits.iter().any(|h| h.rule == Rule::Note));
    let report = judged("# syntax=example.com/my/frontend:1\nFROM alpine:3.20\nUSER a\n");
    assert_eq!(lines(&report, Rule::Note), vec![1]);
}
