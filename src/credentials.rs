//! The credentials layer, between the operations and the engine: what a
//! call's `Token` argument stands for. Empty, the call goes by webhook; a
//! token, it goes with it; `file:<path>`, with a token file's access token,
//! renewed once per expiry and the call repeated (`src/token_file.rs`,
//! docs/tokens.md). The OAuth grants that make a pair are here too.
//!
//! Operations build their requests through [`send`] with a function of the
//! access token; the engine below sends what it is given and knows nothing
//! of tokens.

use std::path::Path;

use crate::answer::Answer;
use crate::engine::{Engine, Outcome};
use crate::error::Error;
use crate::request::{Grant, Request};
use crate::token_file;

/// Makes a call's request with the access token it is given.
pub(crate) type Build<'a> = &'a dyn Fn(&str) -> Result<Request, Error>;

/// Sends the request `build` makes with the access token `token` gives
/// (itself, or a token file's); how the call ended, and the last request
/// built. Err when nothing was sent: `build` refused its arguments, or the
/// token file cannot be read.
pub(crate) fn send(
    engine: &Engine,
    token: &str,
    build: Build,
) -> Result<(Outcome, Request), Error> {
    match token_file::path_of(token) {
        None => {
            let request = build(token)?;
            Ok((engine.send(&request), request))
        }
        Some(path) => {
            let oauth_url = &engine.config().oauth_url;
            let send = |request: &Request| engine.send(request);
            token_file::send_with_file(path, oauth_url, build, &send, &engine.log)
        }
    }
}

/// As [`send`], into the caller's one document.
pub(crate) fn answer(engine: &Engine, token: &str, build: Build) -> Answer {
    match send(engine, token, build) {
        Ok(((result, _), _)) => result.unwrap_or_else(Answer::from),
        Err(error) => error.into(),
    }
}

/// Exchanges a code or a refresh token for a pair at the OAuth server.
pub(crate) fn grant(
    engine: &Engine,
    grant: Grant,
    client_id: &str,
    client_secret: &str,
    credential: &str,
) -> Answer {
    let server = &engine.config().oauth_url;
    engine.answer(Request::oauth(
        server,
        grant,
        client_id,
        client_secret,
        credential,
    ))
}

/// As [`grant`], the pair written to the token file at `path` with the
/// client's id and secret; the answer without its `refresh_token`.
pub(crate) fn grant_to_file(
    engine: &Engine,
    grant: Grant,
    client_id: &str,
    client_secret: &str,
    credential: &str,
    path: &Path,
) -> Answer {
    let oauth_url = &engine.config().oauth_url;
    match Request::oauth(oauth_url, grant, client_id, client_secret, credential) {
        Ok(request) => token_file::grant_to_file(
            &request,
            client_id.trim(),
            client_secret.trim(),
            path,
            &|request| engine.send(request),
        ),
        Err(error) => error.into(),
    }
}
