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
//!
//! The first two are here; the others are in `exchange.rs`, and what an
//! exchange's outcome reads as (errors, redirects, answers) in `outcome.rs`.

mod exchange;
mod outcome;

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::answer::Answer;
use crate::budget::Budgets;
use crate::config::Config;
use crate::error::Error;
use crate::limiter::Limiter;
use crate::request::{Grant, Request};
use crate::request_log::RequestLog;
use crate::retry::Ran;
use crate::tls;
use crate::transport::Transport;

/// Larger answers are refused.
pub(crate) const MAX_ANSWER_BYTES: u64 = 16 << 20;
/// Redirects followed in one call at the most.
pub(crate) const MAX_REDIRECTS: u32 = 5;
/// Sent with every request.
pub const USER_AGENT: &str = concat!("opi-bitrix24/", env!("CARGO_PKG_VERSION"));

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
    /// Each method's operating-time budget, as the portals report it.
    budgets: Budgets,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with these settings; one out of its range
    /// ([`Config::validate`]) is refused, naming its variable.
    pub fn new(config: Config) -> Result<Client, Error> {
        config.validate()?;
        let tls = tls::client_config(config.ca_file.as_deref())?;
        let transport =
            Transport::new(tls, config.connect_timeout, config.read_timeout, USER_AGENT);
        let limiter = Limiter::new(config.pacing);
        let log = RequestLog::open(config.log.as_ref(), config.log_level)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))?;
        let budgets = Budgets::new(config.operating_limit);
        Ok(Client {
            transport,
            runtime,
            config,
            limiter,
            log,
            budgets,
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

    /// As [`Client::call`], with a JSON object's text this library built
    /// (a function's body) and the credential key it holds, if any.
    pub(crate) fn call_built(
        &self,
        url: &str,
        method: &str,
        object: &str,
        credential_key: Option<&str>,
        token: &str,
    ) -> Answer {
        self.answer_with_token(token, &|token| {
            Request::with_body(url, method, object, credential_key, token)
        })
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

    /// Posts a file as a multipart form to an upload address a portal gave
    /// (UploadFileToFolder's second step) for the call to `url` by webhook
    /// (`token` None) or with a token (`Some("")` for a token file's, which
    /// the address's query holds), whose secrets are masked in its errors
    /// too.
    pub(crate) fn upload(
        &self,
        address: &str,
        field: &str,
        name: &str,
        content: &[u8],
        url: &str,
        token: Option<&str>,
    ) -> Answer {
        self.answer_for(Request::upload(address, field, name, content, url, token))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limiter::Pacing;

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
            oauth_url: url::Url::parse(&format!("http://{closed}/")).unwrap(),
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
}
