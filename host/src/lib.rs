//! stagegate: a policy-as-code quality gate between CI/CD pipeline stages.
//!
//! A CI job hands stagegate a *bundle* (a directory of test results, scanner
//! outputs, plans and configuration) and asks whether the change may be
//! promoted to a stage. The data flows through one module per stage:
//!
//! 1. [`config`]: `stagegate.toml` → checked [`config::GateConfig`];
//! 2. [`bundle`]: artifacts listed, capped, digested and sniffed;
//! 3. [`plugin`]: sandboxed WebAssembly plugins turn artifacts into typed facts;
//! 4. [`decision`]: Cedar policies decide `promote`, failing closed;
//! 5. [`report`]: the report in every format, the decision record and the exit code;
//! 6. [`log`]: the hash-chained decision log; [`attestation`]: the signed
//!    decision a later stage's gate can verify.
//!
//! [`suite`] runs policy tests (`*.case.toml`) through the same gate.
//!
//! [`gate::run`] wires them together and returns a [`gate::GateReport`]:
//!
//! ```no_run
//! use stagegate::{config::GateConfig, decision::Change, gate, report};
//!
//! let config = GateConfig::defaults();
//! let request = gate::GateRequest {
//!     bundle: "examples/passing".into(),
//!     to: "prod".into(),
//!     from: None,
//!     change: Change::default(),
//!     cache: None,
//!     local_plugins: Vec::new(),
//!     today: gate::today_utc(),
//!     explain: false,
//!     progress: None,
//! };
//! let outcome = gate::run(&config, &request);
//! report::human::render(&outcome, false, &mut std::io::stdout()).unwrap();
//! std::process::exit(i32::from(report::exit_code(&outcome, false)));
//! ```

pub mod attestation;
pub mod bundle;
pub mod config;
pub mod decision;
pub mod facts;
pub mod gate;
pub mod kinds;
pub mod log;
pub mod plugin;
pub mod progress;
pub mod report;
pub mod suite;
