//! `GetList`: every item of a list method, 2,500 to a request
//! (docs/lists.md). The first page is fetched as asked; the rest go 50
//! pages to a `batch` request, by offset once `total` is known, or chained
//! by ID (`start=-1`, `>ID`) in the fast mode. Items are written out as they
//! arrive, never rebuilt, and the result is checked against `total` and by
//! ID: a list that changed during the export is reported, never hidden.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::batch::{self, Command, Json, MAX_COMMANDS, Sections};
use crate::client::{Client, MAX_ANSWER_BYTES};
use crate::error::{Error, ErrorCode};
use crate::request::Request;
use crate::retry;

/// Items a list method gives per page.
pub const PAGE_ITEMS: usize = 50;
/// Batch requests of the offset mode in flight at once: the 50 concurrent
/// requests a portal takes (fast_bitrix24 keeps to the same). Each still
/// waits for its turn in the pacing, so a cloud portal's bucket decides.
const PARALLEL_REQUESTS: usize = 50;

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

/// How far an export is, after each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListProgress {
    pub items: u64,
    /// The portal's `total`, when it sends one (not in the by-ID mode).
    pub total: Option<u64>,
    pub requests: u64,
}

/// What a finished export says beside its items.
struct Outcome {
    items: u64,
    warnings: Vec<String>,
    failure: Option<(String, String)>,
}

impl Client {
    /// Every item of the list `method`, in one document:
    /// `{"result": [...], "total": n}`, with `"warnings"` when the list
    /// changed during the export. Over 16 MiB of items is refused with an
    /// error naming [`Client::get_list_to`], which streams.
    pub fn get_list(
        &self,
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
        let source = Source {
            client: self,
            url,
            method,
            token,
        };
        match export(source, params, mode, &mut out, &mut |_| {}) {
            Err(error) if error.code() == ErrorCode::InternalError && out.is_over() => {
                Answer::from(Error::new(
                    ErrorCode::BadResponse,
                    format!(
                        "the list {method} is over {} MiB as JSON; get it into a file, which is written as pages arrive: GetList's file form (C: opi_bitrix24_get_list_to_file, oint: --out FILE, Rust: Client::get_list_to)",
                        MAX_ANSWER_BYTES >> 20
                    ),
                ))
            }
            Err(error) => Answer::from(error),
            Ok(outcome) => {
                let json = String::from_utf8(out.bytes).unwrap_or_default();
                Answer::composed(json, outcome.failure.map(|(code, _)| code))
            }
        }
    }

    /// As [`Client::get_list`], the document written to `out` as pages
    /// arrive (memory stays flat however long the list); `progress` is told
    /// after each request. Answers a summary: `{"result": {"items": n},
    /// "total": n}`, with the warnings, or the error the export ended with.
    #[allow(clippy::too_many_arguments)]
    pub fn get_list_to(
        &self,
        url: &str,
        method: &str,
        params: &str,
        token: &str,
        mode: ListMode,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(&ListProgress),
    ) -> Answer {
        let source = Source {
            client: self,
            url,
            method,
            token,
        };
        match export(source, params, mode, out, progress) {
            Err(error) => Answer::from(error),
            Ok(outcome) => summary(&outcome),
        }
    }
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
) -> Result<Outcome, Error> {
    let pairs = match checked_params(source, params) {
        Ok(pairs) => pairs,
        Err(error) => {
            let failure = (
                error.code().as_str().to_owned(),
                error.description().to_owned(),
            );
            Writer::new(out).plain_error(&failure.0, &failure.1)?;
            return Ok(Outcome {
                items: 0,
                warnings: Vec::new(),
                failure: Some(failure),
            });
        }
    };
    let mut export = Export {
        source,
        pairs,
        writer: Writer::new(out),
        progress,
        requests: 0,
        total: None,
        warnings: Vec::new(),
        seen: HashSet::new(),
        last_id: None,
        id_key: predicted_id_key(source.method),
        mode,
    };
    let ended = match mode {
        ListMode::Offset => export.by_offset(),
        ListMode::ById => export.by_id(),
    };
    export.finish(ended)
}

