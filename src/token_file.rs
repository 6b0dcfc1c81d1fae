//! Token files (docs/tokens.md): a `Token` of the form `file:<path>` names a
//! JSON file holding `access_token`, `refresh_token`, `client_id` and
//! `client_secret` (and whatever else the OAuth server answered). A call is
//! made with the file's access token; when the portal answers
//! `expired_token`, or the stored `expires` has passed, the pair is renewed
//! once and the call repeated once.
//!
//! Renewing spends the refresh token, so two renewals at once would break
//! each other. One renewal runs at a time per file: a mutex per canonical
//! path within the process, and an exclusive lock on `<path>.lock` across
//! processes. Under both, the file is read again: a pair another thread or
//! process wrote meanwhile is adopted, not refreshed again. A new pair is
//! written atomically (a temporary file in the same folder, then a rename),
//! readable by its owner only on Unix, its other fields kept.
//!
//! Nothing here touches the network: the credentials layer above
//! (`src/credentials.rs`) lends the way to send.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use url::Url;

use crate::answer::Answer;
use crate::engine::Outcome;
use crate::error::{Error, ErrorCode, ErrorDocument};
use crate::json::{self, Pairs};
use crate::request::{Grant, Request};
use crate::request_log::RequestLog;
use crate::retry::Ran;

/// What a `Token` starts with when it names a token file.
pub(crate) const PREFIX: &str = "file:";
/// The portal's answer to a call with an access token past its life.
const EXPIRED: &str = "expired_token";
/// Larger token files are refused: a real one is well under a kilobyte.
const MAX_FILE_BYTES: u64 = 64 << 10;

/// One HTTP exchange of a built request, its secrets masked in any error
/// (the engine's `send`).
pub(crate) type SendMasked<'a> = &'a dyn Fn(&Request) -> Outcome;

/// The path a token names, when it names a token file.
pub(crate) fn path_of(token: &str) -> Option<&str> {
    token.trim().strip_prefix(PREFIX)
}

/// A token that stands for the file's in checks made before any request
/// (the arguments of GetList): a path may hold what a token may not.
pub(crate) fn stand_in(token: &str) -> &str {
    match path_of(token) {
        Some(_) => "token-file",
        None => token,
    }
}

/// Sends the request `build` makes with the access token of the token file
/// at `path`, renewed and the call repeated once when expired. Gives how
/// the call ended and the last request built. Err when nothing was sent:
/// `build` refused its arguments, or the file cannot be read.
pub(crate) fn send_with_file(
    path: &str,
    oauth_url: &Url,
    build: &dyn Fn(&str) -> Result<Request, Error>,
    send: SendMasked,
    log: &RequestLog,
) -> Result<(Outcome, Request), Error> {
    let file = TokenFile::new(path)?;
    let mut pair = file.read()?;
    if pair.has_expired() {
        pair = match file.renew(&pair.access, oauth_url, send, log) {
            Ok(pair) => pair,
            Err(outcome) => return Ok((outcome, build(&pair.access)?)),
        };
    }
    let request = build(&pair.access)?;
    let outcome = send(&request);
    let expired = outcome.0.as_ref().ok().and_then(Answer::error_code) == Some(EXPIRED);
    if !expired {
        return Ok((outcome, request));
    }
    // Refused before it ran: the call may be made again with the new pair.
    match file.renew(&pair.access, oauth_url, send, log) {
        Ok(pair) => {
            let request = build(&pair.access)?;
            Ok((send(&request), request))
        }
        Err(outcome) => Ok((outcome, request)),
    }
}

/// Exchanges a code or a refresh token (`request`, an OAuth grant) for a
/// pair, and writes it to the file at `path` with the client's id and
/// secret. The answer is the OAuth server's, without its `refresh_token`,
/// which is in the file only; on a refusal, the server's error, and the
/// file is left as it was.
pub(crate) fn grant_to_file(
    request: &Request,
    client_id: &str,
    client_secret: &str,
    path: &Path,
    send: SendMasked,
) -> Answer {
    if path.as_os_str().is_empty() {
        return Error::invalid_argument("File is empty; give the file to write the tokens to")
            .into();
    }
    let file = TokenFile {
        path: path.to_owned(),
    };
    let written = file.locked(|| {
        // Made before the grant: a code is spent by it, so a folder that
        // cannot be written to is found out first. Over the file itself, not
        // a link to it.
        let pending = Pending::create(&canonical(&file.path))?;
        let answer = match send(request).0 {
            Ok(answer) if !answer.is_error() => answer,
            other => return Ok(other.unwrap_or_else(Answer::from)),
        };
        let mut fields = pair_fields(&answer, &file.path)?;
        fields.insert("client_id".into(), client_id.into());
        fields.insert("client_secret".into(), client_secret.into());
        pending.commit(&fields)?;
        Ok(without_refresh_token(answer))
    });
    written.unwrap_or_else(Answer::from)
}

/// A token file, by the path the caller gave.
struct TokenFile {
    path: PathBuf,
}

