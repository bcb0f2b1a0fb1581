//! Every fixture under `tests/fixtures/dockerfile`, with the facts expected
//! from reading the file (the reasoning is next to each row), plus the lines
//! of the findings that matter most.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

use stagegate_sdk::{EvaluationExt, Finding};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/dockerfile"
);

/// Facts of one file: stages, unpinned, latest, root, remote ADDs, remote code,
/// secrets, world-writable, package hygiene, malformed.
type Counts = [i64; 10];

const FACTS: [&str; 10] = [
    "stages",
    "unpinned_bases",
    "latest_bases",
    "runs_as_root",
    "remote_adds",
    "curl_pipe_shell",
    "secret_env",
    "world_writable",
    "package_hygiene",
    "malformed",
];

const EXPECTED: [(&str, Counts); 29] = [
    // golang:1.13.1-alpine and untagged gcr.io/distroless/base; USER nonroot last; `ADD .` is local.
    (
        "GoogleContainerTools_distroless_examples_go_Dockerfile",
        [2, 2, 1, 0, 0, 0, 0, 0, 0, 0],
    ),
    // node:18 and distroless/nodejs:18, both tagged; no USER anywhere.
    (
        "GoogleContainerTools_distroless_examples_nodejs_node-express_Dockerfile",
        [2, 2, 0, 1, 0, 0, 0, 0, 0, 0],
    ),
    // debian:12-slim, `FROM build` (a stage), untagged python3-debian12; apt keeps its lists.
    (
        "GoogleContainerTools_distroless_examples_python3-requirements_Dockerfile",
        [3, 2, 1, 1, 0, 0, 0, 0, 1, 0],
    ),
    // scratch + debian:11; apt-get install -y without --no-install-recommends (lists removed); USER 1000.
    (
        "coder_code-server_ci_release-image_Dockerfile",
        [2, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ),
    // dnf upgrade, swap, swap, reinstall, install each in its own RUN; `dnf clean all` only at the end.
    (
        "containers_toolbox_images_fedora_f39_Containerfile",
        [1, 1, 0, 1, 0, 0, 0, 0, 5, 0],
    ),
    // alpine:3.20 twice; apk --no-cache; `chmod -R 1777 "$GOPATH"`; no USER.
    (
        "docker-library_golang_1.23_alpine3.20_Dockerfile",
        [2, 2, 0, 1, 0, 0, 0, 1, 0, 0],
    ),
    // FROM scratch, no USER.
    (
        "docker-library_hello-world_amd64_hello-world_Dockerfile",
        [1, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    ),
    // debian:bookworm-slim; both apt installs use --no-install-recommends and remove the lists.
    (
        "docker-library_python_3.11_slim-bookworm_Dockerfile",
        [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    ),
    // node:21-alpine, no USER.
    (
        "docker_awesome-compose_react-express-mongodb_backend_Dockerfile",
        [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    ),
    // 18 FROMs: docker:20.10.8 x2, golang:1.17.0-alpine, untagged alpine x2 and
    // `binaries-$TARGETOS` (unknown) are unpinned; xx is digest-pinned; the rest are
    // stages or scratch. The final `FROM binaries` chain has no USER.
    ("docker_buildx_Dockerfile", [18, 6, 2, 1, 0, 0, 0, 0, 0, 0]),
    // sdk:7.0 and aspnet:7.0; no USER.
    (
        "dotnet_dotnet-docker_samples_aspnetapp_Dockerfile",
        [2, 2, 0, 1, 0, 0, 0, 0, 0, 0],
    ),
    // servercore and nanoserver tags; last USER ContainerUser; Invoke-WebRequest -OutFile is not run.
    (
        "dotnet_dotnet-docker_src_runtime_8.0_nanoserver-ltsc2022_amd64_Dockerfile",
        [2, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    ),
    // `ARG base` without default: FROM ${base} unknown; rustup piped into sh; USER gitpod.
    (
        "gitpod-io_workspace-images_chunks_lang-rust_Dockerfile",
        [1, 1, 0, 0, 0, 1, 0, 0, 0, 0],
    ),
    // $ROOT_CONTAINER = ubuntu:22.04; final USER ${NB_UID} = 1000; wget | tar is no shell.
    (
        "jupyter_docker-stacks_images_docker-stacks-foundation_Dockerfile",
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ),
    // untagged ubi9 and ubi9-micro; ADD $KEYCLOAK_DIST (an https default); dnf without clean; USER 1000.
    (
        "keycloak_keycloak_quarkus_container_Dockerfile",
        [2, 2, 2, 0, 1, 0, 0, 0, 1, 0],
    ),
    // alpine:3.23 + scratch; eight ADD https://; apk --no-cache; no USER.
    (
        "linuxserver_docker-baseimage-alpine_Dockerfile",
        [2, 1, 0, 1, 8, 0, 0, 0, 0, 0],
    ),
    // debian:9; three apt installs in two RUNs, none cleaned; no USER; curl | apt-key is no shell.
    (
        "microsoft_vscode-dev-containers_containers_azure-cli_dev-container.dockerfile",
        [1, 1, 0, 1, 0, 0, 0, 0, 3, 0],
    ),
    // python:3; apt install cleaned only in a later RUN; no USER.
    (
        "microsoft_vscode-dev-containers_containers_python-3_.devcontainer_Dockerfile",
        [1, 1, 0, 1, 0, 0, 0, 0, 1, 0],
    ),
    // ubuntu:14.04; one `apt install` without flags or cleanup; USER nvm; wget -O- | tar.
    ("nvm-sh_nvm_Dockerfile", [1, 1, 0, 0, 0, 0, 0, 0, 1, 0]),
    // busybox:latest; USER prometheus.
    (
        "prometheus_prometheus_Dockerfile",
        [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    ),
    // alpine:3.21, no USER.
    ("traefik_traefik_Dockerfile", [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
    // node:18-alpine and three stages built on `base`; USER nextjs in the final one.
    (
        "vercel_next.js_examples_with-docker_Dockerfile",
        [4, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ),
    // Written to carry every risk: see the file.
    ("handmade_risky", [2, 2, 2, 1, 1, 1, 1, 1, 2, 0]),
    ("handmade_fixed", [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    // alpine:3.20 once, stages `base`, `debug`, `final`; final inherits USER app.
    ("handmade_inherited-user", [3, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
    // curl | sh in `run <<EOT bash -e`, wget | sh in an exec form; chmod o+w (exec form), COPY --chmod=0777.
    (
        "handmade_heredocs-and-exec-forms",
        [1, 1, 0, 0, 0, 2, 0, 2, 0, 0],
    ),
    // iex (DownloadString) and USER ContainerAdministrator.
    ("handmade_windows-escape", [1, 1, 0, 1, 0, 1, 0, 0, 0, 0]),
    // The heredoc swallows `USER app`.
    (
        "hostile_unterminated-heredoc",
        [1, 1, 0, 1, 0, 0, 0, 0, 0, 1],
    ),
    // `FROM` (no image) and `FROM busybox:${D:-x}` (D past 64 KiB: unknown); `USER` without user.
    ("hostile_refused-by-docker", [2, 1, 0, 1, 0, 0, 0, 0, 0, 1]),
];

fn evaluate(name: &str) -> Result<stagegate_sdk::Evaluation, String> {
    let path = format!("{name}.Dockerfile");
    let bytes = std::fs::read(format!("{DIR}/{path}")).unwrap();
    stagegate_plugin_dockerfile::evaluate_files(vec![(path, Ok(&bytes[..]))], "{}", &mut |_| {})
}

fn lines(findings: &[Finding], rule: &str) -> Vec<u32> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .filter_map(|f| f.line)
        .collect()
}

#[test]
fn every_fixture_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".Dockerfile").map(str::to_owned))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.push("hostile_binary".into());
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn each_fixture_has_the_facts_read_off_the_file() {
    let mut wrong = Vec::new();
    for (name, expected) in EXPECTED {
        let evaluation = evaluate(name).unwrap();
        assert_eq!(evaluation.long("inputs"), Some(1), "{name}");
        assert_eq!(evaluation.long("files"), Some(1), "{name}");
        let got: Vec<i64> = FACTS.iter().map(|f| evaluation.long(f).unwrap()).collect();
        if got != expected {
            wrong.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{FACTS:?}\n{}", wrong.join("\n"));
}

#[test]
fn all_fixtures_together_add_up() {
    let mut files = Vec::new();
    let mut contents = Vec::new();
    for (name, _) in EXPECTED {
        contents.push((
            format!("{name}.Dockerfile"),
            std::fs::read(format!("{DIR}/{name}.Dockerfile")).unwrap(),
        ));
    }
    for (path, bytes) in &contents {
        files.push((path.clone(), Ok(&bytes[..])));
    }
    let evaluation = stagegate_plugin_dockerfile::evaluate_files(files, "{}", &mut |_| {}).unwrap();
    assert_eq!(evaluation.long("inputs"), Some(EXPECTED.len() as i64));
    for (i, fact) in FACTS.iter().enumerate() {
        let sum: i64 = EXPECTED.iter().map(|(_, c)| c[i]).sum();
        assert_eq!(evaluation.long(fact), Some(sum), "{fact}");
    }
    assert_eq!(evaluation.long("findings_dropped"), Some(0));
}

#[test]
fn findings_point_at_the_lines_that_cause_them() {
    let risky = evaluate("handmade_risky").unwrap();
    let f = &risky.findings;
    assert_eq!(lines(f, "dockerfile/latest-base"), vec![4, 15]);
    assert_eq!(
        lines(f, "dockerfile/curl-pipe-shell"),
        vec![8],
        "inside the here-document"
    );
    assert_eq!(lines(f, "dockerfile/package-hygiene"), vec![5, 9]);
    assert_eq!(lines(f, "dockerfile/secret-env"), vec![16]);
    assert_eq!(lines(f, "dockerfile/remote-add"), vec![17]);
    assert_eq!(lines(f, "dockerfile/world-writable"), vec![19]);
    assert_eq!(lines(f, "dockerfile/runs-as-root"), vec![20]);
    for finding in f {
        assert!(!finding.message.contains("hunter2"), "{}", finding.message);
    }
    let azure =
        evaluate("microsoft_vscode-dev-containers_containers_azure-cli_dev-container.dockerfile")
            .unwrap();
    // The second RUN starts at line 12; its second install is on line 16.
    assert_eq!(
        lines(&azure.findings, "dockerfile/package-hygiene"),
        vec![9, 12, 16]
    );
    let windows = evaluate("handmade_windows-escape").unwrap();
    assert_eq!(
        lines(&windows.findings, "dockerfile/curl-pipe-shell"),
        vec![6]
    );
    assert_eq!(
        lines(&windows.findings, "dockerfile/runs-as-root"),
        vec![11]
    );
    let gitpod = evaluate("gitpod-io_workspace-images_chunks_lang-rust_Dockerfile").unwrap();
    assert!(
        gitpod
            .findings
            .iter()
            .any(|f| f.rule == "dockerfile/unpinned-base"
                && f.message.contains("`base` without a known value")),
        "{:?}",
        gitpod.findings
    );
}

#[test]
fn base_images_are_the_resolved_external_references() {
    let evaluation =
        evaluate("jupyter_docker-stacks_images_docker-stacks-foundation_Dockerfile").unwrap();
    match evaluation.fact("base_images") {
        Some(stagegate_sdk::FactValue::TextSet(images)) => {
            assert_eq!(images, &vec!["ubuntu:22.04".to_owned()])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_binary_file_is_an_error_naming_it() {
    let err = evaluate("hostile_binary").unwrap_err();
    assert!(
        err.starts_with("`hostile_binary.Dockerfile` is not a text file"),
        "{err}"
    );
}