/// The caller's arguments checked as CallMethod checks them, and the
/// parameters' members.
fn checked_params<'a>(
    source: Source,
    params: &'a str,
) -> Result<Vec<(String, &'a RawValue)>, Error> {
    Request::call_json(source.url, source.method, params, source.token)?;
    let text = match params.trim() {
        "" => "{}",
        text => text,
    };
    let invalid = |e: serde_json::Error| {
        Error::invalid_argument(format!("Parameters are not valid JSON: {e}"))
    };
    let params: &RawValue = serde_json::from_str(text).map_err(invalid)?;
    match Json::read(params).map_err(invalid)? {
        Json::Object(pairs) => Ok(pairs),
        _ => Err(Error::invalid_argument("Parameters must be a JSON object")),
    }
}

/// The summary of an export written elsewhere.
fn summary(outcome: &Outcome) -> Answer {
    let mut document = serde_json::json!({
        "result": {"items": outcome.items},
        "total": outcome.items,
    });
    if !outcome.warnings.is_empty() {
        document["warnings"] = serde_json::json!(outcome.warnings);
    }
    if let Some((code, description)) = &outcome.failure {
        document["error"] = code.as_str().into();
        document["error_description"] = description.as_str().into();
    }
    Answer::composed(
        document.to_string(),
        outcome.failure.as_ref().map(|(c, _)| c.clone()),
    )
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

/// Why an export stopped before its end: our error, or the portal's
/// error document.
enum Stop {
    Error(Error),
    Portal(String, String),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Stop {
        Stop::Error(error)
    }
}

/// One page as the portal answered it.
#[derive(Deserialize)]
struct PageAnswer<'a> {
    #[serde(borrow)]
    result: &'a RawValue,
    #[serde(default)]
    total: Option<serde_json::Value>,
    #[serde(default)]
    next: Option<serde_json::Value>,
}

/// Where the pages come from: shared by the requests of the offset mode,
/// which run side by side.
#[derive(Clone, Copy)]
struct Source<'a> {
    client: &'a Client,
    url: &'a str,
    method: &'a str,
    token: &'a str,
}

struct Export<'a, 'w> {
    source: Source<'a>,
    pairs: Vec<(String, &'a RawValue)>,
    writer: Writer<'w>,
    progress: &'w mut dyn FnMut(&ListProgress),
    requests: u64,
    total: Option<u64>,
    warnings: Vec<String>,
    /// IDs seen in the offset mode, for duplicates.
    seen: HashSet<u64>,
    /// The last ID in the by-ID mode, which must grow.
    last_id: Option<u64>,
    id_key: &'static str,
    mode: ListMode,
}

/// A page of a batch answer.
enum Page {
    Items(Box<RawValue>),
    Failed(String, String),
    Missing,
}

impl Export<'_, '_> {
    /// The first page as asked, then by offset: 50 pages a request once
    /// `total` is known, else page after page by `next`.
    fn by_offset(&mut self) -> Result<(), Stop> {
        let (_, mut next, total) = self.send_page(&self.params_with(&[]))?;
        if let Some(total) = total {
            let offsets: Vec<u64> = next
                .map(|next| (next..total).step_by(PAGE_ITEMS).collect())
                .unwrap_or_default();
            let requests = offsets
                .chunks(MAX_COMMANDS)
                .map(|chunk| {
                    chunk
                        .iter()
                        .map(|offset| {
                            let params = self.params_with(&[("start", offset.to_string())]);
                            Ok(Command {
                                key: format!("s{offset}"),
                                text: self.query_of(&params)?,
                            })
                        })
                        .collect::<Result<Vec<Command>, Error>>()
                })
                .collect::<Result<Vec<_>, Error>>()?;
            return self.fetch_in_order(&requests);
        }
        while let Some(start) = next {
            let (_, following, _) =
                self.send_page(&self.params_with(&[("start", start.to_string())]))?;
            if following.is_some_and(|following| following <= start) {
                return Err(Error::new(
                    ErrorCode::BadResponse,
                    format!("the portal's next ({following:?}) does not move past {start}"),
                )
                .into());
            }
            next = following;
        }
        Ok(())
    }

