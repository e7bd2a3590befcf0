//! Configuration from environment variables with errors that name the variable and the expected form.

use std::fmt;
use std::str::FromStr;

/// A variable was set to a value the app cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Name of the environment variable.
    pub variable: String,
    /// The value that was found.
    pub value: String,
    /// Human description of what is accepted, e.g. "an integer between 1 and 65535".
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid environment variable {}={:?}: expected {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

/// Source of variables; the process environment in production, a map in unit tests.
pub trait Source {
    /// Value of `name`, `None` when unset. Empty values count as unset.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Source for std::collections::BTreeMap<&str, &str> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::BTreeMap::get(self, name)
            .filter(|v| !v.is_empty())
            .map(|v| (*v).to_owned())
    }
}

/// Reads typed variables from a [`Source`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Env<S = ProcessEnv> {
    source: S,
}

impl Env<ProcessEnv> {
    /// Reads from the process environment.
    pub fn process() -> Self {
        Self { source: ProcessEnv }
    }
}

impl<S: Source> Env<S> {
    /// Reads from any source (tests).
    pub fn from_source(source: S) -> Self {
        Self { source }
    }

    /// Raw string value, or `default` when unset.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.source.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// Parses `name` with [`FromStr`], returning `default` when unset.
    pub fn parse<T: FromStr>(
        &self,
        name: &str,
        default: T,
        expected: &str,
    ) -> Result<T, ConfigError> {
        self.parse_with(name, default, expected, |raw| raw.parse().ok())
    }

    /// Parses `name` with `parse`, which returns `None` for values it rejects.
    pub fn parse_with<T>(
        &self,
        name: &str,
        default: T,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        match self.source.get(name) {
            None => Ok(default),
            Some(raw) => parse(raw.trim()).ok_or_else(|| ConfigError {
                variable: name.to_owned(),
                value: raw.clone(),
                expected: expected.to_owned(),
            }),
        }
    }

    /// An integer in `min..=max`.
    pub fn int_in<T>(&self, name: &str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let expected = format!("an integer between {min} and {max}");
        self.parse_with(name, default, &expected, |raw| {
            raw.parse::<T>().ok().filter(|v| *v >= min && *v <= max)
        })
    }

    /// A finite number in `min..=max`.
    pub fn f64_in(&self, name: &str, default: f64, min: f64, max: f64) -> Result<f64, ConfigError> {
        let expected = format!("a number between {min} and {max}");
        self.parse_with(name, default, &expected, |raw| {
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= min && *v <= max)
        })
    }

    /// One of `choices` (case-sensitive), returning its index.
    pub fn choice(
        &self,
        name: &str,
        default: usize,
        choices: &[&str],
    ) -> Result<usize, ConfigError> {
        let expected = format!("one of {}", choices.join(", "));
        self.parse_with(name, default, &expected, |raw| {
            choices.iter().position(|c| *c == raw)
        })
    }

    /// An absolute `http://` URL (no TLS in the lab's in-cluster traffic); trailing `/` removed.
    pub fn http_url(&self, name: &str, default: &str) -> Result<String, ConfigError> {
        self.parse_with(
            name,
            default.to_owned(),
            "an http:// URL such as http://order-service:8080",
            |raw| {
                let rest = raw.strip_prefix("http://")?;
                (!rest.is_empty() && !rest.starts_with('/'))
                    .then(|| raw.trim_end_matches('/').to_owned())
            },
        )
    }

    /// The TCP port to listen on, from `PORT` (default 8080; 0 asks the OS for a free port).
    pub fn port(&self) -> Result<u16, ConfigError> {
        self.int_in("PORT", 8080u16, 0, u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&'static str, &'static str)]) -> Env<BTreeMap<&'static str, &'static str>> {
        Env::from_source(pairs.iter().copied().collect())
    }

    #[test]
    fn bad_port_names_variable_and_form() {
        let err = env(&[("PORT", "eighty")]).port().expect_err("must reject");
        assert_eq!(err.variable, "PORT");
        assert_eq!(
            err.to_string(),
            "invalid environment variable PORT=\"eighty\": expected an integer between 0 and 65535"
        );
        assert!(env(&[("PORT", "70000")]).port().is_err());
        assert_eq!(env(&[("PORT", " 9090 ")]).port(), Ok(9090));
        assert_eq!(env(&[]).port(), Ok(8080));
    }

    #[test]
    fn choices_urls_and_ranges() {
        let e = env(&[
            ("LEVEL", "medium"),
            ("URL", "http://x:1/"),
            ("BAD", "ftp://x"),
            ("R", "1.5"),
        ]);
        assert_eq!(e.choice("LEVEL", 0, &["low", "medium"]), Ok(1));
        assert!(e.choice("LEVEL", 0, &["low"]).is_err());
        assert_eq!(e.http_url("URL", "http://d"), Ok("http://x:1".to_owned()));
        assert_eq!(
            e.http_url("BAD", "http://d").map_err(|e| e.variable),
            Err("BAD".to_owned())
        );
        assert!(e.f64_in("R", 0.0, 0.0, 1.0).is_err());
        assert_eq!(e.f64_in("MISSING", 0.25, 0.0, 1.0), Ok(0.25));
    }
}
