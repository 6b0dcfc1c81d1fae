//! What is sent: the checked arguments of a call turned into an address, a
//! body and the secrets that must never be shown. Any REST method goes
//! through [`Request::call`]; the typed functions (`im.user.status.set`,
//! `im.user.status.get`, the OAuth grants) are thin wrappers over it, or,
//! for tokens, over [`Request::oauth`]. Nothing here touches the network.

mod secrets;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use serde_json::{Map, Value};
use url::Url;

use crate::address::{self, AuthKind};
use crate::echo;
use crate::error::Error;
use crate::json::{self, Refused};
use crate::retry;
use crate::text;

pub use secrets::Secrets;

/// The REST method of [`Request::set_user_status`].
pub const SET_STATUS_METHOD: &str = "im.user.status.set";
/// The REST method of [`Request::get_user_status`].
pub const GET_STATUS_METHOD: &str = "im.user.status.get";

/// The statuses a portal accepts (`break` on newer portals only).
pub const STATUSES: [&str; 4] = ["online", "dnd", "away", "break"];

/// Longer tokens are refused: real ones are under a hundred characters.
pub(crate) const MAX_TOKEN_BYTES: usize = 4096;
/// Longer method names are refused: the longest real ones are about 50.
pub(crate) const MAX_METHOD_BYTES: usize = 100;
/// Larger parameters are refused: the portal's answers are capped alike.
pub(crate) const MAX_PARAMS_BYTES: usize = 16 << 20;

/// What [`MAX_PARAMS_BYTES`] bounds, for [`too_large`].
pub(crate) const A_REQUEST: &str = "a request may carry";

/// Why `size` bytes are refused where at most `limit` fit (`bounded` says
/// what the limit is of): both in MiB to a tenth, the size rounded up and
/// the limit down, so that the size never reads as no more than the limit.
/// In integers, as in budget.rs: rounding a float would import the C
/// library's floor, which .ci/win7-imports does not list.
pub(crate) fn too_large(size: u64, limit: u64, bounded: &str) -> String {
    // Tenths of a MiB; u128, as ten times a u64 may not fit one.
    let up = (u128::from(size) * 10).div_ceil(1 << 20);
    let down = u128::from(limit) * 10 / (1 << 20);
    format!(
        "{}.{} MiB, more than the {}.{} MiB {bounded}",
        up / 10,
        up % 10,
        down / 10,
        down % 10
    )
}

/// How a request travels: REST methods are POSTed, token grants are GETs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Post,
    Get,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Post => "POST",
            Verb::Get => "GET",
        }
    }
}

/// A request ready to send, built from a caller's arguments. Its `Debug`
/// shows the verb, the method and the masked address, never the body.
#[derive(Clone)]
pub struct Request {
    pub verb: Verb,
    /// Shared with the endpoint cache (`address::cached`) and every
    /// request to the same method: a call copies no address.
    pub url: Arc<Url>,
    /// The JSON body of a POST; empty for a GET.
    pub body: Bytes,
    /// A multipart form sent instead of `body` (an upload).
    pub form: Option<Form>,
    pub secrets: Secrets,
    /// What is called, for error texts: a REST method or `oauth/token`.
    pub method: Arc<str>,
    /// Whether the request may be sent again after a failure that leaves
    /// open whether the portal ran it (docs/retries.md).
    pub repeatable: bool,
    /// Methods besides `method` whose operating-time budgets the portal
    /// charges this request to: a batch's commands', each to its own
    /// method's. The request waits for room in each, as in its own; sorted
    /// and each once, so that every request waits for them in one order.
    pub charged_to: Vec<String>,
    /// When the call's time budget ends, for a request that sends again
    /// what an earlier one was refused (a batch's commands, after their
    /// methods' budgets freed): the budget began with the earlier request.
    /// None: it begins when this request is sent.
    pub deadline: Option<Instant>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("verb", &self.verb)
            .field("method", &self.method)
            .field(
                "url",
                &self.secrets.redact(&self.url[..url::Position::AfterPath]),
            )
            .finish_non_exhaustive()
    }
}

