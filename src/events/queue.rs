//! The offline queue consumed at least once (docs/events.md, "The
//! consumer loop"): a batch reserved and recorded before anything else,
//! each event handed over once, cleared when it was delivered and marked
//! failed when it was not, and after a crash the recorded batches read
//! again by their `process_id`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::offline::{self, Queue, Record};
use super::state::{State, StateFile};
use crate::answer::Answer;
use crate::engine::Engine;
use crate::error::Error;

/// What [`crate::Client::watch_offline_events`] watches, and how.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// The portal's address (offline events need an application's token).
    pub url: String,
    /// The application's access token, or `file:<path>` for a token file.
    pub token: String,
    /// The state file, named `*.state`.
    pub state: PathBuf,
    /// Records reserved at a time (`limit`), 1 or more.
    pub limit: u32,
    /// `event.offline.get`'s filter, a JSON object; None for all.
    pub filter: Option<Value>,
    /// The bind's `auth_connector`; "" for none.
    pub connector: String,
    /// How long to wait while the queue is empty, or after a failure that
    /// may pass.
    pub interval: Duration,
    /// Stop once the queue is empty and nothing is left reserved.
    pub once: bool,
}

/// An event of the queue, handed to the caller's delivery.
#[derive(Debug, Clone)]
pub struct OfflineEvent {
    /// The record's `ID`.
    pub id: String,
    /// Its `EVENT_NAME`.
    pub name: String,
    /// Its `MESSAGE_ID`.
    pub message_id: String,
    /// The record as the portal sent it: a JSON object.
    pub json: String,
    /// Its delivery had started before a restart and may have ended: this
    /// is (perhaps) its second.
    pub redelivered: bool,
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered: the event is cleared from the queue.
    Done,
    /// Not delivered: the event is marked failed (`event.offline.error`).
    Failed,
    /// Not delivered, and the loop must stop: the event stays reserved and
    /// is delivered on the next start.
    Stop,
}

/// What the loop has done, for its final answer.
#[derive(Debug, Default)]
struct Tally {
    delivered: u64,
    cleared: u64,
    failed: u64,
    redelivered: u64,
    batches: u64,
    adopted: u64,
}

/// What the loop does after a step.
enum Next {
    Go,
    /// Stopped on request, or by the delivery.
    Stopped,
    /// The queue is empty, and the loop was to stop then.
    Empty,
}

/// How working through a batch ended.
enum Worked {
    /// Every record of it is cleared or marked failed.
    Finished,
    /// Stopped on request, or by the delivery.
    Stopped,
}

/// A failure of the loop: a portal's or the network's answer, or the
/// state file's.
enum Failure {
    Answer(Answer),
    State(Error),
}

impl From<Answer> for Failure {
    fn from(answer: Answer) -> Self {
        Failure::Answer(answer)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::State(error)
    }
}

/// The loop and what it holds.
struct Watcher<'a> {
    queue: Queue<'a>,
    settings: &'a WatchSettings,
    file: StateFile,
    state: State,
    tally: Tally,
    stop: &'a AtomicBool,
    notice: &'a mut dyn FnMut(&str),
}

/// Consumes the queue until `stop` is set (or, with `once`, until it is
/// empty), handing each event to `deliver`. Answers a summary,
/// `{"result": {"delivered", "cleared", "failed", "redelivered",
/// "batches", "adopted", "stopped"}}`, or the error that ended it (a
/// refused token, `WRONG_LICENSE`, a state file that cannot be written);
/// failures that may pass (the network, the portal's limits) are told to
/// `notice` and tried again after `interval`.
pub(crate) fn watch(
    engine: &Engine,
    settings: &WatchSettings,
    deliver: &mut dyn FnMut(&OfflineEvent) -> Delivery,
    stop: &AtomicBool,
    notice: &mut dyn FnMut(&str),
) -> Answer {
    if settings.limit == 0 {
        return Error::invalid_argument("the limit must be 1 or more").into();
    }
    if let Some(filter) = &settings.filter {
        if !filter.is_object() {
            return Error::invalid_argument("the filter must be a JSON object").into();
        }
    }
    let file = match StateFile::hold(&settings.state) {
        Ok(file) => file,
        Err(error) => return error.into(),
    };
    let state = match file.load() {
        Ok(state) => state,
        Err(error) => return error.into(),
    };
    let queue = Queue {
        engine,
        url: &settings.url,
        token: &settings.token,
        connector: &settings.connector,
    };
    let mut watcher = Watcher {
        queue,
        settings,
        file,
        state,
        tally: Tally::default(),
        stop,
        notice,
    };
    watcher.run(deliver)
}

