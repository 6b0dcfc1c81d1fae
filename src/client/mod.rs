//! The HTTP side of a call: one pooled client per process, retries decided
//! by whether the portal may have run the request, a moved portal followed
//! with the POST repeated, and every answer turned into one JSON document.
//! Every call leaves through [`Client::send_masked`], which masks the call's
//! secrets in whatever error it ends with.
//!
//! A call goes down four layers, each with one job:
//! - `answer_for`: a built request (or the error that refused it) into the
//!   caller's one JSON document;
//! - `send_masked`: the call's secrets masked in any error it ends with;
//! - `send_with_retries`: the retry loop (by whether the portal may have run
//!   the request) and redirects, within the call's time budget;
//! - `exchange_paced`: the pacing slot, then `exchange_once`, one HTTP
//!   exchange classified as done, retryable or moved.

use std::cell::Cell;
use std::error::Error as StdError;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use hyper::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::{Map, Value};
use url::Url;

use crate::answer::Answer;
use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::limiter::Limiter;
use crate::request::{Grant, Request};
use crate::request_log::{self, RequestLog, Wait};
use crate::retry::{self, Ran, ServerRefusal};
use crate::tls;
use crate::transport::{Failure, Outgoing, Transport};

/// Larger answers are refused.
pub(crate) const MAX_ANSWER_BYTES: u64 = 16 << 20;
/// Redirects followed in one call at the most.
pub(crate) const MAX_REDIRECTS: u32 = 5;
/// Sent with every request.
pub const USER_AGENT: &str = concat!("opi-bitrix24/", env!("CARGO_PKG_VERSION"));
/// Longest `Retry-After` honoured; a longer one ends the call instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const EXCERPT_CHARS: usize = 200;

