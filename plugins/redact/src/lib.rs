//! The credential detectors of stagegate, shared by the `secrets` plugin
//! (which counts and reports what they find) and the host's report writer
//! (which redacts it from every string that leaves the gate), so the two can
//! never drift apart.
//!
//! - [`rules`]: the compiled patterns; [`detect`]: candidates in a text and
//!   the per-value judgements (JWT header, placeholders, entropy, examples);
//!   [`value`]: entropy, example values and the [fingerprint](value::fingerprint);
//!   [`kind`]: what was found.
//! - [`redact`]: a text with every credential replaced by its fingerprint.
//!
//! ```
//! let text = "login failed with token ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
//! let shown = stagegate_redact::redact(text);
//! assert!(!shown.contains("R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi"));
//! assert!(shown.contains("ghp_…"));
//! ```

pub mod detect;
pub mod jwt;
pub mod kind;
mod redact;
pub mod rules;
pub mod value;

pub use redact::{build_detectors, contains_secret, redact};
