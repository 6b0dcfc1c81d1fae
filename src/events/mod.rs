//! Events the portal sends (docs/events.md): a handler request's body read
//! and proven by its application token (ParseEvent), and the offline queue
//! consumed at least once (the consumer loop behind WatchOfflineEvents).

mod form;
pub(crate) mod offline;
mod parse;
mod queue;
mod state;
mod token;

pub use parse::parse_event;
pub(crate) use queue::watch;
pub use queue::{Delivery, OfflineEvent, WatchSettings};
pub use token::same_token;
