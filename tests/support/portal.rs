//! A Bitrix24 portal emulator, faithful to docs/portal.md for what this
//! library touches: webhook and OAuth routes, parameter decoding, scopes, the
//! errors with their HTTP codes, the leaky bucket, a moved portal, the
//! `time` block and headers of a success, the methods the tests call (the
//! status pair, `server.time`, `user.current`, deals), an OAuth server with
//! rotating refresh tokens, `batch` (commands read by PHP's rules, see
//! `php.rs`, `$result[…]` references, `halt`, its limits), and the failures
//! that leave open whether a method ran, and the offline event queue
//! (`queue.rs`). It records every request and every batch command as it
//! decoded it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::http::{Fault, HttpRequest, HttpResponse, Server};
use super::php::{self, Key, Node, PhpArray};
use super::queue::{self, OfflineQueue, OfflineRecord};
use super::tls::{SERVER_NAMES, TestCa};

/// The seed page's webhook: user 1, this secret.
pub const WEBHOOK_USER: u32 = 1;
pub const WEBHOOK_SECRET: &str = "4swokunb3tk7h7dt";
/// A valid application token, for user 1.
pub const APP_TOKEN: &str = "adf89366006e9f06006b12e400000001000000a1b2c3d4e5f6a7b8c9d0e1f2";
/// A token the portal knows but that has expired.
pub const EXPIRED_TOKEN: &str = "0ddba11006e9f06006b12e4000000010000000expired00000000000000";
/// A webhook with only the `crm` scope.
pub const NO_SCOPE_SECRET: &str = "n0sc0pewebhook99";
/// The application the OAuth server knows.
pub const CLIENT_ID: &str = "local.6a1b2c3d4e5f60.12345678";
pub const CLIENT_SECRET: &str = "Cl1entS3cretOfTheTestApp0123456789abcdefghijklmnop";
/// The deals a portal starts with, numbered from 1.
pub const SEED_DEALS: usize = 3;
const STATUSES: [&str; 4] = ["online", "dnd", "away", "break"];

#[derive(Debug, Clone)]
pub struct PortalOptions {
    pub https: bool,
    /// The leaky bucket: how many requests fit, and how many drain per second.
    pub bucket: Option<(f64, f64)>,
    /// Answer every request with 302 to the same path at this base URL.
    pub moved_to: Option<String>,
    /// Cloud portals refuse webhooks over plain http.
    pub webhooks_need_https: bool,
    /// Unix time used for every `time` block, so that answers can be compared.
    pub frozen_clock: Option<f64>,
    /// Keep every request for `requests()`; off for long load tests.
    pub record: bool,
    /// Listen on [::1] instead of 127.0.0.1.
    pub ipv6: bool,
    /// The CA that signs the portal's certificate; [`TestCa::global`] when None.
    pub ca: Option<&'static TestCa>,
    /// Rows in each generated list (`LIST_METHODS`); none by default.
    pub list_rows: usize,
    /// Time each REST request takes the portal (each command, for a batch),
    /// spent outside its lock so that requests overlap as on a real server.
    pub processing: Duration,
    /// The operating-time budget per method, scaled down; none by default.
    pub operating_budget: Option<OperatingBudget>,
    /// How long an access token the OAuth server issues lives (an hour, as
    /// on the real server): shorter, expiry can be tested without waiting.
    pub token_lifetime: Duration,
    /// Answer a method it does not emulate with what it received,
    /// `{"result": {"method": …, "params": …}}`, rather than
    /// `ERROR_METHOD_NOT_FOUND`: for tests of what a function sends.
    pub echo_unknown: bool,
    /// Time the OAuth server takes for each grant, outside its lock.
    pub oauth_processing: Duration,
}

/// The portal's operating-time limit, scaled down so that tests meet it in
/// seconds: each call charges `charge` seconds to its method within a
/// sliding `window`; once a method's charges reach `limit`, its calls are
/// refused with 429 `OPERATION_TIME_LIMIT`, before they run, until the
/// oldest charge leaves the window. Answers report `operating` and
/// `operating_reset_at` (fractional here, for the short window).
///
/// A batch is charged one of the two ways sources report (docs/portal.md):
/// `charge` per command, all to `batch`, as the portal was measured to do;
/// or, with `per_command`, each command to its own method, as the
/// documentation says — a command past its method's limit is then refused
/// in `result_error`, before it runs, while the batch answers 200 and the
/// other commands run; each command that ran reports its method's budget
/// in `result_time`, a refused one nothing.
#[derive(Debug, Clone, Copy)]
pub struct OperatingBudget {
    pub limit: f64,
    pub window: Duration,
    pub charge: f64,
    pub per_command: bool,
}

impl Default for PortalOptions {
    fn default() -> Self {
        PortalOptions {
            https: true,
            bucket: Some((50.0, 2.0)),
            moved_to: None,
            webhooks_need_https: true,
            frozen_clock: None,
            record: true,
            ipv6: false,
            ca: None,
            list_rows: 0,
            processing: Duration::ZERO,
            operating_budget: None,
            token_lifetime: Duration::from_secs(3600),
            echo_unknown: false,
            oauth_processing: Duration::ZERO,
        }
    }
}

/// One request as the portal received it.
#[derive(Debug, Clone)]
pub struct Recorded(HttpRequest);

impl Recorded {
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.0.body).unwrap_or(Value::Null)
    }
}

impl std::ops::Deref for Recorded {
    type Target = HttpRequest;
    fn deref(&self) -> &HttpRequest {
        &self.0
    }
}

struct Webhook {
    user: u32,
    secret: String,
    scopes: Vec<String>,
}

struct Token {
    user: u32,
    expired: bool,
}

