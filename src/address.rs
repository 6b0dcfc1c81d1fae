//! Turning what people paste as a portal address into the URL of a REST method.
//!
//! Follows OpenIntegrations' `NormalizeAuth`: surrounding spaces, a leading
//! `www.` and a missing trailing `/` are forgiven; with a token the address is
//! the portal's, and `rest/` is added unless it is there. Unlike the original,
//! an explicit `http://` is kept (self-hosted portals), and whatever cannot be
//! a portal address is refused here, before anything is sent.

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use fnv::FnvHasher;
use url::Url;

use crate::error::Error;
use crate::text;

/// Longer addresses are refused: no portal address comes near it.
pub const MAX_URL_BYTES: usize = 2048;

/// The URL a method is called at, and the webhook secret it carries, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: Url,
    pub webhook_secret: Option<String>,
}

/// How the caller authenticates, which decides what the address must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AuthKind {
    /// The address is an incoming webhook: `<portal>/rest/<user id>/<secret>/`.
    Webhook,
    /// The address is the portal's; an application token goes with the call.
    Token,
}

const WEBHOOK_FORM: &str = "https://<portal>/rest/<user id>/<secret>/";

/// Builds the URL of `method` from an address as people paste it.
pub fn endpoint(address: &str, method: &str, auth: AuthKind) -> Result<Endpoint, Error> {
    let mut url = portal_url(address)?;
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    let webhook_secret = match auth {
        AuthKind::Webhook => Some(webhook_secret(&segments)?.to_owned()),
        AuthKind::Token => None,
    };
    let path = method_path(&segments, method, auth);
    url.set_path(&path);
    Ok(Endpoint {
        url,
        webhook_secret,
    })
}

/// Endpoints kept at the most; past that the cache starts again, empty.
const CACHED_ENDPOINTS: usize = 256;

/// An endpoint as [`cached`] keeps it: shared by every call of the same
/// address, method and kind, never copied.
#[derive(Debug)]
pub(crate) struct Shared {
    pub url: Arc<Url>,
    pub webhook_secret: Option<Arc<str>>,
    /// The method as given, for requests to name in logs and errors.
    pub method: Arc<str>,
}

/// One cached endpoint and what it was made from, compared on every hit:
/// the key is a hash, so two texts with one hash are told apart here.
struct Cached {
    address: Box<str>,
    auth: AuthKind,
    endpoint: Arc<Shared>,
}

type Endpoints = RwLock<std::collections::HashMap<u64, Cached, BuildHasherDefault<FnvHasher>>>;

/// The process's endpoints, by a hash of address, method and kind.
static ENDPOINTS: OnceLock<Endpoints> = OnceLock::new();

/// [`endpoint`], remembered: every call of a portal would otherwise parse
/// and check the same text again, the largest cost of a pooled call
/// (docs/performance.md). Only endpoints that passed every check are kept,
/// so a refused address is refused, with the same words, on every call;
/// the result depends on nothing but the three arguments, so one cache
/// serves every client of the process.
pub(crate) fn cached(address: &str, method: &str, auth: AuthKind) -> Result<Arc<Shared>, Error> {
    let endpoints = ENDPOINTS.get_or_init(Endpoints::default);
    let mut hasher = FnvHasher::default();
    hasher.write(address.as_bytes());
    hasher.write_u8(0xff);
    hasher.write(method.as_bytes());
    hasher.write_u8(auth as u8);
    let key = hasher.finish();
    {
        let read = endpoints.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(hit) = read.get(&key) {
            let same = *hit.address == *address && *hit.endpoint.method == *method;
            if same && hit.auth == auth {
                return Ok(Arc::clone(&hit.endpoint));
            }
        }
    }
    let made = endpoint(address, method, auth)?;
    let shared = Arc::new(Shared {
        url: Arc::new(made.url),
        webhook_secret: made.webhook_secret.map(Arc::from),
        method: Arc::from(method),
    });
    let mut write = endpoints.write().unwrap_or_else(PoisonError::into_inner);
    if write.len() >= CACHED_ENDPOINTS {
        write.clear();
    }
    write.insert(
        key,
        Cached {
            address: address.into(),
            auth,
            endpoint: Arc::clone(&shared),
        },
    );
    Ok(shared)
}

