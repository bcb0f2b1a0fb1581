//! Expected facts for every real manifest fixture, plus hostile and malformed inputs.
//!
//! Counts were computed independently with PyYAML; the one-liners next to the
//! assertions are runnable from `tests/fixtures/k8s/`.

use super::*;
use crate::report::Rule;

fn fixture(name: &str) -> String {
    format!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/k8s/{}"),
        name
    )
}

fn read(name: &str) -> Result<Report, ManifestError> {
    let file = std::fs::File::open(fixture(name)).unwrap();
    let mut report = Report::new(1000);
    read_manifests(
        std::io::BufReader::new(file),
        name,
        &Limits::default(),
        &mut report,
    )?;
    Ok(report)
}

fn text(input: &str) -> Result<Report, ManifestError> {
    let mut report = Report::new(1000);
    read_manifests(
        input.as_bytes(),
        "inline.yaml",
        &Limits::default(),
        &mut report,
    )?;
    Ok(report)
}

/// objects, workloads, containers, then the nine rule counts in `Rule::ALL` order:
/// privileged, privilege_escalation, run_as_root, host_namespaces, host_path,
/// latest_images, unpinned_images, no_resource_limits, env_secrets.
fn facts(r: &Report) -> [u64; 12] {
    let mut out = [
        r.objects,
        r.workloads,
        r.containers,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    for (i, rule) in Rule::ALL.iter().enumerate() {
        out[3 + i] = r.count(*rule);
    }
    out
}

#[test]
fn every_fixture_has_its_expected_facts() {
    #[rustfmt::skip]
    let table: [(&str, [u64; 12], &[&str]); 11] = [
        ("conftest_deployment-runasroot.yaml", [1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0], &["paulbouwer/hello-kubernetes:1.5"]),
        ("goat_docker-bench_daemonset-hostnetwork.yaml", [1, 1, 1, 1, 0, 1, 3, 7, 1, 1, 0, 0], &["madhuakula/hacker-container"]),
        ("goat_insecure-rbac_cluster-admin.yaml", [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]),
        ("goat_system-monitor_privileged-hostpath.yaml", [3, 1, 1, 1, 1, 1, 2, 1, 1, 1, 0, 0], &["madhuakula/k8s-goat-system-monitor"]),
        ("handmade_cronjob-and-list.yaml", [2, 1, 1, 0, 0, 1, 0, 2, 0, 1, 1, 0], &["alpine:3.19"]),
        ("handmade_hardened-deployment.yaml", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &["registry.example.com/acme/api@sha256:3b5f0b0c2a8e6f2d1f1e4f3c9a7d5b6e8c0a1b2c3d4e5f60718293a4b5c6d7e8"]),
        ("handmade_privileged-debug-pod.yaml", [1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 1, 0], &["busybox:latest"]),
        ("handmade_rbac-wildcard.yaml", [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]),
        ("handmade_web-deployment-insecure.yaml", [3, 1, 2, 0, 0, 2, 0, 0, 2, 2, 2, 1],
            &["nginx", "registry.example.com/tools/log-shipper:latest"]),
        ("microservices-demo_istio.yaml", [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]),
        ("microservices-demo_release.yaml", [35, 12, 13, 0, 0, 0, 0, 0, 0, 12, 1, 0], &[]),
    ];
    for (name, expected, images) in table {
        let report = read(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(facts(&report), expected, "{name}");
        if !images.is_empty() {
            let got: Vec<&str> = report.images.iter().map(String::as_str).collect();
            assert_eq!(got, images, "{name}");
        }
        assert_eq!(
            report.hits.len() as u64,
            report.counts.iter().sum::<u64>(),
            "{name}"
        );
    }
}

#[test]
fn release_manifest_independent_counts() {
    let r = read("microservices-demo_release.yaml").unwrap();
    // python3 -c "import yaml; print(sum(1 for d in yaml.safe_load_all(open('microservices-demo_release.yaml')) if d))"  -> 35
    assert_eq!(r.objects, 35);
    // python3 -c "import yaml; print(sum(len(d['spec']['template']['spec'].get('containers',[]))+len(d['spec']['template']['spec'].get('initContainers',[])) for d in yaml.safe_load_all(open('microservices-demo_release.yaml')) if d and d['kind']=='Deployment'))"  -> 13
    assert_eq!(r.containers, 13);
    // python3 -c "import yaml; print(len({c['image'] for d in yaml.safe_load_all(open('microservices-demo_release.yaml')) if d and d['kind']=='Deployment' for k in ('containers','initContainers') for c in d['spec']['template']['spec'].get(k,[])}))"  -> 13
    assert_eq!(r.images.len(), 13);
    // The one container without limits is the loadgenerator's init container.
    let hit = r
        .hits
        .iter()
        .find(|h| h.rule == Rule::NoResourceLimits)
        .unwrap();
    assert!(
        hit.message
            .contains("`Deployment/default/loadgenerator` container `frontend-check`"),
        "{}",
        hit.message
    );
}

#[test]
fn daemonset_independent_counts_and_lines() {
    let r = read("goat_docker-bench_daemonset-hostnetwork.yaml").unwrap();
    // python3 -c "import yaml; d=yaml.safe_load(open('goat_docker-bench_daemonset-hostnetwork.yaml')); print(sum('hostPath' in v for v in d['spec']['template']['spec']['volumes']))"  -> 7
    assert_eq!(r.count(Rule::HostPath), 7);
    // python3 -c "import yaml; s=yaml.safe_load(open('goat_docker-bench_daemonset-hostnetwork.yaml'))['spec']['template']['spec']; print(sum(s.get(k) is True for k in ('hostNetwork','hostPID','hostIPC')))"  -> 3
    assert_eq!(r.count(Rule::HostNamespace), 3);
    let root = r.hits.iter().find(|h| h.rule == Rule::RunAsRoot).unwrap();
    assert_eq!(root.line, 31);
    assert!(root.message.starts_with(
        "`DaemonSet/default/docker-bench-security` container `docker-bench` runs as root"
    ));
    let privileged = r.hits.iter().find(|h| h.rule == Rule::Privileged).unwrap();
    assert_eq!(privileged.line, 45);
    assert!(
        privileged
            .message
            .contains("fix: remove `privileged: true`")
    );
}

#[test]
fn web_deployment_independent_counts_and_secret_redaction() {
    let r = read("handmade_web-deployment-insecure.yaml").unwrap();
    // python3 -c "import yaml; print([e['name'] for d in yaml.safe_load_all(open('handmade_web-deployment-insecure.yaml')) if d and d['kind']=='Deployment' for c in d['spec']['template']['spec']['containers'] for e in c.get('env',[]) if 'PASSWORD' in e['name'] and e.get('value')])"  -> ['DB_PASSWORD']
    assert_eq!(r.count(Rule::EnvSecret), 1);
    // python3 -c "import yaml; print(sum(1 for d in yaml.safe_load_all(open('handmade_web-deployment-insecure.yaml')) if d))"  -> 3 (the empty document is skipped)
    assert_eq!(r.objects, 3);
    let env = r.hits.iter().find(|h| h.rule == Rule::EnvSecret).unwrap();
    assert_eq!(env.line, 24);
    assert!(env.message.contains("`DB_PASSWORD`"));
    for hit in &r.hits {
        assert!(
            !hit.message.contains("Password123"),
            "secret echoed: {}",
            hit.message
        );
    }
    let sidecar_root = r
        .hits
        .iter()
        .filter(|h| h.rule == Rule::RunAsRoot)
        .nth(1)
        .unwrap();
    assert_eq!(sidecar_root.line, 33, "points at `runAsNonRoot: false`");
}

#[test]
fn cronjob_inside_a_list_is_found() {
    let r = read("handmade_cronjob-and-list.yaml").unwrap();
    let hit = r.hits.iter().find(|h| h.rule == Rule::HostPath).unwrap();
    assert_eq!(hit.line, 27);
    assert!(
        hit.message
            .starts_with("`CronJob/default/backup` mounts host path `/etc`")
    );
}

#[test]
fn unrendered_helm_template_is_a_clear_error() {
    let err = read("NOT-RENDERED_goat_helm-template-deployment.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("`NOT-RENDERED_goat_helm-template-deployment.yaml` "),
        "{err}"
    );
    assert!(err.contains("helm template"), "{err}");
}

#[test]
fn rendered_helm_output_json_and_all_workload_kinds() {
    let helm = "---\n# Source: chart/templates/sa.yaml\n---\n# Source: chart/templates/sts.yaml\n\
        apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data}\n\
        spec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true}\n      containers:\n\
        \x20       - name: db\n          image: postgres:16@sha256:abc\n          resources: {limits: {cpu: 1, memory: 1Gi}}\n\
        ---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {template: {spec: {containers: [{name: a, image: a:1}]}}}\n\
        ---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {initContainers: [{name: i, image: i:1}], containers: [{name: a, image: a:1}]}}}\n\
        ---\napiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {template: {spec: {containers: [{name: a, image: a:1}]}}}\n\
        ---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1000}\n  containers: [{name: a, image: a:1, resources: {limits: {cpu: 1, memory: 1}}}]\n\
        \x20 ephemeralContainers: [{name: dbg, image: busybox, securityContext: {allowPrivilegeEscalation: yes}}]\n---\n";
    let r = text(helm).unwrap();
    assert_eq!([r.objects, r.workloads, r.containers], [5, 5, 7]);
    assert_eq!(
        r.count(Rule::RunAsRoot),
        4,
        "rs, job x2, rc; the pod runs as uid 1000"
    );
    assert_eq!(
        r.count(Rule::NoResourceLimits),
        4,
        "ephemeral containers are exempt"
    );
    assert_eq!(
        r.count(Rule::PrivilegeEscalation),
        1,
        "`yes` is a YAML 1.1 boolean"
    );
    assert_eq!(r.count(Rule::UnpinnedImage), 6);
    assert_eq!(r.count(Rule::LatestImage), 1);

    let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\n\
        \x20   \"hostNetwork\": true,\n    \"containers\": [{\"name\": \"c\", \"image\": \"nginx:latest\",\n\
        \x20     \"env\": [{\"name\": \"API_TOKEN\", \"value\": \"abc\"}, {\"name\": \"X_TOKEN\", \"value\": \"$(Y)\"}]}]\n  }\n}\n";
    let r = text(json).unwrap();
    assert_eq!(
        [
            r.count(Rule::HostNamespace),
            r.count(Rule::EnvSecret),
            r.count(Rule::LatestImage)
        ],
        [1, 1, 1]
    );
    assert_eq!(
        r.hits
            .iter()
            .find(|h| h.rule == Rule::HostNamespace)
            .unwrap()
            .line,
        6
    );
}

#[test]
fn patches_and_foreign_documents_are_skipped_with_notes() {
    let r = text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 3}\n---\nfoo: bar\n---\n- 1\n").unwrap();
    assert_eq!([r.objects, r.workloads], [1, 0]);
    assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
}

#[test]
fn findings_are_capped_but_counted() {
    let mut pods = String::new();
    for i in 0..30 {
        pods.push_str(&format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n"));
    }
    let mut report = Report::new(10);
    read_manifests(
        pods.as_bytes(),
        "many.yaml",
        &Limits::default(),
        &mut report,
    )
    .unwrap();
    assert_eq!(report.hits.len(), 10);
    assert_eq!(report.count(Rule::LatestImage), 30);
    assert_eq!(report.hits_dropped, 30 * 4 - 10);
}

#[test]
fn malformed_inputs_name_the_file() {
    let cases: [(&str, &str); 6] = [
        (
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: [",
            "`inline.yaml` is not valid YAML at line",
        ),
        (
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: {a: 1}\n",
            "`inline.yaml` document 1 line 4: `containers` must be a sequence, not a mapping",
        ),
        (
            "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: \"true\"\n",
            "`hostPID` must be a boolean",
        ),
        (
            "apiVersion: v1\nkind: [Pod]\n",
            "`kind` must be a string, not a sequence",
        ),
        (
            "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, securityContext: {runAsUser: root}}]}\n",
            "runAsUser` must be an integer",
        ),
        ("\u{0}\u{1}binary", "`inline.yaml` is not valid YAML"),
    ];
    for (input, expected) in cases {
        let err = text(input).unwrap_err().to_string();
        assert!(err.contains(expected), "{input:?}: {err}");
    }
}

#[test]
fn hostile_inputs_are_refused() {
    let bomb = "apiVersion: v1\nkind: ConfigMap\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
    let err = text(bomb).unwrap_err().to_string();
    assert!(
        err.starts_with("`inline.yaml` document 1 is refused") && err.contains("alias bomb"),
        "{err}"
    );

    // 10,000 nested block sequences on one line, and 10,000 nested flow sequences.
    let deep = format!(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  {}x\n",
        "- ".repeat(10_000)
    );
    let err = text(&deep).unwrap_err().to_string();
    assert!(
        err.contains("document 1 is refused at line 5: nesting deeper than 128 levels"),
        "{err}"
    );
    let deep = format!(
        "apiVersion: v1\nkind: Pod\nspec: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = text(&deep).unwrap_err().to_string();
    assert!(
        err.starts_with("`inline.yaml` is not valid YAML at line 3")
            && err.contains("recursion limit"),
        "{err}"
    );

    let huge = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  blob: \"{}\"\n",
        "x".repeat(5 * 1024 * 1024)
    );
    let err = text(&huge).unwrap_err().to_string();
    assert!(err.contains("scalar longer than"), "{err}");

    let truncated = std::fs::read_to_string(fixture("handmade_privileged-debug-pod.yaml")).unwrap();
    let cut = &truncated[..truncated.find("capabilities").unwrap() + 14];
    let err = text(&format!("{cut}[SYS")).unwrap_err().to_string();
    assert!(err.starts_with("`inline.yaml` is not valid YAML"), "{err}");
}

#[test]
fn huge_documents_and_files_and_wrong_versions() {
    let mut many = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    for i in 0..2000 {
        many.push_str(&format!("  k{i}: v\n"));
    }
    let limits = Limits {
        max_nodes: 1000,
        ..Limits::default()
    };
    let mut report = Report::new(10);
    let err = read_manifests(many.as_bytes(), "big.yaml", &limits, &mut report)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("`big.yaml` document 1 is refused at line")
            && err.contains("more than 1000 nodes"),
        "{err}"
    );
    let limits = Limits {
        max_file_bytes: 4096,
        ..Limits::default()
    };
    let err = read_manifests(many.as_bytes(), "big.yaml", &limits, &mut report)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "`big.yaml` is larger than 4096 bytes, the most this plugin reads"
    );
    let err = text("%YAML 2.0\n---\napiVersion: v1\nkind: Pod\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "`inline.yaml` declares YAML version `2.0`; only YAML 1.x is read"
    );
    assert!(text("%YAML 1.1\n---\napiVersion: v1\nkind: Pod\n").is_ok());
}
