//! The request log (`OPI_BITRIX24_LOG`, `OPI_BITRIX24_LOG_LEVEL`;
//! docs/logging.md): one line per HTTP request — portal host, REST method,
//! attempt, HTTP status, error code, duration — and one per wait, with its
//! reason and length.
//!
//! Each event goes to the `log` crate under the target `opi_bitrix24`, for a
//! Rust program's own logger (the library installs none), and to the file or
//! standard error the settings name, for C, 1C, OneScript and `oint`. Nothing
//! is formatted, allocated or timed unless one of the two wants the event.
//! Every line is masked here, in one place, with the request's secrets, as
//! errors are; of the address it holds only the host.
//!
//! Levels: `error` is a request that failed in a way that is not retried
//! (an error answer, a refused redirect); `warn` one that failed in a way
//! that may be (5xx, `QUERY_LIMIT_EXCEEDED`, a network failure, a timeout),
//! and the back-off before a retry; `info` every other request and wait;
//! `debug` adds a line as each request is sent, so that a request that
//! hangs shows.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::StatusCode;
use log::{Level, LevelFilter};
use url::Url;

use crate::answer::Answer;
use crate::error::Error;
use crate::request::{Request, Secrets};

/// The `log` target of every event of the request log.
pub const LOG_TARGET: &str = "opi_bitrix24";

/// Error descriptions are cut to this many characters in a line.
const DESCRIPTION_CHARS: usize = 200;

/// Where the request log's lines go (`OPI_BITRIX24_LOG`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// The process's standard error (`stderr`).
    Stderr,
    /// A file, created if missing and appended to: several processes may
    /// share one, each line is written whole.
    File(PathBuf),
}

/// Why a call waited, as its log line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The client-side pacing (`OPI_BITRIX24_RATE_LIMIT`) held the request
    /// until its slot.
    Pacing,
    /// The method's operating-time budget had no room until its reset.
    OperatingBudget,
    /// The back-off before a retry: after a 5xx, `QUERY_LIMIT_EXCEEDED`, a
    /// network failure or a timeout, or the portal's `Retry-After`.
    RetryBackoff,
    /// Another thread or process was refreshing the token.
    TokenRefresh,
}

impl Wait {
    fn as_str(self) -> &'static str {
        match self {
            Wait::Pacing => "pacing",
            Wait::OperatingBudget => "operating-budget",
            Wait::RetryBackoff => "retry-backoff",
            Wait::TokenRefresh => "token-refresh",
        }
    }

    fn level(self) -> Level {
        match self {
            Wait::RetryBackoff => Level::Warn,
            _ => Level::Info,
        }
    }
}

/// One HTTP exchange, as the engine saw it.
pub(crate) struct Record<'a> {
    pub(crate) url: &'a Url,
    pub(crate) request: &'a Request,
    /// 1 for the first attempt of the call.
    pub(crate) attempt: u32,
    /// None when no answer came (a network failure, a timeout).
    pub(crate) status: Option<StatusCode>,
    /// What the exchange ended with; none for a redirect.
    pub(crate) result: Option<&'a Result<Answer, Error>>,
    /// Whether the engine may send the request again after this.
    pub(crate) retryable: bool,
    pub(crate) duration: Duration,
}

impl Record<'_> {
    fn failed(&self) -> bool {
        match self.result {
            Some(Ok(answer)) => answer.is_error(),
            Some(Err(_)) => true,
            None => false,
        }
    }

    fn level(&self) -> Level {
        match (self.failed(), self.retryable) {
            (false, _) => Level::Info,
            (true, true) => Level::Warn,
            (true, false) => Level::Error,
        }
    }
}

/// The request log of one client: its sink (if any) and level; the `log`
/// crate's logger, if the program installed one, is asked as well.
pub(crate) struct RequestLog {
    sink: Sink,
    /// The sink's level; `Off` when there is no sink.
    level: LevelFilter,
}

enum Sink {
    None,
    Stderr,
    /// Opened once, in append mode.
    File(File),
}

