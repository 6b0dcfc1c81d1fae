//! A call's retry loop and its HTTP exchanges: pacing, the operating-time
//! budget, one exchange classified as done, retryable or moved, and the
//! back-off between tries (docs/retries.md).

use std::cell::Cell;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use hyper::header::LOCATION;
use url::Url;

use crate::answer::Answer;
use crate::budget::{self, Scope};
use crate::error::{Error, ErrorCode};
use crate::request::Request;
use crate::request_log::{self, Wait};
use crate::retry::{self, Ran, ServerRefusal};
use crate::transport::{Failure, Outgoing};

use super::outcome::{
    classify, follow, host_of, is_moved, network_error, random_fraction, retry_after,
};
use super::{Engine, MAX_ANSWER_BYTES};

/// The portal's refusal of a method whose operating-time budget is spent.
const OPERATION_TIME_LIMIT: &str = "OPERATION_TIME_LIMIT";

/// How one HTTP exchange ended.
enum Exchange {
    /// The call is over with this result.
    Done(Result<Answer, Error>),
    /// A success whose body is no JSON object (cut short, or PHP's error
    /// text): over as `Done`, but the method ran, or may have.
    Unreadable(Result<Answer, Error>),
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

impl Engine {
    pub(super) fn send_with_retries(&self, request: &Request) -> (Result<Answer, Error>, Ran) {
        let deadline = Instant::now() + self.config.timeout;
        // The request's own address until the portal moves: no copy.
        let mut url = std::borrow::Cow::Borrowed(&*request.url);
        let mut redirects = 0;
        let mut attempt = 1;
        let mut budget_refusals = 0;
        loop {
            let exchange = self.exchange_paced(&url, request, deadline, attempt);
            let (result, retry_after, ran) = match exchange {
                // Answered, or ended before anything was written.
                Exchange::Done(result) => return (result, Ran::No),
                Exchange::Unreadable(result) if !request.repeatable => {
                    return (not_repeated(result, request), Ran::Maybe);
                }
                Exchange::Unreadable(result) => return (result, Ran::Maybe),
                Exchange::Moved(location) => {
                    redirects += 1;
                    match follow(&url, &location, redirects) {
                        Ok(next) => url = std::borrow::Cow::Owned(next),
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
                return (not_repeated(result, request), ran);
            }
            // A method refused for its operating-time budget did not run, and
            // frees with time: the call's time budget bounds its retries, not
            // the attempts, and the wait is until the budget frees.
            let budget_refusal = matches!(
                &result,
                Ok(answer) if answer.error_code() == Some(OPERATION_TIME_LIMIT)
            );
            let delay = match (budget_refusal, retry_after) {
                (true, Some(until_free)) => until_free,
                _ => self.retry_delay(attempt - budget_refusals, retry_after),
            };
            let has_time = Instant::now()
                .checked_add(delay)
                .is_some_and(|after| after < deadline);
            let out_of_attempts =
                !budget_refusal && attempt - budget_refusals >= self.config.attempts;
            if out_of_attempts || !has_time {
                let result = match result {
                    Ok(answer) => Ok(self.with_budget_reset(answer, &url, request)),
                    Err(error) => Err(error.with_note(&format!("after {attempt} attempts"))),
                };
                return (result, ran);
            }
            let reason = match budget_refusal {
                true => Wait::OperatingBudget,
                false => Wait::RetryBackoff,
            };
            budget_refusals += u32::from(budget_refusal);
            self.log.wait(&url, request, reason, delay);
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
        // Read once when nothing waits: the time the pacing is asked at is
        // the time the exchange starts.
        let mut now = Instant::now();
        // A state file shared with other processes that cannot be used.
        let warn = |text: &str| self.log.shared_state(url, text);
        if let Some(limiter) = &self.limiter {
            let host = url.host_str().unwrap_or_default();
            let portal = &url[..url::Position::BeforePath];
            match limiter.reserve(portal, host, now, deadline, &warn) {
                Some(wait) if !wait.is_zero() => {
                    self.log.wait(url, request, Wait::Pacing, wait);
                    std::thread::sleep(wait);
                    now = Instant::now();
                }
                Some(_) => {}
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
        // Held back while the method's operating-time budget has no room.
        let scope = Scope::of(url);
        let admission = self
            .budgets
            .admit(scope, &request.method, now, deadline, &warn);
        if !admission.waited.is_zero() {
            if admission.waited >= Duration::from_millis(1) {
                self.log
                    .wait(url, request, Wait::OperatingBudget, admission.waited);
            }
            now = Instant::now();
        }
        let remaining = deadline.saturating_duration_since(now);
        if remaining.is_zero() {
            return Exchange::Done(Err(self.out_of_time(url)));
        }
        // One trip into the runtime for the whole exchange: the request's timer
        // needs its clock, and each `block_on` costs a park and a driver poll.
        self.log.sending(url, request, attempt);
        let started = self.log.start();
        let status = Cell::new(None);
        // Pinned here and lent: the exchange's future is large, and moving
        // it into `block_on` would copy it.
        let exchange = std::pin::pin!(self.exchange_once(url, scope, request, remaining, &status));
        let exchange = self.runtime.block_on(exchange);
        if let Some(started) = started {
            let (result, retryable) = match &exchange {
                Exchange::Done(result) | Exchange::Unreadable(result) => (Some(result), false),
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

    /// A 429 `OPERATION_TIME_LIMIT` that ends the call: the portal's error,
    /// with when the method's budget frees added to its description.
    fn with_budget_reset(&self, answer: Answer, url: &Url, request: &Request) -> Answer {
        if answer.error_code() != Some(OPERATION_TIME_LIMIT) {
            return answer;
        }
        let frees = match self
            .budgets
            .reset_of(Scope::of(url), &request.method, budget::unix_now())
        {
            Some(reset_at) => format!(
                "{}'s operating-time budget on {} frees at {} (Unix time {reset_at:.0}), past this call's time budget",
                request.method,
                host_of(url),
                crate::budget::iso8601(reset_at)
            ),
            None => format!(
                "{}'s operating-time budget on {} did not free within this call's time budget",
                request.method,
                host_of(url)
            ),
        };
        let mut document = answer.error_document();
        document.description = format!("{}; {frees}", document.description);
        Answer::composed(document.to_json(), Some(document.code))
    }

    /// One HTTP exchange; the answer's status is left in `answered`, for the
    /// request log.
    async fn exchange_once(
        &self,
        url: &Url,
        scope: Scope<'_>,
        request: &Request,
        remaining: Duration,
        answered: &Cell<Option<StatusCode>>,
    ) -> Exchange {
        let outgoing = Outgoing {
            verb: request.verb,
            url,
            body: request.body_bytes(),
            content_type: request.form.as_ref().map(|form| form.content_type.as_str()),
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
        let warn = |text: &str| self.log.shared_state(url, text);
        let result = match classify(status, reply.body) {
            Ok((answer, time)) => {
                if let (Some(time), true) = (time, status.is_success()) {
                    self.budgets.note(scope, &request.method, time, &warn);
                }
                Ok(answer)
            }
            Err(error) => Err(error),
        };
        let code = result.as_ref().ok().and_then(Answer::error_code);
        if status == StatusCode::TOO_MANY_REQUESTS && code == Some(OPERATION_TIME_LIMIT) {
            // Refused before the method ran: sent again for any method,
            // once the budget frees.
            let now = budget::unix_now();
            let until_free = self
                .budgets
                .note_blocked(Scope::of(url), &request.method, now, &warn);
            return Exchange::Retryable {
                result,
                retry_after: Some(until_free),
                ran: Ran::No,
            };
        }
        if status.is_success() && result.is_err() {
            return Exchange::Unreadable(result);
        }
        if !status.is_server_error() {
            return Exchange::Done(result);
        }
        let ran = match ServerRefusal::of(code) {
            Some(ServerRefusal::QueryLimit) => {
                if let Some(limiter) = &self.limiter {
                    let portal = &url[..url::Position::BeforePath];
                    let host = url.host_str().unwrap_or_default();
                    limiter.note_query_limit(portal, host, Instant::now(), &warn);
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
                return Exchange::Done(Err(network_error(request, url, &*error)));
            }
            Failure::Unsent(error) => (network_error(request, url, &*error), Ran::No),
            Failure::Broken(error) => (network_error(request, url, &*error), Ran::Maybe),
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

/// How a failure the portal may have run ends, for a method not safe to
/// send again: saying so, whether the error is ours or the portal's own
/// document (a JSON 500 after the method ran).
fn not_repeated(result: Result<Answer, Error>, request: &Request) -> Result<Answer, Error> {
    let note = retry::not_repeated(&request.method);
    match result {
        Err(error) => Err(error.with_note(&note)),
        Ok(answer) if answer.is_error() => {
            let mut document = answer.error_document();
            document.description = format!("{} ({note})", document.description);
            Ok(Answer::composed(document.to_json(), Some(document.code)))
        }
        Ok(answer) => Ok(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let client = Engine::new(Config::default()).unwrap();
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
