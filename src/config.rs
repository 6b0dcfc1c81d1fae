//! Settings of the HTTP client: defaults, and the environment variables that
//! change them without recompiling.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::limiter::{Pacing, RateLimit};
use crate::request_log::LogTarget;

/// How the shared client connects, waits and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Longest wait for a TCP and TLS connection (`OPI_BITRIX24_CONNECT_TIMEOUT`, seconds).
    pub connect_timeout: Duration,
    /// Longest a whole call may take, retries and redirects included
    /// (`OPI_BITRIX24_TIMEOUT`, seconds). The cloud stops a request at 60 s.
    pub timeout: Duration,
    /// Longest wait for one answer once its request is written
    /// (`OPI_BITRIX24_READ_TIMEOUT`, seconds); none means the whole call's
    /// `timeout`. A read that runs out is retried only for methods safe to
    /// repeat (docs/retries.md).
    pub read_timeout: Option<Duration>,
    /// Attempts of one call, the first included (`OPI_BITRIX24_ATTEMPTS`).
    pub attempts: u32,
    /// Wait before the first retry; it doubles on each next one, with jitter
    /// (`OPI_BITRIX24_RETRY_DELAY`, seconds).
    pub retry_delay: Duration,
    /// A PEM file of extra trusted certificates, added to the system's
    /// (`OPI_BITRIX24_CA_FILE`). `SSL_CERT_FILE` replaces the system's instead.
    pub ca_file: Option<PathBuf>,
    /// Which portals are paced, and how (`OPI_BITRIX24_RATE_LIMIT`):
    /// by default cloud portals from their first call, others once they
    /// answer `QUERY_LIMIT_EXCEEDED`.
    pub pacing: Pacing,
    /// The OAuth server of `GetToken` and `RefreshToken`
    /// (`OPI_BITRIX24_OAUTH_URL`); its `/oauth/token/` is called.
    pub oauth_url: Url,
    /// A method's operating-time budget, in seconds of processing per 10
    /// minutes, for every portal (`OPI_BITRIX24_OPERATING_LIMIT`); none
    /// means 480 for cloud portals and 420 for others, once they report a
    /// budget (docs/retries.md).
    pub operating_limit: Option<f64>,
    /// Where the request log goes (`OPI_BITRIX24_LOG`): a file, appended
    /// to, or standard error; none by default. Its events also go to the
    /// `log` crate under the target `opi_bitrix24` (docs/logging.md).
    pub log: Option<LogTarget>,
    /// How much of the request log is written (`OPI_BITRIX24_LOG_LEVEL`):
    /// `Info` is every request and wait, `Debug` adds each request as it
    /// is sent, `Warn` and `Error` only failures (docs/logging.md).
    pub log_level: log::LevelFilter,
}

/// The OAuth server Bitrix24's documentation names.
pub const DEFAULT_OAUTH_URL: &str = "https://oauth.bitrix.info/";

impl Default for Config {
    fn default() -> Self {
        Config {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            read_timeout: None,
            attempts: 5,
            retry_delay: Duration::from_millis(500),
            ca_file: None,
            pacing: Pacing::Auto,
            oauth_url: Url::parse(DEFAULT_OAUTH_URL).expect("the default OAuth server is a URL"),
            operating_limit: None,
            log: None,
            log_level: log::LevelFilter::Info,
        }
    }
}

/// One setting the environment can change: its variable, what it means,
/// and its default in this build. [`Config::settings`] lists them; help
/// texts and docs/configuration.md are made from or checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable, `OPI_BITRIX24_…`.
    pub variable: &'static str,
    /// What it sets, in a few words.
    pub meaning: &'static str,
    /// The value in force when the variable is not set, as text.
    pub default: String,
}