impl RequestLog {
    /// The log `target` names at `level`; a file that cannot be opened for
    /// appending is refused, as other bad settings are.
    pub(crate) fn open(
        target: Option<&LogTarget>,
        level: LevelFilter,
    ) -> Result<RequestLog, Error> {
        let sink = match target {
            _ if level == LevelFilter::Off => Sink::None,
            None => Sink::None,
            Some(LogTarget::Stderr) => Sink::Stderr,
            Some(LogTarget::File(path)) => Sink::File(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        Error::invalid_argument(format!(
                            "environment variable OPI_BITRIX24_LOG names {}, which cannot be opened to append to: {e}",
                            path.display()
                        ))
                    })?,
            ),
        };
        let level = match sink {
            Sink::None => LevelFilter::Off,
            _ => level,
        };
        Ok(RequestLog { sink, level })
    }

    /// Whether the sink or the `log` crate's logger wants events of `level`:
    /// with neither, a comparison and an atomic load.
    #[inline]
    fn enabled(&self, level: Level) -> bool {
        level <= self.level || log::log_enabled!(target: LOG_TARGET, level)
    }

    /// The start of an exchange to time, read only when a line of it may
    /// be written.
    #[inline]
    pub(crate) fn start(&self) -> Option<Instant> {
        self.enabled(Level::Error).then(Instant::now)
    }

    /// A request about to be sent (`debug`).
    #[inline]
    pub(crate) fn sending(&self, url: &Url, request: &Request, attempt: u32) {
        if self.enabled(Level::Debug) {
            let line = format!("{} {} attempt={attempt} sending", Host(url), request.method);
            self.emit(Level::Debug, &request.secrets, &line);
        }
    }

    /// One HTTP exchange.
    pub(crate) fn exchange(&self, record: &Record) {
        let level = record.level();
        if !self.enabled(level) {
            return;
        }
        let mut line = String::with_capacity(128);
        let _ = write!(
            line,
            "{} {} attempt={} status=",
            Host(record.url),
            record.request.method,
            record.attempt
        );
        match record.status {
            Some(status) => _ = write!(line, "{}", status.as_u16()),
            None => line.push('-'),
        }
        let error = match record.result {
            Some(Ok(answer)) if answer.is_error() => {
                let document = answer.error_document();
                Some((document.code, document.description))
            }
            Some(Err(error)) => Some((
                error.code().as_str().to_owned(),
                error.description().to_owned(),
            )),
            _ => None,
        };
        if let Some((code, _)) = &error {
            let _ = write!(line, " error={}", if code.is_empty() { "-" } else { code });
        }
        let _ = write!(line, " duration={}", Millis(record.duration));
        if let Some((_, description)) = &error {
            let cut: String = description.chars().take(DESCRIPTION_CHARS).collect();
            let _ = write!(line, " description={cut:?}");
        }
        self.emit(level, &record.request.secrets, &line);
    }

    /// A wait of `length` before the request of `request` to `url` is sent,
    /// for `reason`. A zero wait is not logged.
    #[inline]
    pub(crate) fn wait(&self, url: &Url, request: &Request, reason: Wait, length: Duration) {
        self.wait_line(url, &request.method, &request.secrets, reason, length);
    }

    /// A wait of `length` for a token file's lock, while another thread or
    /// process renews the pair at the OAuth server `oauth_url` (a lock
    /// taken at once is no wait: under a millisecond is not logged).
    pub(crate) fn token_refresh_wait(&self, oauth_url: &Url, length: Duration) {
        if length >= Duration::from_millis(1) {
            let method = crate::request::OAUTH_METHOD;
            let reason = Wait::TokenRefresh;
            self.wait_line(oauth_url, method, &Secrets::default(), reason, length);
        }
    }

    #[inline]
    fn wait_line(
        &self,
        url: &Url,
        method: &str,
        secrets: &Secrets,
        reason: Wait,
        length: Duration,
    ) {
        let level = reason.level();
        if length.is_zero() || !self.enabled(level) {
            return;
        }
        let line = format!(
            "{} {method} wait={} reason={}",
            Host(url),
            Millis(length),
            reason.as_str()
        );
        self.emit(level, secrets, &line);
    }

    /// The state shared with the host's other processes (a state file)
    /// could not be used: `text` says which and why, and that the process
    /// goes on alone (docs/pacing.md). Once per state file, at `warn`.
    #[cold]
    pub(crate) fn shared_state(&self, url: &Url, text: &str) {
        if self.enabled(Level::Warn) {
            let line = format!("{} shared-state description={text:?}", Host(url));
            self.emit(Level::Warn, &Secrets::default(), &line);
        }
    }

    /// Masks `message` and hands it to the `log` crate and to the sink.
    #[cold]
    fn emit(&self, level: Level, secrets: &Secrets, message: &str) {
        let message = secrets.redact(message);
        log::log!(target: LOG_TARGET, level, "{message}");
        if level > self.level {
            return;
        }
        let line = format!(
            "{} {level:<5} [{}] {message}\n",
            Timestamp(SystemTime::now()),
            std::process::id()
        );
        // One write of the whole line: appends by other processes sharing
        // the file do not cut into it. A log that cannot be written does
        // not fail the call.
        let _ = match &self.sink {
            Sink::None => Ok(()),
            Sink::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
            Sink::File(file) => (&*file).write_all(line.as_bytes()),
        };
    }
}