    /// Sends `requests` PARALLEL_REQUESTS at a time (each paced as any
    /// call), and writes their pages in order as they come: a request
    /// starts only within PARALLEL_REQUESTS of the first not yet written,
    /// so no more than that many answers wait in memory.
    fn fetch_in_order(&mut self, requests: &[Vec<Command>]) -> Result<(), Stop> {
        let source = self.source;
        let next = AtomicUsize::new(0);
        let written = Mutex::new(0usize);
        let moved = Condvar::new();
        let stop = AtomicBool::new(false);
        let (sender, receiver) = mpsc::channel();
        std::thread::scope(|scope| {
            for _ in 0..PARALLEL_REQUESTS.min(requests.len()) {
                let sender = sender.clone();
                let (next, written, moved, stop) = (&next, &written, &moved, &stop);
                scope.spawn(move || {
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        if index >= requests.len() {
                            break;
                        }
                        let mut done = written.lock().unwrap_or_else(|p| p.into_inner());
                        while index >= *done + PARALLEL_REQUESTS && !stop.load(Ordering::SeqCst) {
                            done = moved.wait(done).unwrap_or_else(|p| p.into_inner());
                        }
                        drop(done);
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        if sender
                            .send((index, source.fetch_batch(&requests[index])))
                            .is_err()
                        {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            let mut waiting = BTreeMap::new();
            let mut write = |index: usize, pages: Result<Vec<(String, Page)>, Stop>| {
                waiting.insert(index, pages);
                let mut done = written.lock().unwrap_or_else(|p| p.into_inner());
                while let Some(pages) = waiting.remove(&*done) {
                    self.requests += 1;
                    for (key, page) in pages? {
                        self.emit(&page_items(&key, page)?)?;
                    }
                    self.report();
                    *done += 1;
                    moved.notify_all();
                }
                Ok(())
            };
            let outcome = receiver
                .iter()
                .try_for_each(|(index, pages)| write(index, pages));
            if outcome.is_err() {
                stop.store(true, Ordering::SeqCst);
                moved.notify_all();
            }
            outcome
        })
    }

    /// Ordered by ID, `start=-1`, `>ID` the last seen: the first page, then
    /// 50 pages chained in a request through `$result[…]`, up to a page
    /// shorter than 50.
    fn by_id(&mut self) -> Result<(), Stop> {
        let first = self.send_page(&self.by_id_params(None))?;
        let mut full = first.0 == PAGE_ITEMS;
        while full {
            let Some(last) = self.last_id else {
                return Err(Error::invalid_argument(format!(
                    "the items of {} have no numeric {} field, which the by-ID mode pages by; use the offset mode",
                    self.source.method, self.id_key
                ))
                .into());
            };
            let mut commands = Vec::with_capacity(MAX_COMMANDS);
            for index in 0..MAX_COMMANDS {
                let bound = match index {
                    0 => last.to_string(),
                    _ => self.reference(&format!("i{}", index - 1)),
                };
                commands.push(Command {
                    key: format!("i{index}"),
                    text: self.command_text_by_id(&bound)?,
                });
            }
            for (key, page) in self.send_batch(&commands)? {
                // A page after a short one names an item that does not
                // exist: whatever the portal made of it is not read.
                full = self.emit(&page_items(&key, page)?)? == PAGE_ITEMS;
                if !full {
                    break;
                }
            }
        }
        Ok(())
    }

    /// `$result[key][49][ID]`, or inside the method's wrapper.
    fn reference(&self, key: &str) -> String {
        format!(
            "$result[{key}]{}[{}][{}]",
            self.writer
                .wrapper
                .as_deref()
                .map(|w| format!("[{w}]"))
                .unwrap_or_default(),
            PAGE_ITEMS - 1,
            self.id_key
        )
    }

    fn by_id_params(&self, bound: Option<&str>) -> String {
        let order = format!("{{{}:\"ASC\"}}", serde_json::Value::from(self.id_key));
        let filter = self.filter_with(bound);
        self.params_with(&[
            ("order", order),
            ("filter", filter),
            ("start", "-1".to_owned()),
        ])
    }

    fn command_text_by_id(&self, bound: &str) -> Result<String, Error> {
        self.query_of(&self.by_id_params(Some(bound)))
    }

    /// The caller's filter with `>ID` set to `bound` (a number, or a
    /// `$result` reference as a JSON string).
    fn filter_with(&self, bound: Option<&str>) -> String {
        let mut members: Vec<String> = Vec::new();
        let key = format!(">{}", self.id_key);
        if let Some((_, filter)) = self
            .pairs
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("filter"))
        {
            if let Ok(Json::Object(fields)) = Json::read(filter) {
                for (name, value) in fields {
                    if !name.eq_ignore_ascii_case(&key) {
                        members.push(format!("{}:{}", serde_json::Value::from(name), value.get()));
                    }
                }
            }
        }
        if let Some(bound) = bound {
            let bound = match bound.parse::<u64>() {
                Ok(number) => number.to_string(),
                Err(_) => serde_json::Value::from(bound).to_string(),
            };
            members.push(format!("{}:{bound}", serde_json::Value::from(key)));
        }
        format!("{{{}}}", members.join(","))
    }

    /// The caller's parameters as a JSON object's text, with each of
    /// `replaced` (name, JSON text) set in place of the caller's own.
    fn params_with(&self, replaced: &[(&str, String)]) -> String {
        let mut members: Vec<String> = self
            .pairs
            .iter()
            .filter(|(name, _)| !replaced.iter().any(|(r, _)| name.eq_ignore_ascii_case(r)))
            .map(|(name, value)| {
                format!("{}:{}", serde_json::Value::from(name.as_str()), value.get())
            })
            .collect();
        for (name, value) in replaced {
            members.push(format!("{}:{value}", serde_json::Value::from(*name)));
        }
        format!("{{{}}}", members.join(","))
    }

    /// `method?query` of a parameter object's text (built here from the
    /// caller's checked members, so an error is ours).
    fn query_of(&self, params: &str) -> Result<String, Error> {
        let broken = |e: serde_json::Error| {
            Error::internal(format!("the list's parameters did not make a query: {e}"))
        };
        let raw: &RawValue = serde_json::from_str(params).map_err(broken)?;
        let pairs = match Json::read(raw).map_err(broken)? {
            Json::Object(pairs) => pairs,
            other => {
                return Err(Error::internal(format!(
                    "the list's parameters are {}",
                    other.kind()
                )));
            }
        };
        let query = batch::query(pairs).map_err(broken)?;
        Ok(format!("{}?{query}", self.source.method))
    }

    /// One page by CallMethod: its item count, `next` and `total`.
    fn send_page(&mut self, params: &str) -> Result<(usize, Option<u64>, Option<u64>), Stop> {
        let request = Request::call_json(
            self.source.url,
            self.source.method,
            params,
            self.source.token,
        )?;
        self.requests += 1;
        let answer = self.source.answered(&request)?;
        let page: PageAnswer = serde_json::from_str(answer.json()).map_err(|e| {
            Error::new(
                ErrorCode::BadResponse,
                format!("{}'s answer is not a list page: {e}", self.source.method),
            )
        })?;
        let count = self.emit(page.result)?;
        let number = |value: Option<serde_json::Value>| match value? {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        };
        let total = number(page.total);
        self.total = self.total.or(total);
        self.report();
        Ok((count, number(page.next), total))
    }

    /// The pages of one batch request, by command key in order; counted
    /// and reported.
    fn send_batch(&mut self, commands: &[Command]) -> Result<Vec<(String, Page)>, Stop> {
        self.requests += 1;
        let pages = self.source.fetch_batch(commands);
        self.report();
        pages
    }

    fn report(&mut self) {
        (self.progress)(&ListProgress {
            items: self.writer.items,
            total: self.total,
            requests: self.requests,
        });
    }

    /// Writes a page's items; its count.
    fn emit(&mut self, result: &RawValue) -> Result<usize, Error> {
        let (wrapper, items) = items_of(result)?;
        if self.writer.wrapper.is_none() {
            self.writer.wrapper = wrapper;
        }
        for item in &items {
            if self.writer.items == 0 {
                self.id_key = detected_id_key(item).unwrap_or(self.id_key);
            }
            if let Some(id) = id_of(item, self.id_key) {
                if self.mode == ListMode::Offset && !self.seen.insert(id) {
                    self.writer.duplicates += 1;
                }
                if self.last_id.is_some_and(|last| id <= last) {
                    self.writer.out_of_order += 1;
                }
                self.last_id = Some(id);
            }
            self.writer.item(item)?;
        }
        Ok(items.len())
    }

    /// Ends the document: the count, warnings, and the error if any (alone,
    /// when no item came before it).
    fn finish(mut self, ended: Result<(), Stop>) -> Result<Outcome, Error> {
        let failure = match ended {
            Ok(()) => None,
            Err(Stop::Error(error)) => Some((
                error.code().as_str().to_owned(),
                error.description().to_owned(),
            )),
            Err(Stop::Portal(code, description)) => Some((code, description)),
        };
        if let (false, Some((code, description))) = (self.writer.started, &failure) {
            self.writer.plain_error(code, description)?;
            return Ok(Outcome {
                items: 0,
                warnings: Vec::new(),
                failure,
            });
        }
        let items = self.writer.items;
        if let (Some(total), None) = (self.total, &failure) {
            if total != items {
                self.warnings.push(format!(
                    "the portal counted {total} items but {items} came: the list changed during the export"
                ));
            }
        }
        if self.writer.duplicates > 0 {
            self.warnings.push(format!(
                "{} items came twice: the list changed during the export (the by-ID mode cannot repeat items)",
                self.writer.duplicates
            ));
        }
        if self.writer.out_of_order > 0 && self.mode == ListMode::ById {
            self.warnings.push(format!(
                "{} items came out of ID order: the portal did not order by ID as asked",
                self.writer.out_of_order
            ));
        }
        self.writer.end(items, &self.warnings, failure.as_ref())?;
        Ok(Outcome {
            items,
            warnings: self.warnings,
            failure,
        })
    }
}

impl Source<'_> {
    /// The pages of one batch request, by command key in order. Takes
    /// `&self` only, so that requests of the offset mode run side by side.
    fn fetch_batch(&self, commands: &[Command]) -> Result<Vec<(String, Page)>, Stop> {
        let mut request =
            Request::call_json(self.url, "batch", &batch::body(commands, false), self.token)?;
        // Every command reads the list: the request may be repeated when
        // the list method may be.
        request.repeatable = retry::is_safe_to_repeat(self.method);
        let answer = self.answered(&request)?;
        let parsed: Sections = serde_json::from_str(answer.json()).map_err(|e| {
            Error::new(
                ErrorCode::BadResponse,
                format!("the portal's answer is not a batch answer ({e})"),
            )
        })?;
        let results = parsed.result.result.map(|p| p.0).unwrap_or_default();
        let errors = parsed.result.result_error.map(|p| p.0).unwrap_or_default();
        fn find<'a>(section: &[(String, &'a RawValue)], key: &str) -> Option<&'a RawValue> {
            section
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, value)| *value)
        }
        Ok(commands
            .iter()
            .map(|command| {
                let page = match (find(&results, &command.key), find(&errors, &command.key)) {
                    (Some(items), _) => Page::Items(items.to_owned()),
                    (None, Some(error)) => {
                        let (code, description) = batch::portal_error(error.get());
                        Page::Failed(code, description)
                    }
                    (None, None) => Page::Missing,
                };
                (command.key.clone(), page)
            })
            .collect())
    }

    /// Sends `request`; the portal's error document, or ours, stops the export.
    fn answered(&self, request: &Request) -> Result<Answer, Stop> {
        let (outcome, _) = self.client.run_request(request);
        let answer = outcome?;
        if answer.is_error() {
            let (code, description) = batch::portal_error(answer.json());
            return Err(Stop::Portal(code, description));
        }
        Ok(answer)
    }
}

