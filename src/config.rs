//! Settings of the HTTP client: defaults, the variables that change them
//! without recompiling, and the one check of each setting's range. Every
//! way in applies the same check with the same words: the environment
//! ([`Config::from_env`]), a source of variables ([`Config::from_vars`]),
//! one variable's text ([`Config::set`]) and a `Config` built in Rust
//! ([`Config::validate`], which `Client::new` runs).

mod values;

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::limiter::Pacing;
use crate::request_log::LogTarget;
use crate::shared::Sharing;
use values::*;

/// How the shared client connects, waits and retries.
///
/// Every field has a range ([`Config::validate`]); `Client::new` refuses a
/// value outside it with `OPI_INVALID_ARGUMENT`, naming the variable, in
/// the words the environment's value would be refused with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Longest wait for a TCP and TLS connection (`OPI_BITRIX24_CONNECT_TIMEOUT`, seconds):
    /// above 0, at most an hour.
    pub connect_timeout: Duration,
    /// Longest a whole call may take, retries and redirects included
    /// (`OPI_BITRIX24_TIMEOUT`, seconds): above 0, at most a day. The cloud
    /// stops a request at 60 s.
    pub timeout: Duration,
    /// Longest wait for one answer once its request is written
    /// (`OPI_BITRIX24_READ_TIMEOUT`, seconds, above 0, at most a day); none
    /// means the whole call's `timeout`. A read that runs out is retried
    /// only for methods safe to repeat (docs/retries.md).
    pub read_timeout: Option<Duration>,
    /// Attempts of one call, the first included (`OPI_BITRIX24_ATTEMPTS`): 1 to 10.
    pub attempts: u32,
    /// Wait before the first retry; it doubles on each next one, with jitter
    /// (`OPI_BITRIX24_RETRY_DELAY`, seconds): above 0, at most a minute.
    pub retry_delay: Duration,
    /// A PEM file of extra trusted certificates, added to the system's
    /// (`OPI_BITRIX24_CA_FILE`). `SSL_CERT_FILE` replaces the system's instead.
    pub ca_file: Option<PathBuf>,
    /// Which portals are paced, and how (`OPI_BITRIX24_RATE_LIMIT`):
    /// by default cloud portals from their first call, others once they
    /// answer `QUERY_LIMIT_EXCEEDED`. A bucket of its own holds 1 to
    /// 100000 requests and drains more than 0 and at most 100000 a second.
    pub pacing: Pacing,
    /// Whether pacing is shared with the host's other processes
    /// (`OPI_BITRIX24_SHARED`): by every process of this user on this host
    /// that calls the portal (`Host`, the default), or by none (`Off`).
    pub shared: Sharing,
    /// The directory of the state the host's processes share
    /// (`OPI_BITRIX24_STATE_DIR`), an absolute path, made owner-only when
    /// missing; none means the user's own (docs/pacing.md).
    pub state_dir: Option<PathBuf>,
    /// The OAuth server of `GetToken` and `RefreshToken`
    /// (`OPI_BITRIX24_OAUTH_URL`), an http or https address without a
    /// query; its `/oauth/token/` is called.
    pub oauth_url: Url,
    /// A method's operating-time budget, in seconds of processing per 10
    /// minutes, for every portal (`OPI_BITRIX24_OPERATING_LIMIT`, above 0,
    /// at most 600); none means 480 for cloud portals and 420 for others,
    /// once they report a budget (docs/retries.md).
    pub operating_limit: Option<f64>,
    /// Where the request log goes (`OPI_BITRIX24_LOG`): a file, appended
    /// to, or standard error; none by default. Its events also go to the
    /// `log` crate under the target `opi_bitrix24` (docs/logging.md).
    pub log: Option<LogTarget>,
    /// How much of the request log is written (`OPI_BITRIX24_LOG_LEVEL`):
    /// `Info` is every request and wait, `Debug` adds each request as it
    /// is sent, `Warn` and `Error` only failures (docs/logging.md); not
    /// `Trace`.
    pub log_level: log::LevelFilter,
    /// Which files the structure, array and file arguments of
    /// OpenIntegrations' functions may name (`OPI_BITRIX24_FILES`): any
    /// (OpenIntegrations' way, the default), none, or those in one
    /// directory. A service that passes its users' text into such an
    /// argument should not leave it at any: the text `/etc/passwd` would be
    /// read and sent to the portal (docs/configuration.md).
    pub files: FileAccess,
}

