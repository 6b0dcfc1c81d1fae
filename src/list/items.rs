//! What GetList reads of a page: its items (the result itself, or the array
//! inside a wrapper such as `items` or `tasks`), their IDs, and the checks
//! over them that reveal a list changed during the export.

use serde_json::value::RawValue;

use crate::error::{Error, ErrorCode};
use crate::json::Json;

use super::ListMode;

/// A page's items: the result itself, or the array inside its wrapper
/// object (`items`, `tasks`), with the wrapper's name.
pub(super) fn items_of(result: &RawValue) -> Result<(Option<String>, Vec<&RawValue>), Error> {
    let bad = |what: &str| {
        Error::new(
            ErrorCode::BadResponse,
            format!("a list page's result is {what}, not a list"),
        )
    };
    match Json::read(result).map_err(|_| bad("not JSON"))? {
        Json::List(items) => Ok((None, items)),
        Json::Object(pairs) if pairs.is_empty() => Ok((None, Vec::new())),
        Json::Object(pairs) => {
            for (name, value) in pairs {
                if let Ok(Json::List(items)) = Json::read(value) {
                    return Ok((Some(name.into_owned()), items));
                }
            }
            Err(bad("an object without an array"))
        }
        other => Err(bad(other.kind())),
    }
}

/// What the items so far say: the wrapper and ID field they came in, and
/// how many came twice or out of ID order.
pub(super) struct Tally {
    mode: ListMode,
    /// The wrapper of the pages' items (`items`, `tasks`), once seen.
    pub(super) wrapper: Option<String>,
    /// The ID field: predicted from the method, then read off the first item.
    pub(super) id_key: &'static str,
    /// The last ID, which must grow in the by-ID mode.
    pub(super) last_id: Option<u64>,
    /// IDs seen in the offset mode, for duplicates.
    seen: std::collections::HashSet<u64>,
    counted: u64,
    duplicates: u64,
    out_of_order: u64,
}

impl Tally {
    pub(super) fn new(method: &str, mode: ListMode) -> Tally {
        Tally {
            mode,
            wrapper: None,
            id_key: predicted_id_key(method),
            last_id: None,
            seen: std::collections::HashSet::new(),
            counted: 0,
            duplicates: 0,
            out_of_order: 0,
        }
    }

    /// Takes a page's wrapper (the first one seen stands).
    pub(super) fn wrapper(&mut self, wrapper: Option<String>) {
        if self.wrapper.is_none() {
            self.wrapper = wrapper;
        }
    }

    /// Takes one item, in the order written.
    pub(super) fn item(&mut self, item: &RawValue) {
        if self.counted == 0 {
            self.id_key = detected_id_key(item).unwrap_or(self.id_key);
        }
        self.counted += 1;
        if let Some(id) = id_of(item, self.id_key) {
            if self.mode == ListMode::Offset && !self.seen.insert(id) {
                self.duplicates += 1;
            }
            if self.last_id.is_some_and(|last| id <= last) {
                self.out_of_order += 1;
            }
            self.last_id = Some(id);
        }
    }

    /// What the export should say about the items: `total` is the portal's
    /// count, for an export that ran to its end.
    pub(super) fn warnings(&self, total: Option<u64>) -> Vec<String> {
        let mut warnings = Vec::new();
        let items = self.counted;
        if let Some(total) = total.filter(|total| *total != items) {
            warnings.push(format!(
                "the portal counted {total} items but {items} came: the list changed during the export"
            ));
        }
        if self.duplicates > 0 {
            warnings.push(format!(
                "{} items came twice: the list changed during the export (the by-ID mode cannot repeat items)",
                self.duplicates
            ));
        }
        if self.out_of_order > 0 && self.mode == ListMode::ById {
            warnings.push(format!(
                "{} items came out of ID order: the portal did not order by ID as asked",
                self.out_of_order
            ));
        }
        warnings
    }
}

/// The ID field of the method's items: lower case for the newer methods.
fn predicted_id_key(method: &str) -> &'static str {
    let method = method.to_ascii_lowercase();
    if method == "crm.item.list" || method.starts_with("tasks.task.") {
        "id"
    } else {
        "ID"
    }
}

fn detected_id_key(item: &RawValue) -> Option<&'static str> {
    let Ok(Json::Object(fields)) = Json::read(item) else {
        return None;
    };
    ["ID", "id"]
        .into_iter()
        .find(|key| fields.iter().any(|(name, _)| name == key))
}

/// The item's numeric ID (a number or a string of digits).
fn id_of(item: &RawValue, key: &str) -> Option<u64> {
    let Ok(Json::Object(fields)) = Json::read(item) else {
        return None;
    };
    let (_, value) = fields.into_iter().find(|(name, _)| name == key)?;
    match Json::read(value).ok()? {
        Json::Number(number) => number.parse().ok(),
        Json::Text(text) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn items_are_found_bare_or_in_their_wrapper() {
        let (wrapper, items) = items_of(raw(r#"{"items":[{"id":1},{"id":2}]}"#)).unwrap();
        assert_eq!((wrapper.as_deref(), items.len()), (Some("items"), 2));
        let (wrapper, items) = items_of(raw(r#"[{"ID":"1"}]"#)).unwrap();
        assert_eq!((wrapper, items.len()), (None, 1));
        assert_eq!(items_of(raw("{}")).unwrap().1.len(), 0);
        let error = items_of(raw(r#"{"x":1}"#)).unwrap_err();
        assert!(error.description().contains("an object without an array"));
    }

    #[test]
    fn duplicates_gaps_and_disorder_are_told_apart() {
        let mut offset = Tally::new("crm.deal.list", ListMode::Offset);
        for item in [r#"{"ID":"1"}"#, r#"{"ID":"2"}"#, r#"{"ID":"2"}"#] {
            offset.item(raw(item));
        }
        assert_eq!(
            offset.warnings(Some(3)),
            [
                "1 items came twice: the list changed during the export (the by-ID mode cannot repeat items)"
            ]
        );
        let mut by_id = Tally::new("crm.item.list", ListMode::ById);
        for item in [r#"{"id":5}"#, r#"{"id":3}"#] {
            by_id.item(raw(item));
        }
        assert_eq!(by_id.id_key, "id");
        assert_eq!(by_id.last_id, Some(3));
        let warnings = by_id.warnings(Some(4));
        assert!(
            warnings[0].contains("counted 4 items but 2 came"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("1 items came out of ID order"),
            "{warnings:?}"
        );
    }
}
