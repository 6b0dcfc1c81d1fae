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
mod list;
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
pub use limiter::{Pacing, RateLimit, is_cloud_host};
pub use list::{ListMode, ListProgress, PAGE_ITEMS};
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

/// [`Client::get_list`] through the process-wide client: every item of a
/// list method, by offset or (`by_id`) by ID.
pub fn get_list(url: &str, method: &str, params: &str, token: &str, by_id: bool) -> Answer {
    with_shared(|client| client.get_list(url, method, params, token, list_mode(by_id)))
}

/// [`Client::get_list_to`] into the file at `path` (created or replaced),
/// written as pages arrive; the answer is the summary, with `"file"`.
pub fn get_list_to_file(
    url: &str,
    method: &str,
    params: &str,
    token: &str,
    by_id: bool,
    path: &str,
) -> Answer {
    with_shared(|client| {
        if path.is_empty() {
            return Error::invalid_argument("Path is empty; give the file to write the list to")
                .into();
        }
        let file = match std::fs::File::create(path) {
            Ok(file) => file,
            Err(error) => {
                return Error::invalid_argument(format!("cannot create {path}: {error}")).into();
            }
        };
        let mut out = std::io::BufWriter::new(file);
        let mode = list_mode(by_id);
        client.get_list_to(url, method, params, token, mode, &mut out, &mut |_| {})
    })
}

fn list_mode(by_id: bool) -> ListMode {
    if by_id {
        ListMode::ById
    } else {
        ListMode::Offset
    }
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