/// What a token file holds, read and checked.
struct Pair {
    /// Every field, as read: written back with the new pair.
    fields: Map<String, Value>,
    access: String,
    refresh: String,
    client_id: String,
    client_secret: String,
    /// The access token's end, in Unix time, when the file says.
    expires: Option<f64>,
}

impl Pair {
    fn has_expired(&self) -> bool {
        self.expires.is_some_and(|expires| expires <= unix_now())
    }
}

impl TokenFile {
    fn new(path: &str) -> Result<TokenFile, Error> {
        if path.trim().is_empty() {
            return Err(Error::invalid_argument(
                "Token is file: with no path; file:<path> names a JSON file of access_token, refresh_token, client_id and client_secret",
            ));
        }
        Ok(TokenFile {
            path: PathBuf::from(path.trim()),
        })
    }

    /// An error about the file; never its contents, which are secrets.
    fn invalid(&self, what: impl std::fmt::Display) -> Error {
        Error::invalid_argument(format!("the token file {} {what}", self.path.display()))
    }

    fn read(&self) -> Result<Pair, Error> {
        let cannot_read = |e: std::io::Error| self.invalid(format_args!("cannot be read: {e}"));
        let file = File::open(&self.path).map_err(cannot_read)?;
        let mut text = String::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(cannot_read)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(self.invalid(format_args!(
                "is over {} KiB; a token file is a small JSON object",
                MAX_FILE_BYTES >> 10
            )));
        }
        // Read as a plain value: its errors name a line and a column, never
        // the text found there.
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| self.invalid(format_args!("is not valid JSON ({e})")))?;
        let Value::Object(fields) = value else {
            return Err(self.invalid("is not a JSON object"));
        };
        let text_of = |name: &str| {
            match fields.get(name) {
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
            Some(Value::String(_)) => Err(self.invalid(format_args!("has an empty {name}"))),
            Some(_) => Err(self.invalid(format_args!("has a {name} that is not a string"))),
            None => Err(self.invalid(format_args!(
                "has no {name}; a token file holds access_token, refresh_token, client_id and client_secret"
            ))),
        }
        };
        let expires = match fields.get("expires") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        };
        Ok(Pair {
            access: text_of("access_token")?,
            refresh: text_of("refresh_token")?,
            client_id: text_of("client_id")?,
            client_secret: text_of("client_secret")?,
            expires,
            fields,
        })
    }

    /// A pair to use instead of the one whose access token is `expired`:
    /// one another thread or process wrote meanwhile, or a new one from the
    /// OAuth server at `oauth_url`. Err is what the call is to end with: the
    /// server's refusal, or why there is no pair.
    fn renew(
        &self,
        expired: &str,
        oauth_url: &Url,
        send: SendMasked,
        log: &RequestLog,
    ) -> Result<Pair, Outcome> {
        let asked = log.start();
        let renewed = self.locked(|| {
            if let Some(asked) = asked {
                log.token_refresh_wait(oauth_url, asked.elapsed());
            }
            let current = self.read()?;
            if current.access != expired {
                return Ok(Ok(current));
            }
            let request = Request::oauth(
                oauth_url,
                Grant::RefreshToken,
                &current.client_id,
                &current.client_secret,
                &current.refresh,
            )
            .map_err(|e| self.invalid(format_args!("cannot be used: {}", e.description())))?;
            let context = format!(
                "the token file {} could not be renewed",
                self.path.display()
            );
            // Made before the refresh, which spends the refresh token: a
            // folder that cannot be written to is found out first. Written
            // over the file itself, not a link to it, so that every name of
            // the file sees the new pair.
            let pending = Pending::create(&canonical(&self.path))?;
            let answer = match send(&request).0 {
                Ok(answer) if !answer.is_error() => answer,
                Ok(refusal) => {
                    let error = refusal.error_document().in_context(&context);
                    let error = ErrorDocument {
                        description: request.secrets.redact(&error.description),
                        ..error
                    };
                    let json = error.to_json();
                    return Ok(Err(Answer::composed(json, Some(error.code))));
                }
                Err(error) => return Err(error.with_note(&context)),
            };
            let mut fields = current.fields;
            fields.extend(pair_fields(&answer, &self.path)?);
            pending.commit(&fields)?;
            self.read().map(Ok)
        });
        match renewed {
            Ok(Ok(pair)) => Ok(pair),
            Ok(Err(refusal)) => Err((Ok(refusal), Ran::No)),
            Err(error) => Err((Err(error), Ran::No)),
        }
    }

    /// Runs `work` holding this file's mutex in the process and its lock
    /// across processes.
    fn locked<T>(&self, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let key = canonical(&self.path);
        let mutex = {
            static MUTEXES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
            let mut all = MUTEXES
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(all.entry(key.clone()).or_default())
        };
        let _in_process = mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let lock_path = with_suffix(&key, ".lock");
        let lock_file = owner_only()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, "cannot be opened to lock the token file", e))?;
        fs4::FileExt::lock(&lock_file).map_err(|e| io_error(&lock_path, "cannot be locked", e))?;
        let result = work();
        let _ = fs4::FileExt::unlock(&lock_file);
        result
    }
}

