//! The security checks run on one workload's pod spec.
//!
//! Each check counts a hit in the [`Report`] and writes a finding naming
//! `Kind/namespace/name`, the container and the line. Values of environment
//! variables are never copied into messages: only their names are. Fields are
//! read through the typed getters of `manifest`, so a wrong type is an error.

use crate::manifest::{Object, ShapeError, bool_at, int_at, map_at, seq_at, str_at};
use crate::report::{Report, Rule};
use crate::yaml::NodeRef;

/// Where a hit is reported.
struct At<'r> {
    path: &'r str,
    id: &'r str,
}

/// Runs every check on the pod spec `pod` of `object`, found in the file `path`.
pub fn check_pod(
    path: &str,
    object: &Object<'_>,
    pod: NodeRef<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    report.workloads += 1;
    let at = At {
        path,
        id: &object.id,
    };
    for (key, what) in [
        ("hostNetwork", "network"),
        ("hostPID", "process (PID)"),
        ("hostIPC", "IPC"),
    ] {
        if let Some((true, line)) = bool_at(pod, key, key)? {
            let message = format!(
                "`{}` shares the host's {what} namespace (`{key}: true`)",
                at.id
            );
            report.hit(Rule::HostNamespace, at.path, line, message);
        }
    }
    for (i, volume) in seq_at(pod, "volumes", "volumes")?.into_iter().enumerate() {
        let base = format!("volumes[{i}]");
        if let Some(host) = map_at(volume, "hostPath", &format!("{base}.hostPath"))? {
            let name = str_at(volume, "name", &format!("{base}.name"))?.unwrap_or("<unnamed>");
            let target = str_at(host, "path", &format!("{base}.hostPath.path"))?.unwrap_or("");
            let message = format!("`{}` mounts host path `{target}` (volume `{name}`)", at.id);
            report.hit(Rule::HostPath, at.path, host.line(), message);
        }
    }
    let pod_sc = map_at(pod, "securityContext", "securityContext")?;
    let pod_user = match pod_sc {
        Some(sc) => User {
            non_root: bool_at(sc, "runAsNonRoot", "securityContext.runAsNonRoot")?,
            uid: int_at(sc, "runAsUser", "securityContext.runAsUser")?,
        },
        None => User::default(),
    };
    let windows = match map_at(pod, "os", "os")? {
        Some(os) => str_at(os, "name", "os.name")? == Some("windows"),
        None => false,
    };
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, container) in seq_at(pod, list, list)?.into_iter().enumerate() {
            let base = format!("{list}[{i}]");
            if !container.is_map() {
                return Err(ShapeError {
                    line: container.line(),
                    message: format!("`{base}` must be a mapping, not {}", container.type_name()),
                });
            }
            let kind = ContainerKind {
                ephemeral: list == "ephemeralContainers",
                windows,
            };
            check_container(&at, container, &base, kind, pod_user, report)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
struct User {
    non_root: Option<(bool, usize)>,
    uid: Option<(i64, usize)>,
}

#[derive(Debug, Clone, Copy)]
struct ContainerKind {
    ephemeral: bool,
    windows: bool,
}

fn check_container(
    at: &At<'_>,
    c: NodeRef<'_>,
    base: &str,
    kind: ContainerKind,
    pod_user: User,
    report: &mut Report,
) -> Result<(), ShapeError> {
    report.containers += 1;
    let name = str_at(c, "name", &format!("{base}.name"))?.unwrap_or("<unnamed>");
    let who = format!("`{}` container `{name}`", at.id);
    let sc_path = format!("{base}.securityContext");
    let mut user = User::default();
    if let Some(sc) = map_at(c, "securityContext", &sc_path)? {
        if let Some((true, line)) = bool_at(sc, "privileged", &format!("{sc_path}.privileged"))? {
            let message = format!("{who} is privileged (`privileged: true`)");
            report.hit(Rule::Privileged, at.path, line, message);
        }
        let key = "allowPrivilegeEscalation";
        if let Some((true, line)) = bool_at(sc, key, &format!("{sc_path}.{key}"))? {
            let message = format!("{who} allows privilege escalation (`{key}: true`)");
            report.hit(Rule::PrivilegeEscalation, at.path, line, message);
        }
        user.non_root = bool_at(sc, "runAsNonRoot", &format!("{sc_path}.runAsNonRoot"))?;
        user.uid = int_at(sc, "runAsUser", &format!("{sc_path}.runAsUser"))?;
    }
    if !kind.windows {
        check_user(at, c, &who, user, pod_user, report);
    }
    if let Some(image) = str_at(c, "image", &format!("{base}.image"))? {
        let line = c.get("image").map_or(c.line(), |n| n.line());
        check_image(at, &who, image, line, report);
    }
    // Ephemeral containers cannot declare resources, so they are not held to limits.
    if !kind.ephemeral {
        check_limits(at, c, base, &who, report)?;
    }
    for (i, env) in seq_at(c, "env", &format!("{base}.env"))?
        .into_iter()
        .enumerate()
    {
        let env_path = format!("{base}.env[{i}]");
        let Some(var) = str_at(env, "name", &format!("{env_path}.name"))? else {
            continue;
        };
        let Some(value) = env.get("value").filter(|v| !v.is_null()) else {
            continue;
        };
        let text = value.as_str().unwrap_or("").trim();
        if secret_like(var) && !text.is_empty() && !is_reference(text) {
            let message =
                format!("{who} sets the secret-looking variable `{var}` to a literal value");
            report.hit(Rule::EnvSecret, at.path, value.line(), message);
        }
    }
    Ok(())
}

/// Runs as root when the effective `runAsUser` is 0, or when no non-zero user is set
/// and `runAsNonRoot: true` is not set either (the image's user, often root, applies).
fn check_user(at: &At<'_>, c: NodeRef<'_>, who: &str, user: User, pod: User, report: &mut Report) {
    let uid = user.uid.or(pod.uid);
    let non_root = user.non_root.or(pod.non_root);
    match (uid, non_root) {
        (Some((0, line)), _) => {
            let message = format!("{who} runs as root (`runAsUser: 0`)");
            report.hit(Rule::RunAsRoot, at.path, line, message);
        }
        (None, Some((true, _))) | (Some(_), _) => {}
        (None, explicit) => {
            let line = explicit.map_or(c.line(), |(_, line)| line);
            let message = format!(
                "{who} may run as root: neither it nor its pod sets `runAsNonRoot: true` or a non-zero `runAsUser`"
            );
            report.hit(Rule::RunAsRoot, at.path, line, message);
        }
    }
}

fn check_image(at: &At<'_>, who: &str, image: &str, line: usize, report: &mut Report) {
    report.image(image);
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, tag)| tag);
    if digest.is_none() {
        match tag {
            None => {
                let message =
                    format!("{who} uses image `{image}` without a tag (implicitly `:latest`)");
                report.hit(Rule::LatestImage, at.path, line, message);
            }
            Some("latest") => {
                let message = format!("{who} uses image `{image}` with the `:latest` tag");
                report.hit(Rule::LatestImage, at.path, line, message);
            }
            Some(_) => {}
        }
    }
    if !digest.is_some_and(|d| d.starts_with("sha256:") || d.starts_with("sha512:")) {
        let message = format!("{who} uses image `{image}`, not pinned by digest");
        report.hit(Rule::UnpinnedImage, at.path, line, message);
    }
}

