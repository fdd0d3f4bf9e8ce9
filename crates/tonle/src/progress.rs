//! A progress line for long runs: rows read and the rate, on standard error, only when it is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Rows between two updates of the bar, so the hot loop pays for an update rarely.
const STEP: u64 = 8192;

/// Counts rows and shows them while work goes on.
pub struct Progress {
    bar: ProgressBar,
    pending: u64,
}

impl Progress {
    /// Starts a spinner with a message, e.g. the file being read.
    pub fn start(message: String) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        let style = ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows, {per_sec}, {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(message);
        // Redraw on a timer only where someone can see it: the ticker is a thread of its own.
        if std::io::stderr().is_terminal() {
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Progress { bar, pending: 0 }
    }

    /// Names what is being read now.
    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    /// Counts one row.
    #[inline]
    pub fn tick(&mut self) {
        self.pending += 1;
        if self.pending == STEP {
            self.bar.inc(STEP);
            self.pending = 0;
        }
    }

    /// Removes the line.
    pub fn finish(self) {
        self.bar.inc(self.pending);
        self.bar.finish_and_clear();
    }
}
