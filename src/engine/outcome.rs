//! What an exchange's outcome reads as: the portal's body as an answer or a
//! bad response, a redirect followed or refused, a `Retry-After`, and
//! network errors told on one line, without the address's query.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use hyper::header::{HeaderMap, RETRY_AFTER};
use url::Url;

use crate::answer::Answer;
use crate::budget::TimeReport;
use crate::error::{Error, ErrorCode};
use crate::request::{OAUTH_METHOD, Request};
use crate::tls::PlainHttp;

use super::{MAX_ANSWER_BYTES, MAX_REDIRECTS};

/// Longest `Retry-After` honoured; a longer one ends the call instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const EXCERPT_CHARS: usize = 200;

pub(super) fn is_moved(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The next address of a moved portal, refused when it leaves https, leaves
/// http(s) altogether, or is one hop too many.
pub(super) fn follow(from: &Url, location: &str, redirects: u32) -> Result<Url, Error> {
    let bad = |text: String| Error::new(ErrorCode::BadResponse, text);
    if redirects > MAX_REDIRECTS {
        return Err(bad(format!(
            "{} redirected more than {MAX_REDIRECTS} times; last to {location}",
            host_of(from)
        )));
    }
    let to = from.join(location).map_err(|e| {
        bad(format!(
            "{} redirected to an invalid address ({e})",
            host_of(from)
        ))
    })?;
    if !matches!(to.scheme(), "http" | "https") {
        return Err(bad(format!(
            "{} redirected to a non-HTTP address {to}",
            host_of(from)
        )));
    }
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(bad(format!(
            "{} redirected from https to http ({to}); refused, the request would travel unencrypted",
            host_of(from)
        )));
    }
    Ok(to)
}

pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Turns a finished exchange into the one JSON document a caller gets.
pub(super) fn classify(
    status: StatusCode,
    body: Vec<u8>,
) -> Result<(Answer, Option<TimeReport>), Error> {
    let bad = |text: String| Error::new(ErrorCode::BadResponse, text);
    if body.len() as u64 > MAX_ANSWER_BYTES {
        return Err(bad(format!(
            "HTTP {status}: the answer is over {} MiB; refused",
            MAX_ANSWER_BYTES >> 20
        )));
    }
    let text = String::from_utf8(body)
        .map_err(|_| bad(format!("HTTP {status}: the answer is not UTF-8 text")))?;
    match Answer::from_portal(text) {
        Ok(answer) => Ok(answer),
        Err(text) if text.trim().is_empty() => {
            Err(bad(format!("HTTP {status} with an empty body")))
        }
        Err(text) => Err(bad(format!(
            "HTTP {status}, not a JSON object: {}",
            excerpt(&text)
        ))),
    }
}

/// The start of a body, on one line, for an error text.
fn excerpt(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &collapsed[..end]),
        None => collapsed,
    }
}

/// A connection that failed, on one line: the request, what failed, and
/// what to do when the server answered in plain HTTP where TLS was spoken.
pub(super) fn network_error(
    request: &Request,
    url: &Url,
    error: &(dyn StdError + 'static),
) -> Error {
    let verb = request.verb.as_str();
    let mut text = format!("{verb} {}: {}", without_query(url), chain(error));
    let plain = causes(error)
        .into_iter()
        .find_map(|c| c.downcast_ref::<PlainHttp>());
    if let Some(PlainHttp { place }) = plain {
        text.push_str(&match *request.method == *OAUTH_METHOD {
            true => format!(
                "; where the OAuth server has no HTTPS, set OPI_BITRIX24_OAUTH_URL to http://{place}/"
            ),
            false => format!(
                "; an address without a scheme is taken as https://: where the portal has no HTTPS, give it with http://, as a webhook http://{place}/rest/<user>/<secret>/ or, with a token, http://{place}"
            ),
        });
    }
    Error::new(ErrorCode::NetworkError, text)
}

/// The address without its query, which holds an OAuth grant's secrets.
fn without_query(url: &Url) -> &str {
    &url[..url::Position::AfterPath]
}

pub(super) fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    }
}

/// The error and its causes on one line, each said once.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(error) {
        let text = cause.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// An error and its sources, looking inside I/O errors, whose `source` skips
/// the error they wrap.
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut found = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        found.push(cause);
        next = match cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cause.source(),
        };
    }
    found
}

/// A number in [0, 1) that differs between calls and threads, for jitter.
pub(super) fn random_fraction() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn secrets() -> crate::request::Secrets {
        Request::set_user_status("portal.example/rest/1/s3cr3t/", "dnd", "")
            .unwrap()
            .secrets
    }

    #[test]
    fn non_json_bodies_become_bad_response_with_status_and_excerpt() {
        let error = classify(
            StatusCode::BAD_GATEWAY,
            b"<html>\n<head><title>502 Bad Gateway</title></head>\n</html>".to_vec(),
        )
        .unwrap_err();
        assert_eq!(error.code(), ErrorCode::BadResponse);
        assert_eq!(
            error.description(),
            "HTTP 502 Bad Gateway, not a JSON object: <html> <head><title>502 Bad Gateway</title></head> </html>"
        );
    }

    #[test]
    fn empty_and_non_utf8_and_oversized_bodies() {
        let empty = classify(StatusCode::OK, Vec::new()).unwrap_err();
        assert_eq!(empty.description(), "HTTP 200 OK with an empty body");
        let binary = classify(StatusCode::OK, vec![0xff, 0xfe, b'{']).unwrap_err();
        assert_eq!(
            binary.description(),
            "HTTP 200 OK: the answer is not UTF-8 text"
        );
        let huge = vec![b' '; MAX_ANSWER_BYTES as usize + 1];
        let huge = classify(StatusCode::OK, huge).unwrap_err();
        assert!(huge.description().contains("over 16 MiB"), "{huge}");
    }

    #[test]
    fn excerpts_are_short_and_redacted() {
        let page = format!("<p>s3cr3t {}</p>", "x".repeat(1000));
        let error =
            secrets().redact_error(classify(StatusCode::NOT_FOUND, page.into_bytes()).unwrap_err());
        assert!(!error.description().contains("s3cr3t"));
        assert!(
            error.description().chars().count() < 260,
            "{}",
            error.description()
        );
    }

    #[test]
    fn redirects_refused_when_unsafe_or_too_many() {
        let from = Url::parse("https://old.example/rest/1/s3cr3t/im.user.status.set").unwrap();
        let to = follow(
            &from,
            "https://new.example/rest/1/s3cr3t/im.user.status.set",
            1,
        )
        .unwrap();
        assert_eq!(to.host_str(), Some("new.example"));
        let relative = follow(&from, "/moved/here", 1).unwrap();
        assert_eq!(relative.as_str(), "https://old.example/moved/here");
        for (location, hop, why) in [
            (
                "http://new.example/rest/1/s3cr3t/x",
                1,
                "from https to http",
            ),
            ("ftp://new.example/", 1, "non-HTTP"),
            (
                "https://new.example/",
                MAX_REDIRECTS + 1,
                "more than 5 times",
            ),
        ] {
            let error = secrets().redact_error(follow(&from, location, hop).unwrap_err());
            assert_eq!(error.code(), ErrorCode::BadResponse);
            assert!(error.description().contains(why), "{error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
    }
}