/// A failure the portal shows for the next calls of one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalFault {
    /// Runs the method, then closes the connection without an answer.
    BreakAfterRun,
    /// Runs the method, then answers as a proxy whose backend died: HTML 502.
    BadGatewayAfterRun,
    /// Runs the method, then sends nothing until the client gives up.
    SilentAfterRun,
    /// Runs the method, then answers 500 with a JSON error, as the portal
    /// does when it fails after the method's work is done.
    ServerErrorAfterRun,
    /// Runs the method, then answers 200 with PHP's notice text before the
    /// JSON, as a portal that shows PHP's errors does: no JSON object,
    /// though the method's work is done.
    NoticeAfterRun,
    /// Refuses before running: 503 QUERY_LIMIT_EXCEEDED.
    QueryLimit,
    /// Refuses before running: 503 OVERLOAD_LIMIT, a block set by support.
    Overload,
    /// Runs and answers, then closes the connection the client keeps, as a
    /// server whose keep-alive timeout is very short.
    CloseAfterAnswer,
}

/// A deal as `crm.deal.add` made it.
#[derive(Debug, Clone)]
struct Deal {
    id: u64,
    fields: serde_json::Map<String, Value>,
}

/// The OAuth server's grants: codes to exchange once, refresh tokens to
/// spend once.
#[derive(Default)]
struct OAuth {
    codes: Vec<String>,
    refresh_tokens: HashMap<String, bool>,
    issued: u64,
    /// When each access token issued here expires, in Unix time.
    expires: HashMap<String, f64>,
    /// The access token issued with each refresh token.
    access_of: HashMap<String, String>,
    /// Refresh grants made, and those of them made while the access token
    /// they replace still lived.
    refreshes: usize,
    premature: usize,
}

struct LeakyBucket {
    capacity: f64,
    drain_per_second: f64,
    level: f64,
    at: Instant,
}

impl LeakyBucket {
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        let drained = now.duration_since(self.at).as_secs_f64() * self.drain_per_second;
        self.level = (self.level - drained).max(0.0);
        self.at = now;
        if self.level + 1.0 > self.capacity {
            return false;
        }
        self.level += 1.0;
        true
    }
}

struct State {
    options: PortalOptions,
    webhooks: Vec<Webhook>,
    tokens: HashMap<String, Token>,
    statuses: HashMap<u32, String>,
    requests: Vec<Recorded>,
    bucket: Option<LeakyBucket>,
    deals: Vec<Deal>,
    faults: Vec<(String, PortalFault, usize)>,
    oauth: OAuth,
    decoded: Vec<Decoded>,
    /// Generated rows' IDs by list method, ascending, with gaps.
    lists: HashMap<&'static str, Vec<u64>>,
    /// After this many more list pages, a row is inserted at the front of
    /// every list: a table that changes during an export.
    insert_after_pages: Option<usize>,
    /// Requests the leaky bucket answered with 503.
    refused: usize,
    /// Each method's operating-time charges in the window: (Unix time, seconds).
    operating: HashMap<String, std::collections::VecDeque<(f64, f64)>>,
    /// Calls refused with 429 `OPERATION_TIME_LIMIT`.
    blocked: usize,
    /// Batch commands refused with `OPERATION_TIME_LIMIT` in `result_error`.
    blocked_commands: usize,
    /// Files posted to the upload addresses `disk.folder.uploadfile` gave.
    uploads: Vec<Upload>,
    /// The offline event queue and its bindings.
    offline: OfflineQueue,
}

/// A file as the upload address received it: the form field, the file
/// name and the bytes of its one part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub field: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The generated lists: the method, how it wraps its items (`None`: the
/// result is the array), its ID field, whether IDs are strings, and
/// whether it counts `total`.
pub const LIST_METHODS: [ListShape; 4] = [
    ListShape {
        method: "crm.contact.list",
        wrapper: None,
        id: "ID",
        string_ids: true,
        counts: true,
    },
    ListShape {
        method: "crm.item.list",
        wrapper: Some("items"),
        id: "id",
        string_ids: false,
        counts: true,
    },
    ListShape {
        method: "tasks.task.list",
        wrapper: Some("tasks"),
        id: "id",
        string_ids: true,
        counts: true,
    },
    ListShape {
        method: "crm.address.list",
        wrapper: None,
        id: "ENTITY_ID",
        string_ids: true,
        counts: false,
    },
];

#[derive(Debug, Clone, Copy)]
pub struct ListShape {
    pub method: &'static str,
    pub(crate) wrapper: Option<&'static str>,
    pub id: &'static str,
    pub(crate) string_ids: bool,
    pub counts: bool,
}

/// The ID of generated row `index`: ascending, every tenth number left out.
pub fn row_id(index: usize) -> u64 {
    let index = index as u64;
    index + index / 9 + 1
}

/// A batch command as the portal read it.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub key: String,
    /// The parameters, references resolved, as PHP arrays encode to JSON.
    pub params: Value,
}

pub struct Portal {
    state: Arc<Mutex<State>>,
    base_url: String,
    server: Server,
}

impl Portal {
    pub fn start() -> Portal {
        Portal::with(PortalOptions::default())
    }

