//! Each setting's value read from its text, checked and named: the
//! functions `Config::set`, `Config::validate` and `Config::settings` call,
//! one per setting (`src/config.rs`).

use std::path::{Path, PathBuf};

use url::Url;

use super::{
    ATTEMPTS, FILES, FileAccess, LOG_LEVEL, MAX_ATTEMPTS, MAX_RATE, OAUTH_URL, RATE_LIMIT, SHARED,
    STATE_DIR,
};
use crate::error::Error;
use crate::limiter::{Pacing, RateLimit};
use crate::shared::Sharing;

pub(super) fn attempts_refused() -> Error {
    Error::invalid_argument(format!(
        "{ATTEMPTS} must be a whole number from 1 to {MAX_ATTEMPTS}"
    ))
}

pub(super) fn check_attempts(attempts: u32) -> Result<u32, Error> {
    match (1..=MAX_ATTEMPTS).contains(&attempts) {
        true => Ok(attempts),
        false => Err(attempts_refused()),
    }
}

pub(super) fn parse_attempts(text: &str) -> Result<u32, Error> {
    let attempts = text.trim().parse::<u32>().map_err(|_| attempts_refused())?;
    check_attempts(attempts)
}

/// A pacing as `OPI_BITRIX24_RATE_LIMIT` names it.
pub(super) fn pacing_name(pacing: Pacing) -> String {
    match pacing {
        Pacing::Auto => "auto".to_owned(),
        Pacing::Off => "off".to_owned(),
        Pacing::Always(limit) if limit == RateLimit::STANDARD => "standard".to_owned(),
        Pacing::Always(limit) if limit == RateLimit::ENTERPRISE => "enterprise".to_owned(),
        Pacing::Always(limit) => format!("{}/{}", limit.capacity, limit.per_second),
    }
}

pub(super) fn pacing_refused() -> Error {
    Error::invalid_argument(format!(
        "{RATE_LIMIT} must be auto, standard, enterprise, off, or CAPACITY/PER_SECOND such as 50/2: a bucket of 1 to {MAX_RATE} requests, draining more than 0 and at most {MAX_RATE} a second"
    ))
}

/// A bucket of 1 to 100000 requests, draining more than 0 and at most
/// 100000 a second: a drain of 0 would never free a slot.
pub(super) fn check_pacing(pacing: Pacing) -> Result<Pacing, Error> {
    match pacing {
        Pacing::Always(RateLimit {
            capacity,
            per_second,
        }) if !((1.0..=MAX_RATE).contains(&capacity)
            && per_second > 0.0
            && per_second <= MAX_RATE) =>
        {
            Err(pacing_refused())
        }
        _ => Ok(pacing),
    }
}

/// `auto`, `standard`, `enterprise`, `off`, or `CAPACITY/PER_SECOND` (e.g.
/// `10/20`); all but `auto` apply to every portal.
pub(super) fn parse_pacing(text: &str) -> Result<Pacing, Error> {
    let text = text.trim().to_ascii_lowercase();
    match text.as_str() {
        "auto" | "" => return Ok(Pacing::Auto),
        "standard" => return Ok(Pacing::Always(RateLimit::STANDARD)),
        "enterprise" => return Ok(Pacing::Always(RateLimit::ENTERPRISE)),
        "off" => return Ok(Pacing::Off),
        _ => {}
    }
    let (capacity, per_second) = text
        .split_once('/')
        .and_then(|(capacity, rate)| {
            Some((
                capacity.trim().parse::<f64>().ok()?,
                rate.trim().parse::<f64>().ok()?,
            ))
        })
        .ok_or_else(pacing_refused)?;
    check_pacing(Pacing::Always(RateLimit {
        capacity,
        per_second,
    }))
}

pub(super) fn oauth_url_refused() -> Error {
    Error::invalid_argument(format!(
        "{OAUTH_URL} must be an http:// or https:// address without a query, such as https://oauth.bitrix.info"
    ))
}

