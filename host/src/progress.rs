//! How far a gate run has got, for a progress line. The gate and the bundle
//! reader count into it; only the command line shows it, and only to a
//! person at a terminal. It holds numbers, never text from the bundle.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// What the gate is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Listing, hashing and snapshotting the bundle.
    Hashing,
    /// Running the plugins.
    Plugins,
    /// Deciding, and everything after.
    Deciding,
}

/// Counters a run updates as it goes.
#[derive(Debug, Default)]
pub struct Progress {
    phase: AtomicU8,
    files_total: AtomicU64,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    plugins_total: AtomicU64,
    plugins_done: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// What the gate is doing.
    pub phase: Phase,
    /// Artifacts to hash, once listed.
    pub files_total: u64,
    /// Artifacts hashed.
    pub files_done: u64,
    /// Bytes hashed.
    pub bytes_done: u64,
    /// Plugins to run.
    pub plugins_total: u64,
    /// Plugins finished.
    pub plugins_done: u64,
}

impl Progress {
    /// Enters `phase`.
    pub fn phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// The bundle holds `files` artifacts.
    pub fn files(&self, files: u64) {
        self.files_total.store(files, Ordering::Relaxed);
    }

    /// One artifact of `bytes` was hashed.
    pub fn hashed(&self, bytes: u64) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
    }

    /// `plugins` plugins are to run.
    pub fn plugins(&self, plugins: u64) {
        self.plugins_total.store(plugins, Ordering::Relaxed);
    }

    /// One plugin finished.
    pub fn plugin_done(&self) {
        self.plugins_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        let phase = match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Hashing,
            1 => Phase::Plugins,
            _ => Phase::Deciding,
        };
        Snapshot {
            phase,
            files_total: self.files_total.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            plugins_total: self.plugins_total.load(Ordering::Relaxed),
            plugins_done: self.plugins_done.load(Ordering::Relaxed),
        }
    }
}
