//! The plugin contract version check: a plugin must export
//! `stagegate:plugin/guest` at a version this host speaks.
//!
//! Compatibility follows semver: same major version, and for `0.x` versions the
//! same minor version. The check reads the component's type only; it runs no
//! guest code.

use wasmtime::Engine;
use wasmtime::component::Component;

/// The contract version this host implements (`wit/plugin.wit`).
pub const HOST_CONTRACT: &str = "0.1.0";
const GUEST_INTERFACE: &str = "stagegate:plugin/guest";

/// Checks the contract version of `component`; `Err` explains the refusal.
pub fn check(engine: &Engine, component: &Component) -> Result<(), String> {
    let ty = component.component_type();
    let mut exported = Vec::new();
    for (name, _) in ty.exports(engine) {
        if let Some(version) = name
            .strip_prefix(GUEST_INTERFACE)
            .and_then(|rest| rest.strip_prefix('@'))
        {
            return if compatible(version, HOST_CONTRACT) {
                Ok(())
            } else {
                Err(format!(
                    "was built against contract stagegate:plugin@{version}, \
                     but this host speaks stagegate:plugin@{HOST_CONTRACT}"
                ))
            };
        }
        exported.push(name.to_owned());
    }
    Err(format!(
        "is not a stagegate plugin: it exports no `{GUEST_INTERFACE}` interface (exports: {})",
        if exported.is_empty() {
            "none".to_owned()
        } else {
            exported.join(", ")
        }
    ))
}

/// Semver compatibility of two `major.minor.patch` versions.
pub fn compatible(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Option<(u64, u64)> {
        let core = v.split(['-', '+']).next()?;
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some((major, minor))
    };
    match (parts(a), parts(b)) {
        (Some((0, minor_a)), Some((0, minor_b))) => minor_a == minor_b,
        (Some((major_a, _)), Some((major_b, _))) => major_a == major_b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn semver_rules() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.7", "0.1.0"));
        assert!(!compatible("0.2.0", "0.1.0"));
        assert!(!compatible("1.0.0", "0.1.0"));
        assert!(compatible("1.4.0", "1.0.0"));
        assert!(!compatible("2.0.0", "1.0.0"));
        assert!(!compatible("garbage", "0.1.0"));
    }
}
