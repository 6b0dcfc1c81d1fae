//! How each function runs once its arguments are read: most send the body
//! their row builds; the few that do more have a handler here, named in
//! their row (docs/functions-table.md).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::body::{Body, Node};
use super::coerce::{self, FileLimit};
use super::{Arguments, Handler};
use crate::answer::Answer;
use crate::credentials;
use crate::engine::Engine;
use crate::error::Error;
use crate::json::{Json, string_literal};
use crate::request::{Grant, Request};
use crate::token_file::path_of;

/// Runs a function whose arguments were read, their values naming the
/// files the client's settings allow (`OPI_BITRIX24_FILES`).
pub(super) fn run<'a>(engine: &'a Engine, mut arguments: Arguments<'a>) -> Answer {
    arguments.files = &engine.config().files;
    let sent = match arguments.function.handler {
        Handler::None if arguments.function.flat => arguments.text().map(|text| {
            let (text, credential_key) = text.finish();
            send_text(engine, &arguments, text, credential_key.as_deref())
        }),
        Handler::None => arguments.body().map(|body| send(engine, &arguments, &body)),
        Handler::Template => template(&arguments).map(offline),
        Handler::AuthLink => auth_link(&arguments).map(|link| offline(&string_literal(&link))),
        Handler::Oauth => Ok(oauth(engine, &arguments)),
        Handler::PictureBlock => block(&arguments, "IMAGE").map(|b| offline(&b)),
        Handler::FileBlock => block(&arguments, "FILE").map(|b| offline(&b)),
        Handler::KanbanMove => kanban_move(&arguments).map(|body| send(engine, &arguments, &body)),
        Handler::UserStatus => user_status(&arguments).map(|body| send(engine, &arguments, &body)),
        Handler::CalendarFilter => {
            calendar_filter(&arguments).map(|body| send(engine, &arguments, &body))
        }
        Handler::UploadToStorage => {
            upload_to_storage(&arguments).map(|body| send(engine, &arguments, &body))
        }
        Handler::FolderFilter => folder_filter(engine, &arguments),
        Handler::ParseEvent => parse_event(&arguments),
        Handler::OfflineGet => offline_get(&arguments)
            .map(|body| crate::events::offline::explain_license(send(engine, &arguments, &body))),
        Handler::UploadToFolder => upload_to_folder(engine, &arguments),
    };
    sent.unwrap_or_else(Answer::from)
}

/// Sends `body` to the function's method, as CallMethod sends its parameters.
fn send(engine: &Engine, arguments: &Arguments, body: &Body) -> Answer {
    send_text(engine, arguments, body.to_json(), body.credential_key())
}

/// As [`send`], the body as its text (`credential_key` as
/// [`Body::credential_key`] says).
fn send_text(
    engine: &Engine,
    arguments: &Arguments,
    text: String,
    credential_key: Option<&str>,
) -> Answer {
    let (method, text) = (arguments.function.method, Bytes::from(text));
    credentials::answer(engine, &arguments.token, &|token| {
        Request::with_body(&arguments.url, method, text.clone(), credential_key, token)
    })
}

/// An offline function's answer: `{"result": value}`, as a portal's is.
fn offline(value: &str) -> Answer {
    Answer::composed(format!("{{\"result\":{value}}}"), None)
}

/// The boolean argument `name`, false when the function has none.
fn flag(arguments: &Arguments, name: &str) -> Result<bool, Error> {
    match arguments.value(name) {
        None => Ok(false),
        Some(value) => coerce::truth_of(value).map_err(|e| arguments.bad(arguments.param(name), e)),
    }
}

/// One of the function's templates: described (filled) or empty (Clear),
/// as a structure or, with AsMap, as a map with operators in the keys;
/// described in Russian when the function was called by its Russian name.
fn template<'t>(arguments: &Arguments) -> Result<&'t str, Error> {
    let variant = match (flag(arguments, "AsMap")?, flag(arguments, "Clear")?) {
        (false, false) => "filled",
        (false, true) => "clear",
        (true, false) => "map",
        (true, true) => "map-clear",
    };
    let russian = format!("{variant}-ru");
    let wanted = [
        Some(russian.as_str()).filter(|_| arguments.russian),
        Some(variant),
    ];
    wanted
        .into_iter()
        .flatten()
        .find_map(|wanted| {
            arguments
                .function
                .templates
                .iter()
                .find(|(known, _)| *known == wanted)
        })
        .map(|(_, json)| *json)
        .ok_or_else(|| Error::internal(format!("no {variant} template")))
}

