//! `whittle`'s exit codes: one meaning each, as README.md documents them
//! ("What whittle promises under faults"), so that scripts and CI can act
//! on them.

/// How a `whittle` command ended, as its process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: done (a reduction finished; `check`: the module fails as asked;
    /// `recheck`: every repro still fails the same way).
    Done,
    /// 1: `check`: the module does not fail, or not as asked; `recheck`: a
    /// repro now passes or fails differently.
    NotAsExpected,
    /// 2: bad input or a refusal (one line naming the file and what is
    /// wrong), or nothing to reduce.
    Refused,
    /// 3: the oracle is flaky (the original's runs at the start, or the
    /// result's final re-check, disagreed).
    Flaky,
    /// 130: interrupted (Ctrl-C or SIGTERM).
    Interrupted,
}

impl ExitCode {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Done => 0,
            ExitCode::NotAsExpected => 1,
            ExitCode::Refused => 2,
            ExitCode::Flaky => 3,
            ExitCode::Interrupted => 130,
        }
    }

    /// [`ExitCode::Done`] when `ok`, else [`ExitCode::NotAsExpected`].
    pub fn done_if(ok: bool) -> ExitCode {
        if ok {
            ExitCode::Done
        } else {
            ExitCode::NotAsExpected
        }
    }
}

impl From<ExitCode> for i32 {
    fn from(code: ExitCode) -> i32 {
        code.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_documented_ones() {
        let codes: Vec<i32> = [
            ExitCode::Done,
            ExitCode::NotAsExpected,
            ExitCode::Refused,
            ExitCode::Flaky,
            ExitCode::Interrupted,
        ]
        .map(i32::from)
        .to_vec();
        assert_eq!(codes, [0, 1, 2, 3, 130]);
    }
}
