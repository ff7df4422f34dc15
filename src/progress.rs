//! Progress on stderr: on a terminal, one status line redrawn in place
//! (size, % of the original, pass, oracle calls per second, elapsed time)
//! under a permanent line per new best; otherwise plain lines per new best.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};
use whittle_reduce::Stats;

pub struct Progress {
    quiet: bool,
    terminal: bool,
    started: Instant,
    original: usize,
    last_draw: Option<Instant>,
    current: usize,
}

impl Progress {
    pub fn new(quiet: bool, original: usize, started: Instant) -> Progress {
        Progress {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            started,
            original,
            last_draw: None,
            current: original,
        }
    }

    fn line(&self, pass: &str, stats: &Stats) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        format!(
            "[{:>7.1}s] {:<22} {:>9} bytes ({:5.1}%)  {} oracle calls ({:.1}/s)",
            elapsed,
            pass,
            self.current,
            100.0 * self.current as f64 / self.original.max(1) as f64,
            stats.oracle_calls,
            stats.oracle_calls as f64 / elapsed.max(0.001)
        )
    }

    pub fn new_best(&mut self, size: usize, pass: &str, stats: &Stats) {
        self.current = size;
        if self.quiet {
            return;
        }
        let line = self.line(pass, stats);
        if self.terminal {
            eprintln!("\r\x1b[K{line}");
        } else {
            eprintln!("{line}");
        }
    }

    pub fn tick(&mut self, pass: &str, stats: &Stats) {
        if self.quiet || !self.terminal {
            return;
        }
        if self
            .last_draw
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        eprint!("\r\x1b[K{}", self.line(pass, stats));
        let _ = std::io::stderr().flush();
    }

    /// Clear the status line before other output.
    pub fn finish(&mut self) {
        if !self.quiet && self.terminal && self.last_draw.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}
