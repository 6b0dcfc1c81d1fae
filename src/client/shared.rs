//! The process-wide client every front runs on ([`Client::shared`]), and
//! Configure, which changes its settings while the process runs
//! ([`Client::configure_shared`]).
//!
//! Its settings are the environment's, changed by every Configure so far: a
//! Configure names variables and their text, as the environment would give
//! them, and what it names is in force over the environment from then on.
//! A call takes the client in force when it starts, for one read lock and a
//! reference count; a call already running when a Configure replaces the
//! client ends on the old one, which goes, its connections with it, when
//! the last such call ends.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::value::RawValue;

use super::Client;
use crate::answer::Answer;
use crate::config::{self, Config};
use crate::echo;
use crate::error::Error;
use crate::json::{self, Json};

/// What Configure has set, by variable: text in force over the
/// environment's; a blank text is the default, whatever the environment
/// says.
type Configured = BTreeMap<&'static str, String>;

struct Shared {
    configured: Configured,
    /// The client made from the settings, or why none could be; none until
    /// a call needs it.
    client: Option<Result<Arc<Client>, Error>>,
}

static SHARED: RwLock<Shared> = RwLock::new(Shared {
    configured: BTreeMap::new(),
    client: None,
});

// Nothing panics while holding the lock; should something, what it guards
// is whole either way.
fn read() -> RwLockReadGuard<'static, Shared> {
    SHARED.read().unwrap_or_else(PoisonError::into_inner)
}

fn write() -> RwLockWriteGuard<'static, Shared> {
    SHARED.write().unwrap_or_else(PoisonError::into_inner)
}

/// The client in force, made on first use; or why it could not be made.
pub(super) fn client() -> Result<Arc<Client>, Error> {
    if let Some(made) = &read().client {
        return made.clone();
    }
    let mut shared = write();
    let Shared { configured, client } = &mut *shared;
    client.get_or_insert_with(|| made_from(configured)).clone()
}

fn made_from(configured: &Configured) -> Result<Arc<Client>, Error> {
    Client::new(config_from(configured)?).map(Arc::new)
}

/// The environment's settings with what Configure set over them.
fn config_from(configured: &Configured) -> Result<Config, Error> {
    Config::from_vars(|name| match configured.get(name) {
        Some(text) if text.trim().is_empty() => None,
        Some(text) => Some(text.clone()),
        None => config::env_var(name),
    })
}

/// Configure: the settings in force changed by `settings`, a JSON object
/// of variable → text, for every call that starts after it; the answer is
/// `{"result": {variable: text}}`, every setting then in force
/// ([`Config::values`]). An unknown variable, a bad value, or settings no
/// client can be made with are refused as the environment's would be, and
/// nothing changes.
pub(super) fn configure(settings: &str) -> Answer {
    match configured(settings) {
        Ok(config) => {
            let values: serde_json::Map<String, serde_json::Value> = (config.values().into_iter())
                .map(|(variable, text)| (variable.to_owned(), text.into()))
                .collect();
            let json = serde_json::json!({ "result": values }).to_string();
            Answer::composed(json, None)
        }
        Err(error) => error.into(),
    }
}

/// The settings in force after `settings` are applied, or why they are not.
fn configured(settings: &str) -> Result<Config, Error> {
    let given = read_settings(settings)?;
    // One Configure at a time, so that none is lost to another's.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let (mut configured, current) = {
        let shared = read();
        (shared.configured.clone(), shared.client.clone())
    };
    configured.extend(given);
    let config = config_from(&configured)?;
    // Settings as they were keep the client, its connections and what it
    // has learned of each portal's limits.
    let client = match current {
        Some(Ok(client)) if *client.config() == config => client,
        _ => Arc::new(Client::new(config)?),
    };
    let config = client.config().clone();
    let new = Shared {
        configured,
        client: Some(Ok(client)),
    };
    let old = std::mem::replace(&mut *write(), new);
    // The old client, when no call holds it, goes here, out of the lock.
    drop(old);
    Ok(config)
}

/// Configure's argument: a JSON object of variable → text (a number or a
/// Boolean is taken as its text), or blank text for none; each variable
/// one of [`Config::settings`], each value one [`Config::set`] takes, or
/// blank for the default.
fn read_settings(text: &str) -> Result<Vec<(&'static str, String)>, Error> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let not_json = |error: serde_json::Error| {
        Error::invalid_argument(format!("Settings are not valid JSON: {error}"))
    };
    let raw: &RawValue = serde_json::from_str(text).map_err(not_json)?;
    let pairs = match Json::read(raw).map_err(not_json)? {
        Json::Object(pairs) => pairs,
        other => {
            return Err(Error::invalid_argument(format!(
                "Settings must be a JSON object of variable → value, such as {{\"OPI_BITRIX24_TIMEOUT\": \"30\"}}; they are {}",
                other.kind()
            )));
        }
    };
    if let Some(name) = json::repeated_key(&pairs) {
        return Err(Error::invalid_argument(format!(
            "Settings: {} is given twice; give each setting once",
            echo::value(name, 60)
        )));
    }
    let settings = Config::settings();
    let mut given = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        let variable = (settings.iter())
            .map(|setting| setting.variable)
            .find(|variable| *variable == name)
            .ok_or_else(|| config::no_setting(&name))?;
        let text = match Json::read(value).map_err(not_json)? {
            Json::Text(text) => text,
            Json::Number(number) => number.to_owned(),
            Json::Bool(value) => value.to_string(),
            other => {
                return Err(Error::invalid_argument(format!(
                    "{variable} must be given as text (or a number); it is {}",
                    other.kind()
                )));
            }
        };
        if !text.trim().is_empty() {
            Config::default().set(variable, &text)?;
        }
        given.push((variable, text));
    }
    Ok(given)
}
