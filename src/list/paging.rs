//! GetList's paging: which requests fetch the pages after the first, and how
//! their answers are read. By offset, 50 pages a batch request once `total`
//! is known (requests side by side, written in order); by ID, 50 pages
//! chained in a request through `$result[…]`. Queries are built from the
//! caller's parameters as values, never from text parsed back.

use std::borrow::Cow;
use std::time::Instant;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::batch::{self, BatchAnswer, Command, MAX_COMMANDS};
use crate::budget::OPERATION_TIME_LIMIT;
use crate::credentials;
use crate::engine::Engine;
use crate::error::{Error, ErrorCode, ErrorDocument};
use crate::json::Json;
use crate::query::{self, Param};
use crate::request::Request;
use crate::retry;
use crate::token_file;

use super::in_order::{caught, fetch_in_order};
use super::items::{Tally, items_of};
use super::writer::Writer;
use super::{ListMode, ListProgress, Outcome, PAGE_ITEMS};

/// Batch requests of the offset mode in flight at once: the 50 concurrent
/// requests a portal takes (fast_bitrix24 keeps to the same). Each still
/// waits for its turn in the pacing, so a cloud portal's bucket decides.
const PARALLEL_REQUESTS: usize = 50;

/// Why an export stopped before its end.
pub(super) enum Stop {
    /// Our error or the portal's: it goes into the document.
    Failed(ErrorDocument),
    /// The caller's `out` could not be written.
    Write(std::io::Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Stop {
        Stop::Failed(ErrorDocument::from(&error))
    }
}

impl From<std::io::Error> for Stop {
    fn from(error: std::io::Error) -> Stop {
        Stop::Write(error)
    }
}

/// Where the pages come from: shared by the requests of the offset mode,
/// which run side by side.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    engine: &'a Engine,
    pub(super) url: &'a str,
    pub(super) method: &'a str,
    pub(super) token: &'a str,
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

/// A page of a batch answer.
enum Page {
    Items(Box<RawValue>),
    Failed(ErrorDocument),
    /// Refused for the list method's operating-time budget (it did not
    /// run), to be asked again once the budget frees, which the engine sees
    /// coming within the time budget of the request that first asked.
    Refused,
    Missing,
}

/// The pages of one batch request of the offset mode, by command key in
/// order, and how many requests fetched them.
struct Fetched {
    pages: Vec<(String, Page)>,
    requests: u64,
}

/// One export under way: what it asks, what it has written, and how far
/// it is.
pub(super) struct Paging<'a, 'w> {
    source: Source<'a>,
    /// The caller's parameters, as written.
    params: &'a [(Cow<'a, str>, &'a RawValue)],
    mode: ListMode,
    writer: Writer<'w>,
    tally: Tally,
    progress: &'w mut dyn FnMut(&ListProgress),
    requests: u64,
    total: Option<u64>,
}

impl<'a, 'w> Paging<'a, 'w> {
    pub(super) fn new(
        source: Source<'a>,
        params: &'a [(Cow<'a, str>, &'a RawValue)],
        mode: ListMode,
        writer: Writer<'w>,
        progress: &'w mut dyn FnMut(&ListProgress),
    ) -> Paging<'a, 'w> {
        Paging {
            source,
            params,
            mode,
            writer,
            tally: Tally::new(source.method, mode),
            progress,
            requests: 0,
            total: None,
        }
    }

    /// Fetches every page, then ends the document.
    pub(super) fn run(mut self) -> Result<Outcome, std::io::Error> {
        let ended = match self.mode {
            ListMode::Offset => self.by_offset(),
            ListMode::ById => self.by_id(),
        };
        self.finish(ended)
    }

