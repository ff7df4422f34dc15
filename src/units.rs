//! Parsing of durations (`90s`, `10m`, `1.5h`, `2d`, `1h30m`, `250ms`) and
//! sizes (`512M`, `4G`).
//!
//! A dozen lines of our own: `humantime` would add a dependency for the
//! same five units, and its error does not say what a duration looks like.

use anyhow::{bail, Result};
use std::time::Duration;

const DURATION_HELP: &str = "expected e.g. 30s, 10m, 1h30m, 2d, 500ms";

/// A duration: one or more `<number><unit>` parts (`d`, `h`, `m`, `s`,
/// `ms`), added up; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let mut rest = s;
    let mut secs = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(digits);
        let letters = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(letters);
        let value: f64 = match num.parse() {
            Ok(v) if v >= 0.0 => v,
            _ => bail!("invalid duration `{s}` ({DURATION_HELP})"),
        };
        let scale = match unit {
            // A bare number only on its own: `1h30` is ambiguous.
            "" if rest.len() == s.len() && tail.is_empty() => 1.0,
            "s" | "sec" | "secs" => 1.0,
            "ms" => 0.001,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => bail!("invalid duration `{s}` ({DURATION_HELP})"),
        };
        secs += value * scale;
        rest = tail;
    }
    if s.is_empty() {
        bail!("invalid duration `{s}` ({DURATION_HELP})");
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = match num.parse() {
        Ok(v) if v >= 0.0 => v,
        _ => bail!("invalid size `{s}` (expected e.g. 512M, 4G)"),
    };
    let mult: f64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => bail!("invalid size `{s}` (expected e.g. 512M, 4G)"),
    };
    Ok((value * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("fast").is_err());
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("1d2h3m4s").unwrap(),
            Duration::from_secs(93_784)
        );
        assert_eq!(
            parse_duration("1m30s500ms").unwrap(),
            Duration::from_millis(90_500)
        );
        for bad in ["", "1h30", "h", "1x", "-1s", "1..5m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30);
        assert!(parse_size("lots").is_err());
    }
}
