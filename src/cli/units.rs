//! Durations and sizes on the command line: one grammar for every option that takes one
//! (`--timeout`, `--progress-interval`, `--clock-skew`; `--max-memory`, `--max-message`).
//!
//! A value is a decimal number (`30`, `1.5`, `.5`; no sign, no exponent) and an optional
//! unit. Durations: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or `min`), `h`; a bare number is
//! seconds. Sizes: `K`, `M`, `G`, `T`, each also written `KB`/`KiB` and so on, all powers of
//! 1024 (`512M`, `512MB` and `512MiB` are the same 2^29 bytes: memory is counted in binary
//! units, and a bound that meant one thing in one spelling and another in the next would be
//! a trap); a bare number is bytes. Units are case-insensitive. The arithmetic is exact
//! (integers, not floats), so `0.1s` is 100 ms to the nanosecond and `1.5G` is 1.5 × 2^30.

use std::time::Duration;

/// The message of a value that does not follow the grammar.
fn not_a_duration(s: &str) -> String {
    format!("invalid duration '{s}': expected a number with an optional unit ns, us, ms, s, m, h")
}

fn not_a_size(s: &str) -> String {
    format!(
        "invalid size '{s}': expected a number with an optional unit K, M, G, T (powers of \
         1024, also written KB or KiB...)"
    )
}

/// A duration of zero or more (`--clock-skew`, where 0 means exact clocks).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = split(s).ok_or_else(|| not_a_duration(s))?;
    let nanos_per_unit: u128 = match unit.to_ascii_lowercase().as_str() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "" | "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(not_a_duration(s)),
    };
    let nanos = number
        .times(nanos_per_unit)
        .ok_or_else(|| format!("invalid duration '{s}': too long"))?;
    let secs = u64::try_from(nanos / 1_000_000_000)
        .map_err(|_| format!("invalid duration '{s}': too long"))?;
    // The remainder is below 10^9, which a u32 holds.
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// A duration of more than zero (`--timeout`, `--progress-interval`): a bound of nothing
/// means nothing, and leaving the option out says "no bound".
pub fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!("invalid duration '{s}': must be more than 0"));
    }
    Ok(d)
}

/// A size in bytes, more than zero (every size option is a bound).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (number, unit) = split(s).ok_or_else(|| not_a_size(s))?;
    let power = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 1,
        "m" | "mb" | "mib" => 2,
        "g" | "gb" | "gib" => 3,
        "t" | "tb" | "tib" => 4,
        _ => return Err(not_a_size(s)),
    };
    let bytes = number
        .times(1u128 << (10 * power))
        .and_then(|b| u64::try_from(b).ok())
        .ok_or_else(|| format!("invalid size '{s}': too large"))?;
    if bytes == 0 {
        return Err(format!("invalid size '{s}': must be more than 0 bytes"));
    }
    Ok(bytes)
}

/// A decimal number as its digits: `whole.fraction`.
struct Decimal<'a> {
    whole: &'a str,
    fraction: &'a str,
}

impl Decimal<'_> {
    /// The number times `unit`, rounded down to an integer; `None` past `u128`.
    fn times(&self, unit: u128) -> Option<u128> {
        let mut total: u128 = 0;
        for d in self.whole.bytes() {
            total = total.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
        }
        total = total.checked_mul(unit)?;
        // Digits past the 20th are below one unit of anything counted (10^-20 h is 36 ps,
        // 10^-20 TiB a hundred-millionth of a byte): dropped, so that the product below
        // stays within a u128.
        let fraction = &self.fraction[..self.fraction.len().min(20)];
        let mut part: u128 = 0;
        for d in fraction.bytes() {
            part = part * 10 + u128::from(d - b'0');
        }
        let scale = 10u128.pow(fraction.len() as u32);
        // part < 10^20 < 2^67 and unit < 2^43 (an hour in nanoseconds): the product fits.
        total.checked_add(part.checked_mul(unit)? / scale)
    }
}

