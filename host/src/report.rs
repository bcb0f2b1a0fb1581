//! Stage 5: reports. One renderer per format, each writing a [`GateReport`]
//! to a `&mut dyn Write`; the library itself never prints.
//!
//! Output is deterministic: sorted keys, no timestamps, no absolute temporary
//! paths beyond what the caller passed in. Every string passes [`text`], the
//! one writer that redacts secrets and defuses control characters.

pub mod human;
pub mod inspect;
pub mod json;
pub mod suite;
pub mod text;

use crate::gate::{GateDecision, GateReport};

/// The process exit code for a report: 0 allow, 1 deny, 2 cannot decide. A
/// dry run exits 0 on allow or deny, and still 2 when it cannot decide.
pub fn exit_code(report: &GateReport, dry_run: bool) -> u8 {
    match (report.decision, dry_run) {
        (GateDecision::Allow, _) => 0,
        (GateDecision::Deny, true) => 0,
        (GateDecision::Deny, false) => 1,
        (GateDecision::Error, _) => 2,
    }
}
