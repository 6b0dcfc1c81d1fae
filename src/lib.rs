//! A Bitrix24 REST transport — any method, the user status pair and OAuth
//! tokens, with the functions and signatures of OpenIntegrations'
//! `OPI_Bitrix24` — as one library for Rust, C (see
//! `include/opi_bitrix24.h`), 1C:Enterprise and OneScript.
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

pub mod address;
mod answer;
mod batch;
mod client;
mod config;
mod error;
mod limiter;
mod request;
mod retry;
mod system_proxy;
mod text;
mod tls;
mod transport;

mod addin;
pub mod capi;
mod ffi;

pub use answer::Answer;
pub use client::{Client, MAX_ANSWER_BYTES, MAX_REDIRECTS, USER_AGENT};
pub use config::{Config, DEFAULT_OAUTH_URL, ENVIRONMENT};
pub use error::{Error, ErrorCode};
pub use limiter::RateLimit;
pub use request::{
    GET_STATUS_METHOD, MAX_METHOD_BYTES, MAX_PARAMS_BYTES, MAX_TOKEN_BYTES, METHOD, STATUSES,
};
pub use retry::{SAFE_METHODS, SAFE_SUFFIXES, is_safe_to_repeat};

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
