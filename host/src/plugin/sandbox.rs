//! The per-evaluation sandbox: the store state every plugin call runs in.
//!
//! A fresh [`Sandbox`] is built for each evaluation. It links a locked-down
//! WASI: the bundle's private snapshot preopened read-only at `/bundle`, no
//! other directory, no
//! sockets or name lookups, no environment, no arguments, closed stdin, and
//! stdout/stderr captured into bounded buffers. Memory growth is metered
//! across all of the plugin's linear memories, and log output is metered in
//! bytes plus a fixed cost per call ([`LOG_CALL_COST`]). When a limit is hit the guest traps and a flag records which limit
//! it was, so the error names it.

use std::path::Path;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, format_err};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

use super::bindings::stagegate::plugin::{host, types};
use crate::config::Limits;

/// What every log call costs against the output budget, beyond its bytes: a
/// flood of empty lines is charged like the report lines it would become.
pub const LOG_CALL_COST: usize = 64;

/// Where the bundle appears inside the sandbox.
pub const GUEST_BUNDLE_ROOT: &str = "/bundle";

/// Which limit stopped a plugin, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    /// Linear memory would have grown past the cap.
    Memory,
    /// stdout, stderr or log output exceeded the cap.
    Output,
}

/// One line a plugin logged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// `debug`, `info`, `warn`, `error`, `stdout` or `stderr`.
    pub level: &'static str,
    /// The text (untrusted, bounded).
    pub message: String,
}

/// Store state for one evaluation.
pub struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    memory_cap: u64,
    memory_used: u64,
    output_cap: usize,
    output_used: usize,
    logs: Vec<LogLine>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    hit: Option<LimitHit>,
    drained: bool,
}

impl Sandbox {
    /// A sandbox for one evaluation; `bundle` is mounted read-only, if given.
    pub fn new(bundle: Option<&Path>, limits: &Limits) -> wasmtime::Result<Sandbox> {
        // stdout and stderr share the output budget with logs; each pipe can
        // hold the whole budget, and the total is checked after the run.
        let stdout = MemoryOutputPipe::new(limits.output_bytes);
        let stderr = MemoryOutputPipe::new(limits.output_bytes);
        let mut builder = WasiCtx::builder();
        builder
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .allow_blocking_current_thread(true)
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        if let Some(bundle) = bundle {
            builder.preopened_dir(bundle, GUEST_BUNDLE_ROOT, FsPerms::ReadOnly)?;
        }
        Ok(Sandbox {
            wasi: builder.build(),
            table: ResourceTable::new(),
            memory_cap: limits.memory_bytes,
            memory_used: 0,
            output_cap: limits.output_bytes,
            output_used: 0,
            logs: Vec::new(),
            stdout,
            stderr,
            hit: None,
            drained: false,
        })
    }

    /// The limit that stopped the plugin, if one did.
    pub fn limit_hit(&self) -> Option<LimitHit> {
        self.hit
    }

    /// Everything the plugin logged or printed, in order of kind, bounded.
    /// Marks an output overflow if stdout and stderr together exceeded the cap.
    pub fn take_logs(&mut self) -> Vec<LogLine> {
        let mut lines = std::mem::take(&mut self.logs);
        if std::mem::replace(&mut self.drained, true) {
            return lines;
        }
        for (level, pipe) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let bytes = pipe.contents();
            self.output_used = self.output_used.saturating_add(bytes.len());
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                lines.push(LogLine {
                    level,
                    message: line.to_owned(),
                });
            }
        }
        if self.output_used >= self.output_cap && self.hit.is_none() {
            self.hit = Some(LimitHit::Output);
        }
        lines
    }

    /// The output budget in bytes.
    pub fn output_cap(&self) -> usize {
        self.output_cap
    }

    /// The memory budget in bytes.
    pub fn memory_cap(&self) -> u64 {
        self.memory_cap
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let extra = desired.saturating_sub(current) as u64;
        let total = self.memory_used.saturating_add(extra);
        if total > self.memory_cap {
            self.hit = Some(LimitHit::Memory);
            return Err(format_err!(
                "memory limit of {} bytes exceeded (wanted {total})",
                self.memory_cap
            ));
        }
        self.memory_used = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A table element costs a pointer; keep tables within the memory budget.
        let bytes = (desired as u64).saturating_mul(8);
        if bytes > self.memory_cap {
            self.hit = Some(LimitHit::Memory);
            return Err(format_err!("table growth past the memory limit"));
        }
        Ok(true)
    }
}

impl types::Host for Sandbox {}

impl host::Host for Sandbox {
    fn log(&mut self, level: host::LogLevel, message: String) -> wasmtime::Result<()> {
        self.output_used = self
            .output_used
            .saturating_add(message.len())
            .saturating_add(LOG_CALL_COST);
        if self.output_used > self.output_cap {
            self.hit = Some(LimitHit::Output);
            return Err(format_err!(
                "output limit of {} bytes exceeded",
                self.output_cap
            ));
        }
        let level = match level {
            host::LogLevel::Debug => "debug",
            host::LogLevel::Info => "info",
            host::LogLevel::Warn => "warn",
            host::LogLevel::Error => "error",
        };
        self.logs.push(LogLine { level, message });
        Ok(())
    }
}