/// A Bitrix24 REST client: a pool of kept-alive connections and its settings.
/// Cheap to share: all calls and threads may use one.
pub struct Client {
    transport: Transport,
    /// Drives every exchange on the calling thread: a current-thread runtime
    /// lets whichever caller is inside `block_on` run the I/O and the pooled
    /// connections' tasks, so a call costs no hand-over to another thread.
    runtime: tokio::runtime::Runtime,
    config: Config,
    limiter: Option<Limiter>,
    /// The request log: `OPI_BITRIX24_LOG`'s sink and the `log` crate.
    pub(crate) log: RequestLog,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// How one HTTP exchange ended.
enum Exchange {
    /// The call is over with this result.
    Done(Result<Answer, Error>),
    /// This result stands unless a retry does better; whether one may be
    /// made depends on whether the portal may have run the request.
    Retryable {
        result: Result<Answer, Error>,
        retry_after: Option<Duration>,
        ran: Ran,
    },
    /// The portal moved; the request is to be repeated at this location.
    Moved(String),
}

impl Client {
    /// A client with these settings.
    pub fn new(config: Config) -> Result<Client, Error> {
        let tls = tls::client_config(config.ca_file.as_deref())?;
        let transport =
            Transport::new(tls, config.connect_timeout, config.read_timeout, USER_AGENT);
        let limiter = Limiter::new(config.pacing);
        let log = RequestLog::open(config.log.as_ref(), config.log_level)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))?;
        Ok(Client {
            transport,
            runtime,
            config,
            limiter,
            log,
        })
    }

    /// The process-wide client, made on first use from [`Config::from_env`].
    /// A bad setting is reported by every call, the same way.
    pub fn shared() -> Result<&'static Client, Error> {
        static SHARED: OnceLock<Result<Client, Error>> = OnceLock::new();
        SHARED
            .get_or_init(|| Config::from_env().and_then(Client::new))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Calls any REST `method` with `params` as its JSON body: by webhook
    /// when `token` is empty, else by application token at the portal `url`.
    /// Every `token` of this client may be `file:<path>`, a token file,
    /// renewed when it expires (docs/tokens.md).
    pub fn call(
        &self,
        url: &str,
        method: &str,
        params: &Map<String, Value>,
        token: &str,
    ) -> Answer {
        self.answer_with_token(token, &|token| Request::call(url, method, params, token))
    }

    /// As [`Client::call`], with the parameters as JSON text: an object, or
    /// empty text for none.
    pub fn call_json(&self, url: &str, method: &str, params: &str, token: &str) -> Answer {
        self.answer_with_token(token, &|token| {
            Request::call_json(url, method, params, token)
        })
    }

    /// Sets the status of the user the credentials belong to
    /// (`im.user.status.set`): by webhook when `token` is empty, else by
    /// application token at the portal `url`.
    pub fn set_user_status(&self, url: &str, status: &str, token: &str) -> Answer {
        self.answer_with_token(token, &|token| Request::set_user_status(url, status, token))
    }

    /// The status of the user the credentials belong to
    /// (`im.user.status.get`): `"result": "dnd"`, or `false` when none is set.
    pub fn get_user_status(&self, url: &str, token: &str) -> Answer {
        self.answer_with_token(token, &|token| Request::get_user_status(url, token))
    }

    /// Exchanges an authorisation `code` for tokens at the OAuth server
    /// ([`Config::oauth_url`]). The answer holds `access_token` and
    /// `refresh_token`, which the caller must keep.
    pub fn get_token(&self, client_id: &str, client_secret: &str, code: &str) -> Answer {
        self.grant(Grant::AuthorizationCode, client_id, client_secret, code)
    }

    /// Exchanges a refresh token for new tokens. The old refresh token is
    /// spent: store the answer's `refresh_token` for the next time.
    pub fn refresh_token(&self, client_id: &str, client_secret: &str, refresh: &str) -> Answer {
        self.grant(Grant::RefreshToken, client_id, client_secret, refresh)
    }

    fn grant(
        &self,
        grant: Grant,
        client_id: &str,
        client_secret: &str,
        credential: &str,
    ) -> Answer {
        let server = &self.config.oauth_url;
        self.answer_for(Request::oauth(
            server,
            grant,
            client_id,
            client_secret,
            credential,
        ))
    }

    /// Sends a built request; the one way out of every call, so that no
    /// error text leaves with a secret of the call in it.
    fn answer_for(&self, request: Result<Request, Error>) -> Answer {
        let result = request.and_then(|request| self.send_masked(&request).0);
        result.unwrap_or_else(Answer::from)
    }

    /// Sends a built request, masking its secrets in any error; for a
    /// failure, also whether the portal may have run it.
    pub(crate) fn send_masked(&self, request: &Request) -> (Result<Answer, Error>, Ran) {
        let (result, ran) = self.send_with_retries(request);
        (
            result.map_err(|error| request.secrets.redact_error(error)),
            ran,
        )
    }

    fn send_with_retries(&self, request: &Request) -> (Result<Answer, Error>, Ran) {
        let deadline = Instant::now() + self.config.timeout;
        let mut url = request.url.clone();
        let mut redirects = 0;
        let mut attempt = 1;
        loop {
            let exchange = self.exchange_paced(&url, request, deadline, attempt);
            let (result, retry_after, ran) = match exchange {
                // Answered, or ended before anything was written.
                Exchange::Done(result) => return (result, Ran::No),
                Exchange::Moved(location) => {
                    redirects += 1;
                    match follow(&url, &location, redirects) {
                        Ok(next) => url = next,
                        Err(error) => return (Err(error), Ran::No),
                    }
                    continue;
                }
                Exchange::Retryable {
                    result,
                    retry_after,
                    ran,
                } => (result, retry_after, ran),
            };
            if !ran.may_retry(request.repeatable) {
                let result =
                    result.map_err(|error| error.with_note(&retry::not_repeated(&request.method)));
                return (result, ran);
            }
            let delay = self.retry_delay(attempt, retry_after);
            let has_time = Instant::now() + delay < deadline;
            if attempt >= self.config.attempts || !has_time {
                let result =
                    result.map_err(|error| error.with_note(&format!("after {attempt} attempts")));
                return (result, ran);
            }
            self.log.wait(&url, request, Wait::RetryBackoff, delay);
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    fn exchange_paced(
        &self,
        url: &Url,
        request: &Request,
        deadline: Instant,
        attempt: u32,
    ) -> Exchange {
        if let Some(limiter) = &self.limiter {
            let now = Instant::now();
            let host = url.host_str().unwrap_or_default();
            match limiter.reserve(&url.origin().ascii_serialization(), host, now, deadline) {
                Some(start) => {
                    let wait = start.saturating_duration_since(now);
                    self.log.wait(url, request, Wait::Pacing, wait);
                    std::thread::sleep(wait);
                }
                None => {
                    return Exchange::Done(Err(Error::new(
                        ErrorCode::Timeout,
                        format!(
                            "the client-side rate limit for {} (OPI_BITRIX24_RATE_LIMIT) has no free slot within the call's time budget",
                            host_of(url)
                        ),
                    )));
                }
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Exchange::Done(Err(self.out_of_time(url)));
        }
        // One trip into the runtime for the whole exchange: the request's timer
        // needs its clock, and each `block_on` costs a park and a driver poll.
        self.log.sending(url, request, attempt);
        let started = self.log.start();
        let status = Cell::new(None);
        let exchange = self
            .runtime
            .block_on(self.exchange_once(url, request, remaining, &status));
        if let Some(started) = started {
            let (result, retryable) = match &exchange {
                Exchange::Done(result) => (Some(result), false),
                Exchange::Retryable { result, ran, .. } => {
                    (Some(result), ran.may_retry(request.repeatable))
                }
                Exchange::Moved(_) => (None, false),
            };
            self.log.exchange(&request_log::Record {
                url,
                request,
                attempt,
                status: status.get(),
                result,
                retryable,
                duration: started.elapsed(),
            });
        }
        exchange
    }

    /// One HTTP exchange; the answer's status is left in `answered`, for the
    /// request log.
    async fn exchange_once(
        &self,
        url: &Url,
        request: &Request,
        remaining: Duration,
        answered: &Cell<Option<StatusCode>>,
    ) -> Exchange {
        let outgoing = Outgoing {
            verb: request.verb,
            url,
            body: &request.body,
            repeatable: request.repeatable,
        };
        let written = Cell::new(false);
        let sent = self
            .transport
            .send(outgoing, MAX_ANSWER_BYTES as usize, &written);
        let reply = match tokio::time::timeout(remaining, sent).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(failure)) => return self.transport_failure(failure, url, request),
            Err(_) if written.get() => {
                // The call's budget ended while the answer was awaited.
                return Exchange::Retryable {
                    result: Err(self.out_of_time(url)),
                    retry_after: None,
                    ran: Ran::Maybe,
                };
            }
            Err(_) => return Exchange::Done(Err(self.out_of_time(url))),
        };
        let status = reply.status;
        answered.set(Some(status));
        if is_moved(status) {
            if let Some(location) = reply.headers.get(LOCATION) {
                return Exchange::Moved(String::from_utf8_lossy(location.as_bytes()).into_owned());
            }
        }
        let retry_after = retry_after(&reply.headers);
        let result = classify(status, reply.body);
        if !status.is_server_error() {
            return Exchange::Done(result);
        }
        let code = result.as_ref().ok().and_then(Answer::error_code);
        let ran = match ServerRefusal::of(code) {
            Some(ServerRefusal::QueryLimit) => {
                if let Some(limiter) = &self.limiter {
                    limiter.note_query_limit(&url.origin().ascii_serialization(), Instant::now());
                }
                Ran::No
            }
            Some(ServerRefusal::Overload) => return Exchange::Done(result),
            // A 5xx without a Bitrix code (a proxy's page, a crash) or with
            // one of its own: the method may have run.
            None => Ran::Maybe,
        };
        Exchange::Retryable {
            result,
            retry_after,
            ran,
        }
    }

    fn transport_failure(&self, failure: Failure, url: &Url, request: &Request) -> Exchange {
        let verb = request.verb.as_str();
        let (result, ran) = match failure {
            Failure::ConnectTimeout => (
                Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "could not connect to {} within {:?} (OPI_BITRIX24_CONNECT_TIMEOUT)",
                        host_of(url),
                        self.config.connect_timeout
                    ),
                ),
                Ran::No,
            ),
            Failure::Fatal(error) => {
                return Exchange::Done(Err(network_error(verb, url, &*error)));
            }
            Failure::Unsent(error) => (network_error(verb, url, &*error), Ran::No),
            Failure::Broken(error) => (network_error(verb, url, &*error), Ran::Maybe),
            Failure::ReadTimeout(waited) => (
                Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "no complete answer from {} within {waited:?} of sending (OPI_BITRIX24_READ_TIMEOUT)",
                        host_of(url)
                    ),
                ),
                Ran::Maybe,
            ),
        };
        Exchange::Retryable {
            result: Err(result),
            retry_after: None,
            ran,
        }
    }

    fn out_of_time(&self, url: &Url) -> Error {
        Error::new(
            ErrorCode::Timeout,
            format!(
                "no complete answer from {} within {:?} (OPI_BITRIX24_TIMEOUT)",
                host_of(url),
                self.config.timeout
            ),
        )
    }

    /// Exponential backoff with jitter (half to all of the doubled delay), or
    /// the portal's `Retry-After` when that is longer.
    fn retry_delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .config
            .retry_delay
            .saturating_mul(1 << (attempt - 1).min(16));
        let jittered = doubled.mul_f64(0.5 + 0.5 * random_fraction());
        retry_after.map_or(jittered, |asked| asked.max(jittered))
    }
}