/// The host (and port, when not the scheme's) of an address: all the log
/// shows of it.
struct Host<'a>(&'a Url);

impl std::fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.host_str().unwrap_or("-"))?;
        match self.0.port() {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// A duration in milliseconds, to a tenth: `153.2ms`.
struct Millis(Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}ms", self.0.as_secs_f64() * 1000.0)
    }
}

/// UTC, ISO 8601 with milliseconds: `2026-12-02T07:40:01.123Z`.
struct Timestamp(SystemTime);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let since = self.0.duration_since(UNIX_EPOCH).unwrap_or_default();
        let utc = crate::text::Utc {
            seconds: since.as_secs() as i64,
            millis: Some(since.subsec_millis()),
        };
        utc.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let at = |seconds: u64, millis: u64| {
            Timestamp(UNIX_EPOCH + Duration::from_millis(seconds * 1000 + millis)).to_string()
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.007Z");
        assert_eq!(at(1_722_083_795, 369), "2024-07-27T12:36:35.369Z");
        assert_eq!(at(1_798_761_599, 999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn lines_are_masked_and_hold_only_the_host_of_the_address() {
        let dir = std::env::temp_dir().join(format!("opi-request-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("unit.log");
        let _ = std::fs::remove_file(&path);
        let log =
            RequestLog::open(Some(&LogTarget::File(path.clone())), LevelFilter::Debug).unwrap();
        let request = Request::set_user_status("portal.example/rest/1/s3cr3t/", "dnd", "").unwrap();
        let failed: Result<Answer, Error> = Err(Error::new(
            crate::error::ErrorCode::NetworkError,
            format!("POST {}: connection refused", request.url),
        ));
        log.sending(&request.url, &request, 1);
        log.exchange(&Record {
            url: &request.url,
            request: &request,
            attempt: 1,
            status: None,
            result: Some(&failed),
            retryable: true,
            duration: Duration::from_micros(1500),
        });
        log.wait(
            &request.url,
            &request,
            Wait::RetryBackoff,
            Duration::from_millis(250),
        );
        log.wait(&request.url, &request, Wait::Pacing, Duration::ZERO);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            lines[0].ends_with("portal.example im.user.status.set attempt=1 sending"),
            "{text}"
        );
        assert!(lines[1].contains(" WARN "), "{text}");
        assert!(
            lines[1].contains(
                "portal.example im.user.status.set attempt=1 status=- error=OPI_NETWORK_ERROR duration=1.5ms description=\"POST https://portal.example/rest/1/***/im.user.status.set: connection refused\""
            ),
            "{text}"
        );
        assert!(
            lines[2]
                .ends_with("portal.example im.user.status.set wait=250.0ms reason=retry-backoff"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unopenable_file_is_refused_by_the_setting_name() {
        let error = RequestLog::open(
            Some(&LogTarget::File(PathBuf::from("/nonexistent-dir/x/y.log"))),
            LevelFilter::Info,
        )
        .err()
        .unwrap();
        assert!(error.description().contains("OPI_BITRIX24_LOG"), "{error}");
    }
}