/// A batch page's result, or why there is none.
fn page_items(key: &str, page: Page) -> Result<Box<RawValue>, Stop> {
    match page {
        Page::Items(items) => Ok(items),
        Page::Failed(code, description) => Err(Stop::Portal(
            code,
            format!("the page {key} failed: {description}"),
        )),
        Page::Missing => Err(missing_page(key).into()),
    }
}

fn missing_page(key: &str) -> Error {
    Error::new(
        ErrorCode::BadResponse,
        format!("the portal's batch answer has no page {key}"),
    )
}

/// A page's items: the result itself, or the array inside its wrapper
/// object (`items`, `tasks`).
fn items_of(result: &RawValue) -> Result<(Option<String>, Vec<&RawValue>), Error> {
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
                    return Ok((Some(name), items));
                }
            }
            Err(bad("an object without an array"))
        }
        other => Err(bad(other.kind())),
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

/// The document's text going out: `{"result":[` item, item… `],…}`.
struct Writer<'w> {
    out: &'w mut dyn Write,
    started: bool,
    items: u64,
    duplicates: u64,
    out_of_order: u64,
    wrapper: Option<String>,
}

impl<'w> Writer<'w> {
    fn new(out: &'w mut dyn Write) -> Writer<'w> {
        Writer {
            out,
            started: false,
            items: 0,
            duplicates: 0,
            out_of_order: 0,
            wrapper: None,
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Error> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| Error::internal(format!("cannot write the list: {e}")))
    }

    fn item(&mut self, item: &RawValue) -> Result<(), Error> {
        let separator = match (self.started, self.items) {
            (false, _) => "{\"result\":[",
            (true, 0) => "",
            (true, _) => ",",
        };
        self.started = true;
        self.write(separator)?;
        self.write(item.get())?;
        self.items += 1;
        Ok(())
    }

    fn plain_error(&mut self, code: &str, description: &str) -> Result<(), Error> {
        let document = serde_json::json!({"error": code, "error_description": description});
        self.write(&document.to_string())?;
        self.out
            .flush()
            .map_err(|e| Error::internal(format!("cannot write the list: {e}")))
    }

    fn end(
        &mut self,
        items: u64,
        warnings: &[String],
        failure: Option<&(String, String)>,
    ) -> Result<(), Error> {
        if !self.started {
            self.write("{\"result\":[")?;
            self.started = true;
        }
        self.write(&format!("],\"total\":{items}"))?;
        if !warnings.is_empty() {
            self.write(&format!(",\"warnings\":{}", serde_json::json!(warnings)))?;
        }
        if let Some((code, description)) = failure {
            self.write(&format!(
                ",\"error\":{},\"error_description\":{}",
                serde_json::Value::from(code.as_str()),
                serde_json::Value::from(description.as_str())
            ))?;
        }
        self.write("}")?;
        self.out
            .flush()
            .map_err(|e| Error::internal(format!("cannot write the list: {e}")))
    }
}

/// The in-memory document, refused past the answer cap.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
}

impl Capped {
    fn is_over(&self) -> bool {
        self.bytes.len() > self.cap
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + data.len() > self.cap {
            self.bytes.extend_from_slice(data);
            return Err(std::io::Error::other("over the answer cap"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
