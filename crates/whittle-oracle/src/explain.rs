//! A check told in full, for when the original is refused: a one-line
//! verdict hides why a predicate said no or what the compiler printed, and
//! the user's next step is to run the same command by hand.

use crate::oracle::{Evaluation, Oracle};

/// The command that checked `module`, how it ended and the last lines of
/// its stderr and stdout, indented under a one-line refusal.
pub fn in_full(oracle: &Oracle, module: &str, eval: &Evaluation) -> String {
    // Checks always get the binary; a text or stdin input is named by the
    // file the user would convert it to.
    let binary = if module.ends_with(".wasm") {
        module.to_string()
    } else {
        "module.wasm".to_string()
    };
    let mut s = format!("  command: {}", oracle.command_line(&binary));
    if binary != module {
        s.push_str(&format!(
            "\n  ({binary} is {module} in binary: `whittle convert {} -o {binary}`)",
            if module == "stdin" { "-" } else { module }
        ));
    }
    s.push_str(&format!(
        "\n  ended: {} after {:.2} s",
        eval.ending.status,
        eval.wall.as_secs_f64()
    ));
    for (name, tail) in [
        ("stderr", &eval.ending.stderr_tail),
        ("stdout", &eval.ending.stdout_tail),
    ] {
        if tail.trim().is_empty() {
            s.push_str(&format!("\n  {name}: (empty)"));
        } else {
            s.push_str(&format!("\n  {name} (last lines):"));
            for line in tail.lines() {
                s.push_str(&format!("\n    {line}"));
            }
        }
    }
    s
}