/// GetAppAuthLink: the page an application sends a user to, to authorise.
/// Unlike OpenIntegrations, a domain given with its scheme keeps it
/// (theirs left the address unset: docs/functions.md).
fn auth_link(arguments: &Arguments) -> Result<String, Error> {
    let text = |name| arguments.value(name).map(coerce::text).unwrap_or_default();
    let (domain, client_id) = (text("Domain"), text("ClientID"));
    let has_scheme = ["http://", "https://"].iter().any(|scheme| {
        domain
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    });
    let mut link = match has_scheme {
        true => domain,
        false => format!("https://{domain}"),
    };
    if !link.ends_with('/') {
        link.push('/');
    }
    link.push_str("oauth/authorize/?client_id=");
    link.extend(url::form_urlencoded::byte_serialize(client_id.as_bytes()));
    Ok(link)
}

/// ParseEvent: the body read and its token checked (src/events/), offline.
fn parse_event(arguments: &Arguments) -> Result<Answer, Error> {
    let text = |name| arguments.value(name).map(coerce::text).unwrap_or_default();
    let with_tokens = flag(arguments, "WithTokens")?;
    let (body, token) = (text("Body"), text("ApplicationToken"));
    Ok(crate::events::parse_event(&body, &token, with_tokens))
}

/// GetOfflineEvents: `clear` 0 (reserve, the default) or 1 (delete what is
/// read), and `error` 1 to read the records marked as failed.
fn offline_get<'a>(arguments: &Arguments<'a>) -> Result<Body<'a>, Error> {
    let mut body = arguments.body()?;
    let bit = |on: bool| Node::Json(Cow::Borrowed(if on { "1" } else { "0" }));
    body.put("clear", bit(flag(arguments, "Clear")?));
    if flag(arguments, "Errors")? {
        body.put("error", bit(true));
    }
    Ok(body)
}

/// GetToken and RefreshToken: the OAuth server's grants.
fn oauth(engine: &Engine, arguments: &Arguments) -> Answer {
    let text = |name| arguments.value(name).map(coerce::text).unwrap_or_default();
    let (id, secret) = (text("ClientID"), text("ClientSecret"));
    let (grant, credential) = match arguments.function.name {
        "GetToken" => (Grant::AuthorizationCode, text("Code")),
        _ => (Grant::RefreshToken, text("Refresh")),
    };
    credentials::grant(engine, grant, &id, &secret, &credential)
}

/// GetPictureBlock and GetFileBlock: `{"IMAGE": {"NAME", "LINK"}}` or
/// `{"FILE": …}`, the outer key there even when both are empty.
fn block(arguments: &Arguments, key: &'static str) -> Result<String, Error> {
    let mut body = arguments.body()?;
    if !body.contains(key) {
        body.put(key, Node::Object(Body::default()));
    }
    Ok(body.to_json())
}

/// MoveTaskToKanbanStage: in front of the task Prev when it is given,
/// otherwise behind After.
fn kanban_move<'a>(arguments: &Arguments<'a>) -> Result<Body<'a>, Error> {
    let mut body = arguments.body()?;
    if body.contains("before") {
        body.remove("after");
    }
    Ok(body)
}

/// ChangeUserStatus: UpdateUser with `ACTIVE` "N" to deactivate (Fire,
/// the default) or "Y" to bring the user back, in the fields UpdateUser
/// spreads before the ID.
fn user_status<'a>(arguments: &Arguments<'a>) -> Result<Body<'a>, Error> {
    let active = if flag(arguments, "Fire")? {
        "\"N\""
    } else {
        "\"Y\""
    };
    let mut body = Body::default();
    body.put("ACTIVE", Node::Json(Cow::Borrowed(active)));
    arguments.body_after(body)
}

/// GetCalendarEvents: of the filter, `section` as an array and `from` and
/// `to` as days (1C's empty date as `""`, which OpenIntegrations formats it
/// to and sends); other keys are not sent (as OpenIntegrations drops them).
fn calendar_filter<'a>(arguments: &Arguments<'a>) -> Result<Body<'a>, Error> {
    let mut body = arguments.body()?;
    let param = arguments.param("Filter");
    let Some(filter) = arguments.value("Filter") else {
        return Ok(body);
    };
    let bad = |e| arguments.bad(param, e);
    let read = Json::read_value(filter).map_err(|e| bad(e.to_string()))?;
    if coerce::is_empty(&read) {
        return Ok(body);
    }
    let object = coerce::collection(filter, &read, arguments.files).map_err(bad)?;
    let members: crate::json::Pairs = Some(object.trim_start())
        .filter(|o| o.starts_with('{'))
        .and_then(|o| serde_json::from_str(o).ok())
        .ok_or_else(|| bad("must be an object of section, from and to".to_owned()))?;
    for (key, value) in members.0 {
        let read = Json::read(value).map_err(|e| bad(e.to_string()))?;
        let sent = match key.as_ref() {
            "section" => coerce::array(value.get(), &read, arguments.files).map(Cow::into_owned),
            // 1C's empty date formats as "", which is sent all the same.
            "from" | "to" => coerce::date(&read).map(|date| match coerce::is_empty_date(&date) {
                true => string_literal(""),
                false => string_literal(&date[..10]),
            }),
            _ => continue,
        };
        let sent = sent.map_err(|e| bad(format!("{} {e}", crate::echo::value(&key, 40))))?;
        body.put_member(key.into_owned(), sent);
    }
    Ok(body)
}

