//! The library's client: what a Rust program holds and every front runs
//! on. Each method is one operation (docs/architecture.md): a single call
//! through the credentials layer (`src/credentials.rs`), a batch
//! (`src/batch/`), a whole list (`src/list/`) or one of OpenIntegrations'
//! functions (`src/functions/`), all over one engine (`src/engine/`) that
//! sends each request to its end.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde_json::{Map, Value};

use crate::answer::Answer;
use crate::config::Config;
use crate::credentials;
use crate::engine::Engine;
use crate::error::Error;
use crate::events::{Delivery, OfflineEvent, WatchSettings};
use crate::list::{ListMode, ListProgress};
use crate::request::{Grant, Request};
use crate::{batch, events, functions, list};

mod shared;

/// A Bitrix24 REST client: a pool of kept-alive connections and its settings.
/// Cheap to share: all calls and threads may use one.
pub struct Client {
    engine: Engine,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", self.config())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with these settings; one out of its range
    /// ([`Config::validate`]) is refused, naming its variable.
    pub fn new(config: Config) -> Result<Client, Error> {
        Engine::new(config).map(|engine| Client { engine })
    }

    /// The process-wide client the facade's functions and every front run
    /// on: made on first use from [`Config::from_env`], and made anew by
    /// [`Client::configure_shared`] with other settings. A bad setting is
    /// reported by every call, the same way. The client is the one in force
    /// when this is called: a call made on it ends on it, whatever a
    /// Configure does meanwhile.
    pub fn shared() -> Result<Arc<Client>, Error> {
        shared::client()
    }

    /// Configure: changes the settings of the process-wide client
    /// ([`Client::shared`]) for every call that starts after it.
    /// `settings_json` is a JSON object of variable → value, the variables
    /// of [`Config::settings`] with their text as the environment would give
    /// it (a number is taken as its text): `{"OPI_BITRIX24_LOG":
    /// "/var/log/opi.log", "OPI_BITRIX24_TIMEOUT": 30}`. What it names is in
    /// force over the environment and earlier Configures; a blank value is
    /// the variable's default, whatever the environment says; blank text
    /// changes nothing. Answers every setting then in force, by variable, as
    /// text (`""` for a default that is no value of its own; a password in
    /// an address as `***`): `{"result": {"OPI_BITRIX24_TIMEOUT": "30", …}}`.
    ///
    /// An unknown variable, a bad value, or a file the settings name that
    /// cannot be used is refused with `OPI_INVALID_ARGUMENT`, in the words
    /// the environment's would be, and nothing changes. Settings that differ
    /// from those in force make a new client: its connection pool, pacing
    /// and operating-time budgets start afresh (docs/configuration.md).
    pub fn configure_shared(settings_json: &str) -> Answer {
        shared::configure(settings_json)
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        self.engine.config()
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
        credentials::answer(&self.engine, token, &|token| {
            Request::call(url, method, params, token)
        })
    }

    /// As [`Client::call`], with the parameters as JSON text: an object, or
    /// empty text for none.
    pub fn call_json(&self, url: &str, method: &str, params: &str, token: &str) -> Answer {
        credentials::answer(&self.engine, token, &|token| {
            Request::call_json(url, method, params, token)
        })
    }

    /// Sets the status of the user the credentials belong to
    /// (`im.user.status.set`): by webhook when `token` is empty, else by
    /// application token at the portal `url`.
    pub fn set_user_status(&self, url: &str, status: &str, token: &str) -> Answer {
        credentials::answer(&self.engine, token, &|token| {
            Request::set_user_status(url, status, token)
        })
    }

    /// The status of the user the credentials belong to
    /// (`im.user.status.get`): `"result": "dnd"`, or `false` when none is set.
    pub fn get_user_status(&self, url: &str, token: &str) -> Answer {
        credentials::answer(&self.engine, token, &|token| {
            Request::get_user_status(url, token)
        })
    }

    /// Exchanges an authorisation `code` for tokens at the OAuth server
    /// ([`Config::oauth_url`]). The answer holds `access_token` and
    /// `refresh_token`, which the caller must keep.
    pub fn get_token(&self, client_id: &str, client_secret: &str, code: &str) -> Answer {
        credentials::grant(
            &self.engine,
            Grant::AuthorizationCode,
            client_id,
            client_secret,
            code,
        )
    }

    /// Exchanges a refresh token for new tokens. The old refresh token is
    /// spent: store the answer's `refresh_token` for the next time.
    pub fn refresh_token(&self, client_id: &str, client_secret: &str, refresh: &str) -> Answer {
        credentials::grant(
            &self.engine,
            Grant::RefreshToken,
            client_id,
            client_secret,
            refresh,
        )
    }

    /// As [`Client::get_token`], the pair written to the token file at
    /// `path` (created or replaced, owner-only on Unix) with the client's id
    /// and secret, ready for a `Token` of `file:<path>`. The answer is the
    /// OAuth server's without its `refresh_token`; on a refusal, the
    /// server's error, and the file is left as it was.
    pub fn get_token_to_file(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        path: &Path,
    ) -> Answer {
        let grant = Grant::AuthorizationCode;
        credentials::grant_to_file(&self.engine, grant, client_id, client_secret, code, path)
    }