    pub fn with(options: PortalOptions) -> Portal {
        let bucket = options
            .bucket
            .map(|(capacity, drain_per_second)| LeakyBucket {
                capacity,
                drain_per_second,
                level: 0.0,
                at: Instant::now(),
            });
        let tls = options.https.then(|| {
            options
                .ca
                .unwrap_or_else(TestCa::global)
                .server_config(&SERVER_NAMES)
        });
        let scheme = if options.https { "https" } else { "http" };
        let bind = if options.ipv6 {
            "[::1]:0"
        } else {
            "127.0.0.1:0"
        };
        let state = Arc::new(Mutex::new(State {
            options,
            webhooks: vec![
                Webhook {
                    user: WEBHOOK_USER,
                    secret: WEBHOOK_SECRET.into(),
                    scopes: vec!["im".into(), "user".into(), "crm".into()],
                },
                Webhook {
                    user: 2,
                    secret: NO_SCOPE_SECRET.into(),
                    scopes: vec!["crm".into()],
                },
            ],
            tokens: HashMap::from([
                (
                    APP_TOKEN.to_owned(),
                    Token {
                        user: 1,
                        expired: false,
                    },
                ),
                (
                    EXPIRED_TOKEN.to_owned(),
                    Token {
                        user: 1,
                        expired: true,
                    },
                ),
            ]),
            statuses: HashMap::new(),
            requests: Vec::new(),
            bucket,
            deals: (1..=SEED_DEALS as u64)
                .map(|id| Deal {
                    id,
                    fields: json!({"TITLE": format!("Seed deal {id}"), "OPPORTUNITY": "100.00"})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                })
                .collect(),
            faults: Vec::new(),
            oauth: OAuth::default(),
            decoded: Vec::new(),
            lists: HashMap::new(),
            insert_after_pages: None,
            refused: 0,
            operating: HashMap::new(),
            blocked: 0,
            blocked_commands: 0,
            uploads: Vec::new(),
            offline: OfflineQueue::default(),
        }));
        {
            let mut state = state.lock().unwrap();
            let rows = state.options.list_rows;
            for shape in LIST_METHODS {
                state
                    .lists
                    .insert(shape.method, (0..rows).map(row_id).collect());
            }
        }
        let handler_state = Arc::clone(&state);
        let server = Server::start_on(
            bind,
            tls,
            Arc::new(move |request: &HttpRequest| handle(&handler_state, request)),
        );
        let base_url = format!("{scheme}://{}", server.address());
        Portal {
            state,
            base_url,
            server,
        }
    }

    /// `https://127.0.0.1:<port>` (or http).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `127.0.0.1:<port>`, the portal's address with no scheme.
    pub fn domain(&self) -> String {
        self.server.address().to_string()
    }