/// The address as people paste it, made a URL: trimmed, checked, a scheme
/// given or https, `www.` dropped, no credentials, query or fragment.
fn portal_url(address: &str) -> Result<Url, Error> {
    // The URL parser silently drops tabs and line breaks; refusing them
    // keeps what is sent equal to what was given.
    let address = text::required_word("URL", address, MAX_URL_BYTES)?;
    let (scheme, rest) = split_scheme(address)?;
    let rest = strip_prefix_ignore_case(rest, "www.").unwrap_or(rest);
    let url = Url::parse(&format!("{scheme}://{rest}"))
        .map_err(|error| Error::invalid_argument(format!("URL is not a valid address: {error}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_argument("URL has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_argument(
            "URL must not carry a user name or password; use a webhook address or a token",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_argument(
            "URL must not have a query string (?…) or a fragment (#…)",
        ));
    }
    Ok(url)
}

/// The secret of a webhook path, `…/rest/<user id>/<secret>`.
fn webhook_secret<'a>(segments: &[&'a str]) -> Result<&'a str, Error> {
    let [.., rest, user, secret] = segments else {
        return Err(not_a_webhook());
    };
    let is_rest = |s: &str| s.eq_ignore_ascii_case("rest");
    if !is_rest(rest) || is_rest(user) || is_rest(secret) {
        return Err(not_a_webhook());
    }
    Ok(secret)
}

/// The path of `method`: the address's own, `/rest` added for a token
/// unless it ends in it, then the method.
fn method_path(segments: &[&str], method: &str, auth: AuthKind) -> String {
    let mut path = String::with_capacity(
        segments.iter().map(|s| s.len() + 1).sum::<usize>() + method.len() + 6,
    );
    for segment in segments {
        path.push('/');
        path.push_str(segment);
    }
    let ends_in_rest = segments
        .last()
        .is_some_and(|s| s.eq_ignore_ascii_case("rest"));
    if auth == AuthKind::Token && !ends_in_rest {
        path.push_str("/rest");
    }
    path.push('/');
    path.push_str(method);
    path
}

fn not_a_webhook() -> Error {
    Error::invalid_argument(format!(
        "URL is not a webhook address ({WEBHOOK_FORM}); to call with an application token, give the token too"
    ))
}

/// Splits off an explicit scheme; none means https. Only http and https are accepted.
fn split_scheme(address: &str) -> Result<(&'static str, &str), Error> {
    let Some(colon) = address.find(':') else {
        return Ok(("https", address));
    };
    let (head, tail) = (&address[..colon], &address[colon + 1..]);
    let is_host_and_port = tail
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()));
    if head.contains(['/', '[']) || (is_host_and_port && !tail.starts_with("//")) {
        return Ok(("https", address));
    }
    let Some(rest) = tail.strip_prefix("//") else {
        return Err(unsupported_scheme(head));
    };
    match head.to_ascii_lowercase().as_str() {
        "https" => Ok(("https", rest)),
        "http" => Ok(("http", rest)),
        _ => Err(unsupported_scheme(head)),
    }
}

