//! Kept-alive HTTP/1.1 connections to portals, on hyper's connection API: a
//! pool of idle connections per origin, reached directly or through the proxy
//! the environment (or Windows' settings) names — an `https://` portal by a
//! CONNECT tunnel, an `http://` one by a request in absolute form — and TLS
//! by rustls.
//!
//! This is all the HTTP client the library needs: two verbs (POST for REST
//! methods, GET for OAuth grants), one body, and redirects, retries and
//! timeouts that `client` decides. A general client's layers (URL
//! re-parsing, redirect and retry policies that run even when off) cost more
//! per call than the exchange itself on loopback: docs/performance.md has
//! the figures, `benches/latency.rs` measures them.
//!
//! The CONNECT of a tunnel is carried here too, so that a proxy's refusal
//! comes back with its status line.

use std::cell::Cell;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{
    ACCEPT, CONTENT_TYPE, HOST, HeaderMap, HeaderValue, PROXY_AUTHORIZATION, USER_AGENT,
};
use hyper::{Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tower_service::Service;
use url::{Host, Position, Url};

use crate::request::Verb;
use crate::tls::{Opening, PlainHttp};

pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// Idle connections older than this are closed rather than reused: web
/// servers commonly drop theirs after a minute (nginx: 75 s), and a request
/// sent on a connection the server is closing may be lost.
const IDLE_TIMEOUT: Duration = Duration::from_secs(50);
/// A connection idle this long lets the runtime look for its close before
/// it is used again ([`Transport::checkout`]).
const SETTLE_AFTER_IDLE: Duration = Duration::from_millis(1);
/// Yields that take, with room to spare: the runtime polls for I/O, the
/// connection's task runs on what it found, and the close reaches its sender.
const SETTLE_YIELDS: usize = 3;
/// Idle connections kept per origin at the most; more are closed.
const MAX_IDLE_PER_ORIGIN: usize = 32;
/// Origins remembered before those without an idle connection are forgotten.
const MAX_ORIGINS: usize = 256;
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

type Sender = SendRequest<Full<Bytes>>;

/// Connections to portals, shared by every call of a [`crate::Client`].
pub(crate) struct Transport {
    tls: TlsConnector,
    proxies: Matcher,
    connect_timeout: Duration,
    /// None: the call's own deadline bounds the wait (one timer per call,
    /// not two, on the path every call takes).
    read_timeout: Option<Duration>,
    user_agent: HeaderValue,
    /// Keyed by `scheme://host:port` as the URL writes it.
    origins: Mutex<HashMap<String, Origin>>,
}

/// How an origin is reached, decided at its first call, and its idle connections.
struct Origin {
    reach: Reach,
    idle: Vec<Idle>,
}

/// What every request to one origin shares: its route, and its `Host`
/// header, made once (a clone shares its bytes).
#[derive(Clone)]
struct Reach {
    route: Route,
    host: HeaderValue,
}

#[derive(Clone)]
enum Route {
    Direct,
    /// Through an HTTP proxy's CONNECT tunnel (for https).
    Tunnel {
        proxy: Uri,
        auth: Option<HeaderValue>,
    },
    /// To an HTTP proxy, the request in absolute form (for plain http).
    Forward {
        proxy: Uri,
        auth: Option<HeaderValue>,
    },
}

struct Idle {
    sender: Sender,
    since: Instant,
}

/// A complete answer: its status, headers and body (cut after `answer_cap` bytes).
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why an exchange failed, and whether the request had been written.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection within the connect timeout; nothing was written.
    ConnectTimeout,
    /// Trying again cannot help: the portal's certificate was refused, or
    /// the address or proxy setting cannot be used. Nothing was written.
    Fatal(BoxError),
    /// The connection failed before the request was written: sending it
    /// again is safe for any method.
    Unsent(BoxError),
    /// The connection broke after the request was written: the portal may
    /// have run it.
    Broken(BoxError),
    /// The request was written and no whole answer came within the read
    /// timeout: the portal may have run it.
    ReadTimeout(Duration),
}

/// What to send: the verb, the address and the JSON body of a POST.
#[derive(Clone, Copy)]
pub(crate) struct Outgoing<'a> {
    pub verb: Verb,
    pub url: &'a Url,
    pub body: &'a Bytes,
    /// The body's type when it is not JSON (a multipart form's, with its
    /// boundary).
    pub content_type: Option<&'a str>,
    /// May be written again on a new connection when a kept-alive one broke
    /// under it (docs/retries.md).
    pub repeatable: bool,
}

