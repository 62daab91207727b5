//! Time, once: the clock ([`now`]), `SOURCE_DATE_EPOCH`
//! (<https://reproducible-builds.org/specs/source-date-epoch/>) read and
//! checked in one place ([`source_date_epoch`], [`epoch_or_now`]), and dates
//! from seconds since the epoch without a calendar crate: RFC 2822 for the
//! Debian changelog's trailer line and apt's `Release` `Date` field, ISO 8601
//! for RubyGems' `versions` file. Days to civil date by Howard Hinnant's
//! `civil_from_days`.

use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable of the reproducible-builds specification.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// `SOURCE_DATE_EPOCH` is set but is not a number of seconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SOURCE_DATE_EPOCH=`{value}` is not a number of seconds since 1970")]
pub struct BadEpoch {
    /// The value found in the environment.
    pub value: String,
}

impl BadEpoch {
    /// What the user can do.
    pub fn hint(&self) -> Option<String> {
        Some("set it to an integer such as `$(git log -1 --format=%ct)`, or unset it".into())
    }
}

/// Seconds since 1970 now (0 if the clock is before 1970).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `SOURCE_DATE_EPOCH` from the environment: `None` when unset, an error
/// when set to something that is not a number of seconds.
pub fn source_date_epoch() -> Result<Option<u64>, BadEpoch> {
    match std::env::var(SOURCE_DATE_EPOCH) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| BadEpoch { value: v }),
        Err(_) => Ok(None),
    }
}

/// The timestamp of what is packaged from `dir`: `SOURCE_DATE_EPOCH`, else
/// the time of the last commit of the git checkout holding `dir`, else now.
pub fn epoch_of(dir: &std::path::Path) -> Result<u64, BadEpoch> {
    if let Some(t) = source_date_epoch()? {
        return Ok(t);
    }
    let git = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%ct"])
        .output();
    if let Ok(out) = git
        && out.status.success()
        && let Ok(t) = String::from_utf8_lossy(&out.stdout).trim().parse()
    {
        return Ok(t);
    }
    Ok(now())
}

/// `SOURCE_DATE_EPOCH`, else now: the date of regenerated indexes (apt's
/// `Release` date, yum's revision, a gem source's `versions` header) and of
/// install records.
pub fn epoch_or_now() -> Result<u64, BadEpoch> {
    Ok(source_date_epoch()?.unwrap_or_else(now))
}

/// `(year, month, day, seconds into the day)` for `secs` since 1970 (UTC).
pub fn civil(secs: u64) -> (u64, u64, u64, u64) {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, rem)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for `secs` since 1970 (UTC).
pub fn iso8601(secs: u64) -> String {
    let (y, m, d, rem) = civil(secs);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `Tue, 14 Nov 2023 22:13:20 <zone>` for `secs` since 1970 (UTC); `zone` is
/// written as given (`+0000` for changelogs, `UTC` for `Release`).
pub fn rfc2822(secs: u64, zone: &str) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, rem) = civil(secs);
    let days = secs / 86_400;
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} {zone}",
        DAYS[(days % 7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc2822(0, "+0000"), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc2822(1_700_000_000, "UTC"),
            "Tue, 14 Nov 2023 22:13:20 UTC"
        );
        assert_eq!(
            rfc2822(951_782_400, "+0000"),
            "Tue, 29 Feb 2000 00:00:00 +0000"
        );
    }
}