/// What an OAuth grant calls, in place of a REST method: for error texts
/// and the request log.
pub(crate) const OAUTH_METHOD: &str = "oauth/token";

/// An OAuth grant of the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Exchanges the code an authorisation redirect brought.
    AuthorizationCode,
    /// Exchanges a refresh token (which it spends) for new tokens.
    RefreshToken,
}

impl Grant {
    fn grant_type(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
        }
    }

    /// The query parameter, and the argument's name in error texts.
    fn credential(self) -> (&'static str, &'static str) {
        match self {
            Grant::AuthorizationCode => ("code", "Code"),
            Grant::RefreshToken => ("refresh_token", "Refresh"),
        }
    }
}

impl Request {
    /// Any REST method: by webhook when `token` is empty, else by
    /// application token at the portal `url`, with `params` as its JSON body.
    pub fn call(
        url: &str,
        method: &str,
        params: &Map<String, Value>,
        token: &str,
    ) -> Result<Request, Error> {
        let object = Object {
            text: Bytes::from(
                serde_json::to_string(params).expect("a map of JSON values always serialises"),
            ),
            is_empty: params.is_empty(),
            auth_key: params.keys().find(|name| is_credential(name)).cloned(),
        };
        Request::with_object(url, method, object, token)
    }

    /// The request of `method` with `object`: the caller's parameters as
    /// given or serialised, or the typed wrappers' own (which need no map).
    fn with_object(url: &str, method: &str, object: Object, token: &str) -> Result<Request, Error> {
        Request::with_valid_method(url, checked_method(method)?, object, token)
    }

    /// As [`Request::with_object`], `method` known to be a valid name.
    fn with_valid_method(
        url: &str,
        method: &str,
        object: Object,
        token: &str,
    ) -> Result<Request, Error> {
        let token = text::single_word("Token", token, MAX_TOKEN_BYTES)?;
        let token = Some(token).filter(|t| !t.is_empty());
        if let (Some(_), Some(name)) = (token, &object.auth_key) {
            return Err(Error::invalid_argument(format!(
                "Parameters hold {} and a Token is given too; give the token in one place",
                echo::value(name, 20)
            )));
        }
        let auth = match token {
            Some(_) => AuthKind::Token,
            None => AuthKind::Webhook,
        };
        let endpoint = address::cached(url, method, auth)?;
        let mut secrets = Secrets::of(token);
        secrets.0.extend(endpoint.webhook_secret.clone());
        Ok(Request {
            verb: Verb::Post,
            url: Arc::clone(&endpoint.url),
            body: with_auth(object, token),
            form: None,
            secrets,
            method: Arc::clone(&endpoint.method),
            repeatable: retry::is_safe_to_repeat(method),
            charged_to: Vec::new(),
            deadline: None,
        })
    }

    /// As [`Request::call`], with a JSON object's text this library built
    /// (a function's body), which needs no second reading; shared, not
    /// copied, by each request made of it (a token file's renewal makes a
    /// second). `method` is a function's, from the table, whose methods a
    /// test passes through [`checked_method`] once for all
    /// (src/functions/mod.rs), rather than every call.
    pub fn with_body(
        url: &str,
        method: &str,
        text: Bytes,
        auth_key: Option<&str>,
        token: &str,
    ) -> Result<Request, Error> {
        if text.len() > MAX_PARAMS_BYTES {
            return Err(Error::invalid_argument(format!(
                "the request would be {}",
                too_large(text.len() as u64, MAX_PARAMS_BYTES as u64, A_REQUEST)
            )));
        }
        debug_assert!(checked_method(method).is_ok(), "{method}");
        let object = Object {
            is_empty: text == "{}",
            text,
            auth_key: auth_key.map(str::to_owned),
        };
        Request::with_valid_method(url, method, object, token)
    }

