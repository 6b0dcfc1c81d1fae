//! A Bitrix24 portal emulator, faithful to shared/spec/bitrix24-rest.md for
//! what this library touches: webhook and OAuth routes, parameter decoding,
//! the errors with their HTTP codes, the leaky bucket, a moved portal, and
//! the `time` block and headers of a success. It records every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::http::{HttpRequest, HttpResponse, Server};
use super::tls::{SERVER_NAMES, TestCa};

/// The seed page's webhook: user 1, this secret.
pub const WEBHOOK_USER: u32 = 1;
pub const WEBHOOK_SECRET: &str = "4swokunb3tk7h7dt";
/// A valid application token, for user 1.
pub const APP_TOKEN: &str = "adf89366006e9f06006b12e400000001000000a1b2c3d4e5f6a7b8c9d0e1f2";
/// A token the portal knows but that has expired.
pub const EXPIRED_TOKEN: &str = "0ddba11006e9f06006b12e4000000010000000expired00000000000000";
/// A webhook without the `im` scope.
pub const NO_SCOPE_SECRET: &str = "n0sc0pewebhook99";
pub const STATUSES: [&str; 4] = ["online", "dnd", "away", "break"];

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
        }
    }
}

/// One request as the portal received it.
#[derive(Debug, Clone)]
pub struct Recorded(pub HttpRequest);

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
                    scopes: vec!["im".into(), "user".into()],
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
        }));
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

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn error(status: u16, code: &str, description: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

fn handle(state: &Mutex<State>, request: &HttpRequest) -> HttpResponse {
    let started = now();
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
            return error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        }
    }
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
            if !webhook.scopes.iter().any(|scope| scope == "im") {
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
    let method = method.strip_suffix(".json").unwrap_or(&method);
    let result = match method {
        "im.user.status.set" => {
            let status = params
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !STATUSES.contains(&status) {
                return error(400, "STATUS_ERROR", "Status is not available");
            }
            state.statuses.insert(user, status.to_owned());
            json!(true)
        }
        "im.user.status.get" => state.statuses.get(&user).map_or(json!(false), |s| json!(s)),
        _ => return error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"),
    };
    let (start, finish) = match state.options.frozen_clock {
        Some(clock) => (clock, clock + 0.0125),
        None => (started, now()),
    };
    let duration = finish - start;
    HttpResponse::json(
        200,
        &json!({"result": result, "time": time_block(start, finish)}),
    )
    .with_header("X-Bitrix-Rest-Time", format!("{duration:.6}"))
    .with_header("X-Bitrix-Rest-User-Time", format!("{:.6}", duration * 0.6))
    .with_header(
        "X-Bitrix-Rest-System-Time",
        format!("{:.6}", duration * 0.2),
    )
}

/// Query string and body merged, names lower-cased; a JSON body that does not
/// decode counts as empty, any other content type is urlencoded.
fn parameters(request: &HttpRequest) -> HashMap<String, Value> {
    let mut params = HashMap::new();
    let form = |bytes: &[u8], params: &mut HashMap<String, Value>| {
        for (name, value) in url::form_urlencoded::parse(bytes) {
            params.insert(name.to_lowercase(), Value::String(value.into_owned()));
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
        Some(Token { user, .. }) => Ok(*user),
    }
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
