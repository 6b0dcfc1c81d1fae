//! A small HTTP/1.1 server for the test portal: plain or TLS, kept-alive
//! connections, Content-Length and chunked bodies, each connection numbered
//! so that tests can see which requests shared one.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

const MAX_HEADERS: usize = 100;
const MAX_BODY: usize = 64 << 20;
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub target: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection it came on, numbered from 1 per server.
    pub connection: u64,
    pub tls: bool,
}

impl HttpRequest {
    /// The first header of that name (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// How a response misbehaves on the wire, for fault tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request, then says nothing until the client goes away.
    Silent,
    /// Sends the response one byte at a time, this far apart.
    Drip(Duration),
    /// Sends the head and this many bytes of the body, then resets the connection.
    ResetInBody(usize),
    /// Sends the whole response, saying keep-alive, then closes the
    /// connection, as a server whose idle timeout is very short.
    CloseAfterAnswer,
    /// Reads the request and closes the connection without an answer, as a
    /// server closing an idle connection just as a request arrives on it.
    CloseUnanswered,
}

/// What the handler answers.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    fault: Option<Fault>,
}

impl HttpResponse {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            fault: None,
        }
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        HttpResponse::new(status, "application/json; charset=utf-8", body.to_string())
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A served connection: its socket (to shut down) and its thread (to join).
type Connection = (TcpStream, JoinHandle<()>);

pub type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;

/// A server on 127.0.0.1 with a free port. Dropping it stops it: every
/// connection is shut down and every thread it started has ended.
pub struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<Connection>>>,
}

impl Server {
    pub fn start(tls: Option<Arc<ServerConfig>>, handler: Handler) -> Server {
        Server::start_on("127.0.0.1:0", tls, handler)
    }

    /// On a free port of `address` (e.g. "[::1]:0").
    pub(crate) fn start_on(
        address: &str,
        tls: Option<Arc<ServerConfig>>,
        handler: Handler,
    ) -> Server {
        let listener = TcpListener::bind(address).unwrap_or_else(|e| panic!("bind {address}: {e}"));
        let address = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let connections = Arc::new(Mutex::new(Vec::new()));
        let started = Arc::clone(&connections);
        let accept = std::thread::spawn(move || {
            let numbering = AtomicU64::new(0);
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let Ok(kept) = stream.try_clone() else {
                    continue;
                };
                let id = numbering.fetch_add(1, Ordering::SeqCst) + 1;
                let handler = Arc::clone(&handler);
                let tls = tls.clone();
                let thread = std::thread::spawn(move || {
                    let _ = serve_connection(stream, tls, id, &*handler);
                });
                started
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((kept, thread));
            }
        });
        Server {
            address,
            stop,
            accept: Some(accept),
            connections,
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let connections =
            std::mem::take(&mut *self.connections.lock().unwrap_or_else(|p| p.into_inner()));
        for (stream, thread) in connections {
            let _ = stream.shutdown(Shutdown::Both);
            let _ = thread.join();
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    id: u64,
    handler: &(dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync),
) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let raw = stream.try_clone()?;
    match tls {
        Some(config) => {
            let connection = ServerConnection::new(config).map_err(io::Error::other)?;
            serve(
                StreamOwned::new(connection, stream),
                &raw,
                id,
                true,
                handler,
            )
        }
        None if starts_tls(&stream) => answer_not_http(stream),
        None => serve(stream, &raw, id, false, handler),
    }
}

/// Whether a client opened a plain connection with a TLS hello (a record of
/// type 22, handshake): an https client at a plain-HTTP port.
fn starts_tls(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first), Ok(1) if first[0] == 0x16)
}

/// What web servers (nginx, Apache) answer bytes that are no HTTP request,
/// a TLS hello among them: 400, and the connection closed once the client
/// is done (the hello read first, so that closing sends no reset).
fn answer_not_http(mut stream: TcpStream) -> io::Result<()> {
    let mut hello = [0u8; 4096];
    let _ = stream.read(&mut hello)?;
    let body = "Bad Request";
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    while stream.read(&mut hello)? > 0 {}
    Ok(())
}

fn serve<S: Read + Write>(
    stream: S,
    raw: &TcpStream,
    id: u64,
    tls: bool,
    handler: &(dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync),
) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, id, tls)? {
        let response = handler(&request);
        let close = request.wants_close();
        let bytes = serialize(&response, close);
        match response.fault {
            None | Some(Fault::CloseAfterAnswer) => {
                let writer = reader.get_mut();
                writer.write_all(&bytes)?;
                writer.flush()?;
                if response.fault.is_some() {
                    // The server keeps a clone of the socket: closing ours is not enough.
                    let _ = raw.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
            Some(Fault::Silent) => {
                // Wait for the client to give up (or the server to stop).
                let mut sink = [0u8; 256];
                while reader.get_mut().read(&mut sink)? > 0 {}
                return Ok(());
            }
            Some(Fault::Drip(gap)) => {
                for byte in bytes {
                    let writer = reader.get_mut();
                    writer.write_all(&[byte])?;
                    writer.flush()?;
                    std::thread::sleep(gap);
                }
            }
            Some(Fault::CloseUnanswered) => {
                let _ = raw.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::ResetInBody(count)) => {
                let head = bytes.len() - response.body.len();
                let writer = reader.get_mut();
                writer.write_all(&bytes[..(head + count).min(bytes.len())])?;
                writer.flush()?;
                reset(raw);
                return Ok(());
            }
        }
        if close {
            break;
        }
    }
    Ok(())
}

/// Closes with a TCP reset (SO_LINGER 0) instead of an orderly FIN.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            std::ptr::from_ref(&linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_request<R: BufRead>(
    reader: &mut R,
    connection: u64,
    tls: bool,
) -> io::Result<Option<HttpRequest>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "too many headers",
            ));
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut request = HttpRequest {
        method,
        target,
        headers,
        body: Vec::new(),
        connection,
        tls,
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))?;
        if length > MAX_BODY {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
        }
        request.body = vec![0; length];
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(request))
}

fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if body.len() + size > MAX_BODY {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(&mut line)?;
        if size == 0 {
            return Ok(body);
        }
    }
}

fn serialize(response: &HttpResponse, close: bool) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        response.body.len(),
        if close { "close" } else { "keep-alive" }
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
