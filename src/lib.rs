//! A Bitrix24 REST transport — any method, batches, whole lists, the user
//! status pair and OAuth tokens, with the functions and signatures of
//! OpenIntegrations' `OPI_Bitrix24` — as one library for Rust, C (see
//! `include/opi_bitrix24.h`), 1C:Enterprise and OneScript.
//!
//! The functions below run through one process-wide [`Client`]; make a
//! [`Client`] of your own for other settings ([`Config`]).
//!
//! ```no_run
//! let answer = opi_bitrix24::set_user_status(
//!     "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
//!     "dnd",
//!     "",
//! );
//! println!("{}", answer.json());
//! ```
//!
//! Every call yields one JSON object: the portal's answer as it was sent, or
//! an error of the same shape (`{"error": "OPI_…", "error_description": …}`).

// The core: plain safe Rust that knows nothing of its fronts.
#[doc(hidden)] // Public for the fuzz target and property tests only; not a stable API.
pub mod address;
mod answer;
mod batch;
mod budget;
mod client;
mod config;
mod credentials;
mod echo;
mod engine;
mod error;
mod events;
pub mod functions;
mod json;
mod limiter;
mod list;
mod query;
mod request;
mod request_log;
mod retry;
mod shared;
mod system_proxy;
mod text;
mod tls;
mod token_file;
mod transport;

// The fronts: thin adapters over the functions below.
mod addin;
pub mod capi;
mod ffi;

pub use answer::Answer;
pub use client::Client;
pub use config::{Config, DEFAULT_OAUTH_URL, FileAccess, Setting};
pub use engine::USER_AGENT;
pub use error::{Error, ErrorCode};
#[doc(hidden)] // Public for the timing test and the fuzz target only.
pub use events::same_token;
pub use events::{Delivery, OfflineEvent, WatchSettings};
pub use limiter::{Pacing, RateLimit, is_cloud_host};
pub use list::{ListMode, ListProgress};
pub use request::{GET_STATUS_METHOD, SET_STATUS_METHOD, STATUSES};
pub use request_log::{LOG_TARGET, LogTarget};
pub use retry::is_safe_to_repeat;
pub use shared::Sharing;

/// The library's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What each function below runs through: the process-wide
/// [`Client::shared`], or its set-up error as the answer.
fn with_shared(call: impl FnOnce(&Client) -> Answer) -> Answer {
    match Client::shared() {
        Ok(client) => call(client),
        Err(error) => error.into(),
    }
}

/// [`Client::call_json`] through the process-wide client: any REST method,
/// its parameters as JSON text.
pub fn call_method(url: &str, method: &str, params: &str, token: &str) -> Answer {
    with_shared(|client| client.call_json(url, method, params, token))
}

/// [`Client::batch`] through the process-wide client: commands as JSON text.
pub fn batch(url: &str, commands: &str, halt: bool, token: &str) -> Answer {
    with_shared(|client| client.batch(url, commands, halt, token))
}

/// [`Client::get_list`] through the process-wide client: every item of a
/// list method, by offset or (`by_id`) by ID.
pub fn get_list(url: &str, method: &str, params: &str, token: &str, by_id: bool) -> Answer {
    let mode = ListMode::by_id(by_id);
    with_shared(|client| client.get_list(url, method, params, token, mode))
}

/// [`Client::get_list_to_file`] through the process-wide client: the list
/// written to the file at `path` as pages arrive; the answer is the summary.
pub fn get_list_to_file(
    url: &str,
    method: &str,
    params: &str,
    token: &str,
    by_id: bool,
    path: &str,
) -> Answer {
    let (mode, path) = (ListMode::by_id(by_id), std::path::Path::new(path));
    with_shared(|client| {
        client.get_list_to_file(url, method, params, token, mode, path, &mut |_| {})
    })
}

/// [`Client::set_user_status`] through the process-wide client.
pub fn set_user_status(url: &str, status: &str, token: &str) -> Answer {
    with_shared(|client| client.set_user_status(url, status, token))
}

/// [`Client::get_user_status`] through the process-wide client.
pub fn get_user_status(url: &str, token: &str) -> Answer {
    with_shared(|client| client.get_user_status(url, token))
}

/// [`Client::get_token`] through the process-wide client.
pub fn get_token(client_id: &str, client_secret: &str, code: &str) -> Answer {
    with_shared(|client| client.get_token(client_id, client_secret, code))
}

/// [`Client::refresh_token`] through the process-wide client.
pub fn refresh_token(client_id: &str, client_secret: &str, refresh: &str) -> Answer {
    with_shared(|client| client.refresh_token(client_id, client_secret, refresh))
}

/// [`Client::get_token_to_file`] through the process-wide client; as
/// [`get_token`] when `file` is empty (the fronts' optional argument).
pub fn get_token_to_file(client_id: &str, client_secret: &str, code: &str, file: &str) -> Answer {
    with_shared(|client| match file {
        "" => client.get_token(client_id, client_secret, code),
        file => client.get_token_to_file(client_id, client_secret, code, file.as_ref()),
    })
}

/// [`Client::refresh_token_to_file`] through the process-wide client; as
/// [`refresh_token`] when `file` is empty (the fronts' optional argument).
pub fn refresh_token_to_file(
    client_id: &str,
    client_secret: &str,
    refresh: &str,
    file: &str,
) -> Answer {
    with_shared(|client| match file {
        "" => client.refresh_token(client_id, client_secret, refresh),
        file => client.refresh_token_to_file(client_id, client_secret, refresh, file.as_ref()),
    })
}

/// [`Client::run_function_json`] through the process-wide client:
/// OpenIntegrations' function `name` with its arguments as a JSON object.
pub fn run_function(name: &str, args: &str) -> Answer {
    with_shared(|client| client.run_function_json(name, args))
}

/// [`Client::run_function`] through the process-wide client, the arguments
/// as a map of parameter → value.
pub fn run_function_with(name: &str, args: &serde_json::Map<String, serde_json::Value>) -> Answer {
    with_shared(|client| client.run_function(name, args))
}

/// ParseEvent: the body of a request the portal sent to an event handler
/// (form-encoded as PHP writes it, or JSON), read and proven by its
/// top-level `auth[application_token]`, compared with `application_token`
/// in constant time (docs/events.md). Offline: no client is needed.
///
/// Answers `{"result": <the event>, "verified": true}`, the event's tokens
/// shown as `***` unless `with_tokens`; for ONAPPINSTALL, also
/// `"application_token"` to store (with `"verified": false` when
/// `application_token` is empty: nothing proved it). A token missing or
/// not the one given is `OPI_EVENT_FORGED`; a body that is no event,
/// `OPI_INVALID_ARGUMENT`.
pub fn parse_event(body: &str, application_token: &str, with_tokens: bool) -> Answer {
    events::parse_event(body, application_token, with_tokens)
}