pub(super) fn check_oauth_url(url: &Url) -> Result<(), Error> {
    match matches!(url.scheme(), "http" | "https") && url.query().is_none() && url.host().is_some()
    {
        true => Ok(()),
        false => Err(oauth_url_refused()),
    }
}

/// An http(s) address with no query, as a base: `/oauth/token/` is joined to it.
pub(super) fn parse_oauth_url(text: &str) -> Result<Url, Error> {
    let mut url = Url::parse(text.trim()).map_err(|_| oauth_url_refused())?;
    check_oauth_url(&url)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(super) fn log_level_refused() -> Error {
    Error::invalid_argument(format!(
        "{LOG_LEVEL} must be error, warn, info, debug or off"
    ))
}

pub(super) fn check_log_level(level: log::LevelFilter) -> Result<log::LevelFilter, Error> {
    match level {
        log::LevelFilter::Trace => Err(log_level_refused()),
        level => Ok(level),
    }
}

pub(super) fn parse_log_level(text: &str) -> Result<log::LevelFilter, Error> {
    let level = text
        .trim()
        .parse::<log::LevelFilter>()
        .map_err(|_| log_level_refused())?;
    check_log_level(level)
}

/// A file access as `OPI_BITRIX24_FILES` names it.
pub(super) fn files_name(files: &FileAccess) -> String {
    match files {
        FileAccess::Any => "any".to_owned(),
        FileAccess::None => "none".to_owned(),
        FileAccess::Within(directory) => directory.display().to_string(),
    }
}

pub(super) fn files_refused() -> Error {
    Error::invalid_argument(format!(
        "{FILES} must be any, none, or the absolute path of an existing directory"
    ))
}

/// A directory must be absolute, and there: a relative one would change
/// with the working directory, and a missing one is surely a mistake.
pub(super) fn check_files(files: &FileAccess) -> Result<(), Error> {
    match files {
        FileAccess::Within(directory) if !(directory.is_absolute() && directory.is_dir()) => {
            Err(files_refused())
        }
        _ => Ok(()),
    }
}

/// `any`, `none` (in any case), or a directory's absolute path.
pub(super) fn parse_files(text: &str) -> Result<FileAccess, Error> {
    let files = match text.trim() {
        any if any.eq_ignore_ascii_case("any") => FileAccess::Any,
        none if none.eq_ignore_ascii_case("none") => FileAccess::None,
        directory => FileAccess::Within(Path::new(directory).to_owned()),
    };
    check_files(&files)?;
    Ok(files)
}

/// A sharing as `OPI_BITRIX24_SHARED` names it.
pub(super) fn sharing_name(sharing: Sharing) -> &'static str {
    match sharing {
        Sharing::Host => "host",
        Sharing::Off => "off",
    }
}

/// `host` or `off`, in any case. A `redis://` address is refused until
/// sharing through Redis is built; the value is not shown, since such an
/// address may hold a password.
pub(super) fn parse_sharing(text: &str) -> Result<Sharing, Error> {
    match text.trim() {
        "" => Ok(Sharing::default()),
        host if host.eq_ignore_ascii_case("host") => Ok(Sharing::Host),
        off if off.eq_ignore_ascii_case("off") => Ok(Sharing::Off),
        redis if redis.to_ascii_lowercase().starts_with("redis") => {
            Err(Error::invalid_argument(format!(
                "{SHARED} must be host or off: sharing through Redis (redis://) is not supported yet"
            )))
        }
        _ => Err(Error::invalid_argument(format!(
            "{SHARED} must be host or off"
        ))),
    }
}

/// An absolute path: a relative one would change with the working
/// directory, and processes started in different ones would not share.
/// Need not exist: it is made at the first use.
pub(super) fn check_state_dir(directory: &Path) -> Result<(), Error> {
    match directory.is_absolute() {
        true => Ok(()),
        false => Err(Error::invalid_argument(format!(
            "{STATE_DIR} must be the absolute path of a directory"
        ))),
    }
}

pub(super) fn parse_state_dir(text: &str) -> Result<PathBuf, Error> {
    let directory = PathBuf::from(text.trim());
    check_state_dir(&directory)?;
    Ok(directory)
}
