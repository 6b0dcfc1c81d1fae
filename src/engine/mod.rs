//! The engine: one request sent to its end. A built [`Request`] goes in
//! through [`Engine::send`], the one entry, and its [`Outcome`] comes out:
//! the answer, or the error that ended it with the request's secrets
//! masked, and whether the portal may have run it. Below that entry, in
//! order, each a layer it calls down into:
//! - `send_with_retries` (`exchange.rs`): the retry loop, by whether the
//!   portal may have run the request, and redirects, within the call's
//!   time budget;
//! - `exchange_paced`: the pacing slot (`src/limiter.rs`) and room in the
//!   method's operating-time budget (`src/budget/`), both shared with the host's
//!   other processes through `src/shared/`;
//! - `exchange_once`: one HTTP exchange, classified as done, retryable or
//!   moved (what its outcome reads as is in `outcome.rs`).
//!
//! The engine knows requests, not what they are for: tokens and their
//! renewal are the credentials layer's above it (`src/credentials.rs`),
//! batches, lists and functions the operations' above that
//! (docs/architecture.md).

mod exchange;
mod outcome;

use crate::answer::Answer;
use crate::budget::{Budgets, Scope, TimeReport};
use crate::config::Config;
use crate::error::Error;
use crate::limiter::Limiter;
use crate::request::Request;
use crate::request_log::RequestLog;
use crate::retry::Ran;
use crate::shared::{self, Sharing, StateDir};
use crate::tls;
use crate::transport::Transport;

/// Larger answers are refused.
pub(crate) const MAX_ANSWER_BYTES: u64 = 16 << 20;
/// Redirects followed in one call at the most.
pub(crate) const MAX_REDIRECTS: u32 = 5;
/// Sent with every request.
pub const USER_AGENT: &str = concat!("opi-bitrix24/", env!("CARGO_PKG_VERSION"));

/// How a request ended: the answer or the error it is given, and, for a
/// failure, whether the portal may have run it.
pub(crate) type Outcome = (Result<Answer, Error>, Ran);

/// A pool of kept-alive connections, the settings, and what is known of
/// each portal's limits: everything a request needs to be sent.
pub(crate) struct Engine {
    transport: Transport,
    /// Drives every exchange on the calling thread: a current-thread runtime
    /// lets whichever caller is inside `block_on` run the I/O and the pooled
    /// connections' tasks, so a call costs no hand-over to another thread.
    runtime: tokio::runtime::Runtime,
    config: Config,
    limiter: Option<Limiter>,
    /// The request log: `OPI_BITRIX24_LOG`'s sink and the `log` crate.
    pub(crate) log: RequestLog,
    /// Each method's operating-time budget, as the portals report it.
    budgets: Budgets,
}

impl Engine {
    /// An engine with these settings; one out of its range
    /// (`Config::validate`) is refused, naming its variable.
    pub(crate) fn new(config: Config) -> Result<Engine, Error> {
        config.validate()?;
        let tls = tls::client_config(config.ca_file.as_deref())?;
        let transport =
            Transport::new(tls, config.connect_timeout, config.read_timeout, USER_AGENT);
        // The state every process of the host shares sits in one
        // directory, which the pacing's buckets and the budgets hold.
        let state_dir = match config.shared {
            Sharing::Host => Some(std::sync::Arc::new(StateDir::new(
                config
                    .state_dir
                    .clone()
                    .unwrap_or_else(shared::default_state_dir),
            ))),
            Sharing::Off => None,
        };
        let limiter = Limiter::new(config.pacing, state_dir.clone());
        let log = RequestLog::open(config.log.as_ref(), config.log_level)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))?;
        let budgets = Budgets::new(config.operating_limit, state_dir);
        Ok(Engine {
            transport,
            runtime,
            config,
            limiter,
            log,
            budgets,
        })
    }

    /// The settings in force.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Sends a built request to its end; the one way out of every call, so
    /// that no error text leaves with a secret of the request in it.
    pub(crate) fn send(&self, request: &Request) -> Outcome {
        let (result, ran) = self.send_with_retries(request);
        (
            result.map_err(|error| request.secrets.redact_error(error)),
            ran,
        )
    }

    /// A built request (or the error that refused it) sent, into the
    /// caller's one document.
    pub(crate) fn answer(&self, request: Result<Request, Error>) -> Answer {
        let result = request.and_then(|request| self.send(&request).0);
        result.unwrap_or_else(Answer::from)
    }

    /// What a portal reported of `method`'s operating time, outside the
    /// answer the engine read it from (a batch command's `result_time`).
    pub(crate) fn note_time(&self, request: &Request, method: &str, report: TimeReport) {
        let warn = |text: &str| self.log.shared_state(&request.url, text);
        let scope = Scope::of(&request.url);
        self.budgets.note(scope, method, report, &warn);
    }
}