/// Which files a function's arguments may name (`OPI_BITRIX24_FILES`,
/// docs/configuration.md#files-named-by-arguments).
///
/// OpenIntegrations takes the text given for a structure, an array or a
/// file as the path of a file when one by that name exists, and reads it.
/// That suits a script whose arguments are its author's; a service that
/// passes its users' text on needs the reading bounded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FileAccess {
    /// Any file the process may read, a relative path from the working
    /// directory: OpenIntegrations' way. The default.
    #[default]
    Any,
    /// No file is read. A text given for a structure or an array is taken
    /// as text (JSON text read, other text sent as `[text]`, as
    /// OpenIntegrations sends text that names no file); a file must be
    /// given as its bytes (base64 text, or `{"base64": …}`).
    None,
    /// Only files inside this directory (an absolute path to an existing
    /// directory), relative paths taken from it, after `..` and symbolic
    /// links are resolved. A path outside is refused in the same words
    /// whether a file is there or not; one inside that names no file is
    /// taken as under [`FileAccess::Any`].
    Within(PathBuf),
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
            shared: Sharing::Host,
            state_dir: None,
            oauth_url: Url::parse(DEFAULT_OAUTH_URL).expect("the default OAuth server is a URL"),
            operating_limit: None,
            log: None,
            log_level: log::LevelFilter::Info,
            files: FileAccess::Any,
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

/// A setting in seconds: its variable, and the most it may be. Every one
/// is above 0: a number, not NaN, not infinite.
struct Seconds {
    variable: &'static str,
    max: f64,
}

const CONNECT_TIMEOUT: Seconds = Seconds {
    variable: "OPI_BITRIX24_CONNECT_TIMEOUT",
    max: 3600.0,
};
const TIMEOUT: Seconds = Seconds {
    variable: "OPI_BITRIX24_TIMEOUT",
    max: 86400.0,
};
const READ_TIMEOUT: Seconds = Seconds {
    variable: "OPI_BITRIX24_READ_TIMEOUT",
    max: 86400.0,
};
const RETRY_DELAY: Seconds = Seconds {
    variable: "OPI_BITRIX24_RETRY_DELAY",
    max: 60.0,
};
const OPERATING_LIMIT: Seconds = Seconds {
    variable: "OPI_BITRIX24_OPERATING_LIMIT",
    max: 600.0,
};

const ATTEMPTS: &str = "OPI_BITRIX24_ATTEMPTS";
/// The attempts a call may make: a retry loop of at most this many.
const MAX_ATTEMPTS: u32 = 10;
const CA_FILE: &str = "OPI_BITRIX24_CA_FILE";
const RATE_LIMIT: &str = "OPI_BITRIX24_RATE_LIMIT";
/// The largest bucket, and the fastest drain a second, a pacing may have.
const MAX_RATE: f64 = 100_000.0;
const SHARED: &str = "OPI_BITRIX24_SHARED";
const STATE_DIR: &str = "OPI_BITRIX24_STATE_DIR";
/// What `OPI_BITRIX24_STATE_DIR` is when not set, as the settings say it.
const STATE_DIR_DEFAULT: &str = "the user's own: $XDG_RUNTIME_DIR/opi-bitrix24, else $XDG_CACHE_HOME/opi-bitrix24, else ~/.cache/opi-bitrix24; %LOCALAPPDATA%\\opi-bitrix24 on Windows";
const OAUTH_URL: &str = "OPI_BITRIX24_OAUTH_URL";
const LOG: &str = "OPI_BITRIX24_LOG";
const LOG_LEVEL: &str = "OPI_BITRIX24_LOG_LEVEL";
const FILES: &str = "OPI_BITRIX24_FILES";

impl Seconds {
    fn refused(&self) -> Error {
        Error::invalid_argument(format!(
            "{} must be a number of seconds above 0 and at most {}",
            self.variable, self.max
        ))
    }

    /// A number of seconds in range.
    fn number(&self, seconds: f64) -> Result<f64, Error> {
        // NaN fails both comparisons.
        match seconds > 0.0 && seconds <= self.max {
            true => Ok(seconds),
            false => Err(self.refused()),
        }
    }

