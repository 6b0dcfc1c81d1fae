//! How each function runs once its arguments are read: most send the body
//! their row builds; the few that do more have a handler here, named in
//! their row (docs/functions-table.md).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::coerce;
use super::{Arguments, Handler};
use crate::answer::Answer;
use crate::client::Client;
use crate::error::Error;

/// Runs a function whose arguments were read.
pub(super) fn run(client: &Client, arguments: Arguments) -> Answer {
    let function = arguments.function;
    let sent = match function.handler {
        Handler::None => arguments.body().map(|body| send(client, &arguments, &body)),
        Handler::Template => template(&arguments).map(offline),
        Handler::AuthLink => auth_link(&arguments).map(offline),
        Handler::Oauth => Ok(oauth(client, &arguments)),
        Handler::PictureBlock => block(&arguments, "IMAGE").map(offline),
        Handler::FileBlock => block(&arguments, "FILE").map(offline),
        Handler::KanbanMove => kanban_move(&arguments).map(|body| send(client, &arguments, &body)),
        Handler::UserStatus => user_status(&arguments).map(|body| send(client, &arguments, &body)),
        Handler::CalendarFilter => {
            calendar_filter(&arguments).map(|body| send(client, &arguments, &body))
        }
        Handler::UploadToStorage => {
            upload_to_storage(&arguments).map(|body| send(client, &arguments, &body))
        }
        Handler::FolderFilter => folder_filter(client, &arguments),
        Handler::UploadToFolder => upload_to_folder(client, &arguments),
    };
    sent.unwrap_or_else(Answer::from)
}

/// Sends `body` to the function's method, as CallMethod sends its parameters.
fn send(client: &Client, arguments: &Arguments, body: &Map<String, Value>) -> Answer {
    let method = arguments.function.method;
    client.call(&arguments.url, method, body, &arguments.token)
}

/// An offline function's answer: `{"result": value}`, as a portal's is.
fn offline(value: Value) -> Answer {
    let mut answer = Map::new();
    answer.insert("result".to_owned(), value);
    Answer::composed(Value::Object(answer).to_string(), None)
}

/// The boolean argument `name`, false when the function has none.
fn flag(arguments: &Arguments, name: &str) -> Result<bool, Error> {
    match arguments.value(name) {
        None => Ok(false),
        Some(value) => coerce::truth(value).map_err(|e| {
            let (_, param) = arguments
                .function
                .param(name)
                .expect("the value has a param");
            arguments.bad(param, e)
        }),
    }
}

/// One of the function's templates: described (filled) or empty (Clear),
/// as a structure or, with AsMap, as a map with operators in the keys.
fn template(arguments: &Arguments) -> Result<Value, Error> {
    let variant = match (flag(arguments, "AsMap")?, flag(arguments, "Clear")?) {
        (false, false) => "filled",
        (false, true) => "clear",
        (true, false) => "map",
        (true, true) => "map-clear",
    };
    let (_, json) = arguments
        .function
        .templates
        .iter()
        .find(|(known, _)| *known == variant)
        .ok_or_else(|| Error::internal(format!("no {variant} template")))?;
    Ok(serde_json::from_str(json).expect("build.rs checked the templates"))
}

/// GetAppAuthLink: the page an application sends a user to, to authorise.
/// Unlike OpenIntegrations, a domain given with its scheme keeps it
/// (theirs left the address unset: docs/functions.md).
fn auth_link(arguments: &Arguments) -> Result<Value, Error> {
    let text = |name| arguments.value(name).map(coerce::text).unwrap_or_default();
    let (domain, client_id) = (text("Domain"), text("ClientID"));
    let mut link = match domain.starts_with("http") {
        true => domain,
        false => format!("https://{domain}"),
    };
    if !link.ends_with('/') {
        link.push('/');
    }
    link.push_str("oauth/authorize/?client_id=");
    link.push_str(&client_id);
    Ok(Value::String(link))
}

/// GetToken and RefreshToken: the OAuth server's grants.
fn oauth(client: &Client, arguments: &Arguments) -> Answer {
    let text = |name| arguments.value(name).map(coerce::text).unwrap_or_default();
    let (id, secret) = (text("ClientID"), text("ClientSecret"));
    match arguments.function.name {
        "GetToken" => client.get_token(&id, &secret, &text("Code")),
        _ => client.refresh_token(&id, &secret, &text("Refresh")),
    }
}