impl Watcher<'_> {
    fn run(&mut self, deliver: &mut dyn FnMut(&OfflineEvent) -> Delivery) -> Answer {
        loop {
            if self.stopping() {
                return self.summary(true);
            }
            let step = self.step(deliver);
            match step {
                Ok(Next::Go) => {}
                Ok(Next::Stopped) => return self.summary(true),
                Ok(Next::Empty) => return self.summary(false),
                Err(Failure::State(error)) => return error.into(),
                Err(Failure::Answer(answer)) if offline::passes(&answer) => {
                    (self.notice)(&format!("waiting to try again: {}", answer.json()));
                    self.wait();
                }
                Err(Failure::Answer(answer)) => return answer,
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// One step: adopt lost batches, work through a recorded one, or
    /// reserve a new one.
    fn step(
        &mut self,
        deliver: &mut dyn FnMut(&OfflineEvent) -> Delivery,
    ) -> Result<Next, Failure> {
        if self.state.reserving {
            self.adopt()?;
            return Ok(Next::Go);
        }
        let (process, records) = match self.state.batches.first().cloned() {
            Some(process) => {
                let limit = self.settings.limit;
                let (_, records) = self.queue.get(Some(&process), limit, None)?;
                (process, records)
            }
            None => match self.reserve()? {
                Some(batch) => batch,
                None if self.settings.once => return Ok(Next::Empty),
                None => {
                    self.wait();
                    return Ok(Next::Go);
                }
            },
        };
        match self.work(&process, records, deliver)? {
            Worked::Stopped => Ok(Next::Stopped),
            Worked::Finished => Ok(Next::Go),
        }
    }

    /// A new batch, recorded before anything else; None when the queue
    /// is empty. The reservation is marked as asked for first: if its
    /// answer is lost (a crash, a failure after the portal ran it), the
    /// next step looks for the batch nobody records.
    fn reserve(&mut self) -> Result<Option<(String, Vec<Record>)>, Failure> {
        self.state.reserving = true;
        self.file.save(&self.state, true)?;
        let folder = self.file.lock_folder()?;
        let filter = self.settings.filter.as_ref();
        let (process, records) = self.queue.get(None, self.settings.limit, filter)?;
        self.state.reserving = false;
        if records.is_empty() {
            self.file.save(&self.state, false)?;
            return Ok(None);
        }
        self.state.batches.push(process.clone());
        self.file.save(&self.state, true)?;
        drop(folder);
        self.tally.batches += 1;
        Ok(Some((process, records)))
    }

    /// After a reservation whose answer was lost: the batches reserved that
    /// no state file of the folder records, taken as this consumer's.
    fn adopt(&mut self) -> Result<(), Failure> {
        let folder = self.file.lock_folder()?;
        let recorded = self.file.recorded_batches();
        let reserved = self.queue.reserved(self.settings.filter.as_ref())?;
        for process in reserved {
            if !recorded.contains(&process) {
                (self.notice)(&format!(
                    "adopting the reserved batch {process}, which no state file records"
                ));
                self.state.batches.push(process);
                self.tally.adopted += 1;
            }
        }
        self.state.reserving = false;
        self.file.save(&self.state, true)?;
        drop(folder);
        Ok(())
    }

    /// Delivers the records of `process` not yet delivered, then clears and
    /// marks them; the batch is finished when a reading of it finds
    /// nothing left.
    fn work(
        &mut self,
        process: &str,
        records: Vec<Record>,
        deliver: &mut dyn FnMut(&OfflineEvent) -> Delivery,
    ) -> Result<Worked, Failure> {
        if records.is_empty() {
            self.flush(process)?;
            self.state.batches.retain(|p| p != process);
            self.state.done.clear();
            self.state.failed.clear();
            self.state.current = None;
            self.file.save(&self.state, true)?;
            return Ok(Worked::Finished);
        }
        for record in records {
            let settled = self.state.done.contains(&record.id)
                || self.state.failed.iter().any(|(id, _)| *id == record.id);
            if settled {
                continue;
            }
            if self.stopping() {
                self.flush(process)?;
                return Ok(Worked::Stopped);
            }
            let redelivered = self.state.current.as_deref() == Some(record.id.as_str());
            if redelivered {
                self.state.redelivered += 1;
                self.tally.redelivered += 1;
                (self.notice)(&format!(
                    "event {} is delivered again: its delivery had started before a restart",
                    record.id
                ));
            }
            self.state.current = Some(record.id.clone());
            self.file.save(&self.state, false)?;
            let event = OfflineEvent {
                id: record.id.clone(),
                name: record.name.clone(),
                message_id: record.message_id.clone(),
                json: record.json.clone(),
                redelivered,
            };
            match deliver(&event) {
                Delivery::Done => {
                    self.state.done.push(record.id);
                    self.tally.delivered += 1;
                }
                Delivery::Failed => {
                    self.state.failed.push((record.id, record.message_id));
                    self.tally.delivered += 1;
                }
                Delivery::Stop => {
                    self.flush(process)?;
                    return Ok(Worked::Stopped);
                }
            }
            self.state.current = None;
            self.file.save(&self.state, false)?;
        }
        self.flush(process)?;
        // What is left of the batch, if anything, comes next step.
        Ok(Worked::Finished)
    }

    /// Clears the delivered records of `process` and marks the failed ones.
    fn flush(&mut self, process: &str) -> Result<(), Failure> {
        if !self.state.done.is_empty() {
            self.queue.clear(process, &self.state.done)?;
            self.tally.cleared += self.state.done.len() as u64;
            self.state.done.clear();
            self.file.save(&self.state, false)?;
        }
        if !self.state.failed.is_empty() {
            let messages: Vec<String> = self.state.failed.iter().map(|(_, m)| m.clone()).collect();
            self.queue.fail(process, &messages)?;
            self.tally.failed += self.state.failed.len() as u64;
            self.state.failed.clear();
            self.file.save(&self.state, false)?;
        }
        Ok(())
    }

    /// Sleeps `interval`, waking early when asked to stop.
    fn wait(&self) {
        let until = Instant::now() + self.settings.interval;
        while !self.stopping() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }

    fn summary(&self, stopped: bool) -> Answer {
        let t = &self.tally;
        let document = json!({"result": {
            "delivered": t.delivered,
            "cleared": t.cleared,
            "failed": t.failed,
            "redelivered": t.redelivered,
            "redelivered_ever": self.state.redelivered,
            "batches": t.batches,
            "adopted": t.adopted,
            "stopped": stopped,
        }});
        Answer::composed(document.to_string(), None)
    }
}