    /// The first page as asked, then by offset: 50 pages a request once
    /// `total` is known, else page after page by `next`.
    fn by_offset(&mut self) -> Result<(), Stop> {
        let (_, mut next, total) = self.send_page(&self.params_with(Vec::new()))?;
        if let Some(total) = total {
            let offsets: Vec<u64> = next
                .map(|next| (next..total).step_by(PAGE_ITEMS).collect())
                .unwrap_or_default();
            let requests = offsets
                .chunks(MAX_COMMANDS)
                .map(|chunk| {
                    chunk
                        .iter()
                        .map(|&offset| self.command(format!("s{offset}"), self.at_offset(offset)))
                        .collect::<Result<Vec<Command>, Error>>()
                })
                .collect::<Result<Vec<_>, Error>>()?;
            return self.fetch_batches_in_order(&requests);
        }
        while let Some(start) = next {
            let (_, following, _) = self.send_page(&self.at_offset(start))?;
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

    /// Sends the batch `requests` side by side, and writes their pages in
    /// order as they come.
    fn fetch_batches_in_order(&mut self, requests: &[Vec<Command>]) -> Result<(), Stop> {
        let source = self.source;
        fetch_in_order(
            requests.len(),
            PARALLEL_REQUESTS,
            |index| source.fetch_whole(&requests[index]),
            |fetched| {
                let fetched = fetched
                    .map_err(|panicked| {
                        source.panicked(&pages_of(&requests[panicked.index]), &panicked.message)
                    })
                    .and_then(|fetched| fetched);
                self.requests += fetched.as_ref().map_or(1, |fetched| fetched.requests);
                for (key, page) in fetched?.pages {
                    self.emit(&page_items(&key, page)?)?;
                }
                self.report();
                Ok(())
            },
        )
    }

    /// Ordered by ID, `start=-1`, `>ID` the last seen: the first page, then
    /// 50 pages chained in a request through `$result[…]`, up to a page
    /// shorter than 50. A page refused for the list method's budget stops
    /// the chain there; the next request starts from it, once the budget
    /// frees, within the time budget of the request that first asked for it.
    fn by_id(&mut self) -> Result<(), Stop> {
        let (count, _, _) = self.send_page(&self.after_id(None))?;
        let mut full = count == PAGE_ITEMS;
        let mut refused_within = None;
        while full {
            let Some(last) = self.tally.last_id else {
                // Not OPI_INVALID_ARGUMENT: that says nothing was sent.
                return Err(Error::new(
                    ErrorCode::BadResponse,
                    format!(
                        "the items of {} have no numeric {} field, which the by-ID mode pages by; use the offset mode",
                        self.source.method, self.tally.id_key
                    ),
                )
                .into());
            };
            let mut commands = Vec::with_capacity(MAX_COMMANDS);
            for index in 0..MAX_COMMANDS {
                let bound = match index {
                    0 => Param::Integer(i64::try_from(last).unwrap_or(i64::MAX)),
                    _ => Param::Text(self.reference(&format!("i{}", index - 1))),
                };
                commands.push(self.command(format!("i{index}"), self.after_id(Some(bound)))?);
            }
            self.requests += 1;
            let source = self.source;
            let sent_at = Instant::now();
            let deadline = refused_within.unwrap_or_else(|| source.engine.deadline_from(sent_at));
            let again = refused_within.take().is_some();
            let pages =
                caught(|| source.fetch_batch(&commands, deadline, again)).map_err(|message| {
                    source.panicked(&format!("the pages after ID {last}"), &message)
                });
            self.report();
            for (index, (key, page)) in pages??.into_iter().enumerate() {
                if let Page::Refused = page {
                    // The pages after it were bound to its last ID: whatever
                    // the portal made of them is not read.
                    refused_within = Some(match index {
                        0 => deadline,
                        _ => source.engine.deadline_from(sent_at),
                    });
                    break;
                }
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
        let wrapper = self.tally.wrapper.as_deref().map(|w| format!("[{w}]"));
        format!(
            "$result[{key}]{}[{}][{}]",
            wrapper.unwrap_or_default(),
            PAGE_ITEMS - 1,
            self.tally.id_key
        )
    }

    /// The caller's parameters, paged from `offset`.
    fn at_offset(&self, offset: u64) -> Vec<(String, Param<'a>)> {
        let start = i64::try_from(offset).unwrap_or(i64::MAX);
        self.params_with(vec![("start", Param::Integer(start))])
    }

    /// The caller's parameters ordered by ID, uncounted (`start=-1`), and
    /// filtered past `bound` (a number, or a `$result` reference).
    fn after_id(&self, bound: Option<Param<'a>>) -> Vec<(String, Param<'a>)> {
        let key = format!(">{}", self.tally.id_key);
        let mut filter: Vec<(String, Param<'a>)> = Vec::new();
        let callers = self
            .params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("filter"));
        if let Some(Ok(Json::Object(fields))) = callers.map(|(_, filter)| Json::read(filter)) {
            filter.extend(
                fields
                    .into_iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case(&key))
                    .map(|(name, value)| (name.into_owned(), Param::Raw(value))),
            );
        }
        if let Some(bound) = bound {
            filter.push((key, bound));
        }
        let order = vec![(self.tally.id_key.to_owned(), Param::Text("ASC".into()))];
        self.params_with(vec![
            ("order", Param::Object(order)),
            ("filter", Param::Object(filter)),
            ("start", Param::Integer(-1)),
        ])
    }

    /// The caller's parameters with each of `replaced` set in place of the
    /// caller's own (names compared in any case), after them.
    fn params_with(&self, replaced: Vec<(&str, Param<'a>)>) -> Vec<(String, Param<'a>)> {
        let mut params: Vec<(String, Param<'a>)> = self
            .params
            .iter()
            .filter(|(name, _)| !replaced.iter().any(|(r, _)| name.eq_ignore_ascii_case(r)))
            .map(|(name, value)| (name.to_string(), Param::Raw(value)))
            .collect();
        params.extend(
            replaced
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        params
    }

    /// A batch command calling the list method with `params`.
    fn command(&self, key: String, params: Vec<(String, Param)>) -> Result<Command, Error> {
        let query = query::query(&params).map_err(|e| {
            Error::internal(format!("the list's parameters did not make a query: {e}"))
        })?;
        Ok(Command {
            key,
            text: format!("{}?{query}", self.source.method),
        })
    }

    /// One page by CallMethod: its item count, `next` and `total`.
    fn send_page(
        &mut self,
        params: &[(String, Param)],
    ) -> Result<(usize, Option<u64>, Option<u64>), Stop> {
        let source = self.source;
        let body = query::json_object(params);
        self.requests += 1;
        let (answer, _) = source
            .answered(&|token| Request::call_json(source.url, source.method, &body, token))?;
        let page: PageAnswer = serde_json::from_str(answer.json()).map_err(|e| {
            Error::new(
                ErrorCode::BadResponse,
                format!("{}'s answer is not a list page: {e}", source.method),
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

    fn report(&mut self) {
        (self.progress)(&ListProgress {
            items: self.writer.items,
            total: self.total,
            requests: self.requests,
        });
    }

    /// Writes a page's items; its count.
    fn emit(&mut self, result: &RawValue) -> Result<usize, Stop> {
        let (wrapper, items) = items_of(result)?;
        self.tally.wrapper(wrapper);
        for item in &items {
            self.tally.item(item);
            self.writer.item(item)?;
        }
        Ok(items.len())
    }

    /// Ends the document: the count, warnings, and the error if any (alone,
    /// when no item came before it).
    fn finish(mut self, ended: Result<(), Stop>) -> Result<Outcome, std::io::Error> {
        let failure = match ended {
            Ok(()) => None,
            Err(Stop::Failed(failure)) => Some(failure),
            Err(Stop::Write(error)) => return Err(error),
        };
        if let (false, Some(failure)) = (self.writer.started(), &failure) {
            self.writer.plain_error(failure)?;
            return Ok(Outcome {
                items: 0,
                warnings: Vec::new(),
                failure: Some(failure.clone()),
            });
        }
        // A count is checked only against a list fetched to its end.
        let total = self.total.filter(|_| failure.is_none());
        let warnings = self.tally.warnings(total);
        self.writer.end(&warnings, failure.as_ref())?;
        Ok(Outcome {
            items: self.writer.items,
            warnings,
            failure,
        })
    }
}

impl<'a> Source<'a> {
    pub(crate) fn new(engine: &'a Engine, url: &'a str, method: &'a str, token: &'a str) -> Self {
        Source {
            engine,
            url,
            method,
            token,
        }
    }

    /// The pages of one batch request of the offset mode: those the portal
    /// refused for the list method's budget are asked again, in a request
    /// of their own, once it frees, as long as the engine sees that within
    /// the time budget of the request that first asked for them; past it,
    /// they are failed pages naming when the budget frees. Takes `&self`
    /// only, so that requests run side by side.
    fn fetch_whole(&self, commands: &[Command]) -> Result<Fetched, Stop> {
        let deadline = self.engine.deadline_from(Instant::now());
        let mut pages = self.fetch_batch(commands, deadline, false)?;
        let mut requests = 1;
        loop {
            let refused: Vec<Command> = (commands.iter().zip(&pages))
                .filter(|(_, (_, page))| matches!(page, Page::Refused))
                .map(|(command, _)| command.clone())
                .collect();
            if refused.is_empty() {
                return Ok(Fetched { pages, requests });
            }
            requests += 1;
            let again = self.fetch_batch(&refused, deadline, true)?;
            for (key, page) in again {
                if let Some(at) = pages.iter().position(|(k, _)| *k == key) {
                    pages[at].1 = page;
                }
            }
        }
    }

    /// The pages of one batch request, by command key in order. A failure
    /// names the request's pages. Its pages only read the list, so there is
    /// no "not sent" to tell: after a failure that leaves open whether the
    /// portal ran it, the request was sent again when the list method is
    /// safe to repeat, and the export ends only when that failed too
    /// (docs/lists.md). `deadline` ends the time budget of the request that
    /// first asked for these pages, which this one keeps when it asks
    /// `again`.
    fn fetch_batch(
        &self,
        commands: &[Command],
        deadline: Instant,
        again: bool,
    ) -> Result<Vec<(String, Page)>, Stop> {
        self.fetch_pages(commands, deadline, again)
            .map_err(|stop| match stop {
                Stop::Failed(failure) => {
                    let context = format!("the batch request of {} failed", pages_of(commands));
                    Stop::Failed(failure.in_context(&context))
                }
                other => other,
            })
    }

    fn fetch_pages(
        &self,
        commands: &[Command],
        deadline: Instant,
        again: bool,
    ) -> Result<Vec<(String, Page)>, Stop> {
        let body = batch::body(commands, false);
        let again = again.then_some(deadline);
        let (answer, request) = self.answered(&|token| {
            let mut request = batch::request(self.url, &body, token, commands, again)?;
            // Every command reads the list: the request may be repeated when
            // the list method may be.
            request.repeatable = retry::is_safe_to_repeat(self.method);
            Ok(request)
        })?;
        let parsed: BatchAnswer = serde_json::from_str(answer.json()).map_err(|e| {
            Error::new(
                ErrorCode::BadResponse,
                format!("the portal's answer is not a batch answer ({e})"),
            )
        })?;
        if let Some(times) = &parsed.result.result_time {
            batch::note_command_times(self.engine, &request, commands, times);
        }
        let (results, errors) = (parsed.result.result, parsed.result.result_error);
        // Every page is of the list method: the engine's verdict on one
        // refused for its budget holds for all.
        let mut verdict = None;
        Ok(commands
            .iter()
            .map(|command| {
                let key = command.key.as_str();
                let page = match (
                    results.as_ref().and_then(|r| r.get(key)),
                    errors.as_ref().and_then(|e| e.get(key)),
                ) {
                    (Some(items), _) => Page::Items(items.to_owned()),
                    (None, Some(error)) => {
                        let error = ErrorDocument::read(error.get());
                        if error.code != OPERATION_TIME_LIMIT {
                            Page::Failed(error)
                        } else {
                            let verdict = verdict.get_or_insert_with(|| {
                                let engine = self.engine;
                                engine.commands_refused(&request, self.method, error, deadline)
                            });
                            match verdict {
                                Ok(()) => Page::Refused,
                                Err(error) => Page::Failed(error.clone()),
                            }
                        }
                    }
                    (None, None) => Page::Missing,
                };
                (command.key.clone(), page)
            })
            .collect())
    }

    /// What ends an export whose fetch of `pages` panicked: our error,
    /// with what the panic said, the call's secrets masked as in every
    /// error of a call.
    fn panicked(&self, pages: &str, message: &str) -> Stop {
        let token = token_file::stand_in(self.token);
        let secrets = Request::call_json(self.url, self.method, "{}", token)
            .map(|request| request.secrets)
            .unwrap_or_default();
        let message = secrets.redact(message);
        Error::internal(format!(
            "fetching {pages} of {} panicked: {message}",
            self.method
        ))
        .into()
    }

    /// Sends the request `build` makes with the caller's token (a token
    /// file's renewed when it expires, the page asked again); the portal's
    /// error document, or ours, stops the export. The answer, and the
    /// request it answers.
    fn answered(
        &self,
        build: &dyn Fn(&str) -> Result<Request, Error>,
    ) -> Result<(Answer, Request), Stop> {
        let ((outcome, _), request) = credentials::send(self.engine, self.token, build)?;
        let answer = outcome?;
        if answer.is_error() {
            return Err(Stop::Failed(answer.error_document()));
        }
        Ok((answer, request))
    }
}

/// "the pages s50 to s2500": the pages of one batch request, by key.
fn pages_of(commands: &[Command]) -> String {
    match (commands.first(), commands.last()) {
        (Some(first), Some(last)) => format!("the pages {} to {}", first.key, last.key),
        _ => "a request of no pages".to_owned(),
    }
}

/// A batch page's result, or why there is none.
fn page_items(key: &str, page: Page) -> Result<Box<RawValue>, Stop> {
    match page {
        Page::Items(items) => Ok(items),
        // Asked again until fetched, or failed naming the budget's reset.
        Page::Refused => Err(Error::internal(format!(
            "the page {key}, refused for the operating-time budget, was not asked again"
        ))
        .into()),
        Page::Failed(failure) => Err(Stop::Failed(
            failure.in_context(&format!("the page {key} failed")),
        )),
        Page::Missing => Err(Error::new(
            ErrorCode::BadResponse,
            format!("the portal's batch answer has no page {key}"),
        )
        .into()),
    }
}
