//! Servers that fail in each way a network or a portal can, for the fault
//! and secrecy tests. Each counts the requests that reached it.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use super::http::{Fault, HttpResponse, Server};
use super::tls::{SERVER_NAMES, TestCa};

/// Every way to fail that the library must report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Refused,
    ResetMidBody,
    Silent,
    Drip,
    TruncatedJson,
    HtmlBadGateway,
    Empty200,
    NotUtf8,
    Oversized,
    RedirectLoop,
    RedirectToHttp,
    QueryLimit,
    OperationTimeLimit,
    UntrustedCa,
    ExpiredCertificate,
    CertificateForAnotherHost,
}

impl FaultKind {
    pub const ALL: [FaultKind; 16] = [
        FaultKind::Refused,
        FaultKind::ResetMidBody,
        FaultKind::Silent,
        FaultKind::Drip,
        FaultKind::TruncatedJson,
        FaultKind::HtmlBadGateway,
        FaultKind::Empty200,
        FaultKind::NotUtf8,
        FaultKind::Oversized,
        FaultKind::RedirectLoop,
        FaultKind::RedirectToHttp,
        FaultKind::QueryLimit,
        FaultKind::OperationTimeLimit,
        FaultKind::UntrustedCa,
        FaultKind::ExpiredCertificate,
        FaultKind::CertificateForAnotherHost,
    ];
}

/// A failing endpoint: where to call it, and what it saw. Stops when dropped.
pub struct FaultyPortal {
    pub address: String,
    requests: Arc<AtomicUsize>,
    /// A plain-http server the https one redirects to, if any; counted too.
    pub downgrade_requests: Option<Arc<AtomicUsize>>,
    /// Kept to stop the servers when the portal is dropped.
    _servers: Vec<Server>,
}

impl FaultyPortal {
    pub fn webhook_url(&self, secret: &str) -> String {
        format!("https://{}/rest/1/{secret}/", self.address)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn counting(
    tls: Option<Arc<rustls::ServerConfig>>,
    answer: impl Fn(&str) -> HttpResponse + Send + Sync + 'static,
) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let server = Server::start(
        tls,
        Arc::new(move |request| {
            counter.fetch_add(1, Ordering::SeqCst);
            answer(&request.target)
        }),
    );
    (server, count)
}

/// How a faulty server answers a request for a target.
type Answer = Box<dyn Fn(&str) -> HttpResponse + Send + Sync>;

impl FaultyPortal {
    pub fn start(kind: FaultKind) -> FaultyPortal {
        let ca = TestCa::global();
        let trusted = ca.server_config(&SERVER_NAMES);
        let ok = || {
            HttpResponse::json(
                200,
                &json!({"result": true, "time": {"start": 1.0, "finish": 2.0}}),
            )
        };
        let always = |response: HttpResponse| move |_: &str| response.clone();
        let (tls, answer): (_, Answer) = match kind {
            FaultKind::Refused => {
                let port = TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
                return FaultyPortal {
                    address: format!("127.0.0.1:{port}"),
                    requests: Arc::new(AtomicUsize::new(0)),
                    downgrade_requests: None,
                    _servers: Vec::new(),
                };
            }
            FaultKind::ResetMidBody => (
                trusted,
                Box::new(always(ok().with_fault(Fault::ResetInBody(10)))),
            ),
            FaultKind::Silent => (trusted, Box::new(always(ok().with_fault(Fault::Silent)))),
            FaultKind::Drip => (
                trusted,
                Box::new(always(ok().with_fault(Fault::Drip(Duration::from_secs(1))))),
            ),
            FaultKind::TruncatedJson => (
                trusted,
                Box::new(always(HttpResponse::new(
                    200,
                    "application/json",
                    "{\"result\": tr",
                ))),
            ),
            FaultKind::HtmlBadGateway => (
                trusted,
                Box::new(always(HttpResponse::new(
                    502,
                    "text/html",
                    "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
                ))),
            ),
            FaultKind::Empty200 => (
                trusted,
                Box::new(always(HttpResponse::new(200, "application/json", ""))),
            ),
            FaultKind::NotUtf8 => (
                trusted,
                Box::new(always(HttpResponse::new(
                    200,
                    "application/json",
                    vec![b'{', 0xff, 0xfe, b'}'],
                ))),
            ),
            FaultKind::Oversized => (
                trusted,
                Box::new(always(HttpResponse::new(
                    200,
                    "application/json",
                    vec![b' '; 17 << 20],
                ))),
            ),
            FaultKind::RedirectLoop => (
                trusted,
                Box::new(|target: &str| {
                    HttpResponse::new(301, "text/html", "").with_header("Location", target)
                }),
            ),
            FaultKind::RedirectToHttp => {
                let (plain, plain_count) = counting(None, move |_| ok());
                let location = format!("http://{}", plain.address());
                let (server, count) = counting(Some(trusted), move |target| {
                    HttpResponse::new(302, "text/html", "")
                        .with_header("Location", format!("{location}{target}"))
                });
                return FaultyPortal {
                    address: server.address().to_string(),
                    requests: count,
                    downgrade_requests: Some(plain_count),
                    _servers: vec![server, plain],
                };
            }
            FaultKind::QueryLimit => (
                trusted,
                Box::new(always(HttpResponse::json(
                    503,
                    &json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}),
                ))),
            ),
            FaultKind::OperationTimeLimit => (
                trusted,
                Box::new(always(HttpResponse::json(
                    429,
                    &json!({"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time limit."}),
                ))),
            ),
            FaultKind::UntrustedCa => (
                rogue_ca().server_config(&SERVER_NAMES),
                Box::new(move |_: &str| ok()),
            ),
            FaultKind::ExpiredCertificate => (
                ca.server_config_valid(&SERVER_NAMES, false),
                Box::new(move |_: &str| ok()),
            ),
            FaultKind::CertificateForAnotherHost => (
                ca.server_config(&["portal.example"]),
                Box::new(move |_: &str| ok()),
            ),
        };
        let (server, count) = counting(Some(tls), answer);
        FaultyPortal {
            address: server.address().to_string(),
            requests: count,
            downgrade_requests: None,
            _servers: vec![server],
        }
    }
}

/// A CA nobody trusts, one per process.
fn rogue_ca() -> &'static TestCa {
    static ROGUE: std::sync::OnceLock<TestCa> = std::sync::OnceLock::new();
    ROGUE.get_or_init(|| TestCa::new("rogue CA"))
}