/// `s` as a number and the unit after it (spaces around either are allowed); `None` when
/// it does not start with a plain decimal number.
fn split(s: &str) -> Option<(Decimal<'_>, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    Some((Decimal { whole, fraction }, unit.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ms = Duration::from_millis;
        let cases = [
            ("30", Duration::from_secs(30)),
            ("30s", Duration::from_secs(30)),
            ("5m", Duration::from_secs(300)),
            ("5min", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("500ms", ms(500)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("100ns", Duration::from_nanos(100)),
            ("1.5s", ms(1500)),
            ("0.1s", ms(100)),
            (".5", ms(500)),
            ("2.", Duration::from_secs(2)),
            (" 5 ms ", ms(5)),
            ("5MS", ms(5)),
            ("0", Duration::ZERO),
            ("0.0000000001s", Duration::ZERO),
            (
                "1.0000000000000000000000000000000000000001s",
                Duration::from_secs(1),
            ),
            (
                "1.99999999999999999999999999999h",
                Duration::from_nanos(7_199_999_999_999),
            ),
            ("18446744073709551615", Duration::from_secs(u64::MAX)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_duration(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn durations_refused() {
        for s in [
            "", " ", ".", "-1", "-1s", "+1s", "NaN", "inf", "1e3", "1e-9", "5x", "5 5s", "1.2.3",
            "s", "ms", "5sec", "5 m s",
        ] {
            let e = parse_duration(s).expect_err(s);
            assert!(
                e.contains("expected a number with an optional unit"),
                "{s}: {e}"
            );
        }
        for s in ["18446744073709551616", "99999999999999999999999999999h"] {
            let e = parse_duration(s).expect_err(s);
            assert!(e.ends_with("too long"), "{s}: {e}");
        }
        assert_eq!(
            parse_duration("5x").unwrap_err(),
            "invalid duration '5x': expected a number with an optional unit ns, us, ms, s, m, h"
        );
        assert!(parse_positive_duration("0").is_err());
        assert!(parse_positive_duration("0.1ns").is_err());
        assert_eq!(parse_positive_duration("1ns"), Ok(Duration::from_nanos(1)));
    }

    #[test]
    fn sizes() {
        let cases = [
            ("512", 512),
            ("512b", 512),
            ("512K", 512 << 10),
            ("512k", 512 << 10),
            ("512KB", 512 << 10),
            ("512KiB", 512 << 10),
            ("512M", 512 << 20),
            ("512MB", 512 << 20),
            ("512mib", 512 << 20),
            ("1G", 1 << 30),
            ("1GiB", 1 << 30),
            ("1.5G", 3 << 29),
            ("4T", 4 << 40),
            (" 64 M ", 64 << 20),
            ("0.5K", 512),
            ("1.0009765625K", 1025),
            ("1.5", 1),
        ];
        for (s, want) in cases {
            assert_eq!(parse_size(s), Ok(want), "{s}");
        }
        assert_eq!(parse_size("16777215.999T"), Ok(18_446_744_072_610_039_988));
        assert_eq!(
            parse_size("0.000000000000000000001T"),
            Err("invalid size '0.000000000000000000001T': must be more than 0 bytes".into())
        );
    }

    #[test]
    fn sizes_refused() {
        for s in [
            "", "-1", "-1M", "NaN", "inf", "1e9", "5x", "5MM", "5iB", "5KiBB", "5Kb b", "M",
            "1.2.3G",
        ] {
            let e = parse_size(s).expect_err(s);
            assert!(
                e.contains("expected a number with an optional unit"),
                "{s}: {e}"
            );
        }
        for s in ["0", "0M", "0.4"] {
            let e = parse_size(s).expect_err(s);
            assert!(e.ends_with("must be more than 0 bytes"), "{s}: {e}");
        }
        for s in [
            "16777216T",
            "18446744073709551616",
            "99999999999999999999999999999999999999999",
        ] {
            let e = parse_size(s).expect_err(s);
            assert!(e.ends_with("too large"), "{s}: {e}");
        }
    }
}
