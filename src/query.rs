//! Parameters as a batch command carries them: the query string the portal
//! reads with PHP's `parse_str` (the rules are in docs/batch.md). Parameters
//! are a list of [`Param`]s, the caller's JSON as written or values the
//! library sets itself (GetList's `start`, `order` and `filter`), and are
//! written either as such a query or as a JSON body, never through text
//! parsed back.

use std::fmt::Write as _;

use serde_json::value::RawValue;

use crate::json::{self, Json};

/// One parameter's value.
pub(crate) enum Param<'a> {
    /// The caller's value, as written.
    Raw(&'a RawValue),
    /// A whole number the library sets: an offset, an ID bound.
    Integer(i64),
    /// A string the library sets: `ASC`, a `$result[…]` reference.
    Text(String),
    /// An object whose members the library sets.
    Object(Vec<(String, Param<'a>)>),
}

/// How a later batch command names an earlier one's answer.
pub(crate) const REFERENCE: &str = "$result[";

/// The parameters as a query string: `name=value` pairs joined by `&`.
pub(crate) fn query(params: &[(String, Param)]) -> Result<String, serde_json::Error> {
    let mut query = String::new();
    for (name, value) in params {
        append(&mut query, &percent(name), value)?;
    }
    Ok(query)
}

/// The parameters as a JSON object's text.
pub(crate) fn json_object(params: &[(String, Param)]) -> String {
    let mut text = String::from("{");
    write_members(&mut text, params);
    text.push('}');
    text
}

fn write_members(text: &mut String, params: &[(String, Param)]) {
    for (index, (name, value)) in params.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&json::string_literal(name));
        text.push(':');
        match value {
            Param::Raw(raw) => text.push_str(raw.get()),
            Param::Integer(number) => {
                let _ = write!(text, "{number}");
            }
            Param::Text(value) => text.push_str(&json::string_literal(value)),
            Param::Object(members) => {
                text.push('{');
                write_members(text, members);
                text.push('}');
            }
        }
    }
}

fn append(query: &mut String, name: &str, value: &Param) -> Result<(), serde_json::Error> {
    match value {
        Param::Raw(raw) => append_raw(query, name, raw)?,
        Param::Integer(number) => pair(query, name, &number.to_string()),
        Param::Text(text) => append_text(query, name, text),
        Param::Object(members) if members.is_empty() => pair(query, &format!("{name}[]"), ""),
        Param::Object(members) => {
            for (key, member) in members {
                append(query, &format!("{name}[{}]", percent(key)), member)?;
            }
        }
    }
    Ok(())
}

/// The caller's value under `name`. An object that holds a key twice is
/// refused: `parse_str` keeps the last of equal names (only `name[]`
/// appends, which a key never makes but the empty one, refused alike), so
/// a value would be dropped without a word (docs/batch.md).
fn append_raw(query: &mut String, name: &str, value: &RawValue) -> Result<(), serde_json::Error> {
    match Json::read_strict(value)? {
        Json::Null => pair(query, name, ""),
        Json::Bool(true) => pair(query, name, "Y"),
        Json::Bool(false) => pair(query, name, "N"),
        Json::Number(number) => pair(query, name, &percent(number)),
        Json::Text(text) => append_text(query, name, &text),
        // An empty array or object: `name[]=`, which the portal reads as a
        // list (the form some methods need for parameters left out).
        Json::List(items) if items.is_empty() => pair(query, &format!("{name}[]"), ""),
        Json::Object(pairs) if pairs.is_empty() => pair(query, &format!("{name}[]"), ""),
        Json::List(items) => {
            for (index, item) in items.into_iter().enumerate() {
                append_raw(query, &format!("{name}[{index}]"), item)?;
            }
        }
        Json::Object(pairs) => {
            for (key, item) in pairs {
                append_raw(query, &format!("{name}[{}]", percent(&key)), item)?;
            }
        }
    }
    Ok(())
}

/// A string, or a `$result[…]` reference sent as written so that the
/// portal still reads it as one.
fn append_text(query: &mut String, name: &str, text: &str) {
    if is_reference(text) {
        pair(query, name, text);
    } else {
        pair(query, name, &percent(text));
    }
}

fn pair(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(name);
    query.push('=');
    query.push_str(value);
}

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
fn percent(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// A whole value `$result[key][field]…`, which the portal replaces with an
/// earlier command's answer.
fn is_reference(text: &str) -> bool {
    text.starts_with(REFERENCE)
        && text.ends_with(']')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "$[]_-.".contains(c))
}

