//! Progress on stderr: on a terminal, one status line redrawn in place
//! (size, % of the original, pass, oracle calls per second, elapsed time)
//! under a permanent line per new best; otherwise plain lines per new best.
//! With `-v`, one line per candidate instead of the status line (see
//! [`CandidateLog`]).
//!
//! A redrawn line must fit the terminal: one that wraps leaves its first
//! rows behind at every redraw, so lines are cut to the terminal's width,
//! read again at each draw (the window may be resized).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};
use whittle_oracle::Evaluation;
use whittle_reduce::Stats;

pub struct Progress {
    quiet: bool,
    verbose: u8,
    terminal: bool,
    /// Redraw a status line (a terminal, and no per-candidate lines).
    status_line: bool,
    started: Instant,
    original: usize,
    last_draw: Option<Instant>,
    current: usize,
}

impl Progress {
    pub fn new(quiet: bool, verbose: u8, original: usize, started: Instant) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        Progress {
            quiet,
            verbose,
            terminal,
            status_line: terminal && verbose == 0,
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

    /// A line for a new best that is smaller in bytes; one that is only
    /// simpler at the same size (fewer locals, smaller limits, ...) is
    /// shown on the status line alone, so the lines read as a shrinking
    /// series.
    pub fn new_best(&mut self, size: usize, pass: &str, stats: &Stats) {
        let smaller = size < self.current;
        self.current = size;
        if self.quiet {
            return;
        }
        if !smaller {
            self.tick(pass, stats);
            return;
        }
        let line = self.line(pass, stats);
        if self.terminal {
            eprintln!("\r\x1b[K{}", fit(&line, terminal_width()));
        } else {
            eprintln!("{line}");
        }
    }

    pub fn tick(&mut self, pass: &str, stats: &Stats) {
        if self.quiet || !self.status_line {
            return;
        }
        if self
            .last_draw
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        eprint!("\r\x1b[K{}", fit(&self.line(pass, stats), terminal_width()));
        let _ = std::io::stderr().flush();
    }

    /// With `-v`: a guess tried before the passes (keeping the named
    /// function alone, cutting what the run never entered) was refused
    /// without a check, and why; a user who expected it sees what stood in
    /// its way.
    pub fn opening_refused(&mut self, name: &str, why: &str) {
        if !self.quiet && self.verbose > 0 {
            eprintln!("whittle: {name} not tried: {why}");
        }
    }

    /// Clear the status line before other output.
    pub fn finish(&mut self) {
        if !self.quiet && self.status_line && self.last_draw.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// `-v` / `-vv`: one line per candidate the oracle judged, for runs that
/// seem to stall: the pass, the candidate's size, how long the check took,
/// the verdict and the outcome (cut short with `-v`; whole, with the
/// check's peak memory, with `-vv`).
pub struct CandidateLog {
    pub level: u8,
    pub started: Instant,
}

impl CandidateLog {
    pub fn line(&self, pass: &str, size: usize, took: Duration, judged: &Judged) -> String {
        let head = format!(
            "[{:>7.1}s] {:<22} {:>9} bytes {:>7.2} s",
            self.started.elapsed().as_secs_f64(),
            pass,
            size,
            took.as_secs_f64()
        );
        let tail = match judged {
            Ok((verdict, eval)) => {
                let verdict = if *verdict {
                    "interesting"
                } else {
                    "not interesting"
                };
                let outcome = eval.outcome.summary().replace('\n', " / ");
                if self.level >= 2 && eval.outcome == whittle_oracle::Outcome::Validated {
                    // No program ran: there is no peak to show.
                    format!("{verdict:<15}  in whittle's process  {outcome}")
                } else if self.level >= 2 {
                    format!(
                        "{verdict:<15}  peak RSS {} MiB  {outcome}",
                        eval.peak_rss_bytes >> 20
                    )
                } else {
                    format!("{verdict:<15}  {}", fit(&outcome, 100))
                }
            }
            // Stopped by the driver: a wrong guess before it in its batch.
            Err(_) if whittle_oracle::stop_requested() => {
                format!("{:<15}  off the search's path", "stopped")
            }
            Err(e) => format!("oracle error: {e:#}"),
        };
        format!("{head}  {tail}")
    }

    pub fn log(&self, pass: &str, size: usize, took: Duration, judged: &Judged) {
        eprintln!("{}", self.line(pass, size, took, judged));
    }
}

/// A verdict with the evaluation it came from, or why there is none.
pub type Judged = anyhow::Result<(bool, Evaluation)>;

/// `line` cut to fit `width` columns, with `…` where it was cut (the lines
/// are ASCII but for names and messages, so characters count as columns).
pub fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Columns a redrawn line may use: the terminal's width less one (writing
/// the last column wraps on some terminals), else `$COLUMNS`, else 80.
fn terminal_width() -> usize {
    // SAFETY: TIOCGWINSZ only writes the winsize struct we pass.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let columns = if unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0
        && size.ws_col > 0
    {
        usize::from(size.ws_col)
    } else {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80)
    };
    columns.saturating_sub(1).max(10)
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn lines_are_cut_to_the_width() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("0123456789", 10), "0123456789");
        assert_eq!(fit("0123456789ab", 10), "012345678…");
        assert_eq!(fit("0123456789ab", 10).chars().count(), 10);
    }
}
