//! The progress line: on stderr, only when stderr is a terminal outside CI,
//! and only once a run has taken long enough to be worth watching (a large
//! bundle). It is redrawn in place and erased at the end, so it never shows
//! in CI logs, redirected output or the report. It holds numbers only.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use stagegate::progress::{Phase, Progress};

/// How long a run goes before the line appears, unless
/// `$STAGEGATE_PROGRESS_DELAY_MS` says otherwise.
const QUIET: Duration = Duration::from_millis(500);

fn quiet() -> Duration {
    std::env::var("STAGEGATE_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(QUIET, Duration::from_millis)
}
/// How often it is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// A running progress line; dropping it erases the line.
pub struct Line {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Whether a person is watching stderr.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

impl Line {
    /// Shows `progress` on stderr until dropped.
    pub fn start(progress: Arc<Progress>) -> Line {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("stagegate-progress".into())
            .spawn(move || {
                if stopped.recv_timeout(quiet()) != Err(mpsc::RecvTimeoutError::Timeout) {
                    return;
                }
                loop {
                    let line = describe(&progress);
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{line}");
                    let _ = err.flush();
                    drop(err);
                    if stopped.recv_timeout(TICK) != Err(mpsc::RecvTimeoutError::Timeout) {
                        break;
                    }
                }
                // Erase it: what follows starts on a clean line.
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            })
            .ok();
        Line {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn describe(progress: &Progress) -> String {
    let now = progress.snapshot();
    match now.phase {
        Phase::Hashing => format!(
            "stagegate: hashing the bundle: {}/{} artifact(s), {}",
            now.files_done,
            now.files_total,
            size(now.bytes_done)
        ),
        Phase::Plugins => format!(
            "stagegate: running plugins: {}/{} done",
            now.plugins_done, now.plugins_total
        ),
        Phase::Deciding => "stagegate: deciding".to_owned(),
    }
}

fn size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}