    /// A duration in range: not zero, not more than the most.
    fn duration(&self, duration: Duration) -> Result<Duration, Error> {
        match !duration.is_zero() && duration.as_secs_f64() <= self.max {
            true => Ok(duration),
            false => Err(self.refused()),
        }
    }

    /// Text of a number of seconds, as a number in range.
    fn parse_number(&self, text: &str) -> Result<f64, Error> {
        let seconds = text.trim().parse::<f64>().map_err(|_| self.refused())?;
        self.number(seconds)
    }

    /// Text of a number of seconds, as a duration in range (one that
    /// rounds to no time at all is not).
    fn parse_duration(&self, text: &str) -> Result<Duration, Error> {
        let seconds = self.parse_number(text)?;
        self.duration(Duration::from_secs_f64(seconds))
    }
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
                CONNECT_TIMEOUT.variable,
                "seconds to connect (TCP and TLS)",
                seconds(defaults.connect_timeout),
            ),
            setting(
                TIMEOUT.variable,
                "seconds for a whole call, retries and redirects included",
                seconds(defaults.timeout),
            ),
            setting(
                READ_TIMEOUT.variable,
                "seconds to wait for one answer once the request is written",
                defaults
                    .read_timeout
                    .map_or_else(|| "the whole call's".to_owned(), seconds),
            ),
            setting(
                ATTEMPTS,
                "attempts per call, the first included, 1 to 10 (retries: docs/retries.md)",
                defaults.attempts.to_string(),
            ),
            setting(
                RETRY_DELAY.variable,
                "seconds before the first retry, doubling after, with jitter",
                seconds(defaults.retry_delay),
            ),
            setting(
                CA_FILE,
                "PEM file of extra trusted CA certificates, added to the system's",
                defaults
                    .ca_file
                    .map_or_else(|| "none".to_owned(), |path| path.display().to_string()),
            ),
            setting(
                RATE_LIMIT,
                "pacing: auto (cloud portals at 50, 2/s from the first call, others once they answer QUERY_LIMIT_EXCEEDED), or for every portal standard (50, 2/s), enterprise (250, 5/s), off, or CAPACITY/PER_SECOND",
                pacing_name(defaults.pacing),
            ),
            setting(
                SHARED,
                "who shares the pacing: host (every process of this user on this host that calls the portal) or off (each process alone)",
                sharing_name(defaults.shared).to_owned(),
            ),
            setting(
                STATE_DIR,
                "the directory of the state the host's processes share (an absolute path, made owner-only)",
                defaults.state_dir.map_or_else(
                    || STATE_DIR_DEFAULT.to_owned(),
                    |path| path.display().to_string(),
                ),
            ),
            setting(
                OPERATING_LIMIT.variable,
                "a method's operating-time budget, seconds of processing per 10 minutes; a call that would pass it waits for the window's reset",
                defaults.operating_limit.map_or_else(
                    || "480 on cloud portals, 420 on others once they report a budget".to_owned(),
                    |limit| limit.to_string(),
                ),
            ),
            setting(
                OAUTH_URL,
                "OAuth server of GetToken and RefreshToken",
                defaults.oauth_url.to_string(),
            ),
            setting(
                LOG,
                "request log: a file to append a line per request and per wait to, or stderr (docs/logging.md)",
                match defaults.log {
                    None => "none".to_owned(),
                    Some(LogTarget::Stderr) => "stderr".to_owned(),
                    Some(LogTarget::File(path)) => path.display().to_string(),
                },
            ),
            setting(
                LOG_LEVEL,
                "request log's level: error, warn, info (every request and wait), debug (each request as it is sent too), or off",
                defaults.log_level.as_str().to_ascii_lowercase(),
            ),
            setting(
                FILES,
                "which files the structure, array and file arguments of OpenIntegrations' functions may name: any, none (text is taken as text, a file's bytes as base64), or an absolute directory whose files alone are read",
                files_name(&defaults.files),
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
        for setting in Config::settings() {
            if let Some(text) = lookup(setting.variable) {
                config.set(setting.variable, &text)?;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Sets the setting `variable` (one of [`Config::settings`]) from its
    /// text, as the environment gives it; a value out of its range, or an
    /// unknown variable, is refused with `OPI_INVALID_ARGUMENT` naming it,
    /// and nothing is changed. Empty text for `OPI_BITRIX24_CA_FILE`,
    /// `OPI_BITRIX24_RATE_LIMIT`, `OPI_BITRIX24_OAUTH_URL`,
    /// `OPI_BITRIX24_LOG`, `OPI_BITRIX24_LOG_LEVEL` or `OPI_BITRIX24_FILES`
    /// is its default.
    pub fn set(&mut self, variable: &str, text: &str) -> Result<(), Error> {
        let blank = text.trim().is_empty();
        let defaults = || Config::default();
        match variable {
            _ if variable == CONNECT_TIMEOUT.variable => {
                self.connect_timeout = CONNECT_TIMEOUT.parse_duration(text)?;
            }
            _ if variable == TIMEOUT.variable => self.timeout = TIMEOUT.parse_duration(text)?,
            _ if variable == READ_TIMEOUT.variable => {
                self.read_timeout = Some(READ_TIMEOUT.parse_duration(text)?);
            }
            _ if variable == RETRY_DELAY.variable => {
                self.retry_delay = RETRY_DELAY.parse_duration(text)?;
            }
            _ if variable == OPERATING_LIMIT.variable => {
                self.operating_limit = Some(OPERATING_LIMIT.parse_number(text)?);
            }
            ATTEMPTS => self.attempts = parse_attempts(text)?,
            CA_FILE if blank => self.ca_file = defaults().ca_file,
            CA_FILE => self.ca_file = Some(PathBuf::from(text)),
            RATE_LIMIT => self.pacing = parse_pacing(text)?,
            SHARED => self.shared = parse_sharing(text)?,
            STATE_DIR if blank => self.state_dir = defaults().state_dir,
            STATE_DIR => self.state_dir = Some(parse_state_dir(text)?),
            OAUTH_URL if blank => self.oauth_url = defaults().oauth_url,
            OAUTH_URL => self.oauth_url = parse_oauth_url(text)?,
            LOG if blank => self.log = defaults().log,
            LOG => {
                self.log = Some(match text.trim() {
                    name if name.eq_ignore_ascii_case("stderr") => LogTarget::Stderr,
                    path => LogTarget::File(PathBuf::from(path)),
                });
            }
            LOG_LEVEL if blank => self.log_level = defaults().log_level,
            LOG_LEVEL => self.log_level = parse_log_level(text)?,
            FILES if blank => self.files = defaults().files,
            FILES => self.files = parse_files(text)?,
            _ => {
                // A variable's name is shown only when it could be one.
                let named = Some(variable)
                    .filter(|v| {
                        v.len() <= 60 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    .map_or(String::new(), |name| format!(" {name}"));
                return Err(Error::invalid_argument(format!(
                    "there is no setting{named}; docs/configuration.md lists them"
                )));
            }
        }
        Ok(())
    }

    /// Whether every setting is within its range: what `Client::new`
    /// checks first. A value out of range is refused with
    /// `OPI_INVALID_ARGUMENT` naming its variable, in the words its text
    /// would be refused with by [`Config::set`] or the environment.
    pub fn validate(&self) -> Result<(), Error> {
        CONNECT_TIMEOUT.duration(self.connect_timeout)?;
        TIMEOUT.duration(self.timeout)?;
        if let Some(read_timeout) = self.read_timeout {
            READ_TIMEOUT.duration(read_timeout)?;
        }
        check_attempts(self.attempts)?;
        RETRY_DELAY.duration(self.retry_delay)?;
        check_pacing(self.pacing)?;
        if let Some(directory) = &self.state_dir {
            check_state_dir(directory)?;
        }
        check_oauth_url(&self.oauth_url)?;
        if let Some(limit) = self.operating_limit {
            OPERATING_LIMIT.number(limit)?;
        }
        check_log_level(self.log_level)?;
        check_files(&self.files)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limiter::RateLimit;

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
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn every_variable_is_read() {
        let directory = std::env::temp_dir();
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
            ("OPI_BITRIX24_FILES", directory.to_str().unwrap()),
            ("OPI_BITRIX24_SHARED", "Off"),
            ("OPI_BITRIX24_STATE_DIR", "/srv/opi-state"),
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
                shared: Sharing::Off,
                state_dir: Some(PathBuf::from("/srv/opi-state")),
                read_timeout: Some(Duration::from_secs(4)),
                oauth_url: Url::parse("https://oauth.bitrix24.tech/").unwrap(),
                operating_limit: None,
                log: Some(LogTarget::File(PathBuf::from("/var/log/b24.log"))),
                log_level: log::LevelFilter::Debug,
                files: FileAccess::Within(directory),
            }
        );
    }

    #[test]
    fn every_setting_is_read_and_its_default_is_the_configs() {
        let settings = Config::settings();
        assert_eq!(settings.len(), 14);
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
                "OPI_BITRIX24_FILES" => "none",
                "OPI_BITRIX24_SHARED" => "off",
                "OPI_BITRIX24_STATE_DIR" => "/state",
                _ => "7",
            };
            let changed = config(&[(setting.variable, value)]).unwrap();
            assert_ne!(
                changed,
                Config::default(),
                "{} is not read",
                setting.variable
            );
            let mut set = Config::default();
            set.set(setting.variable, value).unwrap();
            assert_eq!(set, changed, "{} is set otherwise", setting.variable);
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
        assert_eq!(default_of("OPI_BITRIX24_FILES"), "any");
        assert_eq!(default_of("OPI_BITRIX24_SHARED"), "host");
        assert!(default_of("OPI_BITRIX24_STATE_DIR").contains("$XDG_RUNTIME_DIR/opi-bitrix24"));
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
    fn files_any_none_or_an_absolute_directory() {
        let directory = std::env::temp_dir();
        for (text, expected) in [
            ("any", FileAccess::Any),
            (" NONE ", FileAccess::None),
            ("", FileAccess::Any),
            (
                directory.to_str().unwrap(),
                FileAccess::Within(directory.clone()),
            ),
        ] {
            let found = config(&[("OPI_BITRIX24_FILES", text)]).unwrap();
            assert_eq!(found.files, expected, "{text}");
        }
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let a_file = std::env::current_exe().unwrap();
        for (name, value) in [
            ("OPI_BITRIX24_TIMEOUT", "abc"),
            ("OPI_BITRIX24_TIMEOUT", "0"),
            ("OPI_BITRIX24_TIMEOUT", "-1"),
            ("OPI_BITRIX24_TIMEOUT", "1e-12"),
            ("OPI_BITRIX24_TIMEOUT", "86401"),
            ("OPI_BITRIX24_CONNECT_TIMEOUT", "NaN"),
            ("OPI_BITRIX24_ATTEMPTS", "0"),
            ("OPI_BITRIX24_ATTEMPTS", "11"),
            ("OPI_BITRIX24_RETRY_DELAY", "inf"),
            ("OPI_BITRIX24_RATE_LIMIT", "fast"),
            ("OPI_BITRIX24_RATE_LIMIT", "0/2"),
            ("OPI_BITRIX24_RATE_LIMIT", "10/0"),
            ("OPI_BITRIX24_RATE_LIMIT", "10/NaN"),
            ("OPI_BITRIX24_RATE_LIMIT", "10/-2"),
            ("OPI_BITRIX24_READ_TIMEOUT", "0"),
            ("OPI_BITRIX24_OPERATING_LIMIT", "0"),
            ("OPI_BITRIX24_OPERATING_LIMIT", "601"),
            ("OPI_BITRIX24_OAUTH_URL", "oauth.bitrix.info"),
            ("OPI_BITRIX24_OAUTH_URL", "ftp://oauth.example/"),
            ("OPI_BITRIX24_OAUTH_URL", "https://oauth.example/?x=1"),
            ("OPI_BITRIX24_LOG_LEVEL", "verbose"),
            ("OPI_BITRIX24_LOG_LEVEL", "trace"),
            ("OPI_BITRIX24_FILES", "relative/folder"),
            ("OPI_BITRIX24_FILES", "/nonexistent/folder"),
            ("OPI_BITRIX24_FILES", a_file.to_str().unwrap()),
            ("OPI_BITRIX24_SHARED", "process"),
            (
                "OPI_BITRIX24_SHARED",
                "redis://:password@redis.example:6379/0",
            ),
            ("OPI_BITRIX24_STATE_DIR", "relative/state"),
        ] {
            let error = config(&[(name, value)]).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidArgument);
            assert!(
                error.description().starts_with(name),
                "{name}={value}: {error}"
            );
            let mut set = Config::default();
            assert_eq!(set.set(name, value), Err(error), "{name}={value}");
            assert_eq!(set, Config::default(), "{name}={value}: changed");
        }
    }

    /// A value built in Rust is refused in the words its text is.
    #[test]
    fn typed_values_out_of_range_are_refused_as_their_text_is() {
        let refused_text = |name: &str, value: &str| config(&[(name, value)]).unwrap_err();
        for (typed, name, text) in [
            (
                Config {
                    timeout: Duration::MAX,
                    ..Config::default()
                },
                "OPI_BITRIX24_TIMEOUT",
                "1e30",
            ),
            (
                Config {
                    connect_timeout: Duration::ZERO,
                    ..Config::default()
                },
                "OPI_BITRIX24_CONNECT_TIMEOUT",
                "0",
            ),
            (
                Config {
                    read_timeout: Some(Duration::from_secs(86401)),
                    ..Config::default()
                },
                "OPI_BITRIX24_READ_TIMEOUT",
                "86401",
            ),
            (
                Config {
                    retry_delay: Duration::ZERO,
                    ..Config::default()
                },
                "OPI_BITRIX24_RETRY_DELAY",
                "0",
            ),
            (
                Config {
                    attempts: 0,
                    ..Config::default()
                },
                "OPI_BITRIX24_ATTEMPTS",
                "0",
            ),
            (
                Config {
                    pacing: Pacing::Always(RateLimit {
                        capacity: 50.0,
                        per_second: 0.0,
                    }),
                    ..Config::default()
                },
                "OPI_BITRIX24_RATE_LIMIT",
                "50/0",
            ),
            (
                Config {
                    operating_limit: Some(f64::NAN),
                    ..Config::default()
                },
                "OPI_BITRIX24_OPERATING_LIMIT",
                "NaN",
            ),
            (
                Config {
                    oauth_url: Url::parse("ftp://oauth.example/").unwrap(),
                    ..Config::default()
                },
                "OPI_BITRIX24_OAUTH_URL",
                "ftp://oauth.example/",
            ),
            (
                Config {
                    log_level: log::LevelFilter::Trace,
                    ..Config::default()
                },
                "OPI_BITRIX24_LOG_LEVEL",
                "trace",
            ),
            (
                Config {
                    files: FileAccess::Within(PathBuf::from("relative")),
                    ..Config::default()
                },
                "OPI_BITRIX24_FILES",
                "relative",
            ),
            (
                Config {
                    state_dir: Some(PathBuf::from("state")),
                    ..Config::default()
                },
                "OPI_BITRIX24_STATE_DIR",
                "state",
            ),
        ] {
            assert_eq!(typed.validate(), Err(refused_text(name, text)), "{name}");
        }
    }

    #[test]
    fn sharing_is_host_or_off_and_redis_is_not_yet_taken() {
        for (text, expected) in [
            ("", Sharing::Host),
            ("HOST", Sharing::Host),
            (" off ", Sharing::Off),
        ] {
            let found = config(&[("OPI_BITRIX24_SHARED", text)]).unwrap();
            assert_eq!(found.shared, expected, "{text}");
        }
        let redis = config(&[("OPI_BITRIX24_SHARED", "redis://:s3cr3t@redis.example/0")]);
        let refused = redis.unwrap_err().description().to_owned();
        assert!(refused.contains("not supported yet"), "{refused}");
        assert!(!refused.contains("s3cr3t"), "{refused}");
        let blank = config(&[("OPI_BITRIX24_STATE_DIR", " ")]).unwrap();
        assert_eq!(blank.state_dir, None);
    }

    #[test]
    fn an_unknown_variable_is_refused() {
        let mut config = Config::default();
        let error = config.set("OPI_BITRIX24_TIMEOUTS", "5").unwrap_err();
        assert_eq!(
            error.description(),
            "there is no setting OPI_BITRIX24_TIMEOUTS; docs/configuration.md lists them"
        );
        assert_eq!(config, Config::default());
    }
}