fn check_limits(
    at: &At<'_>,
    c: NodeRef<'_>,
    base: &str,
    who: &str,
    report: &mut Report,
) -> Result<(), ShapeError> {
    let path = format!("{base}.resources");
    let limits = match map_at(c, "resources", &path)? {
        Some(resources) => map_at(resources, "limits", &format!("{path}.limits"))?,
        None => None,
    };
    let has = |key: &str| {
        limits
            .and_then(|l| l.get(key))
            .is_some_and(|v| !v.is_null())
    };
    let missing: Vec<&str> = ["cpu", "memory"].into_iter().filter(|k| !has(k)).collect();
    if !missing.is_empty() {
        let line = limits
            .or_else(|| c.get("resources"))
            .map_or(c.line(), |n| n.line());
        let message = format!("{who} has no {} limit", missing.join(" or "));
        report.hit(Rule::NoResourceLimits, at.path, line, message);
    }
    Ok(())
}

/// Whether an environment variable name suggests a secret value.
pub fn secret_like(name: &str) -> bool {
    const WORDS: [&str; 10] = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "SIGNING_KEY",
    ];
    const NOT_VALUES: [&str; 14] = [
        "_FILE",
        "_PATH",
        "_DIR",
        "_NAME",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_PORT",
        "_TTL",
        "_TIMEOUT",
        "_ID",
        "_ENABLED",
        "_LENGTH",
    ];
    let upper = name.to_ascii_uppercase().replace('-', "_");
    WORDS.iter().any(|w| upper.contains(w)) && !NOT_VALUES.iter().any(|s| upper.ends_with(s))
}

/// Whether an environment value only refers to another variable (`$(X)`, `${X}`).
fn is_reference(value: &str) -> bool {
    (value.starts_with("$(") && value.ends_with(')'))
        || (value.starts_with("${") && value.ends_with('}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_like_names() {
        for name in [
            "DB_PASSWORD",
            "client_secret",
            "GITHUB_TOKEN",
            "STRIPE_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(secret_like(name), "{name}");
        }
        for name in [
            "PASSWORD_FILE",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "PORT",
            "PWD",
            "DEBUG",
        ] {
            assert!(!secret_like(name), "{name}");
        }
    }

    #[test]
    fn references_are_not_literals() {
        assert!(is_reference("$(DB_PASS)"));
        assert!(is_reference("${DB_PASS}"));
        assert!(!is_reference("hunter2"));
    }
}
