//! One JSON object per line on stdout (what Loki and `kubectl logs` expect), plus RFC 3339 timestamps.

use serde_json::{Map, Value};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 4] = [Level::Debug, Level::Info, Level::Warn, Level::Error];

    /// Lower-case name used in the `level` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Builds one log record: `timestamp`, `level`, `msg`, then the given fields in order.
pub fn record(level: Level, msg: &str, fields: Vec<(&str, Value)>) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("timestamp".into(), Value::String(rfc3339_now()));
    map.insert("level".into(), Value::String(level.as_str().into()));
    map.insert("msg".into(), Value::String(msg.into()));
    for (k, v) in fields {
        map.insert(k.into(), v);
    }
    map
}

/// Writes a record as one line on stdout. Write errors (closed pipe) are ignored: logging must not kill the app.
pub fn emit(record: &Map<String, Value>) {
    let line = Value::Object(record.clone()).to_string();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Logs at info level.
pub fn info(msg: &str, fields: Vec<(&str, Value)>) {
    emit(&record(Level::Info, msg, fields));
}

/// Logs at error level.
pub fn error(msg: &str, fields: Vec<(&str, Value)>) {
    emit(&record(Level::Error, msg, fields));
}

/// Current UTC time as RFC 3339 with nanoseconds, e.g. `2025-01-31T12:00:00.123456789Z`.
pub fn rfc3339_now() -> String {
    rfc3339(SystemTime::now())
}

/// Formats a time as RFC 3339 UTC with nanoseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        // 2024-02-29 (leap day) 23:59:59.5 UTC = 1709251199.5
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_500);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.500000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert!(rfc3339(t).starts_with("2000-02-29T00:00:00"));
    }

    #[test]
    fn record_keeps_field_order() {
        let r = record(
            Level::Warn,
            "hi",
            vec![("service", "svc-1".into()), ("status", 429.into())],
        );
        let keys: Vec<&str> = r.keys().map(String::as_str).collect();
        assert_eq!(keys, ["timestamp", "level", "msg", "service", "status"]);
        assert_eq!(r["level"], "warn");
    }
}
