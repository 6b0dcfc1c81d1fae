//! Set a Bitrix24 user's status (`im.user.status.set`) — the
//! `OPI_Bitrix24.SetUserStatus` of OpenIntegrations, as one library for Rust,
//! C (see `include/opi_bitrix24.h`), 1C:Enterprise and OneScript.
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
mod client;
mod config;
mod error;
mod limiter;
mod request;
mod tls;
mod transport;

mod addin;
pub mod capi;
mod ffi;

pub use answer::Answer;
pub use client::{Client, MAX_ANSWER_BYTES, MAX_REDIRECTS, USER_AGENT};
pub use config::{Config, ENVIRONMENT};
pub use error::{Error, ErrorCode};
pub use limiter::RateLimit;
pub use request::{MAX_TOKEN_BYTES, METHOD, STATUSES};

/// The library's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Sets the status of the user the credentials belong to, through the
/// process-wide [`Client::shared`]: by webhook when `token` is empty, else by
/// application token at the portal `url`.
pub fn set_user_status(url: &str, status: &str, token: &str) -> Answer {
    match Client::shared() {
        Ok(client) => client.set_user_status(url, status, token),
        Err(error) => error.into(),
    }
}
