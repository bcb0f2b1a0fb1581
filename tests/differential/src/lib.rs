//! Differential tests: the native cores of the `junit`, `sarif`, `coverage` and `terraform`
//! plugins against independent implementations from PyPI (junitparser, sarif-tools,
//! coverage.py) and plain Python walks of the same files, and the DSSE envelopes of
//! `stagegate-attest` against securesystemslib, both ways.
//!
//! The comparisons live in `tests/differential/` (one module per plugin); the Python side is the small scripts in
//! `py/`, each printing one JSON document. This library only provides the Python: a venv at
//! `target/diffvenv` holding exactly the pins of `requirements.txt`, created and filled on
//! first use, and a way to run a script in it and read its JSON. It never passes silently:
//! when the venv cannot be made, every caller gets an error that says what to install.
//! `FINDINGS.md` records, per comparison, what agrees and what differs and why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Why the Python side could not run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PythonError {
    /// The venv could not be created or filled.
    #[error(
        "cannot set up the differential-test venv at `{venv}`: {message}\n\
         The differential tests need python3 with the venv module (Debian: python3-venv) and \
         access to PyPI; by hand: `python3 -m venv {venv} && {venv}/bin/pip install -r \
         {requirements}`"
    )]
    Setup {
        /// The venv directory.
        venv: String,
        /// The requirements file.
        requirements: String,
        /// What failed.
        message: String,
    },
    /// A script could not be started, failed, or printed something that is not JSON.
    #[error("python script `{script}` {message}")]
    Script {
        /// The script's file name.
        script: String,
        /// What went wrong, with the script's stderr.
        message: String,
    },
}

/// The workspace root (two levels above this crate).
pub fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}

/// This crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pinned requirements file.
pub fn requirements() -> PathBuf {
    crate_dir().join("requirements.txt")
}

/// A venv holding the pinned tools.
#[derive(Debug)]
pub struct Venv {
    root: PathBuf,
}

impl Venv {
    /// An executable of the venv (`python`, `coverage`, `sarif`, …).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("bin").join(name)
    }

    /// Runs `py/<script>` with `args` and parses what it prints as JSON.
    pub fn run_json<S: AsRef<std::ffi::OsStr>>(
        &self,
        script: &str,
        args: &[S],
    ) -> Result<serde_json::Value, PythonError> {
        let failed = |message: String| PythonError::Script {
            script: script.to_owned(),
            message,
        };
        let output = Command::new(self.bin("python"))
            .arg(crate_dir().join("py").join(script))
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONHASHSEED", "0")
            .output()
            .map_err(|e| failed(format!("could not start: {e}")))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(failed(format!("failed ({}):\n{stderr}", output.status)));
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|e| failed(format!("printed no JSON ({e}):\n{stderr}")))
    }
}

/// The venv at `<workspace>/target/diffvenv`, created and filled from `requirements.txt`
/// once per process. A marker file holds the requirements it was filled from, so a changed
/// pin reinstalls.
pub fn venv() -> Result<&'static Venv, PythonError> {
    static VENV: OnceLock<Result<Venv, PythonError>> = OnceLock::new();
    VENV.get_or_init(|| set_up(&workspace().join("target/diffvenv")))
        .as_ref()
        .map_err(Clone::clone)
}

fn set_up(root: &Path) -> Result<Venv, PythonError> {
    let requirements = requirements();
    let setup_error = |message: String| PythonError::Setup {
        venv: root.display().to_string(),
        requirements: requirements.display().to_string(),
        message,
    };
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| setup_error(format!("cannot read `{}`: {e}", requirements.display())))?;
    let venv = Venv {
        root: root.to_owned(),
    };
    let marker = root.join("stagegate-requirements.txt");
    if venv.bin("python").exists()
        && std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted)
    {
        return Ok(venv);
    }
    if !venv.bin("python").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(root))
            .map_err(|e| setup_error(format!("`python3 -m venv` {e}")))?;
    }
    run(Command::new(venv.bin("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("-r")
        .arg(&requirements))
    .map_err(|e| setup_error(format!("`pip install -r requirements.txt` {e}")))?;
    std::fs::write(&marker, &wanted)
        .map_err(|e| setup_error(format!("cannot write `{}`: {e}", marker.display())))?;
    Ok(venv)
}

/// Runs a setup command, its output captured for the error.
fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("could not start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
