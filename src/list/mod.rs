//! `GetList`: every item of a list method, 2,500 to a request
//! (docs/lists.md). The first page is fetched as asked; the rest go 50
//! pages to a `batch` request, by offset once `total` is known, or chained
//! by ID (`start=-1`, `>ID`) in the fast mode ([`paging`]), side by side and
//! written in order ([`in_order`]). Items are written out as they arrive,
//! never rebuilt ([`writer`]), and the result is checked against `total`
//! and by ID ([`items`]): a list that changed during the export is
//! reported, never hidden.

mod in_order;
mod items;
mod paging;
mod writer;

use std::io::Write;
use std::path::Path;

use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::engine::{Engine, MAX_ANSWER_BYTES};
use crate::error::{Error, ErrorCode, ErrorDocument};
use crate::json::{self, Json};
use crate::request::Request;
use crate::token_file;

use paging::Paging;
pub(crate) use paging::Source;
use writer::{Capped, Writer};

/// Items a list method gives per page.
pub(crate) const PAGE_ITEMS: usize = 50;

/// How the pages after the first are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMode {
    /// By `start` offset, 50 pages a request once `total` is known.
    Offset,
    /// By ID: ordered by ID, `>ID` the last one seen, `start=-1` (no count),
    /// 50 pages chained in a request. For methods whose filter and order by
    /// ID work as usual, and tables too large to count.
    ById,
}

impl ListMode {
    /// The mode the fronts' `by_id` flag names.
    pub fn by_id(by_id: bool) -> ListMode {
        if by_id {
            ListMode::ById
        } else {
            ListMode::Offset
        }
    }
}

/// How far an export is, after each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListProgress {
    /// Items written so far.
    pub items: u64,
    /// The portal's `total`, when it sends one (not in the by-ID mode).
    pub total: Option<u64>,
    /// Requests sent so far.
    pub requests: u64,
}

/// What a finished export says beside its items.
struct Outcome {
    items: u64,
    warnings: Vec<String>,
    failure: Option<ErrorDocument>,
}

/// Every item of the list, in one document (`Client::get_list`): over
/// 16 MiB of items is refused with an error that names the file form.
pub(crate) fn get_list(
    engine: &Engine,
    url: &str,
    method: &str,
    params: &str,
    token: &str,
    mode: ListMode,
) -> Answer {
    let mut out = Capped {
        bytes: Vec::new(),
        cap: MAX_ANSWER_BYTES as usize,
    };
    let source = Source::new(engine, url, method, token);
    match export(source, params, mode, &mut out, &mut |_| {}) {
        Ok(outcome) => {
            let json = String::from_utf8(out.bytes).unwrap_or_default();
            Answer::composed(json, outcome.failure.map(|failure| failure.code))
        }
        Err(_) if out.is_over() => Answer::from(Error::new(
            ErrorCode::BadResponse,
            format!(
                "the list {method} is over {} MiB as JSON; get it with GetList's file form, which writes the items to a file as pages arrive",
                MAX_ANSWER_BYTES >> 20
            ),
        )),
        Err(error) => Answer::from(Error::internal(format!(
            "cannot hold the list in memory: {error}"
        ))),
    }
}

/// The list from `source` written to `out` as pages arrive
/// (`Client::get_list_to`); the answer is the summary.
pub(crate) fn get_list_to(
    source: Source,
    params: &str,
    mode: ListMode,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&ListProgress),
) -> Answer {
    match export(source, params, mode, out, progress) {
        Ok(outcome) => summary(&outcome),
        Err(error) => Answer::from(Error::new(
            ErrorCode::IoError,
            format!("cannot write the list: {error}"),
        )),
    }
}

/// As [`get_list_to`], into the file at `path` (created, or replaced).
pub(crate) fn get_list_to_file(
    source: Source,
    params: &str,
    mode: ListMode,
    path: &Path,
    progress: &mut dyn FnMut(&ListProgress),
) -> Answer {
    if path.as_os_str().is_empty() {
        return Error::invalid_argument("Path is empty; give the file to write the list to").into();
    }
    let file = match std::fs::File::create(path) {
        Ok(file) => file,
        Err(error) => {
            return Error::new(
                ErrorCode::IoError,
                format!("cannot create {}: {error}", path.display()),
            )
            .into();
        }
    };
    let mut out = std::io::BufWriter::new(file);
    get_list_to(source, params, mode, &mut out, progress)
}

/// Writes the whole document to `out`: the error alone when it came before
/// the first page, else the items so far and the error. Err only when `out`
/// cannot be written.
fn export(
    source: Source,
    params: &str,
    mode: ListMode,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&ListProgress),
) -> Result<Outcome, std::io::Error> {
    let mut writer = Writer::new(out);
    let mut kept = String::new();
    let params = match checked_params(source, params, &mut kept) {
        Ok(params) => params,
        Err(error) => {
            let failure = ErrorDocument::from(&error);
            writer.plain_error(&failure)?;
            return Ok(Outcome {
                items: 0,
                warnings: Vec::new(),
                failure: Some(failure),
            });
        }
    };
    Paging::new(source, &params, mode, writer, progress).run()
}

/// The caller's arguments checked as CallMethod checks them, and the
/// parameters' members (read from `kept` when converted from
/// OpenIntegrations' dialect).
fn checked_params<'a>(
    source: Source,
    params: &'a str,
    kept: &'a mut String,
) -> Result<Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>, Error> {
    // A token file is read with the first page.
    let token = token_file::stand_in(source.token);
    Request::call_json(source.url, source.method, params, token)?;
    let text = match params.trim() {
        "" => "{}",
        text => text,
    };
    let read = json::read_given(text, kept, Json::read_text).map_err(|refused| {
        Error::invalid_argument(format!(
            "Parameters are not valid JSON: {}",
            refused.words()
        ))
    })?;
    match read {
        Json::Object(pairs) => Ok(pairs),
        _ => Err(Error::invalid_argument("Parameters must be a JSON object")),
    }
}

/// The summary of an export written elsewhere.
fn summary(outcome: &Outcome) -> Answer {
    let mut document = format!(
        "{{\"result\":{{\"items\":{0}}},\"total\":{0}",
        outcome.items
    );
    if !outcome.warnings.is_empty() {
        let quoted: Vec<String> = outcome
            .warnings
            .iter()
            .map(|w| json::string_literal(w))
            .collect();
        document.push_str(&format!(",\"warnings\":[{}]", quoted.join(",")));
    }
    if let Some(failure) = &outcome.failure {
        document.push(',');
        failure.write_members(&mut document);
    }
    document.push('}');
    Answer::composed(document, outcome.failure.as_ref().map(|f| f.code.clone()))
}