    /// As [`Client::refresh_token`], the new pair written to the token file
    /// at `path` as by [`Client::get_token_to_file`].
    pub fn refresh_token_to_file(
        &self,
        client_id: &str,
        client_secret: &str,
        refresh: &str,
        path: &Path,
    ) -> Answer {
        let grant = Grant::RefreshToken;
        credentials::grant_to_file(&self.engine, grant, client_id, client_secret, refresh, path)
    }

    /// Runs `commands` through `batch` requests of at most 50 commands
    /// each, in order, and merges their answers into one document
    /// (docs/batch.md). `commands` is a JSON object of key →
    /// `{"method": …, "params": {…}}`, or an array of those. With `halt`,
    /// the portal stops at the first failed command, and no later request
    /// is sent.
    ///
    /// A request is repeated only when the portal did not run it (503
    /// `QUERY_LIMIT_EXCEEDED`, or nothing was sent); after any other
    /// failure the answer's `batch` field lists the commands that ran, may
    /// have run, were skipped under `halt`, and were not sent.
    pub fn batch(&self, url: &str, commands: &str, halt: bool, token: &str) -> Answer {
        batch::run(&self.engine, url, commands, halt, token)
    }

    /// Every item of the list `method`, in one document:
    /// `{"result": [...], "total": n}`, with `"warnings"` when the list
    /// changed during the export. Over 16 MiB of items is refused with an
    /// error that names GetList's file form ([`Client::get_list_to`]),
    /// which streams.
    pub fn get_list(
        &self,
        url: &str,
        method: &str,
        params: &str,
        token: &str,
        mode: ListMode,
    ) -> Answer {
        list::get_list(&self.engine, url, method, params, token, mode)
    }

    /// As [`Client::get_list`], the document written to `out` as pages
    /// arrive (memory stays flat however long the list); `progress` is told
    /// after each request. Answers a summary: `{"result": {"items": n},
    /// "total": n}`, with the warnings, or the error the export ended with;
    /// `OPI_IO_ERROR` when `out` could not be written.
    #[allow(clippy::too_many_arguments)]
    pub fn get_list_to(
        &self,
        url: &str,
        method: &str,
        params: &str,
        token: &str,
        mode: ListMode,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(&ListProgress),
    ) -> Answer {
        let source = list::Source::new(&self.engine, url, method, token);
        list::get_list_to(source, params, mode, out, progress)
    }

    /// As [`Client::get_list_to`], into the file at `path` (created, or
    /// replaced).
    #[allow(clippy::too_many_arguments)]
    pub fn get_list_to_file(
        &self,
        url: &str,
        method: &str,
        params: &str,
        token: &str,
        mode: ListMode,
        path: &Path,
        progress: &mut dyn FnMut(&ListProgress),
    ) -> Answer {
        let source = list::Source::new(&self.engine, url, method, token);
        list::get_list_to_file(source, params, mode, path, progress)
    }

    /// Runs OpenIntegrations' function `name` (English or Russian, any
    /// case) with `args`, an object of its parameters by name or CLI option:
    /// the request its table row builds goes out as [`Client::call`]'s does;
    /// an offline function answers `{"result": …}` without a request. Bad
    /// arguments are refused before anything is sent, naming the function
    /// and the parameter.
    pub fn run_function(&self, name: &str, args: &Map<String, Value>) -> Answer {
        let args = serde_json::to_string(args).expect("a map of JSON values always serialises");
        self.run_function_json(name, &args)
    }

    /// As [`Client::run_function`], the arguments as the text of a JSON
    /// object (empty text for none).
    pub fn run_function_json(&self, name: &str, args: &str) -> Answer {
        functions::run(&self.engine, name, args)
    }

    /// Consumes the offline event queue at least once (docs/events.md):
    /// reserves a batch and records its `process_id` in the state file
    /// before anything else, hands each event to `deliver`, clears the
    /// delivered ones and marks the failed ones (`event.offline.error`);
    /// after a crash, reads the recorded batches again. Runs until `stop`
    /// is set (finishing the event in hand), or with `once` until the queue
    /// is empty; waits `interval` while it is empty, and after a failure
    /// that may pass (told to `notice`). Answers a summary, or the error
    /// that ended it.
    pub fn watch_offline_events(
        &self,
        settings: &WatchSettings,
        deliver: &mut dyn FnMut(&OfflineEvent) -> Delivery,
        stop: &AtomicBool,
        notice: &mut dyn FnMut(&str),
    ) -> Answer {
        events::watch(&self.engine, settings, deliver, stop, notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limiter::Pacing;

    /// Every call leaves through the engine's `send`, which masks the
    /// request's secrets: an error raised anywhere below it, naming the
    /// address, comes out masked whatever built it.
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