/// UploadFileToStorage: the name as `data.NAME` (first, and sent even when
/// empty), the rights and the storage's `id`, and the file inline as
/// `fileContent: [name, base64]`.
fn upload_to_storage<'a>(arguments: &Arguments<'a>) -> Result<Body<'a>, Error> {
    let name = arguments
        .value("Name")
        .map(coerce::text)
        .unwrap_or_default();
    let content = file_bytes(arguments, "File", coerce::INLINE_FILES)?;
    let mut body = Body::default();
    body.put("data.NAME", Node::Json(Cow::Owned(string_literal(&name))));
    let mut body = arguments.body_after(body)?;
    let file = Value::Array(vec![
        Value::String(name),
        Value::String(STANDARD.encode(content)),
    ]);
    body.put("fileContent", Node::Json(Cow::Owned(file.to_string())));
    Ok(body)
}

/// The most UploadFileToFolder sends: the file is read whole, and its form
/// made in memory.
const UPLOAD_FILE: FileLimit = FileLimit {
    bytes: 256 << 20,
    of: "an upload may carry",
};

/// The bytes of the file argument `name`, at most `limit` of them.
fn file_bytes(arguments: &Arguments, name: &str, limit: FileLimit) -> Result<Vec<u8>, Error> {
    let param = arguments.param(name);
    let value = arguments.value(name).map(Json::read_value).transpose();
    let value = value
        .map_err(|e| arguments.bad(param, e))?
        .unwrap_or(Json::Null);
    coerce::content(&value, limit, arguments.files).map_err(|e| arguments.bad(param, e))
}

/// GetFolderFilterStructure: of the portal's folder fields, those usable in
/// a filter, each with its type, or "" with Clear. An error answer is
/// returned as it came.
fn folder_filter(engine: &Engine, arguments: &Arguments) -> Result<Answer, Error> {
    let clear = flag(arguments, "Clear")?;
    let answer = send(engine, arguments, &arguments.body()?);
    let Ok(Value::Object(mut document)) = serde_json::from_str::<Value>(answer.json()) else {
        return Ok(answer);
    };
    let Some(Value::Object(fields)) = document.remove("result") else {
        return Ok(answer);
    };
    let mut filter = Map::new();
    for (name, field) in fields {
        if field.get("USE_IN_FILTER") != Some(&Value::Bool(true)) {
            continue;
        }
        let shown = match clear {
            true => Value::from(""),
            false => field.get("TYPE").cloned().unwrap_or(Value::from("")),
        };
        filter.insert(name, shown);
    }
    Ok(offline(&Value::Object(filter).to_string()))
}

/// UploadFileToFolder: asks the folder for an upload address, then posts
/// the file there as a multipart form. The first answer is returned when it
/// holds no address (an error, say).
fn upload_to_folder(engine: &Engine, arguments: &Arguments) -> Result<Answer, Error> {
    let content = file_bytes(arguments, "File", UPLOAD_FILE)?;
    let name = arguments
        .value("Name")
        .map(coerce::text)
        .unwrap_or_default();
    let asked = send(engine, arguments, &arguments.body()?);
    let Ok(document) = serde_json::from_str::<Value>(asked.json()) else {
        return Ok(asked);
    };
    let text = |key| {
        document["result"][key]
            .as_str()
            .map(str::trim)
            .unwrap_or_default()
    };
    let (field, address) = (text("field"), text("uploadUrl"));
    if field.is_empty() || address.is_empty() {
        return Ok(asked);
    }
    // A token file's name is no secret; the token it held is in the upload
    // address's query, masked with it.
    let token = match (arguments.token.as_ref(), path_of(&arguments.token)) {
        ("", _) => None,
        (_, Some(_)) => Some(""),
        (token, None) => Some(token),
    };
    let upload = Request::upload(address, field, &name, &content, &arguments.url, token);
    Ok(engine.answer(upload))
}