impl Transport {
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        connect_timeout: Duration,
        read_timeout: Option<Duration>,
        user_agent: &'static str,
    ) -> Transport {
        Transport {
            tls: TlsConnector::from(std::sync::Arc::new(tls)),
            proxies: crate::system_proxy::matcher(),
            connect_timeout,
            read_timeout,
            user_agent: HeaderValue::from_static(user_agent),
            origins: Mutex::new(HashMap::new()),
        }
    }

    /// Sends the request and reads the whole answer. Runs inside the
    /// client's runtime, which also drives the connections' tasks. `written`
    /// is set while the request may have reached the portal, so that a
    /// caller whose deadline ends this future knows whether it may have run.
    pub(crate) async fn send(
        &self,
        outgoing: Outgoing<'_>,
        answer_cap: usize,
        written: &Cell<bool>,
    ) -> Result<Reply, Failure> {
        let url = outgoing.url;
        let origin = &url[..Position::BeforePath];
        let (reach, pooled) = self.checkout(url, origin).await?;
        if let Some(sender) = pooled {
            // A kept-alive connection fails when the portal closed it while
            // it was idle, or closes it under the request. Unwritten, or
            // written for a method safe to repeat, the request goes on a new
            // connection at once: that is the answer this call is owed.
            let request = self.request(outgoing, &reach)?;
            match self
                .exchange(origin, sender, request, answer_cap, written)
                .await
            {
                Err(Failure::Unsent(_)) => {}
                Err(Failure::Broken(_)) if outgoing.repeatable => {}
                done => return done,
            }
        }
        let sender = self.connect(url, &reach.route).await?;
        let request = self.request(outgoing, &reach)?;
        self.exchange(origin, sender, request, answer_cap, written)
            .await
    }

    /// Writes the request on `sender`'s connection and reads the answer
    /// within the read timeout.
    async fn exchange(
        &self,
        origin: &str,
        mut sender: Sender,
        request: hyper::Request<Full<Bytes>>,
        answer_cap: usize,
        written: &Cell<bool>,
    ) -> Result<Reply, Failure> {
        written.set(true);
        let answered = async {
            let response = sender
                .try_send_request(request)
                .await
                .map_err(|mut error| {
                    if error.take_message().is_some() {
                        written.set(false);
                        Failure::Unsent(error.into_error().into())
                    } else {
                        Failure::Broken(error.into_error().into())
                    }
                })?;
            self.read(origin, sender, response, answer_cap).await
        };
        match self.read_timeout {
            Some(limit) => tokio::time::timeout(limit, answered)
                .await
                .unwrap_or(Err(Failure::ReadTimeout(limit))),
            None => answered.await,
        }
    }

    /// The origin's route, and a live idle connection to it if there is one.
    async fn checkout(&self, url: &Url, origin: &str) -> Result<(Reach, Option<Sender>), Failure> {
        loop {
            let (reach, idle) = {
                let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
                match origins.get_mut(origin) {
                    Some(known) => (known.reach.clone(), known.idle.pop()),
                    None => {
                        let reach = Reach {
                            route: self.route(url)?,
                            host: HeaderValue::from_str(
                                &url[Position::BeforeHost..Position::AfterPort],
                            )
                            .map_err(unsendable)?,
                        };
                        if origins.len() >= MAX_ORIGINS {
                            origins.retain(|_, known| !known.idle.is_empty());
                        }
                        let known = Origin {
                            reach: reach.clone(),
                            idle: Vec::new(),
                        };
                        origins.insert(origin.to_owned(), known);
                        (reach, None)
                    }
                }
            };
            let Some(Idle { mut sender, since }) = idle else {
                return Ok((reach, None));
            };
            let idle_for = since.elapsed();
            if idle_for >= IDLE_TIMEOUT {
                continue;
            }
            // The runtime runs only inside a call, so a close that arrived
            // while the connection sat idle is not yet seen by its task: let
            // the runtime poll for I/O and run that task before the request
            // is handed over, so that a closed connection gives the request
            // back unwritten rather than breaking under a write that may not
            // be repeated. This holds for the thread that drives the runtime,
            // as every single caller does; a thread waiting on another's
            // drive yields at once, and the driving thread sees the close.
            // Back-to-back calls skip it: no close comes that fast.
            if idle_for >= SETTLE_AFTER_IDLE {
                for _ in 0..SETTLE_YIELDS {
                    tokio::task::yield_now().await;
                }
            }
            if sender.ready().await.is_ok() {
                return Ok((reach, Some(sender)));
            }
        }
    }

    fn route(&self, url: &Url) -> Result<Route, Failure> {
        let target: Uri = url.as_str().parse().map_err(unsendable)?;
        let Some(proxy) = self.proxies.intercept(&target) else {
            return Ok(Route::Direct);
        };
        let uri = proxy.uri();
        let place = uri.authority().map_or("?", |a| a.as_str());
        match uri.scheme_str() {
            Some("http") => {}
            // The usual slip: HTTPS_PROXY given as https:// for a proxy
            // that speaks plain HTTP, as nearly all do.
            Some("https") => {
                return Err(Failure::Fatal(
                    format!(
                        "the proxy {place} is given as https://, and a proxy is spoken to here in plain HTTP (an https address through it in a CONNECT tunnel): give it as http://{place}"
                    )
                    .into(),
                ));
            }
            _ => {
                return Err(Failure::Fatal(
                    format!(
                        "the proxy at {place} is not an http:// proxy; only those are supported"
                    )
                    .into(),
                ));
            }
        }
        let (proxy, auth) = (uri.clone(), proxy.basic_auth().cloned());
        Ok(match url.scheme() {
            "https" => Route::Tunnel { proxy, auth },
            _ => Route::Forward { proxy, auth },
        })
    }

    fn request(
        &self,
        outgoing: Outgoing<'_>,
        reach: &Reach,
    ) -> Result<hyper::Request<Full<Bytes>>, Failure> {
        let url = outgoing.url;
        let (target, proxy_auth) = match &reach.route {
            Route::Forward { auth, .. } => (url.as_str(), auth.as_ref()),
            _ => (&url[Position::BeforePath..], None),
        };
        let method = match outgoing.verb {
            Verb::Post => hyper::Method::POST,
            Verb::Get => hyper::Method::GET,
        };
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(target)
            .header(HOST, reach.host.clone())
            .header(ACCEPT, JSON)
            .header(USER_AGENT, self.user_agent.clone());
        if outgoing.verb == Verb::Post {
            let content_type = match outgoing.content_type {
                Some(form) => HeaderValue::from_str(form).map_err(unsendable)?,
                None => JSON_UTF8,
            };
            request = request.header(CONTENT_TYPE, content_type);
        }
        if let Some(auth) = proxy_auth {
            request = request.header(PROXY_AUTHORIZATION, auth.clone());
        }
        request
            .body(Full::new(outgoing.body.clone()))
            .map_err(unsendable)
    }

    /// Reads the whole answer, and keeps the connection for the next call
    /// when the answer ended as HTTP/1.1 allows.
    async fn read(
        &self,
        origin: &str,
        sender: Sender,
        response: Response<Incoming>,
        answer_cap: usize,
    ) -> Result<Reply, Failure> {
        let (head, mut incoming) = response.into_parts();
        // Sized once from Content-Length, within the cap: one allocation
        // for the usual answer instead of one per doubling.
        let expected = hyper::body::Body::size_hint(&incoming)
            .exact()
            .map_or(0, |length| length.min(answer_cap as u64 + 1) as usize);
        let mut body = Vec::with_capacity(expected);
        let mut whole = true;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|error| Failure::Broken(error.into()))?;
            if let Ok(data) = frame.into_data() {
                body.extend_from_slice(&data);
                if body.len() > answer_cap {
                    // The rest is left unread, so the connection closes.
                    whole = false;
                    break;
                }
            }
        }
        if whole {
            self.keep(origin, sender);
        }
        Ok(Reply {
            status: head.status,
            headers: head.headers,
            body,
        })
    }

    fn keep(&self, origin: &str, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = origins.get_mut(origin) {
            if known.idle.len() >= MAX_IDLE_PER_ORIGIN {
                known.idle.remove(0);
            }
            known.idle.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }

    /// A new connection, TLS included, within the connect timeout.
    async fn connect(&self, url: &Url, route: &Route) -> Result<Sender, Failure> {
        let connecting = async {
            let tcp = self.open_tcp(url, route).await?;
            if url.scheme() == "https" {
                let tls = self
                    .tls
                    .connect(server_name(url)?, Opening::new(tcp))
                    .into_fallible()
                    .await
                    .map_err(|(e, opening)| {
                        if opening.answered_plain_http() {
                            let place = url[Position::BeforeHost..Position::AfterPort].to_owned();
                            Failure::Fatal(Box::new(PlainHttp { place }))
                        } else if is_tls_refusal(&e) {
                            Failure::Fatal(crate::tls::explained_refusal(e))
                        } else {
                            network(e)
                        }
                    })?;
                handshake(TokioIo::new(tls)).await
            } else {
                handshake(TokioIo::new(tcp)).await
            }
        };
        tokio::time::timeout(self.connect_timeout, connecting)
            .await
            .unwrap_or(Err(Failure::ConnectTimeout))
    }

    /// A TCP stream to the portal, or a tunnel or a stream to the proxy.
    async fn open_tcp(&self, url: &Url, route: &Route) -> Result<TcpStream, Failure> {
        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_nodelay(true);
        let target: Uri = url[..Position::BeforePath].parse().map_err(unsendable)?;
        let stream = match route {
            Route::Direct => connector.call(target).await.map_err(network)?,
            Route::Forward { proxy, .. } => connector.call(proxy.clone()).await.map_err(network)?,
            Route::Tunnel { proxy, auth } => {
                let through = |error: BoxError| ProxyError {
                    proxy: proxy.clone(),
                    error,
                };
                let stream = connector
                    .call(proxy.clone())
                    .await
                    .map_err(|error| network(through(error.into())))?;
                return tunnel(stream.into_inner(), url, auth.as_ref())
                    .await
                    .map_err(|failure| match failure {
                        Failure::Fatal(error) => Failure::Fatal(through(error).into()),
                        Failure::Unsent(error) => network(through(error)),
                        other => other,
                    });
            }
        };
        Ok(stream.into_inner())
    }
}