fn unsupported_scheme(scheme: &str) -> Error {
    let shown: String = scheme.chars().take(16).collect();
    Error::invalid_argument(format!(
        "URL scheme '{shown}' is not supported; use https:// (or http:// for a self-hosted portal)"
    ))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_endpoint_is_the_one_endpoint_makes_and_a_bad_address_is_refused_each_time() {
        let address = "https://cache.example/rest/7/c4ch3s3cr3t/";
        let first = cached(address, "crm.deal.get", AuthKind::Webhook).unwrap();
        let again = cached(address, "crm.deal.get", AuthKind::Webhook).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second call is a hit");
        let made = endpoint(address, "crm.deal.get", AuthKind::Webhook).unwrap();
        assert_eq!(*first.url, made.url);
        assert_eq!(
            first.webhook_secret.as_deref(),
            made.webhook_secret.as_deref()
        );
        assert_eq!(&*first.method, "crm.deal.get");
        // Another method, or the other kind, is another endpoint.
        let other = cached(address, "crm.deal.add", AuthKind::Webhook).unwrap();
        assert_eq!(other.url.path(), "/rest/7/c4ch3s3cr3t/crm.deal.add");
        let portal = cached("cache.example", "crm.deal.get", AuthKind::Token).unwrap();
        assert_eq!(
            portal.url.as_str(),
            "https://cache.example/rest/crm.deal.get"
        );
        assert_eq!(portal.webhook_secret, None);
        // A refusal is not kept: the same words every time.
        for _ in 0..2 {
            let refused = cached("cache.example", "crm.deal.get", AuthKind::Webhook).unwrap_err();
            assert_eq!(refused, not_a_webhook());
        }
    }

    #[test]
    fn the_cache_stays_bounded() {
        for n in 0..CACHED_ENDPOINTS + 10 {
            let address = format!("https://bound{n}.example/rest/1/s/");
            cached(&address, "profile", AuthKind::Webhook).unwrap();
        }
        static_len_at_most(CACHED_ENDPOINTS);
    }

    fn static_len_at_most(bound: usize) {
        let endpoints = ENDPOINTS.get().expect("made by a call");
        let len = endpoints.read().unwrap().len();
        assert!(len <= bound, "{len} endpoints kept");
    }

    const METHOD: &str = "im.user.status.set";

    fn webhook(address: &str) -> Result<String, String> {
        endpoint(address, METHOD, AuthKind::Webhook)
            .map(|e| e.url.to_string())
            .map_err(|e| e.description().to_owned())
    }

    fn token(address: &str) -> Result<String, String> {
        endpoint(address, METHOD, AuthKind::Token)
            .map(|e| e.url.to_string())
            .map_err(|e| e.description().to_owned())
    }

    #[test]
    fn webhook_addresses_in_every_pasted_form() {
        let expected = "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/im.user.status.set";
        for address in [
            "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt",
            "b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt",
            "www.b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "https://www.b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "HTTPS://WWW.b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "  https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/  ",
            "\thttps://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/\r\n",
            "https://B24-AR17WX.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
            "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt//",
        ] {
            assert_eq!(
                webhook(address).as_deref(),
                Ok(expected),
                "address {address:?}"
            );
        }
    }

    #[test]
    fn webhook_over_explicit_http_keeps_http() {
        assert_eq!(
            webhook("http://crm.example.local/rest/7/abc/").as_deref(),
            Ok("http://crm.example.local/rest/7/abc/im.user.status.set")
        );
    }

    #[test]
    fn webhook_keeps_port_and_path_prefix_and_secret() {
        let found = endpoint(
            "crm.example.local:8443/portal/rest/7/s3cr3t/",
            METHOD,
            AuthKind::Webhook,
        )
        .unwrap();
        assert_eq!(
            found.url.as_str(),
            "https://crm.example.local:8443/portal/rest/7/s3cr3t/im.user.status.set"
        );
        assert_eq!(found.webhook_secret.as_deref(), Some("s3cr3t"));
    }

    #[test]
    fn token_addresses_in_every_pasted_form() {
        let expected = "https://b24-ar17wx.bitrix24.by/rest/im.user.status.set";
        for address in [
            "b24-ar17wx.bitrix24.by",
            "b24-ar17wx.bitrix24.by/",
            "https://b24-ar17wx.bitrix24.by",
            "https://b24-ar17wx.bitrix24.by/",
            "www.b24-ar17wx.bitrix24.by",
            "b24-ar17wx.bitrix24.by/rest",
            "b24-ar17wx.bitrix24.by/rest/",
            "https://b24-ar17wx.bitrix24.by/rest/",
            " b24-ar17wx.bitrix24.by ",
        ] {
            assert_eq!(
                token(address).as_deref(),
                Ok(expected),
                "address {address:?}"
            );
        }
        let found = endpoint("b24-ar17wx.bitrix24.by", METHOD, AuthKind::Token).unwrap();
        assert_eq!(found.webhook_secret, None);
    }

    #[test]
    fn ipv6_literal_and_idn_hosts() {
        assert_eq!(
            token("[::1]:8443").as_deref(),
            Ok("https://[::1]:8443/rest/im.user.status.set")
        );
        assert_eq!(
            token("http://[::1]/").as_deref(),
            Ok("http://[::1]/rest/im.user.status.set")
        );
        assert_eq!(
            token("портал.рф").as_deref(),
            Ok("https://xn--80awhdgm.xn--p1ai/rest/im.user.status.set")
        );
    }

    #[test]
    fn addresses_that_are_refused() {
        for (address, why) in [
            ("", "URL is empty"),
            ("   ", "URL is empty"),
            ("https://", "not a valid address"),
            ("ftp://portal.example/rest/1/x/", "scheme 'ftp'"),
            ("file:///etc/passwd", "scheme 'file'"),
            ("javascript:alert(1)", "scheme 'javascript'"),
            (
                "https://user:pw@portal.example/rest/1/x/",
                "user name or password",
            ),
            ("https://portal.example/rest/1/x/?a=1", "query string"),
            ("https://portal.example/rest/1/x/#top", "fragment"),
            (
                "https://portal.example/rest/1/x y/",
                "space or control character at byte 31",
            ),
            (
                "https://portal.ex\nample/rest/1/x/",
                "space or control character",
            ),
            ("https://portal.example/", "not a webhook address"),
            ("https://portal.example/rest/", "not a webhook address"),
            ("https://portal.example/rest/1/", "not a webhook address"),
            ("https://portal.example/api/1/x/", "not a webhook address"),
        ] {
            let error = webhook(address).expect_err(address);
            assert!(
                error.contains(why),
                "address {address:?}: {error:?} lacks {why:?}"
            );
        }
        let long = format!("portal.example/rest/1/{}/", "x".repeat(MAX_URL_BYTES));
        assert!(webhook(&long).unwrap_err().contains("at most 2048"));
    }
}
