//! Which failures may be retried, decided by whether the portal may have run
//! the request (docs/retries.md). A refusal the portal gives before running
//! a method, or a connection that failed before the request was written, is
//! retried for every method. A failure after the request was written (no
//! answer in time, a reset while reading, a 5xx without a Bitrix error code,
//! a proxy's HTML 502 or 504) leaves that open: it is retried only for the
//! methods below, which are safe to run twice, and returned at once, saying
//! so, for every other one: a second `crm.deal.add` would make a second deal.

/// Method names whose last part makes them reads: safe to run twice.
pub(crate) const SAFE_SUFFIXES: [&str; 4] = [".get", ".list", ".fields", ".search"];

/// Methods safe to run twice that the suffixes do not catch: reads, and
/// writes that set a fixed value (a second run leaves the same state).
pub(crate) const SAFE_METHODS: [&str; 10] = [
    "server.time",
    "profile",
    "user.current",
    "methods",
    "scope",
    "app.info",
    "feature.get",
    "user.access",
    "access.name",
    "im.user.status.set",
];

/// Methods whose names look like reads but change the portal: a second
/// `event.offline.get` reserves (or deletes) a second batch, and the first
/// one's `process_id` is lost with the answer (docs/events.md).
pub(crate) const UNSAFE_METHODS: [&str; 1] = ["event.offline.get"];

/// Whether `method` may be run twice without harm. Method names are
/// case-insensitive on the portal, and so here; a `.json` suffix is ignored.
pub fn is_safe_to_repeat(method: &str) -> bool {
    let method = strip_suffix_ignore_case(method, ".json").unwrap_or(method);
    if UNSAFE_METHODS
        .iter()
        .any(|unsafe_method| unsafe_method.eq_ignore_ascii_case(method))
    {
        return false;
    }
    SAFE_METHODS
        .iter()
        .any(|safe| safe.eq_ignore_ascii_case(method))
        || SAFE_SUFFIXES
            .iter()
            .any(|suffix| strip_suffix_ignore_case(method, suffix).is_some())
}

/// `text` without `suffix`, compared in any ASCII case; on the hot path of
/// every call, so without allocating.
fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// Whether the portal may have run a request that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// It was refused or never written: any request may be sent again.
    No,
    /// It was written and no definite answer came back.
    Maybe,
}

impl Ran {
    /// Whether a request that failed so may be sent again.
    pub fn may_retry(self, repeatable: bool) -> bool {
        self == Ran::No || repeatable
    }
}

/// What a failure's text gains when it is not retried because the portal
/// may have run the request.
pub fn not_repeated(method: &str) -> String {
    format!(
        "the portal may have executed {method}, which is not safe to repeat, so it was not sent again: check before calling it again"
    )
}

/// The Bitrix error codes of a 5xx answer that decide without the method list.
pub enum ServerRefusal {
    /// 503 `QUERY_LIMIT_EXCEEDED`: refused before running; wait and retry.
    QueryLimit,
    /// 503 `OVERLOAD_LIMIT`: a block set by support; repeating does not help.
    Overload,
}

impl ServerRefusal {
    pub fn of(error_code: Option<&str>) -> Option<ServerRefusal> {
        match error_code? {
            "QUERY_LIMIT_EXCEEDED" => Some(ServerRefusal::QueryLimit),
            "OVERLOAD_LIMIT" => Some(ServerRefusal::Overload),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_fixed_value_writes_are_safe_and_other_writes_are_not() {
        for method in [
            "crm.deal.get",
            "CRM.DEAL.LIST",
            "crm.deal.fields",
            "user.search",
            "server.time",
            "server.time.json",
            "user.current",
            "profile",
            "im.user.status.set",
            "im.user.status.get",
        ] {
            assert!(is_safe_to_repeat(method), "{method}");
        }
        for method in [
            "crm.deal.add",
            "event.offline.get",
            "EVENT.OFFLINE.GET.json",
            "crm.deal.update",
            "crm.deal.delete",
            "im.message.add",
            "batch",
            "tasks.task.add",
            "crm.deal.getx",
            "list",
        ] {
            assert!(!is_safe_to_repeat(method), "{method}");
        }
    }

    #[test]
    fn only_maybe_run_failures_of_unsafe_methods_stay_unretried() {
        assert!(Ran::No.may_retry(false));
        assert!(Ran::No.may_retry(true));
        assert!(Ran::Maybe.may_retry(true));
        assert!(!Ran::Maybe.may_retry(false));
    }
}