/// Longest answer head a proxy may send to a CONNECT.
const MAX_CONNECT_HEAD: usize = 8 << 10;

/// Asks the proxy on `stream` for a tunnel to `url`'s host and port, and
/// reads its answer. Carried here rather than by hyper-util, whose tunnel
/// hides the proxy's status: a proxy that refuses (407, 401, 403) is a
/// setting to fix, answered at once and named, never retried.
async fn tunnel(
    mut stream: TcpStream,
    url: &Url,
    auth: Option<&HeaderValue>,
) -> Result<TcpStream, Failure> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url
        .host_str()
        .ok_or_else(|| Failure::Fatal("the address has no host".into()))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let mut head = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if let Some(auth) = auth {
        let auth = auth.to_str().map_err(unsendable)?;
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(network)?;
    let mut answer = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    // Byte by byte: what follows the head is the portal's, not ours to read.
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= MAX_CONNECT_HEAD {
            return Err(network("the proxy's answer to CONNECT has no end"));
        }
        if stream.read(&mut byte).await.map_err(network)? == 0 {
            return Err(network(
                "the proxy closed the connection instead of answering CONNECT",
            ));
        }
        answer.push(byte[0]);
    }
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| {
            network(format!(
                "the proxy answered CONNECT with '{}'",
                status_line.trim()
            ))
        })?;
    let shown = status_line
        .split_once(' ')
        .map_or(status_line, |(_, rest)| rest)
        .trim();
    match status {
        200..=299 => Ok(stream),
        401 | 403 | 407 => Err(Failure::Fatal(
            format!(
                "the proxy refused the tunnel to {host}:{port}: {shown}; check the proxy's user name and password (HTTPS_PROXY) or its rules"
            )
            .into(),
        )),
        _ => Err(network(format!("the proxy could not open a tunnel to {host}:{port}: {shown}"))),
    }
}

