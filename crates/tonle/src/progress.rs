//! A progress bar for long runs, on standard error, only when it is a terminal: the share of the input bytes
//! read, the rows, the rate and the time left; a spinner with rows and rate when the size is unknown (Parquet).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Rows between two updates of the bar, so the hot loop pays for an update rarely.
const STEP: u64 = 8192;

/// Counts rows and shows them, with the bytes read, while work goes on.
pub struct Progress {
    bar: ProgressBar,
    /// Bytes read from the inputs, counted by the readers; `None` when the total is unknown.
    bytes: Option<Arc<AtomicU64>>,
    rows: u64,
    pending: u64,
}

impl Progress {
    /// Starts a bar over `total_bytes` of input read through `bytes`, or a row spinner when the total is not
    /// known.
    pub fn start(total_bytes: Option<u64>, bytes: Arc<AtomicU64>) -> Progress {
        let target = ProgressDrawTarget::stderr_with_hz(4);
        let (bar, bytes) = match total_bytes {
            Some(total) if total > 0 => {
                let bar = ProgressBar::with_draw_target(Some(total), target);
                let style = ProgressStyle::with_template(
                    "{bar:30} {percent:>3}% {binary_bytes}/{binary_total_bytes} {msg}, {binary_bytes_per_sec}, {eta} left",
                );
                bar.set_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()));
                (bar, Some(bytes))
            }
            _ => {
                let bar = ProgressBar::with_draw_target(None, target);
                let style = ProgressStyle::with_template("{spinner} {human_pos} rows, {per_sec}, {elapsed}");
                bar.set_style(style.unwrap_or_else(|_| ProgressStyle::default_spinner()));
                (bar, None)
            }
        };
        // Redraw on a timer only where someone can see it: the ticker is a thread of its own.
        if std::io::stderr().is_terminal() {
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Progress { bar, bytes, rows: 0, pending: 0 }
    }

    /// Counts one row.
    #[inline]
    pub fn tick(&mut self) {
        self.pending += 1;
        if self.pending == STEP {
            self.update();
        }
    }

    fn update(&mut self) {
        self.rows += self.pending;
        self.pending = 0;
        match &self.bytes {
            Some(bytes) => {
                self.bar.set_position(bytes.load(Ordering::Relaxed));
                self.bar.set_message(format!("{} rows", self.rows));
            }
            None => self.bar.set_position(self.rows),
        }
    }

    /// Removes the bar.
    pub fn finish(mut self) {
        self.update();
        self.bar.finish_and_clear();
    }
}