    /// The seed's webhook on this portal, `<base>/rest/1/<secret>/`.
    pub fn webhook_url(&self) -> String {
        format!("{}/rest/{WEBHOOK_USER}/{WEBHOOK_SECRET}/", self.base_url)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn status_of(&self, user: u32) -> Option<String> {
        self.lock().statuses.get(&user).cloned()
    }

    /// The next `times` calls of `method` fail as `fault` says.
    pub fn fail_next(&self, method: &str, fault: PortalFault, times: usize) {
        self.lock().faults.push((method.to_owned(), fault, times));
    }

    /// How many deals have this title.
    pub fn deals_titled(&self, title: &str) -> usize {
        self.lock()
            .deals
            .iter()
            .filter(|deal| deal.fields.get("TITLE").and_then(Value::as_str) == Some(title))
            .count()
    }

    /// After `pages` more list pages, every list gains a row at its front
    /// (ID 0), as a table another user writes to during an export.
    pub fn insert_a_row_after(&self, pages: usize) {
        self.lock().insert_after_pages = Some(pages);
    }

    /// Calls refused with 429 `OPERATION_TIME_LIMIT` so far.
    pub fn blocked(&self) -> usize {
        self.lock().blocked
    }

    /// Batch commands refused for their method's budget so far
    /// ([`OperatingBudget::per_command`]): they did not run.
    pub fn blocked_commands(&self) -> usize {
        self.lock().blocked_commands
    }

    /// Requests the leaky bucket refused with 503 so far.
    pub fn refused(&self) -> usize {
        self.lock().refused
    }

    /// Every batch command run so far, as decoded (not those refused for
    /// their method's budget, which did not run).
    pub fn decoded_commands(&self) -> Vec<Decoded> {
        self.lock().decoded.clone()
    }

    /// The requests that reached the method (by its lower-case name).
    pub fn calls_of(&self, method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.path()
                    .to_ascii_lowercase()
                    .ends_with(&format!("/{method}"))
            })
            .count()
    }

    /// A code the OAuth server will exchange once, as its authorisation
    /// redirect would bring one.
    pub fn issue_code(&self) -> String {
        let mut state = self.lock();
        state.oauth.issued += 1;
        let code = format!("c0de{:028x}", state.oauth.issued * 7919);
        state.oauth.codes.push(code.clone());
        code
    }

    /// The files posted to upload addresses, in order.
    pub fn uploads(&self) -> Vec<Upload> {
        self.lock().uploads.clone()
    }

    /// Refresh grants the OAuth server made, and how many of them replaced
    /// an access token that had not expired yet.
    pub fn refreshes(&self) -> (usize, usize) {
        let state = self.lock();
        (state.oauth.refreshes, state.oauth.premature)
    }

    /// Ends the life of every access token issued so far, as an hour would.
    pub fn expire_access_tokens(&self) {
        let mut state = self.lock();
        let past = now() - 1.0;
        state.oauth.expires.values_mut().for_each(|at| *at = past);
    }

    /// A change of an object (`data`, e.g. `{"FIELDS": {"ID": "5"}}`), made
    /// by a user: recorded in the offline queue when `event` is bound
    /// offline with `connector` (docs/events.md). Whether it was.
    pub fn raise_event(&self, event: &str, data: Value, connector: &str) -> bool {
        self.lock().offline.raise(event, data, connector, now())
    }

    /// The offline queue's records, in the order they were made.
    pub fn offline_records(&self) -> Vec<OfflineRecord> {
        self.lock().offline.records.clone()
    }

    /// Whether the plan has the extended offline events feature
    /// (`rest_offline_extended`; on by default): without it a reservation
    /// (`clear=0`) is 403 `WRONG_LICENSE`.
    pub fn set_offline_extended(&self, extended: bool) {
        self.lock().offline.extended = extended;
    }

    /// The events bound offline, with their connectors.
    pub fn offline_bindings(&self) -> Vec<(String, String)> {
        self.lock().offline.bound.clone()
    }

    /// The portal's base URL as the OAuth server's address, for `Config::oauth_url`.
    pub fn oauth_url(&self) -> url::Url {
        url::Url::parse(&format!("{}/", self.base_url)).expect("the base URL parses")
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The fault set for the next call of `method`, if any, counted down.
fn take_fault(state: &mut State, method: &str) -> Option<PortalFault> {
    let index = state
        .faults
        .iter()
        .position(|(m, _, left)| m == method && *left > 0)?;
    let (_, fault, left) = &mut state.faults[index];
    *left -= 1;
    Some(*fault)
}

/// Runs a method for `user`: its answer without the `time` block (`result`,
/// and `total` and `next` for a list), or the portal's error answer.
fn run_method(
    state: &mut State,
    user: u32,
    method: &str,
    params: &HashMap<String, Value>,
) -> Result<Value, HttpResponse> {
    let integer = |name: &str| -> Option<u64> {
        match params.get(name)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let result = match method {
        "im.user.status.set" => {
            let status = params
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !STATUSES.contains(&status) {
                return Err(error(400, "STATUS_ERROR", "Status is not available"));
            }
            state.statuses.insert(user, status.to_owned());
            json!(true)
        }
        "im.user.status.get" => state.statuses.get(&user).map_or(json!(false), |s| json!(s)),
        "server.time" => {
            let now = state.options.frozen_clock.unwrap_or_else(now);
            json!(iso8601(now))
        }
        "user.current" => json!({
            "ID": user.to_string(),
            "ACTIVE": true,
            "NAME": "Test",
            "LAST_NAME": "User",
            "EMAIL": format!("user{user}@portal.example"),
        }),
        "crm.deal.add" => {
            let Some(Value::Object(fields)) = params.get("fields") else {
                return Err(error(400, "", "Parameter 'fields' must be array."));
            };
            let id = state.deals.last().map_or(1, |deal| deal.id + 1);
            state.deals.push(Deal {
                id,
                fields: fields.clone(),
            });
            json!(id)
        }
        "crm.deal.get" => {
            let Some(id) = integer("id") else {
                return Err(error(400, "", "ID is not defined or invalid."));
            };
            match state.deals.iter().find(|deal| deal.id == id) {
                Some(deal) => deal_json(deal),
                None => return Err(error(400, "", "Not found")),
            }
        }
        "crm.deal.list" => {
            let start = integer("start").unwrap_or(0) as usize;
            let page: Vec<Value> = state
                .deals
                .iter()
                .skip(start)
                .take(50)
                .map(deal_json)
                .collect();
            let total = state.deals.len();
            let mut answer = json!({"result": page});
            if start + 50 < total {
                answer["next"] = json!(start + 50);
            }
            answer["total"] = json!(total);
            return Ok(answer);
        }
        // A few of a folder's fields, as the portal describes them.
        "disk.folder.getfields" => json!({
            "ID": {"TYPE": "int", "USE_IN_FILTER": true, "USE_IN_SHOW": true},
            "NAME": {"TYPE": "string", "USE_IN_FILTER": true, "USE_IN_SHOW": true},
            "DOWNLOAD_URL": {"TYPE": "string", "USE_IN_FILTER": false, "USE_IN_SHOW": true},
            "CREATE_TIME": {"TYPE": "datetime", "USE_IN_FILTER": true, "USE_IN_SHOW": true},
        }),
        "batch" => return run_batch(state, user, params),
        list if LIST_METHODS.iter().any(|shape| shape.method == list) => {
            return Ok(list_page(state, list, params));
        }
        _ => return Err(error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")),
    };
    Ok(json!({"result": result}))
}

/// A page of a generated list: at most 50 rows after `start`, filtered by
/// `>ID` and ordered by ID as asked; `start=-1` counts nothing and gives no
/// `next`, as the portal's fast paging does.
fn list_page(state: &mut State, method: &str, params: &HashMap<String, Value>) -> Value {
    if let Some(pages) = state.insert_after_pages.as_mut() {
        if *pages == 0 {
            for ids in state.lists.values_mut() {
                ids.insert(0, 0);
            }
            state.insert_after_pages = None;
        } else {
            *pages -= 1;
        }
    }
    let shape = LIST_METHODS
        .iter()
        .find(|s| s.method == method)
        .copied()
        .unwrap();
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let start: i64 = params
        .get("start")
        .map_or(0, |v| text(v).trim().parse().unwrap_or(0));
    let lookup = |object: Option<&Value>, key: &str| -> Option<String> {
        object?
            .as_object()?
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| text(value))
    };
    // A `>ID` that is not a number (an unresolved `$result` reference) matches nothing.
    let after = lookup(params.get("filter"), &format!(">{}", shape.id))
        .map(|bound| bound.trim().parse::<u64>().unwrap_or(u64::MAX));
    let descending = lookup(params.get("order"), shape.id)
        .is_some_and(|order| order.eq_ignore_ascii_case("desc"));
    // IDs are ascending: the filter is a binary search, a page a slice.
    let all = &state.lists[method];
    let ids = match after {
        Some(after) => &all[all.partition_point(|id| *id <= after)..],
        None => &all[..],
    };
    let skip = (start.max(0) as usize).min(ids.len());
    let page_ids: Vec<u64> = if descending {
        ids.iter().rev().skip(skip).take(50).copied().collect()
    } else {
        ids[skip..].iter().take(50).copied().collect()
    };
    let page: Vec<Value> = page_ids
        .into_iter()
        .map(|id| {
            let id_value = if shape.string_ids {
                json!(id.to_string())
            } else {
                json!(id)
            };
            let mut row = json!({shape.id: id_value, "TITLE": format!("Row {id}")});
            // crm.item.list's rows are long, as CRM items with many fields are.
            if shape.wrapper == Some("items") {
                row["COMMENTS"] = json!(format!("{:0>400}", id));
            }
            row
        })
        .collect();
    let result = match shape.wrapper {
        Some(wrapper) => json!({ wrapper: page }),
        None => Value::Array(page),
    };
    let mut answer = json!({"result": result});
    if start >= 0 {
        if skip + 50 < ids.len() {
            answer["next"] = json!(skip + 50);
        }
        if shape.counts {
            answer["total"] = json!(ids.len());
        }
    }
    answer
}

/// Most commands one batch may hold.
const BATCH_LIMIT: usize = 50;

/// `batch`: each command of `cmd` run in order as `method?query`, the query
/// read as PHP reads it and `$result[key]…` replaced by an earlier answer;
/// with `halt`, nothing after the first failure runs.
fn run_batch(
    state: &mut State,
    user: u32,
    params: &HashMap<String, Value>,
) -> Result<Value, HttpResponse> {
    let halt = match params.get("halt") {
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        Some(Value::String(s)) => s == "1",
        Some(Value::Bool(b)) => *b,
        _ => false,
    };
    let Some(Value::Object(commands)) = params.get("cmd") else {
        return Err(error(
            400,
            "INVALID_ARG_VALUE",
            "Parameter 'cmd' must be array.",
        ));
    };
    if commands.len() > BATCH_LIMIT {
        return Err(error(
            400,
            "ERROR_BATCH_LENGTH_EXCEEDED",
            "Max batch length exceeded",
        ));
    }
    let mut parsed = Vec::new();
    for (key, text) in commands {
        let text = text.as_str().unwrap_or_default();
        let (method, query) = text.split_once('?').unwrap_or((text, ""));
        let method = method.to_ascii_lowercase();
        if method == "batch" {
            return Err(error(
                405,
                "ERROR_BATCH_METHOD_NOT_ALLOWED",
                "Method is not allowed for batch usage",
            ));
        }
        parsed.push((key.clone(), method, query.to_owned()));
    }
    let mut sections: [PhpArray; 5] = Default::default();
    let [result, result_error, result_total, result_next, result_time] = &mut sections;
    let mut answers = serde_json::Map::new();
    let budget = state.options.operating_budget.filter(|b| b.per_command);
    for (key, method, query) in parsed {
        // PHP holds the key "0" of the decoded `cmd` as the integer 0.
        let php_key = || Key::of(&key);
        if let Some(budget) = budget {
            if spent(state, &method, budget).0 >= budget.limit {
                // Refused before it runs, as a call of the method would be.
                state.blocked_commands += 1;
                let refusal = json!({
                    "error": "OPERATION_TIME_LIMIT",
                    "error_description": OPERATION_TIME_LIMIT_TEXT,
                });
                result_error.0.push((php_key(), json_node(&refusal)));
                if halt {
                    break;
                }
                continue;
            }
        }
        let mut decoded = php::parse_str(&query).to_json();
        resolve_references(&mut decoded, &answers);
        state.decoded.push(Decoded {
            key: key.clone(),
            params: decoded.clone(),
        });
        let arguments: HashMap<String, Value> = match decoded {
            Value::Object(object) => object
                .into_iter()
                .map(|(name, value)| (name.to_lowercase(), value))
                .collect(),
            _ => HashMap::new(),
        };
        let started = state.options.frozen_clock.unwrap_or_else(now);
        match run_method(state, user, &method, &arguments) {
            Ok(answer) => {
                answers.insert(key.clone(), answer["result"].clone());
                result.0.push((php_key(), json_node(&answer["result"])));
                if let Some(total) = answer.get("total") {
                    result_total.0.push((php_key(), json_node(total)));
                }
                if let Some(next) = answer.get("next") {
                    result_next.0.push((php_key(), json_node(next)));
                }
                let mut time = time_block(started, started + 0.0004);
                if let Some(budget) = budget {
                    let charged = charged(state, &method, 1, budget, json!({}));
                    report_budget(&mut time, &charged[OPERATING_REPORT]);
                }
                result_time.0.push((php_key(), json_node(&time)));
            }
            Err(response) => {
                let body: Value = serde_json::from_slice(&response.body).unwrap_or_default();
                result_error.0.push((php_key(), json_node(&body)));
                if halt {
                    break;
                }
            }
        }
    }
    let [result, result_error, result_total, result_next, result_time] =
        sections.map(|section| section.to_json());
    Ok(json!({"result": {
        "result": result,
        "result_error": result_error,
        "result_total": result_total,
        "result_next": result_next,
        "result_time": result_time,
    }}))
}

/// A JSON value as a PHP array node, for encoding as PHP would.
fn json_node(value: &Value) -> Node {
    match value {
        Value::Object(object) => Node::Array(PhpArray(
            object
                .iter()
                .map(|(key, value)| (Key::Text(key.clone()), json_node(value)))
                .collect(),
        )),
        // Scalars and lists are kept as JSON text inside a one-off node.
        other => Node::Json(other.clone()),
    }
}

/// Replaces each string that is a whole `$result[key][field]…` with that
/// value of an earlier command's answer; an unresolved one stays as text.
fn resolve_references(value: &mut Value, answers: &serde_json::Map<String, Value>) {
    match value {
        Value::String(text) => {
            if let Some(found) = reference(text, answers) {
                *value = found;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| resolve_references(item, answers)),
        Value::Object(object) => object
            .values_mut()
            .for_each(|item| resolve_references(item, answers)),
        _ => {}
    }
}

fn reference(text: &str, answers: &serde_json::Map<String, Value>) -> Option<Value> {
    let mut rest = text.strip_prefix("$result")?;
    let mut path = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let close = inner.find(']')?;
        path.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    if !rest.is_empty() || path.is_empty() {
        return None;
    }
    let mut found = answers.get(path[0])?;
    for segment in &path[1..] {
        found = match found {
            Value::Object(object) => object.get(*segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(match found {
        Value::Number(number) => Value::String(number.to_string()),
        other => other.clone(),
    })
}

fn deal_json(deal: &Deal) -> Value {
    let mut object = deal.fields.clone();
    object.insert("ID".into(), json!(deal.id.to_string()));
    Value::Object(object)
}

/// `GET /oauth/token/`: both grants, rotating refresh tokens.
fn oauth_token(state: &mut State, request: &HttpRequest) -> HttpResponse {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(request.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let given = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    if request.method != "GET" {
        return error(400, "invalid_request", "The request method must be GET");
    }
    if given("client_id") != CLIENT_ID || given("client_secret") != CLIENT_SECRET {
        return error(401, "invalid_client", "Client authentication failed");
    }
    let granted = match given("grant_type") {
        "authorization_code" => {
            let code = given("code");
            let known = state.oauth.codes.iter().position(|c| c == code);
            known.map(|index| state.oauth.codes.remove(index)).is_some()
        }
        "refresh_token" => match state.oauth.refresh_tokens.get_mut(given("refresh_token")) {
            Some(spent @ false) => {
                *spent = true;
                let replaced = state.oauth.access_of.get(given("refresh_token"));
                let lives = replaced
                    .and_then(|access| state.oauth.expires.get(access))
                    .is_some_and(|&at| at > now());
                state.oauth.refreshes += 1;
                state.oauth.premature += usize::from(lives);
                true
            }
            _ => false,
        },
        _ => return error(400, "invalid_request", "Unknown grant_type"),
    };
    if !granted {
        return error(400, "invalid_grant", "Invalid grant");
    }
    state.oauth.issued += 1;
    let issued = state.oauth.issued;
    let access = format!("acc{issued:04}{:057x}", issued * 104729);
    let refresh = format!("ref{issued:04}{:057x}", issued * 1299709);
    state.oauth.refresh_tokens.insert(refresh.clone(), false);
    state.tokens.insert(
        access.clone(),
        Token {
            user: WEBHOOK_USER,
            expired: false,
        },
    );
    let lifetime = state.options.token_lifetime.as_secs().max(1);
    let ends = (now() + lifetime as f64).ceil();
    state.oauth.expires.insert(access.clone(), ends);
    let oauth = &mut state.oauth;
    oauth.access_of.insert(refresh.clone(), access.clone());
    let expires = match state.options.frozen_clock {
        Some(frozen) => frozen as i64 + lifetime as i64,
        None => ends as i64,
    };
    let host = request.header("host").unwrap_or_default().to_owned();
    let scheme = if request.tls { "https" } else { "http" };
    HttpResponse::json(
        200,
        &json!({
            "access_token": access,
            "expires": expires,
            "expires_in": lifetime,
            "scope": "app",
            "domain": host,
            "server_endpoint": "https://oauth.bitrix.info/rest/",
            "status": "L",
            "client_endpoint": format!("{scheme}://{host}/rest/"),
            "member_id": "a223c6b3710f85df22e9377d6c4f7553",
            "user_id": WEBHOOK_USER,
            "refresh_token": refresh,
        }),
    )
}

fn error(status: u16, code: &str, description: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

fn handle(state: &Mutex<State>, request: &HttpRequest) -> HttpResponse {
    let (processing, oauth_processing) = {
        let state = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (state.options.processing, state.options.oauth_processing)
    };
    if !processing.is_zero() && request.path().starts_with("/rest/") {
        std::thread::sleep(processing * work_units(request));
    }
    if request.path() == "/oauth/token/" {
        std::thread::sleep(oauth_processing);
    }
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if state.options.record {
        state.requests.push(Recorded(request.clone()));
    }
    if let Some(base) = &state.options.moved_to {
        return HttpResponse::new(302, "text/html", "<html><body>Moved</body></html>")
            .with_header("Location", format!("{base}{}", request.target));
    }
    if request.path() == "/oauth/token/" {
        return oauth_token(&mut state, request);
    }
    if request.path() == UPLOAD_PATH {
        return upload(&mut state, request);
    }
    let Some(route) = request.path().strip_prefix("/rest/") else {
        return HttpResponse::new(
            404,
            "text/html",
            "<html><body><h1>404 Not Found</h1></body></html>",
        );
    };
    let mut segments: Vec<&str> = route.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    let params = parameters(request);
    if let Some(bucket) = state.bucket.as_mut() {
        if !bucket.admit() {
            state.refused += 1;
            return error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        }
    }
    let by_webhook = segments.len() == 3;
    let (user, method) = match segments.as_slice() {
        [method] => match oauth_user(&state, request, &params) {
            Ok(user) => (user, *method),
            Err(response) => return response,
        },
        [user, secret, method] => {
            if state.options.webhooks_need_https && !request.tls {
                return error(400, "INVALID_REQUEST", "Https required.");
            }
            let webhook = state
                .webhooks
                .iter()
                .find(|w| w.user.to_string() == *user && w.secret == *secret);
            let Some(webhook) = webhook else {
                return error(401, "INVALID_CREDENTIALS", "Invalid request credentials");
            };
            let scope = method
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let scoped = ["im", "crm", "user"].contains(&scope.as_str());
            if scoped && !webhook.scopes.contains(&scope) {
                return error(
                    401,
                    "insufficient_scope",
                    "The request requires higher privileges than provided by the webhook token",
                );
            }
            (webhook.user, *method)
        }
        _ => return error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"),
    };
    let method = method.to_ascii_lowercase();
    let method = method.strip_suffix(".json").unwrap_or(&method).to_owned();
    let fault = take_fault(&mut state, &method);
    match fault {
        Some(PortalFault::QueryLimit) => {
            return error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        }
        Some(PortalFault::Overload) => {
            return error(
                503,
                "OVERLOAD_LIMIT",
                "REST API is blocked due to overload.",
            );
        }
        _ => {}
    }
    // Per command, a batch's commands are charged, not the batch.
    let budget = state
        .options
        .operating_budget
        .filter(|b| !(b.per_command && method == "batch"));
    if let Some(budget) = budget {
        if spent(&mut state, &method, budget).0 >= budget.limit {
            state.blocked += 1;
            return error(429, "OPERATION_TIME_LIMIT", OPERATION_TIME_LIMIT_TEXT);
        }
    }
    let ran = match queue::handles(&method, &params) {
        true => state.offline.run(&method, &params, by_webhook),
        false => run_method(&mut state, user, &method, &params),
    };
    let answer = match ran {
        Ok(answer) => answer,
        Err(_) if method == "disk.folder.uploadfile" => {
            let scheme = if request.tls { "https" } else { "http" };
            let host = request.header("Host").unwrap_or_default();
            json!({"result": {
                "field": "file",
                "uploadUrl": format!("{scheme}://{host}{UPLOAD_PATH}?token={UPLOAD_SECRET}"),
            }})
        }
        Err(_) if state.options.echo_unknown => {
            let mut params = params.clone();
            params.remove("auth");
            json!({"result": {"method": method, "params": params}})
        }
        Err(response) => return response,
    };
    let answer = match budget {
        Some(budget) => charged(&mut state, &method, work_units(request), budget, answer),
        None => answer,
    };
    match fault {
        Some(PortalFault::CloseAfterAnswer) => {
            return success(&state, answer).with_fault(Fault::CloseAfterAnswer);
        }
        Some(PortalFault::BreakAfterRun) => {
            return HttpResponse::new(200, "text/plain", "").with_fault(Fault::CloseUnanswered);
        }
        Some(PortalFault::SilentAfterRun) => {
            return HttpResponse::new(200, "text/plain", "").with_fault(Fault::Silent);
        }
        Some(PortalFault::ServerErrorAfterRun) => {
            return error(500, "INTERNAL_SERVER_ERROR", "Internal server error");
        }
        Some(PortalFault::NoticeAfterRun) => {
            let mut response = success(&state, answer);
            let notice = b"<br />\n<b>Notice</b>:  Undefined index: ID in <b>/home/bitrix/www/local/php_interface/init.php</b> on line <b>42</b><br />\n";
            response.body.splice(0..0, notice.iter().copied());
            return response;
        }
        Some(PortalFault::BadGatewayAfterRun) => {
            return HttpResponse::new(
                502,
                "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            );
        }
        _ => {}
    }
    success(&state, answer)
}

/// Where `disk.folder.uploadfile` sends files, and the secret its address
/// carries (a real portal's holds the upload's credentials).
const UPLOAD_PATH: &str = "/rest/upload.json";
pub const UPLOAD_SECRET: &str = "upl0ad5ecret";

/// A multipart upload of one file: kept for [`Portal::uploads`], answered
/// as the portal answers with the new file's ID, name and size.
fn upload(state: &mut State, request: &HttpRequest) -> HttpResponse {
    if request.query() != Some(&format!("token={UPLOAD_SECRET}")) {
        return error(401, "INVALID_CREDENTIALS", "Invalid upload token");
    }
    let boundary = request
        .header("Content-Type")
        .and_then(|t| t.strip_prefix("multipart/form-data; boundary="))
        .map(|b| format!("--{b}"));
    let Some(boundary) = boundary else {
        return error(400, "ERROR_CORE", "not a multipart form");
    };
    let body = &request.body;
    let find = |needle: &[u8], from: usize| {
        body[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|at| at + from)
    };
    let part = find(boundary.as_bytes(), 0).and_then(|start| {
        let head_end = find(b"\r\n\r\n", start)?;
        let end = find(format!("\r\n{boundary}--").as_bytes(), head_end)?;
        let head = String::from_utf8_lossy(&body[start..head_end]).into_owned();
        let quoted = |key: &str| {
            let rest = head.split(&format!("{key}=\"")).nth(1)?;
            Some(rest.split('"').next()?.to_owned())
        };
        Some(Upload {
            field: quoted("name")?,
            name: quoted("filename")?,
            bytes: body[head_end + 4..end].to_vec(),
        })
    });
    let Some(part) = part else {
        return error(400, "ERROR_CORE", "the form has no file part");
    };
    state.uploads.push(part.clone());
    success(
        state,
        json!({"result": {"ID": state.uploads.len(), "NAME": part.name, "SIZE": part.bytes.len()}}),
    )
}

/// A method's charges in the window, the expired ones dropped: their sum,
/// and when the oldest leaves.
fn spent(state: &mut State, method: &str, budget: OperatingBudget) -> (f64, f64) {
    let now = now();
    let window = budget.window.as_secs_f64();
    let charges = state.operating.entry(method.to_owned()).or_default();
    while charges.front().is_some_and(|(at, _)| *at + window <= now) {
        charges.pop_front();
    }
    let sum = charges.iter().map(|(_, seconds)| seconds).sum();
    let reset_at = charges.front().map_or(now, |(at, _)| at + window);
    (sum, reset_at)
}

/// Charges a call that ran to its method, and leaves the method's budget
/// for [`success`] to report in the answer's `time`.
fn charged(
    state: &mut State,
    method: &str,
    units: u32,
    budget: OperatingBudget,
    mut answer: Value,
) -> Value {
    let charge = budget.charge * f64::from(units);
    state
        .operating
        .entry(method.to_owned())
        .or_default()
        .push_back((now(), charge));
    let (operating, reset_at) = spent(state, method, budget);
    answer[OPERATING_REPORT] = json!([operating, reset_at, charge]);
    answer
}

/// Where [`charged`] leaves its report for [`success`].
const OPERATING_REPORT: &str = "__operating";

/// The portal's words for a method past its operating-time budget.
const OPERATION_TIME_LIMIT_TEXT: &str = "Method is blocked due to operation time limit.";

/// A `time` block with the budget a call was charged to (`report`, as
/// [`charged`] leaves it) in place of the idle one.
fn report_budget(time: &mut Value, report: &Value) {
    if let Value::Array(report) = report {
        time["operating"] = report[0].clone();
        time["operating_reset_at"] = report[1].clone();
        time["processing"] = report[2].clone();
    }
}

/// A success: `answer` with the `time` block, and the timing headers.
fn success(state: &State, mut answer: Value) -> HttpResponse {
    let started = now();
    let (start, finish) = match state.options.frozen_clock {
        Some(clock) => (clock, clock + 0.0125),
        None => (started, started + 0.0004),
    };
    let duration = finish - start;
    answer["time"] = time_block(start, finish);
    // The budget the call was charged to replaces the block's idle one.
    let report = answer
        .as_object_mut()
        .and_then(|a| a.remove(OPERATING_REPORT));
    if let Some(report) = report {
        report_budget(&mut answer["time"], &report);
    }
    HttpResponse::json(200, &answer)
        .with_header("X-Bitrix-Rest-Time", format!("{duration:.6}"))
        .with_header("X-Bitrix-Rest-User-Time", format!("{:.6}", duration * 0.6))
        .with_header(
            "X-Bitrix-Rest-System-Time",
            format!("{:.6}", duration * 0.2),
        )
}

/// Query string and body merged, names lower-cased; a JSON body that does not
/// decode counts as empty, any other content type is urlencoded and read as
/// PHP reads it (`cmd[a]=…` is an array).
fn parameters(request: &HttpRequest) -> HashMap<String, Value> {
    let mut params = HashMap::new();
    let form = |bytes: &[u8], params: &mut HashMap<String, Value>| {
        if let Value::Object(object) = php::parse_str(&String::from_utf8_lossy(bytes)).to_json() {
            params.extend(
                object
                    .into_iter()
                    .map(|(name, value)| (name.to_lowercase(), value)),
            );
        }
    };
    if let Some(query) = request.query() {
        form(query.as_bytes(), &mut params);
    }
    if request.method == "GET" {
        return params;
    }
    let is_json = request
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&request.body) {
            params.extend(
                object
                    .into_iter()
                    .map(|(name, value)| (name.to_lowercase(), value)),
            );
        }
    } else {
        form(&request.body, &mut params);
    }
    params
}

/// How many pages of work a request is, for `processing`: a batch's
/// commands, else one.
fn work_units(request: &HttpRequest) -> u32 {
    let path = request.path().to_ascii_lowercase();
    if !(path.ends_with("/batch") || path.ends_with("/batch.json")) {
        return 1;
    }
    match parameters(request).get("cmd") {
        Some(Value::Object(commands)) => commands.len().max(1) as u32,
        Some(Value::Array(commands)) => commands.len().max(1) as u32,
        _ => 1,
    }
}

/// The header first, then `auth`, then `access_token`, as the server checks them.
fn oauth_user(
    state: &State,
    request: &HttpRequest,
    params: &HashMap<String, Value>,
) -> Result<u32, HttpResponse> {
    let bearer = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token = bearer
        .or_else(|| {
            params
                .get("auth")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            params
                .get("access_token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let Some(token) = token else {
        return Err(error(401, "NO_AUTH_FOUND", "Wrong authorization data"));
    };
    match state.tokens.get(&token) {
        None => Err(error(
            401,
            "invalid_token",
            "Unable to get application by token",
        )),
        Some(Token { expired: true, .. }) => Err(error(
            401,
            "expired_token",
            "The access token provided has expired",
        )),
        Some(_) if lived(state, &token) => Err(error(
            401,
            "expired_token",
            "The access token provided has expired",
        )),
        Some(Token { user, .. }) => Ok(*user),
    }
}

/// Whether an access token the OAuth server issued has reached its end.
fn lived(state: &State, token: &str) -> bool {
    let ends = state.oauth.expires.get(token);
    ends.is_some_and(|&at| at <= now())
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn time_block(start: f64, finish: f64) -> Value {
    json!({
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": (finish - start) * 0.8,
        "date_start": iso8601(start),
        "date_finish": iso8601(finish),
        "operating_reset_at": start as i64 + 600,
        "operating": 0,
    })
}

/// `2024-07-27T12:36:35+00:00` from Unix seconds.
pub fn iso8601(unix: f64) -> String {
    let seconds = unix.floor() as i64;
    let (days, of_day) = (seconds.div_euclid(86400), seconds.rem_euclid(86400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}