    /// As [`Request::call`], with the parameters as JSON text: an object, or
    /// empty for none.
    pub fn call_json(url: &str, method: &str, params: &str, token: &str) -> Result<Request, Error> {
        Request::with_object(url, method, checked_object(params)?, token)
    }

    /// `im.user.status.set` with a checked status.
    pub fn set_user_status(url: &str, status: &str, token: &str) -> Result<Request, Error> {
        // One of STATUSES, which need no escaping.
        let object = Object {
            text: Bytes::from(format!(r#"{{"STATUS":"{}"}}"#, normalize_status(status)?)),
            is_empty: false,
            auth_key: None,
        };
        Request::with_object(url, SET_STATUS_METHOD, object, token)
    }

    /// `im.user.status.get`, which has no parameters.
    pub fn get_user_status(url: &str, token: &str) -> Result<Request, Error> {
        Request::with_object(url, GET_STATUS_METHOD, checked_object("")?, token)
    }

    /// A grant of the OAuth server at `server`: `GET <server>/oauth/token/`
    /// with the client's id and secret and the code or refresh token.
    pub fn oauth(
        server: &Url,
        grant: Grant,
        client_id: &str,
        client_secret: &str,
        credential: &str,
    ) -> Result<Request, Error> {
        let (parameter, name) = grant.credential();
        let client_id = text::required_word("ClientID", client_id, MAX_TOKEN_BYTES)?;
        let client_secret = text::required_word("ClientSecret", client_secret, MAX_TOKEN_BYTES)?;
        let credential = text::required_word(name, credential, MAX_TOKEN_BYTES)?;
        let mut url = server.join("oauth/token/").map_err(|e| {
            Error::invalid_argument(format!("the OAuth server address is not usable: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("grant_type", grant.grant_type())
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret)
            .append_pair(parameter, credential);
        Ok(Request {
            verb: Verb::Get,
            url: Arc::new(url),
            body: Bytes::new(),
            form: None,
            secrets: Secrets::of([client_secret, credential]),
            method: Arc::from(OAUTH_METHOD),
            // A code is used once and a refresh token is spent by its
            // exchange: a grant the server may have answered is not repeated.
            repeatable: false,
            charged_to: Vec::new(),
            deadline: None,
        })
    }
}

/// A multipart form: its bytes and its `Content-Type`, boundary included.
#[derive(Clone)]
pub struct Form {
    pub content_type: String,
    pub bytes: Bytes,
}

impl Request {
    /// What goes on the wire: the form's bytes, or the JSON body's.
    pub fn body_bytes(&self) -> &Bytes {
        match &self.form {
            Some(form) => &form.bytes,
            None => &self.body,
        }
    }

    /// A file posted as a one-part multipart form to an upload address a
    /// portal gave (`disk.folder.uploadfile`'s `uploadUrl`). The address
    /// carries its own credentials in its query, so it is masked whole;
    /// the upload is a write, never repeated.
    pub fn upload(
        address: &str,
        field: &str,
        file_name: &str,
        content: &[u8],
        portal: &str,
        token: Option<&str>,
    ) -> Result<Request, Error> {
        let auth = match token {
            None => AuthKind::Webhook,
            Some(_) => AuthKind::Token,
        };
        let portal = address::endpoint(portal, "upload", auth)?;
        // The form goes where the portal said, never by plain http when
        // the call to the portal was encrypted.
        let refused = |why: &str| {
            Error::new(
                crate::error::ErrorCode::BadResponse,
                format!("the portal's upload address {why}"),
            )
        };
        let url = Url::parse(address)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| refused("is not an http(s) address"))?;
        if portal.url.scheme() == "https" && url.scheme() != "https" {
            return Err(refused("is plain http, where the portal is https"));
        }
        let mut secrets = vec![url.query().unwrap_or_default().to_owned()];
        secrets.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
        secrets.extend(portal.webhook_secret);
        secrets.extend(token.map(str::to_owned));
        // Quotes and line ends would end the header's quoted names early.
        let quoted = |text: &str| text.replace('"', "%22").replace(['\r', '\n'], " ");
        let boundary = (0u32..)
            .map(|n| format!("opi-bitrix24-boundary-{n}"))
            .find(|boundary| {
                !content
                    .windows(boundary.len())
                    .any(|w| w == boundary.as_bytes())
            })
            .expect("some boundary is not in the file");
        let mut bytes = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\r\n",
            quoted(field),
            quoted(file_name)
        )
        .into_bytes();
        bytes.extend_from_slice(content);
        bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Ok(Request {
            verb: Verb::Post,
            url: Arc::new(url),
            body: Bytes::new(),
            form: Some(Form {
                content_type: format!("multipart/form-data; boundary={boundary}"),
                bytes: Bytes::from(bytes),
            }),
            secrets: Secrets::of(secrets.iter().map(String::as_str)),
            method: Arc::from("upload"),
            repeatable: false,
            charged_to: Vec::new(),
            deadline: None,
        })
    }
}

/// The method name, refused unless it is dot-separated words of ASCII
/// letters, digits and `_` (no `/`, `?`, spaces or `..` to reach another
/// address). The name is not echoed: people paste whole webhooks into it.
pub(crate) fn checked_method(method: &str) -> Result<&str, Error> {
    if method.is_empty() {
        return Err(Error::invalid_argument("Method is empty"));
    }
    if method.len() > MAX_METHOD_BYTES {
        return Err(Error::invalid_argument(format!(
            "Method is {} bytes long; at most {MAX_METHOD_BYTES} are accepted",
            method.len()
        )));
    }
    // Bytes, not chars: every call passes here, and a byte outside ASCII
    // starts a char that is refused anyway.
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    if let Some(position) = method.bytes().position(|b| !allowed(b)) {
        let c = method[position..].chars().next().unwrap_or_default();
        let shown = if c.is_control() || c.is_whitespace() {
            format!("U+{:04X}", c as u32)
        } else {
            format!("'{c}'")
        };
        return Err(Error::invalid_argument(format!(
            "Method has {shown} at byte {position}; a method name is letters, digits, '_' and '.', such as crm.deal.add"
        )));
    }
    let bytes = method.as_bytes();
    let empty_part = bytes[0] == b'.'
        || bytes[bytes.len() - 1] == b'.'
        || bytes.windows(2).any(|pair| pair == b"..");
    if empty_part {
        return Err(Error::invalid_argument(
            "Method has an empty part between dots; a method name looks like crm.deal.add",
        ));
    }
    Ok(method)
}

/// A JSON object's text, checked, to be sent as it is.
struct Object {
    text: Bytes,
    is_empty: bool,
    /// A parameter that would clash with a token (`auth`, `access_token`).
    auth_key: Option<String>,
}

/// Parameters given as JSON text: one object, or nothing (empty text). The
/// text is checked, not rebuilt, so that it is sent as given: a number too
/// long for a 64-bit float, or an integer ID of 20 digits, arrives intact.
/// A key given twice in any of its objects is refused: the portal reads the
/// body with PHP's `json_decode`, which keeps only the last (docs/calls.md).
/// One pass reads it all, and counts the top level's keys.
fn checked_object(params: &str) -> Result<Object, Error> {
    if params.len() > MAX_PARAMS_BYTES {
        return Err(Error::invalid_argument(format!(
            "Parameters (JSON) are {}",
            too_large(params.len() as u64, MAX_PARAMS_BYTES as u64, A_REQUEST)
        )));
    }
    let text = params.trim();
    if text.is_empty() {
        return Ok(Object {
            text: Bytes::from_static(b"{}"),
            is_empty: true,
            auth_key: None,
        });
    }
    if let Some((count, auth_key)) = plain_members(text) {
        return Ok(Object {
            text: Bytes::copy_from_slice(text.as_bytes()),
            is_empty: count == 0,
            auth_key,
        });
    }
    let (mut count, mut auth_key) = (0, None);
    let mut kept = String::new();
    let (kind, text) = json::read_given(text, &mut kept, |text| {
        // Counted again from the first key when the text is read a second
        // time, converted from OpenIntegrations' dialect.
        let mut each = |index: usize, key: &str| {
            if index == 0 {
                auth_key = None;
            }
            count = index + 1;
            if auth_key.is_none() && is_credential(key) {
                auth_key = Some(key.to_owned());
            }
        };
        json::read_whole(text, &mut each).map(|kind| (kind, text))
    })
    .map_err(|refused| match refused {
        Refused::NotJson(why) => {
            Error::invalid_argument(format!("Parameters are not valid JSON: {why}"))
        }
        Refused::Twice(why) => Error::invalid_argument(format!("Parameters: {why}")),
    })?;
    if kind != json::AN_OBJECT {
        return Err(Error::invalid_argument(format!(
            "Parameters must be a JSON object, such as {{\"ID\": 1}}; they are {kind}"
        )));
    }
    if text.len() > MAX_PARAMS_BYTES {
        // Converted from OpenIntegrations' dialect, and grown past the limit.
        return Err(Error::invalid_argument(format!(
            "Parameters as JSON are {}",
            too_large(text.len() as u64, MAX_PARAMS_BYTES as u64, A_REQUEST)
        )));
    }
    Ok(Object {
        text: Bytes::copy_from_slice(text.as_bytes()),
        is_empty: count == 0,
        auth_key,
    })
}

/// The members of a plain object (`json::each_plain_member`: nothing
/// nested, no escapes), as most parameters are, read by hand for a
/// fraction of the whole reading: how many, and the first that names a
/// credential. None for any other text, and for a key given twice, which
/// the whole reading refuses saying where.
fn plain_members(text: &str) -> Option<(usize, Option<String>)> {
    const MOST: usize = 16;
    let mut keys = [""; MOST];
    let (mut count, mut auth_key) = (0, None);
    let plain = json::each_plain_member(text, |key, _| {
        if let Some(slot) = keys.get_mut(count) {
            *slot = key;
        }
        if auth_key.is_none() && is_credential(key) {
            auth_key = Some(key.to_owned());
        }
        count += 1;
    });
    let keys = keys.get(..count)?;
    let twice = (1..count).any(|at| keys[..at].contains(&keys[at]));
    (plain && !twice).then_some((count, auth_key))
}

/// Whether a parameter names a credential, as the portal reads names (in
/// any case).
pub(crate) fn is_credential(name: &str) -> bool {
    ["auth", "access_token"]
        .iter()
        .any(|key| name.eq_ignore_ascii_case(key))
}

/// A JSON object's text with the token added as `auth`, its first member,
/// where OpenIntegrations' functions put it (docs/functions-table.md).
fn with_auth(object: Object, token: Option<&str>) -> Bytes {
    let Some(token) = token else {
        return object.text;
    };
    // The text starts with its `{`: a caller's is trimmed when checked.
    let members = object.text.strip_prefix(b"{").unwrap_or(b"}");
    let mut text = Vec::with_capacity(object.text.len() + token.len() + 12);
    text.extend_from_slice(b"{\"auth\":");
    text.extend_from_slice(Value::from(token).to_string().as_bytes());
    if !object.is_empty {
        text.push(b',');
    }
    text.extend_from_slice(members);
    Bytes::from(text)
}

/// Trims and lower-cases the status, and refuses anything a portal would refuse.
pub fn normalize_status(status: &str) -> Result<&'static str, Error> {
    let given = status.trim();
    if given.is_empty() {
        return Err(Error::invalid_argument(format!(
            "Status is empty; it must be one of: {}",
            STATUSES.join(", ")
        )));
    }
    // The statuses are ASCII: ASCII text is compared in any case without
    // lower-casing a copy; other text as Unicode lower-cases it.
    let matches = |allowed: &str| match given.is_ascii() {
        true => allowed.eq_ignore_ascii_case(given),
        false => *allowed == given.to_lowercase(),
    };
    STATUSES
        .iter()
        .find(|allowed| matches(allowed))
        .copied()
        .ok_or_else(|| {
            Error::invalid_argument(format!(
                "Status {} is not allowed; it must be one of: {}",
                echo::value(given, 32),
                STATUSES.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_never_reads_as_within_the_limit() {
        let request = 16 << 20;
        assert_eq!(
            too_large(request + 8, request, "x"),
            "16.1 MiB, more than the 16.0 MiB x"
        );
        assert_eq!(
            too_large(13 << 20, (12 << 20) - (64 << 10), "y"),
            "13.0 MiB, more than the 11.9 MiB y"
        );
        assert_eq!(
            too_large(u64::MAX, 0, "z"),
            "17592186044416.0 MiB, more than the 0.0 MiB z"
        );
    }

    #[test]
    fn status_is_trimmed_and_lower_cased() {
        for (given, expected) in [
            ("online", "online"),
            ("dnd", "dnd"),
            ("away", "away"),
            ("break", "break"),
            (" DND ", "dnd"),
            ("Away\n", "away"),
        ] {
            assert_eq!(
                normalize_status(given).unwrap(),
                expected,
                "status {given:?}"
            );
        }
    }

    #[test]
    fn bad_statuses_are_refused_with_the_allowed_list() {
        for given in ["", "  ", "busy", "1", "on line", "dnd\0"] {
            let error = normalize_status(given).unwrap_err();
            assert!(
                error.description().contains("online, dnd, away, break"),
                "status {given:?}: {error}"
            );
        }
        let error = normalize_status(&"x".repeat(1 << 20)).unwrap_err();
        assert!(error.description().len() < 200, "{}", error.description());
    }

    #[test]
    fn webhook_body_has_only_the_status() {
        let request = Request::set_user_status("portal.example/rest/1/abc/", "dnd", "").unwrap();
        assert_eq!(request.body, r#"{"STATUS":"dnd"}"#);
        assert_eq!(
            request.url.as_str(),
            "https://portal.example/rest/1/abc/im.user.status.set"
        );
    }

    #[test]
    fn token_body_has_status_and_auth() {
        let request = Request::set_user_status("portal.example", "away", " tok123 ").unwrap();
        assert_eq!(request.body, r#"{"auth":"tok123","STATUS":"away"}"#);
        let request = Request::set_user_status("portal.example", "away", r#"t"o\k"#).unwrap();
        assert_eq!(request.body, r#"{"auth":"t\"o\\k","STATUS":"away"}"#);
        assert_eq!(
            request.url.as_str(),
            "https://portal.example/rest/im.user.status.set"
        );
    }

    #[test]
    fn tokens_with_inner_spaces_or_controls_are_refused_without_echo() {
        for token in ["tok3n 5ecret", "tok3n\r\n5ecret", "tok3n\u{7}5ecret"] {
            let error = Request::set_user_status("portal.example", "dnd", token).unwrap_err();
            assert!(error.description().contains("Token contains"), "{error}");
            assert!(!error.description().contains("5ecret"), "{error}");
        }
        let error =
            Request::set_user_status("portal.example", "dnd", &"t".repeat(5000)).unwrap_err();
        assert!(error.description().contains("at most 4096"), "{error}");
    }

    #[test]
    fn redaction_masks_secret_and_token() {
        let request = Request::set_user_status("portal.example/rest/1/s3cr3t/", "dnd", "").unwrap();
        assert_eq!(
            request.secrets.redact(request.url.as_str()),
            "https://portal.example/rest/1/***/im.user.status.set"
        );
        let request = Request::set_user_status("portal.example", "dnd", "tok").unwrap();
        assert_eq!(request.secrets.redact("auth=tok&x"), "auth=***&x");
    }

    #[test]
    fn any_method_with_params_and_token() {
        let params: Map<String, Value> =
            serde_json::from_str(r#"{"fields": {"TITLE": "A&B"}, "ID": 1}"#).unwrap();
        let request = Request::call("portal.example", "crm.deal.add", &params, "tok").unwrap();
        assert_eq!(
            request.url.as_str(),
            "https://portal.example/rest/crm.deal.add"
        );
        assert_eq!(
            request.body,
            r#"{"auth":"tok","fields":{"TITLE":"A&B"},"ID":1}"#
        );
        assert!(!request.repeatable);
        let request =
            Request::call_json("portal.example/rest/1/abc", "server.time", " ", "").unwrap();
        assert_eq!(request.body, "{}");
        assert!(request.repeatable);
        let request = Request::get_user_status("portal.example", "tok").unwrap();
        assert_eq!(request.body, r#"{"auth":"tok"}"#);
        assert_eq!(request.url.path(), "/rest/im.user.status.get");
    }

    #[test]
    fn method_names_that_could_reach_another_address_are_refused() {
        for (method, why) in [
            ("", "Method is empty"),
            ("../profile", "'/' at byte 2"),
            ("..", "empty part between dots"),
            ("crm.deal.", "empty part between dots"),
            ("crm deal", "U+0020 at byte 3"),
            ("server.time?auth=x", "'?' at byte 11"),
            (
                "https://p.example/rest/1/s3cr3t/crm.deal.add",
                "':' at byte 5",
            ),
            ("crm.deal.add\n", "U+000A"),
            ("метод", "'м' at byte 0"),
        ] {
            let error =
                Request::call_json("portal.example/rest/1/abc", method, "", "").unwrap_err();
            assert!(error.description().contains(why), "{method:?}: {error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
        let long = "a".repeat(MAX_METHOD_BYTES + 1);
        let error = Request::call_json("portal.example/rest/1/abc", &long, "", "").unwrap_err();
        assert!(error.description().contains("at most 100"), "{error}");
    }

    #[test]
    fn params_must_be_one_json_object() {
        for (params, why) in [
            ("[1, 2]", "they are an array"),
            ("42", "they are a number"),
            ("null", "they are null"),
            ("\"x\"", "they are a string"),
            ("{\"a\":", "not valid JSON"),
            (
                "{'a': undefined}",
                "Parameters are not valid JSON: undefined is not a JSON value at line 1 column 7",
            ),
            (
                r#"{"ID": 1, "ID": 2}"#,
                "Parameters: the key 'ID' is given twice in one object",
            ),
            (
                r#"{"fields": {"TITLE": "a", "OPENED": "Y", "TITLE": "b"}}"#,
                "the key 'TITLE' is given twice in one object, and the portal would read only its last value: give each key once (line 1, column 48)",
            ),
            (r#"{"a": [{"b": {"c": 1, "c": 1}}]}"#, "'c' is given twice"),
        ] {
            let error = checked_object(params).err().unwrap();
            assert!(error.description().contains(why), "{params}: {error}");
        }
        let huge = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_PARAMS_BYTES));
        let error = checked_object(&huge).err().unwrap();
        assert_eq!(
            error.description(),
            "Parameters (JSON) are 16.1 MiB, more than the 16.0 MiB a request may carry"
        );
        assert!(error.description().len() < 200);
    }

    #[test]
    fn params_text_is_sent_as_given_with_the_token_added() {
        let given = r#" { "ID" : 12345678901234567890123, "PRICE": 100.10, "x": "\u0041" } "#;
        let request = Request::call_json("portal.example", "crm.deal.get", given, "tok").unwrap();
        assert_eq!(
            request.body,
            r#"{"auth":"tok", "ID" : 12345678901234567890123, "PRICE": 100.10, "x": "\u0041" }"#
        );
        let empty = Request::call_json("portal.example", "server.time", "{ }", "tok").unwrap();
        assert_eq!(empty.body, r#"{"auth":"tok" }"#);
        let escaped = Request::call_json("portal.example", "x.get", r#"{"\u0061uth": 1}"#, "tok");
        assert!(
            escaped
                .unwrap_err()
                .description()
                .contains("give the token in one place")
        );
    }

    #[test]
    fn auth_in_params_and_a_token_is_ambiguous() {
        for params in [
            r#"{"auth": "other"}"#,
            r#"{"AUTH": "other"}"#,
            r#"{"access_token": "x"}"#,
        ] {
            let error =
                Request::call_json("portal.example", "server.time", params, "tok").unwrap_err();
            assert!(
                error.description().contains("give the token in one place"),
                "{error}"
            );
        }
        // By webhook, parameters are the caller's own business.
        Request::call_json(
            "portal.example/rest/1/abc",
            "server.time",
            r#"{"auth":"x"}"#,
            "",
        )
        .unwrap();
    }

    #[test]
    fn an_upload_is_a_one_part_form_its_address_masked_and_never_repeated() {
        let request = Request::upload(
            "https://portal.example/rest/upload.json?auth=t0k3n&token=disk%7Cs3cr3t",
            "file",
            "a.txt",
            b"--opi-bitrix24-boundary-0 inside",
            "https://portal.example/rest/1/w3bh00k/",
            None,
        )
        .unwrap();
        let form = request.form.as_ref().unwrap();
        assert_eq!(
            form.content_type, "multipart/form-data; boundary=opi-bitrix24-boundary-1",
            "a boundary the file does not hold"
        );
        assert_eq!(
            &request.body_bytes()[..],
            b"--opi-bitrix24-boundary-1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n--opi-bitrix24-boundary-0 inside\r\n--opi-bitrix24-boundary-1--\r\n"
        );
        assert!(!request.repeatable);
        let shown = request.secrets.redact(request.url.as_str());
        assert!(
            !shown.contains("t0k3n") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        let shown = request
            .secrets
            .redact("https://portal.example/rest/1/w3bh00k/x");
        assert!(
            !shown.contains("w3bh00k"),
            "the first call's secrets too: {shown}"
        );
        let portal = "https://portal.example/rest/1/w3bh00k/";
        assert!(Request::upload("file:///etc/passwd", "file", "a", b"", portal, None).is_err());
        assert!(
            Request::upload(
                "http://portal.example/up?t=1",
                "file",
                "a",
                b"",
                portal,
                None
            )
            .is_err(),
            "no plain http after https"
        );
    }

    #[test]
    fn oauth_grants_are_gets_with_every_secret_masked() {
        let server = Url::parse("https://oauth.example/").unwrap();
        let request = Request::oauth(
            &server,
            Grant::RefreshToken,
            "local.app",
            "s3cr+t/x",
            "r3fresh",
        )
        .unwrap();
        assert_eq!(request.verb, Verb::Get);
        assert_eq!(
            request.url.as_str(),
            "https://oauth.example/oauth/token/?grant_type=refresh_token&client_id=local.app&client_secret=s3cr%2Bt%2Fx&refresh_token=r3fresh"
        );
        let shown = request.secrets.redact(request.url.as_str());
        assert!(
            !shown.contains("s3cr") && !shown.contains("r3fresh"),
            "{shown}"
        );
        assert!(!request.repeatable);
        for (id, secret, code, why) in [
            ("", "s", "c", "ClientID is empty"),
            (
                "id",
                "s3cr\u{1}t",
                "c",
                "ClientSecret contains a space or control character",
            ),
            ("id", "s", " ", "Code is empty"),
        ] {
            let error =
                Request::oauth(&server, Grant::AuthorizationCode, id, secret, code).unwrap_err();
            assert!(error.description().contains(why), "{error}");
            assert!(!error.description().contains("s3cr"), "{error}");
        }
    }
}