/// The command keys `$result[key]` names in a command's text.
pub(crate) fn references(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices(REFERENCE).filter_map(move |(at, _)| {
        let rest = &text[at + REFERENCE.len()..];
        rest.find(']').map(|end| &rest[..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller's JSON object as parameters.
    fn raw_params(text: &str) -> String {
        let pairs: json::Pairs = serde_json::from_str(text).unwrap();
        let params: Vec<(String, Param)> = pairs
            .0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), Param::Raw(v)))
            .collect();
        query(&params).unwrap()
    }

    #[test]
    fn json_values_become_php_pairs() {
        assert_eq!(
            raw_params(r#"{"fields":{"TITLE":"A&B = [1] 100%","OPENED":true,"CLOSED":false}}"#),
            "fields[TITLE]=A%26B%20%3D%20%5B1%5D%20100%25&fields[OPENED]=Y&fields[CLOSED]=N"
        );
        assert_eq!(
            raw_params(r#"{"select":["ID","TITLE"],"filter":{">ID":10},"order":{},"x":[]}"#),
            "select[0]=ID&select[1]=TITLE&filter[%3EID]=10&order[]=&x[]="
        );
        assert_eq!(
            raw_params(r#"{"ID":123456789012345678901,"X":null,"Y":1e+5,"N":"Сделка"}"#),
            "ID=123456789012345678901&X=&Y=1e%2B5&N=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0"
        );
        assert_eq!(raw_params("{}"), "");
    }

    #[test]
    fn an_object_that_holds_a_key_twice_is_refused_at_any_depth() {
        let refused = |text: &str| {
            let pairs: json::Pairs = serde_json::from_str(text).unwrap();
            let params: Vec<(String, Param)> = pairs
                .0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), Param::Raw(v)))
                .collect();
            query(&params).unwrap_err().to_string()
        };
        assert_eq!(
            refused(r#"{"fields":{"TITLE":"a","TITLE":"b"}}"#),
            json::given_twice("TITLE")
        );
        assert_eq!(
            refused(r#"{"filter":{"ID":[{"x":{"y":1,"y":1}}]}}"#),
            json::given_twice("y")
        );
        assert_eq!(raw_params(r#"{"a":{"a":{"a":1}}}"#), "a[a][a]=1");
    }

    #[test]
    fn references_pass_through_and_lookalikes_are_encoded() {
        assert_eq!(
            raw_params(r#"{"ID":"$result[deal][ID]","T":"$result[x] & more"}"#),
            "ID=$result[deal][ID]&T=%24result%5Bx%5D%20%26%20more"
        );
        assert_eq!(
            references("a?ID=$result[d1][ID]&X=$result[d2]").collect::<Vec<_>>(),
            ["d1", "d2"]
        );
    }

    #[test]
    fn values_the_library_sets_render_as_query_and_as_json_alike() {
        let caller: json::Pairs =
            serde_json::from_str(r#"{"select":["ID"],"filter":{"STAGE":"WON"}}"#).unwrap();
        let won: &RawValue = serde_json::from_str(r#""WON""#).unwrap();
        let params = vec![
            (
                "select".to_owned(),
                Param::Raw(caller.get("select").unwrap()),
            ),
            (
                "filter".to_owned(),
                Param::Object(vec![
                    ("STAGE".to_owned(), Param::Raw(won)),
                    (
                        ">ID".to_owned(),
                        Param::Text("$result[i0][49][ID]".to_owned()),
                    ),
                ]),
            ),
            (
                "order".to_owned(),
                Param::Object(vec![("ID".to_owned(), Param::Text("ASC".to_owned()))]),
            ),
            ("start".to_owned(), Param::Integer(-1)),
            ("empty".to_owned(), Param::Object(Vec::new())),
        ];
        assert_eq!(
            query(&params).unwrap(),
            "select[0]=ID&filter[STAGE]=WON&filter[%3EID]=$result[i0][49][ID]&order[ID]=ASC&start=-1&empty[]="
        );
        assert_eq!(
            json_object(&params),
            r#"{"select":["ID"],"filter":{"STAGE":"WON",">ID":"$result[i0][49][ID]"},"order":{"ID":"ASC"},"start":-1,"empty":{}}"#
        );
    }
}