impl Config {
    /// Every setting [`Config::from_env`] reads, with its default taken
    /// from [`Config::default`]: the one statement of both.
    pub fn settings() -> Vec<Setting> {
        let defaults = Config::default();
        let seconds = |duration: Duration| format!("{}", duration.as_secs_f64());
        let setting = |variable, meaning, default: String| Setting {
            variable,
            meaning,
            default,
        };
        vec![
            setting(
                "OPI_BITRIX24_CONNECT_TIMEOUT",
                "seconds to connect (TCP and TLS)",
                seconds(defaults.connect_timeout),
            ),
            setting(
                "OPI_BITRIX24_TIMEOUT",
                "seconds for a whole call, retries and redirects included",
                seconds(defaults.timeout),
            ),
            setting(
                "OPI_BITRIX24_READ_TIMEOUT",
                "seconds to wait for one answer once the request is written",
                defaults
                    .read_timeout
                    .map_or_else(|| "the whole call's".to_owned(), seconds),
            ),
            setting(
                "OPI_BITRIX24_ATTEMPTS",
                "attempts per call, the first included, 1 to 10 (retries: docs/retries.md)",
                defaults.attempts.to_string(),
            ),
            setting(
                "OPI_BITRIX24_RETRY_DELAY",
                "seconds before the first retry, doubling after, with jitter",
                seconds(defaults.retry_delay),
            ),
            setting(
                "OPI_BITRIX24_CA_FILE",
                "PEM file of extra trusted CA certificates, added to the system's",
                defaults
                    .ca_file
                    .map_or_else(|| "none".to_owned(), |path| path.display().to_string()),
            ),
            setting(
                "OPI_BITRIX24_RATE_LIMIT",
                "pacing: auto (cloud portals at 50, 2/s from the first call, others once they answer QUERY_LIMIT_EXCEEDED), or for every portal standard (50, 2/s), enterprise (250, 5/s), off, or CAPACITY/PER_SECOND",
                pacing_name(defaults.pacing),
            ),
            setting(
                "OPI_BITRIX24_OPERATING_LIMIT",
                "a method's operating-time budget, seconds of processing per 10 minutes; a call that would pass it waits for the window's reset",
                defaults.operating_limit.map_or_else(
                    || "480 on cloud portals, 420 on others once they report a budget".to_owned(),
                    |limit| limit.to_string(),
                ),
            ),
            setting(
                "OPI_BITRIX24_OAUTH_URL",
                "OAuth server of GetToken and RefreshToken",
                defaults.oauth_url.to_string(),
            ),
            setting(
                "OPI_BITRIX24_LOG",
                "request log: a file to append a line per request and per wait to, or stderr (docs/logging.md)",
                match defaults.log {
                    None => "none".to_owned(),
                    Some(LogTarget::Stderr) => "stderr".to_owned(),
                    Some(LogTarget::File(path)) => path.display().to_string(),
                },
            ),
            setting(
                "OPI_BITRIX24_LOG_LEVEL",
                "request log's level: error, warn, info (every request and wait), debug (each request as it is sent too), or off",
                defaults.log_level.as_str().to_ascii_lowercase(),
            ),
        ]
    }

    /// The defaults, changed by whichever of [`Config::settings`] are set.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_vars(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// The defaults, changed by whichever of [`Config::settings`] `lookup` knows:
    /// the same settings from a source other than this process's environment.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let mut config = Config::default();
        let seconds = |name: &str, max: f64| -> Result<Option<Duration>, Error> {
            lookup(name)
                .map(|text| match text.trim().parse::<f64>() {
                    Ok(value) if value > 0.0 && value <= max => Ok(Duration::from_secs_f64(value)),
                    _ => Err(Error::invalid_argument(format!(
                        "environment variable {name} must be a number of seconds above 0 and at most {max}"
                    ))),
                })
                .transpose()
        };
        if let Some(value) = seconds("OPI_BITRIX24_CONNECT_TIMEOUT", 3600.0)? {
            config.connect_timeout = value;
        }
        if let Some(value) = seconds("OPI_BITRIX24_TIMEOUT", 86400.0)? {
            config.timeout = value;
        }
        if let Some(value) = seconds("OPI_BITRIX24_READ_TIMEOUT", 86400.0)? {
            config.read_timeout = Some(value);
        }
        if let Some(value) = seconds("OPI_BITRIX24_RETRY_DELAY", 60.0)? {
            config.retry_delay = value;
        }
        if let Some(value) = seconds("OPI_BITRIX24_OPERATING_LIMIT", 600.0)? {
            config.operating_limit = Some(value.as_secs_f64());
        }
        if let Some(text) = lookup("OPI_BITRIX24_ATTEMPTS") {
            config.attempts = match text.trim().parse::<u32>() {
                Ok(value @ 1..=10) => value,
                _ => {
                    return Err(Error::invalid_argument(
                        "environment variable OPI_BITRIX24_ATTEMPTS must be a whole number from 1 to 10",
                    ));
                }
            };
        }
        if let Some(path) = lookup("OPI_BITRIX24_CA_FILE").filter(|p| !p.trim().is_empty()) {
            config.ca_file = Some(PathBuf::from(path));
        }
        if let Some(text) = lookup("OPI_BITRIX24_RATE_LIMIT") {
            config.pacing = parse_pacing(&text)?;
        }
        if let Some(text) = lookup("OPI_BITRIX24_OAUTH_URL").filter(|u| !u.trim().is_empty()) {
            config.oauth_url = parse_oauth_url(&text)?;
        }
        if let Some(text) = lookup("OPI_BITRIX24_LOG").filter(|t| !t.trim().is_empty()) {
            config.log = Some(match text.trim() {
                name if name.eq_ignore_ascii_case("stderr") => LogTarget::Stderr,
                path => LogTarget::File(PathBuf::from(path)),
            });
        }
        if let Some(text) = lookup("OPI_BITRIX24_LOG_LEVEL").filter(|t| !t.trim().is_empty()) {
            config.log_level = match text.trim().parse::<log::LevelFilter>() {
                Ok(level) if level != log::LevelFilter::Trace => level,
                _ => {
                    return Err(Error::invalid_argument(
                        "environment variable OPI_BITRIX24_LOG_LEVEL must be error, warn, info, debug or off",
                    ));
                }
            };
        }
        Ok(config)
    }
}

