//! Shell words: quoting an argv for a user to paste ([`shell_quote`]), and
//! splitting the command a user writes (`--predicate`, `--differential`)
//! into one ([`split_command`]), as a POSIX shell would without expansion.

use std::ffi::{OsStr, OsString};

/// The words quoted and joined with spaces.
pub(crate) fn join_quoted(words: &[OsString]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Quote one word for a POSIX shell: left bare when it only holds safe
/// characters, otherwise single-quoted (`'` written as `'\''`).
pub fn shell_quote(word: &OsStr) -> String {
    let s = word.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%^".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Split a command line the way a POSIX shell splits words, without any
/// expansion: whitespace separates words; `'…'` is literal; inside `"…"` a
/// backslash escapes only `"`, `\`, `$`, `` ` `` and newline; elsewhere a
/// backslash escapes any character. Unbalanced quotes and a trailing
/// backslash are errors.
pub fn split_command(s: &str) -> anyhow::Result<Vec<String>> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => anyhow::bail!("unbalanced single quote in command `{s}`"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => anyhow::bail!("unbalanced double quote in command `{s}`"),
                        },
                        Some(c) => current.push(c),
                        None => anyhow::bail!("unbalanced double quote in command `{s}`"),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    current.push(c);
                    in_word = true;
                }
                None => anyhow::bail!("trailing backslash in command `{s}`"),
            },
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command(s).unwrap()
    }

    #[test]
    fn split_plain() {
        assert_eq!(
            split("python3 check.py --x"),
            ["python3", "check.py", "--x"]
        );
        assert_eq!(split("  a\t b \n c  "), ["a", "b", "c"]);
        assert!(split("").is_empty());
        assert!(split("   ").is_empty());
    }

    #[test]
    fn split_quotes() {
        assert_eq!(split("sh -c 'exit 3'"), ["sh", "-c", "exit 3"]);
        assert_eq!(
            split(r#"grep "a b" 'c"d' "e'f""#),
            ["grep", "a b", "c\"d", "e'f"]
        );
        assert_eq!(split("a'b'\"c\"d"), ["abcd"]);
        assert_eq!(split("x '' \"\""), ["x", "", ""]);
        assert_eq!(split(r#"'$HOME' "$HOME" *"#), ["$HOME", "$HOME", "*"]);
    }

    #[test]
    fn split_backslashes() {
        assert_eq!(split(r"a\ b c"), ["a b", "c"]);
        assert_eq!(split(r#"\"q\""#), ["\"q\""]);
        assert_eq!(split(r#""a\"b\\c\d""#), [r#"a"b\c\d"#]);
        assert_eq!(split(r"'a\b'"), [r"a\b"]);
        assert_eq!(split("a \\\nb"), ["a", "b"]);
    }

    #[test]
    fn split_errors() {
        for bad in ["'open", "\"open", "a 'b\" c", "trailing\\", "\"a\\"] {
            let err = split_command(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn quote_round_trips_through_split() {
        let words = [
            "plain",
            "with space",
            "it's",
            "",
            "$x",
            "a\"b",
            "tab\there",
            "ü",
        ];
        let line: Vec<String> = words.iter().map(|w| shell_quote(OsStr::new(w))).collect();
        assert_eq!(split(&line.join(" ")), words);
        assert_eq!(shell_quote(OsStr::new("/usr/bin/x-1.0")), "/usr/bin/x-1.0");
        assert_eq!(shell_quote(OsStr::new("it's")), r"'it'\''s'");
    }
}