fn is_moved(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The next address of a moved portal, refused when it leaves https, leaves
/// http(s) altogether, or is one hop too many.
fn follow(from: &Url, location: &str, redirects: u32) -> Result<Url, Error> {
    let bad = |text: String| Error::new(ErrorCode::BadResponse, text);
    if redirects > MAX_REDIRECTS {
        return Err(bad(format!(
            "{} redirected more than {MAX_REDIRECTS} times; last to {location}",
            host_of(from)
        )));
    }
    let to = from.join(location).map_err(|e| {
        bad(format!(
            "{} redirected to an invalid address ({e})",
            host_of(from)
        ))
    })?;
    if !matches!(to.scheme(), "http" | "https") {
        return Err(bad(format!(
            "{} redirected to a non-HTTP address {to}",
            host_of(from)
        )));
    }
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(bad(format!(
            "{} redirected from https to http ({to}); refused, the request would travel unencrypted",
            host_of(from)
        )));
    }
    Ok(to)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Turns a finished exchange into the one JSON document a caller gets.
fn classify(status: StatusCode, body: Vec<u8>) -> Result<Answer, Error> {
    let bad = |text: String| Error::new(ErrorCode::BadResponse, text);
    if body.len() as u64 > MAX_ANSWER_BYTES {
        return Err(bad(format!(
            "HTTP {status}: the answer is over {} MiB; refused",
            MAX_ANSWER_BYTES >> 20
        )));
    }
    let text = String::from_utf8(body)
        .map_err(|_| bad(format!("HTTP {status}: the answer is not UTF-8 text")))?;
    match Answer::from_portal(text) {
        Ok(answer) => Ok(answer),
        Err(text) if text.trim().is_empty() => {
            Err(bad(format!("HTTP {status} with an empty body")))
        }
        Err(text) => Err(bad(format!(
            "HTTP {status}, not a JSON object: {}",
            excerpt(&text)
        ))),
    }
}

/// The start of a body, on one line, for an error text.
fn excerpt(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &collapsed[..end]),
        None => collapsed,
    }
}