/// GetPictureBlock and GetFileBlock: `{"IMAGE": {"NAME", "LINK"}}` or
/// `{"FILE": …}`, the outer key there even when both are empty.
fn block(arguments: &Arguments, key: &str) -> Result<Value, Error> {
    let mut body = arguments.body()?;
    body.entry(key).or_insert_with(|| Value::Object(Map::new()));
    Ok(Value::Object(body))
}

/// MoveTaskToKanbanStage: in front of the task Prev when it is given,
/// otherwise behind After.
fn kanban_move(arguments: &Arguments) -> Result<Map<String, Value>, Error> {
    let mut body = arguments.body()?;
    if body.contains_key("before") {
        body.remove("after");
    }
    Ok(body)
}

/// ChangeUserStatus: UpdateUser with `ACTIVE` "N" to deactivate (Fire,
/// the default) or "Y" to bring the user back.
fn user_status(arguments: &Arguments) -> Result<Map<String, Value>, Error> {
    let mut body = arguments.body()?;
    let active = if flag(arguments, "Fire")? { "N" } else { "Y" };
    body.insert("ACTIVE".to_owned(), Value::from(active));
    Ok(body)
}

/// GetCalendarEvents: of the filter, `section` as an array and `from` and
/// `to` as days; other keys are not sent (as OpenIntegrations drops them).
fn calendar_filter(arguments: &Arguments) -> Result<Map<String, Value>, Error> {
    let mut body = arguments.body()?;
    let (Some(filter), Some((_, param))) = (
        arguments.value("Filter"),
        arguments.function.param("Filter"),
    ) else {
        return Ok(body);
    };
    if coerce::is_empty(filter) {
        return Ok(body);
    }
    let Value::Object(filter) = coerce::collection(filter).map_err(|e| arguments.bad(param, e))?
    else {
        return Err(arguments.bad(param, "must be an object of section, from and to"));
    };
    for (key, value) in filter {
        let sent = match key.as_str() {
            "section" => coerce::array(&value),
            "from" | "to" => coerce::date(&value).map(|date| Value::String(date[..10].to_owned())),
            _ => continue,
        };
        let sent = sent.map_err(|e| arguments.bad(param, format!("'{key}' {e}")))?;
        body.insert(key, sent);
    }
    Ok(body)
}

/// UploadFileToStorage: the storage's `id`, the name as `data.NAME` (sent
/// even when empty), and the file inline as `fileContent: [name, base64]`.
fn upload_to_storage(arguments: &Arguments) -> Result<Map<String, Value>, Error> {
    let mut body = arguments.body()?;
    let name = arguments
        .value("Name")
        .map(coerce::text)
        .unwrap_or_default();
    let content = file_bytes(arguments, "File")?;
    super::arguments::put(&mut body, "data.NAME", Value::String(name.clone()));
    body.insert(
        "fileContent".to_owned(),
        Value::Array(vec![
            Value::String(name),
            Value::String(STANDARD.encode(content)),
        ]),
    );
    Ok(body)
}

/// The bytes of the file argument `name`.
fn file_bytes(arguments: &Arguments, name: &str) -> Result<Vec<u8>, Error> {
    let (_, param) = arguments
        .function
        .param(name)
        .expect("the row has the file parameter");
    let value = arguments.value(name).unwrap_or(&Value::Null);
    coerce::content(value).map_err(|e| arguments.bad(param, e))
}

/// GetFolderFilterStructure: of the portal's folder fields, those usable in
/// a filter, each with its type, or "" with Clear. An error answer is
/// returned as it came.
fn folder_filter(client: &Client, arguments: &Arguments) -> Result<Answer, Error> {
    let clear = flag(arguments, "Clear")?;
    let answer = send(client, arguments, &arguments.body()?);
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
    Ok(offline(Value::Object(filter)))
}

/// UploadFileToFolder: asks the folder for an upload address, then posts
/// the file there as a multipart form. The first answer is returned when it
/// holds no address (an error, say).
fn upload_to_folder(client: &Client, arguments: &Arguments) -> Result<Answer, Error> {
    let content = file_bytes(arguments, "File")?;
    let name = arguments
        .value("Name")
        .map(coerce::text)
        .unwrap_or_default();
    let asked = send(client, arguments, &arguments.body()?);
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
    Ok(client.upload(address, field, &name, &content))
}