/// The members of an OAuth server's answer, refused unless it holds a pair.
fn pair_fields(answer: &Answer, path: &Path) -> Result<Map<String, Value>, Error> {
    let fields: Map<String, Value> = serde_json::from_str(answer.json()).unwrap_or_default();
    for name in ["access_token", "refresh_token"] {
        if !fields.get(name).is_some_and(Value::is_string) {
            return Err(Error::new(
                ErrorCode::BadResponse,
                format!(
                    "the OAuth server's answer has no {name}; the token file {} is left as it was",
                    path.display()
                ),
            ));
        }
    }
    Ok(fields)
}

/// The OAuth server's answer without its `refresh_token`, its other members
/// as sent.
fn without_refresh_token(answer: Answer) -> Answer {
    let Ok(pairs) = serde_json::from_str::<Pairs>(answer.json()) else {
        return answer;
    };
    let members: Vec<String> = pairs
        .0
        .iter()
        .filter(|(name, _)| name != "refresh_token")
        .map(|(name, value)| format!("{}:{}", json::string_literal(name), value.get()))
        .collect();
    Answer::composed(format!("{{{}}}", members.join(",")), None)
}

/// A new token file being written: a temporary file beside the real one,
/// renamed over it by [`Pending::commit`], removed if never committed.
struct Pending {
    temporary: PathBuf,
    target: PathBuf,
    file: Option<File>,
}

impl Pending {
    fn create(target: &Path) -> Result<Pending, Error> {
        static NUMBER: AtomicU64 = AtomicU64::new(0);
        let number = NUMBER.fetch_add(1, Ordering::Relaxed);
        let suffix = format!(".{}-{number}.tmp", std::process::id());
        let temporary = with_suffix(target, &suffix);
        let file = owner_only()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .map_err(|e| io_error(&temporary, "cannot be created", e))?;
        Ok(Pending {
            temporary,
            target: target.to_owned(),
            file: Some(file),
        })
    }

    fn commit(mut self, fields: &Map<String, Value>) -> Result<(), Error> {
        let mut text = serde_json::to_string_pretty(fields)
            .map_err(|e| Error::internal(format!("a token file did not serialise: {e}")))?;
        text.push('\n');
        let file = self.file.take();
        let written = file.map_or(Ok(()), |mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        written.map_err(|e| io_error(&self.temporary, "cannot be written", e))?;
        std::fs::rename(&self.temporary, &self.target)
            .map_err(|e| io_error(&self.target, "cannot be replaced", e))?;
        self.target.clear();
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.target.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Options that create a file readable and writable by its owner only (on
/// Unix; elsewhere the folder's rules).
fn owner_only() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// The path with its file name canonical (links resolved), so that two
/// names of one file share its mutex; as given when the folder is missing.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(folder), path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => path.to_owned(),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn io_error(path: &Path, what: &str, error: std::io::Error) -> Error {
    Error::new(
        ErrorCode::IoError,
        format!("{} {what}: {error}", path.display()),
    )
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        static NUMBER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "opi-token-file-{}-{}",
            std::process::id(),
            NUMBER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_bad_file_is_named_and_its_secrets_are_not() {
        let dir = folder();
        let path = dir.join("tokens.json");
        let file = TokenFile::new(path.to_str().unwrap()).unwrap();
        let error = file.read().err().unwrap();
        assert_eq!(error.code(), ErrorCode::InvalidArgument);
        assert!(error.description().contains("tokens.json"), "{error}");
        assert!(error.description().contains("cannot be read"), "{error}");
        for (text, says) in [
            ("{\"access_token\": \"s3cr3t\"", "not valid JSON"),
            ("[\"s3cr3t\"]", "not a JSON object"),
            ("{\"access_token\": \"s3cr3t\"}", "has no refresh_token"),
            (
                "{\"access_token\": \"s3cr3t\", \"refresh_token\": 7}",
                "refresh_token that is not a string",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let error = file.read().err().unwrap();
            assert!(error.description().contains(says), "{error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
        assert!(TokenFile::new(" ").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_pending_file_replaces_the_old_one_or_leaves_nothing() {
        let dir = folder();
        let path = dir.join("tokens.json");
        std::fs::write(&path, "old").unwrap();
        drop(Pending::create(&path).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let mut fields = Map::new();
        fields.insert("access_token".into(), "a".into());
        Pending::create(&path).unwrap().commit(&fields).unwrap();
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["access_token"], "a");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_answer_keeps_all_but_the_refresh_token_as_sent() {
        let answer = Answer::composed(
            r#"{"access_token":"a","expires":1722083795.10,"refresh_token":"r","user_id":1}"#
                .to_owned(),
            None,
        );
        assert_eq!(
            without_refresh_token(answer).json(),
            r#"{"access_token":"a","expires":1722083795.10,"user_id":1}"#
        );
        assert_eq!(stand_in("file:/x y"), "token-file");
        assert_eq!(stand_in("abc"), "abc");
    }
}