/// A pacing as `OPI_BITRIX24_RATE_LIMIT` names it.
fn pacing_name(pacing: Pacing) -> String {
    match pacing {
        Pacing::Auto => "auto".to_owned(),
        Pacing::Off => "off".to_owned(),
        Pacing::Always(limit) if limit == RateLimit::STANDARD => "standard".to_owned(),
        Pacing::Always(limit) if limit == RateLimit::ENTERPRISE => "enterprise".to_owned(),
        Pacing::Always(limit) => format!("{}/{}", limit.capacity, limit.per_second),
    }
}

/// An http(s) address with no query, as a base: `/oauth/token/` is joined to it.
pub fn parse_oauth_url(text: &str) -> Result<Url, Error> {
    let refused = || {
        Error::invalid_argument(
            "environment variable OPI_BITRIX24_OAUTH_URL must be an http:// or https:// address without a query, such as https://oauth.bitrix.info",
        )
    };
    let mut url = Url::parse(text.trim()).map_err(|_| refused())?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.host().is_none() {
        return Err(refused());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `auto`, `standard`, `enterprise`, `off`, or `CAPACITY/PER_SECOND` (e.g.
/// `10/20`); all but `auto` apply to every portal.
fn parse_pacing(text: &str) -> Result<Pacing, Error> {
    let text = text.trim().to_ascii_lowercase();
    match text.as_str() {
        "auto" | "" => return Ok(Pacing::Auto),
        "standard" => return Ok(Pacing::Always(RateLimit::STANDARD)),
        "enterprise" => return Ok(Pacing::Always(RateLimit::ENTERPRISE)),
        "off" => return Ok(Pacing::Off),
        _ => {}
    }
    let numbers = text.split_once('/').and_then(|(capacity, rate)| {
        Some((
            capacity.trim().parse::<f64>().ok()?,
            rate.trim().parse::<f64>().ok()?,
        ))
    });
    match numbers {
        Some((capacity, per_second))
            if (1.0..=100_000.0).contains(&capacity)
                && per_second > 0.0
                && per_second <= 100_000.0 =>
        {
            Ok(Pacing::Always(RateLimit {
                capacity,
                per_second,
            }))
        }
        _ => Err(Error::invalid_argument(
            "environment variable OPI_BITRIX24_RATE_LIMIT must be auto, standard, enterprise, off, or CAPACITY/PER_SECOND such as 50/2",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Error> {
        Config::from_vars(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        assert_eq!(config(&[]).unwrap(), Config::default());
    }

    #[test]
    fn every_variable_is_read() {
        let found = config(&[
            ("OPI_BITRIX24_CONNECT_TIMEOUT", "2.5"),
            ("OPI_BITRIX24_TIMEOUT", " 30 "),
            ("OPI_BITRIX24_ATTEMPTS", "1"),
            ("OPI_BITRIX24_RETRY_DELAY", "0.01"),
            ("OPI_BITRIX24_CA_FILE", "/etc/portal-ca.pem"),
            ("OPI_BITRIX24_READ_TIMEOUT", "4"),
            ("OPI_BITRIX24_OAUTH_URL", "https://oauth.bitrix24.tech"),
            ("OPI_BITRIX24_LOG", "/var/log/b24.log"),
            ("OPI_BITRIX24_LOG_LEVEL", "Debug"),
        ])
        .unwrap();
        assert_eq!(
            found,
            Config {
                connect_timeout: Duration::from_millis(2500),
                timeout: Duration::from_secs(30),
                attempts: 1,
                retry_delay: Duration::from_millis(10),
                ca_file: Some(PathBuf::from("/etc/portal-ca.pem")),
                pacing: Pacing::Auto,
                read_timeout: Some(Duration::from_secs(4)),
                oauth_url: Url::parse("https://oauth.bitrix24.tech/").unwrap(),
                operating_limit: None,
                log: Some(LogTarget::File(PathBuf::from("/var/log/b24.log"))),
                log_level: log::LevelFilter::Debug,
            }
        );
    }

    #[test]
    fn every_setting_is_read_and_its_default_is_the_configs() {
        let settings = Config::settings();
        assert_eq!(settings.len(), 11);
        // Each variable changes the configuration: none is listed but unread.
        for setting in &settings {
            let value = match setting.variable {
                "OPI_BITRIX24_CA_FILE" => "/ca.pem",
                "OPI_BITRIX24_RATE_LIMIT" => "off",
                "OPI_BITRIX24_OAUTH_URL" => "https://oauth.example/",
                "OPI_BITRIX24_ATTEMPTS" => "2",
                "OPI_BITRIX24_OPERATING_LIMIT" => "120",
                "OPI_BITRIX24_LOG" => "stderr",
                "OPI_BITRIX24_LOG_LEVEL" => "warn",
                _ => "7",
            };
            let changed = config(&[(setting.variable, value)]).unwrap();
            assert_ne!(
                changed,
                Config::default(),
                "{} is not read",
                setting.variable
            );
        }
        let default_of = |name: &str| {
            settings
                .iter()
                .find(|s| s.variable == name)
                .map(|s| s.default.clone())
                .unwrap()
        };
        assert_eq!(default_of("OPI_BITRIX24_TIMEOUT"), "60");
        assert_eq!(default_of("OPI_BITRIX24_RETRY_DELAY"), "0.5");
        assert_eq!(default_of("OPI_BITRIX24_RATE_LIMIT"), "auto");
        assert_eq!(default_of("OPI_BITRIX24_OAUTH_URL"), DEFAULT_OAUTH_URL);
    }

    #[test]
    fn rate_limits_by_name_or_numbers() {
        for (text, expected) in [
            ("auto", Pacing::Auto),
            ("standard", Pacing::Always(RateLimit::STANDARD)),
            ("Enterprise", Pacing::Always(RateLimit::ENTERPRISE)),
            ("off", Pacing::Off),
            (
                " 10 / 20 ",
                Pacing::Always(RateLimit {
                    capacity: 10.0,
                    per_second: 20.0,
                }),
            ),
        ] {
            let found = config(&[("OPI_BITRIX24_RATE_LIMIT", text)]).unwrap();
            assert_eq!(found.pacing, expected, "{text}");
        }
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (name, value) in [
            ("OPI_BITRIX24_TIMEOUT", "abc"),
            ("OPI_BITRIX24_TIMEOUT", "0"),
            ("OPI_BITRIX24_TIMEOUT", "-1"),
            ("OPI_BITRIX24_CONNECT_TIMEOUT", "NaN"),
            ("OPI_BITRIX24_ATTEMPTS", "0"),
            ("OPI_BITRIX24_ATTEMPTS", "11"),
            ("OPI_BITRIX24_RETRY_DELAY", "inf"),
            ("OPI_BITRIX24_RATE_LIMIT", "fast"),
            ("OPI_BITRIX24_RATE_LIMIT", "0/2"),
            ("OPI_BITRIX24_RATE_LIMIT", "10/0"),
            ("OPI_BITRIX24_READ_TIMEOUT", "0"),
            ("OPI_BITRIX24_OAUTH_URL", "oauth.bitrix.info"),
            ("OPI_BITRIX24_OAUTH_URL", "ftp://oauth.example/"),
            ("OPI_BITRIX24_OAUTH_URL", "https://oauth.example/?x=1"),
            ("OPI_BITRIX24_LOG_LEVEL", "verbose"),
            ("OPI_BITRIX24_LOG_LEVEL", "trace"),
        ] {
            let error = config(&[(name, value)]).unwrap_err();
            assert!(
                error.description().contains(name),
                "{name}={value}: {error}"
            );
        }
    }
}