/// A tunnel that failed, saying through which proxy (its address holds no
/// credentials: the matcher keeps them apart).
#[derive(Debug)]
struct ProxyError {
    proxy: Uri,
    error: BoxError,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "through the proxy {}", self.proxy)
    }
}

impl StdError for ProxyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.error)
    }
}

/// A connection that failed before any request was written on it.
fn network(error: impl Into<BoxError>) -> Failure {
    Failure::Unsent(error.into())
}

/// The URL passed our own checks but not hyper's: nothing was sent.
fn unsendable(error: impl std::fmt::Display) -> Failure {
    Failure::Fatal(format!("the address cannot be sent: {error}").into())
}

fn server_name(url: &Url) -> Result<ServerName<'static>, Failure> {
    match url.host() {
        Some(Host::Domain(name)) => ServerName::try_from(name.to_owned())
            .map_err(|e| Failure::Fatal(format!("{name} is not a valid TLS name: {e}").into())),
        Some(Host::Ipv4(address)) => Ok(ServerName::IpAddress(address.into())),
        Some(Host::Ipv6(address)) => Ok(ServerName::IpAddress(address.into())),
        None => Err(Failure::Fatal("the address has no host".into())),
    }
}

/// Starts HTTP/1.1 on a connection; its task runs on the client's runtime
/// and ends when the connection closes.
async fn handshake<T>(io: T) -> Result<Sender, Failure>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = http1::handshake(io).await.map_err(network)?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Whether rustls refused the handshake (a certificate, a protocol), which a
/// second attempt would meet again.
fn is_tls_refusal(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_without_idle_connections_are_forgotten_past_the_bound() {
        let tls = crate::tls::client_config(None).unwrap();
        let second = Duration::from_secs(1);
        let transport = Transport::new(tls, second, None, "test");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for port in 0..MAX_ORIGINS + 50 {
            let url = Url::parse(&format!("https://portal.example:{}/rest/", 1000 + port)).unwrap();
            let (_, idle) = runtime
                .block_on(transport.checkout(&url, &url[..Position::BeforePath]))
                .unwrap();
            assert!(idle.is_none());
        }
        let remembered = transport.origins.lock().unwrap().len();
        assert!(remembered <= MAX_ORIGINS, "{remembered} origins remembered");
    }
}