fn network_error(verb: &str, url: &Url, error: &(dyn StdError + 'static)) -> Error {
    Error::new(
        ErrorCode::NetworkError,
        format!("{verb} {}: {}", without_query(url), chain(error)),
    )
}

/// The address without its query, which holds an OAuth grant's secrets.
fn without_query(url: &Url) -> &str {
    &url[..url::Position::AfterPath]
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    }
}

/// The error and its causes on one line, each said once.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(error) {
        let text = cause.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// An error and its sources, looking inside I/O errors, whose `source` skips
/// the error they wrap.
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut found = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        found.push(cause);
        next = match cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cause.source(),
        };
    }
    found
}

/// A number in [0, 1) that differs between calls and threads, for jitter.
fn random_fraction() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limiter::Pacing;

    fn secrets() -> crate::request::Secrets {
        Request::set_user_status("portal.example/rest/1/s3cr3t/", "dnd", "")
            .unwrap()
            .secrets
    }

    #[test]
    fn non_json_bodies_become_bad_response_with_status_and_excerpt() {
        let error = classify(
            StatusCode::BAD_GATEWAY,
            b"<html>\n<head><title>502 Bad Gateway</title></head>\n</html>".to_vec(),
        )
        .unwrap_err();
        assert_eq!(error.code(), ErrorCode::BadResponse);
        assert_eq!(
            error.description(),
            "HTTP 502 Bad Gateway, not a JSON object: <html> <head><title>502 Bad Gateway</title></head> </html>"
        );
    }

    #[test]
    fn empty_and_non_utf8_and_oversized_bodies() {
        let empty = classify(StatusCode::OK, Vec::new()).unwrap_err();
        assert_eq!(empty.description(), "HTTP 200 OK with an empty body");
        let binary = classify(StatusCode::OK, vec![0xff, 0xfe, b'{']).unwrap_err();
        assert_eq!(
            binary.description(),
            "HTTP 200 OK: the answer is not UTF-8 text"
        );
        let huge = vec![b' '; MAX_ANSWER_BYTES as usize + 1];
        let huge = classify(StatusCode::OK, huge).unwrap_err();
        assert!(huge.description().contains("over 16 MiB"), "{huge}");
    }

    #[test]
    fn excerpts_are_short_and_redacted() {
        let page = format!("<p>s3cr3t {}</p>", "x".repeat(1000));
        let error =
            secrets().redact_error(classify(StatusCode::NOT_FOUND, page.into_bytes()).unwrap_err());
        assert!(!error.description().contains("s3cr3t"));
        assert!(
            error.description().chars().count() < 260,
            "{}",
            error.description()
        );
    }

    #[test]
    fn redirects_refused_when_unsafe_or_too_many() {
        let from = Url::parse("https://old.example/rest/1/s3cr3t/im.user.status.set").unwrap();
        let to = follow(
            &from,
            "https://new.example/rest/1/s3cr3t/im.user.status.set",
            1,
        )
        .unwrap();
        assert_eq!(to.host_str(), Some("new.example"));
        let relative = follow(&from, "/moved/here", 1).unwrap();
        assert_eq!(relative.as_str(), "https://old.example/moved/here");
        for (location, hop, why) in [
            (
                "http://new.example/rest/1/s3cr3t/x",
                1,
                "from https to http",
            ),
            ("ftp://new.example/", 1, "non-HTTP"),
            (
                "https://new.example/",
                MAX_REDIRECTS + 1,
                "more than 5 times",
            ),
        ] {
            let error = secrets().redact_error(follow(&from, location, hop).unwrap_err());
            assert_eq!(error.code(), ErrorCode::BadResponse);
            assert!(error.description().contains(why), "{error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
    }

    /// Every call leaves through `send_masked`, which masks the request's secrets:
    /// an error raised anywhere below it, naming the address, comes out
    /// masked whatever built it.
    #[test]
    fn every_error_leaving_a_call_is_masked_where_it_leaves() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = Client::new(Config {
            attempts: 1,
            pacing: Pacing::Off,
            oauth_url: Url::parse(&format!("http://{closed}/")).unwrap(),
            ..Config::default()
        })
        .unwrap();
        let webhook = format!("http://{closed}/rest/1/w3bh00ks3cr3t/");
        for (answer, secrets) in [
            (
                client.call_json(&webhook, "crm.deal.add", "{}", ""),
                vec!["w3bh00ks3cr3t"],
            ),
            (
                client.get_user_status(&format!("http://{closed}"), "t0k3n5ecret"),
                vec!["t0k3n5ecret"],
            ),
            (
                client.refresh_token("id", "cl13nt/s3cr3t+", "r3fr3sh"),
                vec!["cl13nt/s3cr3t+", "cl13nt%2Fs3cr3t%2B", "r3fr3sh"],
            ),
        ] {
            assert_eq!(
                answer.error_code(),
                Some("OPI_NETWORK_ERROR"),
                "{}",
                answer.json()
            );
            for secret in secrets {
                assert!(
                    !answer.json().contains(secret),
                    "{secret} in {}",
                    answer.json()
                );
            }
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let client = Client::new(Config::default()).unwrap();
        for attempt in 1..=4 {
            let full = Duration::from_millis(500) * (1 << (attempt - 1));
            let delay = client.retry_delay(attempt, None);
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
        assert_eq!(
            client.retry_delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }
}
