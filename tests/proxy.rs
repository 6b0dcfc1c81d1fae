//! Proxies as the environment names them (curl's variables): an https portal
//! through an HTTP proxy's CONNECT tunnel, a plain-http one by requests in
//! absolute form, both with the proxy's credentials, NO_PROXY obeyed, a
//! dead proxy named in the error without its password, and a proxy that
//! refuses the tunnel (ours, and Debian's tinyproxy) answered at once with
//! its status, not retried.
//!
//! One test in its own process: it changes the environment, which the
//! library reads when a client is made.

use opi_test_support as support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use opi_bitrix24::Config;
use support::*;

const CREDENTIALS: &str = "proxy-user:pr0xy-pa55";
/// `Basic` and base64 of [`CREDENTIALS`].
const BASIC_AUTH: &str = "Basic cHJveHktdXNlcjpwcjB4eS1wYTU1";

/// What a proxy was asked: the request line and its Proxy-Authorization.
#[derive(Debug, Clone, PartialEq)]
struct Asked {
    line: String,
    auth: Option<String>,
}

/// An HTTP proxy on loopback: CONNECT opens a tunnel; any other request, in
/// absolute form, is passed on in origin form with the rest of its connection.
struct TestProxy {
    url: String,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl TestProxy {
    fn start() -> TestProxy {
        TestProxy::answering(None)
    }

    /// A proxy that answers every request with `status_line` and closes.
    fn refusing(status_line: &'static str) -> TestProxy {
        TestProxy::answering(Some(status_line))
    }

    fn answering(refusal: Option<&'static str>) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&asked);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                std::thread::spawn(move || relay(client, &record, refusal));
            }
        });
        TestProxy { url, asked }
    }

    fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

fn relay(client: TcpStream, record: &Mutex<Vec<Asked>>, refusal: Option<&str>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    let mut auth = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("proxy-authorization") {
                auth = Some(value.trim().to_owned());
                continue;
            }
        }
        head.push(line);
    }
    let line = head[0].trim_end().to_owned();
    record.lock().unwrap().push(Asked {
        line: line.clone(),
        auth,
    });
    let mut words = line.split(' ');
    let (method, target) = (words.next().unwrap(), words.next().unwrap());
    let mut client = client;
    if let Some(status_line) = refusal {
        let answer = format!(
            "HTTP/1.1 {status_line}\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"
        );
        let _ = client.write_all(answer.as_bytes());
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut upstream = if method == "CONNECT" {
        let upstream = TcpStream::connect(target).unwrap();
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        upstream
    } else {
        let rest = target.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap());
        let mut upstream = TcpStream::connect(authority).unwrap();
        head[0] = format!("{method} {path} HTTP/1.1\r\n");
        upstream
            .write_all(format!("{}\r\n", head.concat()).as_bytes())
            .unwrap();
        upstream
    };
    let mut from_upstream = upstream.try_clone().unwrap();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_upstream, &mut client);
        let _ = client.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut reader, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Write);
}

fn set_proxies(proxy: &str, no_proxy: &str) {
    // SAFETY: this binary's only test, on its only thread reading the
    // environment; the library reads it when the next client is made.
    unsafe {
        for name in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] {
            std::env::set_var(name, proxy);
        }
        for name in ["ALL_PROXY", "all_proxy"] {
            std::env::remove_var(name);
        }
        std::env::set_var("NO_PROXY", no_proxy);
        std::env::set_var("no_proxy", no_proxy);
    }
}

fn with_credentials(proxy_url: &str) -> String {
    proxy_url.replacen("http://", &format!("http://{CREDENTIALS}@"), 1)
}

#[test]
fn proxies_from_the_environment_are_used_with_their_credentials() {
    let https = Portal::start();
    let http = Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        ..PortalOptions::default()
    });
    let proxy = TestProxy::start();
    set_proxies(&with_credentials(&proxy.url), "");
    let client = test_client(Config::default());

    for _ in 0..2 {
        let answer = client.set_user_status(&https.webhook_url(), "dnd", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    assert_eq!(
        proxy.asked(),
        [Asked {
            line: format!("CONNECT {} HTTP/1.1", https.domain()),
            auth: Some(BASIC_AUTH.to_owned()),
        }],
        "one tunnel, kept for the second call"
    );
    assert_eq!(https.requests().len(), 2);

    let answer = client.set_user_status(&http.webhook_url(), "away", "");
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(
        proxy.asked()[1],
        Asked {
            line: format!(
                "POST {}/rest/1/{WEBHOOK_SECRET}/im.user.status.set HTTP/1.1",
                http.base_url()
            ),
            auth: Some(BASIC_AUTH.to_owned()),
        }
    );
    assert_eq!(http.status_of(1).as_deref(), Some("away"));

    set_proxies(&with_credentials(&proxy.url), "127.0.0.1");
    let answer = test_client(Config::default()).set_user_status(&https.webhook_url(), "online", "");
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(proxy.asked().len(), 2, "NO_PROXY was not obeyed");
    assert_eq!(https.requests().len(), 3);

    let dead = format!(
        "http://127.0.0.1:{}",
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    set_proxies(&with_credentials(&dead), "");
    let client = test_client(Config {
        attempts: 1,
        ..Config::default()
    });
    let answer = client.set_user_status(&https.webhook_url(), "dnd", "");
    let json = parse(answer.json());
    assert_eq!(json["error"], "OPI_NETWORK_ERROR", "{json}");
    let description = json["error_description"].as_str().unwrap();
    assert!(
        description.contains(&format!("through the proxy {dead}/"))
            && description.contains("Connection refused"),
        "{description}"
    );
    assert!(!description.contains("pa55"), "{description}");
    assert_no_secret(description);

    // A proxy that cannot be reached is a network error, and retried.
    let retrying = test_client(Config {
        attempts: 3,
        retry_delay: std::time::Duration::from_millis(10),
        ..Config::default()
    });
    let answer = parse(
        retrying
            .set_user_status(&https.webhook_url(), "dnd", "")
            .json(),
    );
    let description = answer["error_description"].as_str().unwrap();
    assert!(description.ends_with("(after 3 attempts)"), "{description}");
    assert!(!description.contains("pa55"), "{description}");
}

/// Debian's tinyproxy on a free loopback port, asking for `user:password`;
/// stopped when dropped.
struct Tinyproxy {
    url: String,
    process: std::process::Child,
    _dir: std::path::PathBuf,
}

impl Tinyproxy {
    fn start(user: &str, password: &str) -> Tinyproxy {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tmp = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, Into::into);
        let dir = tmp.join(format!("tinyproxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("tinyproxy.conf");
        // No ConnectPort line: CONNECT to any port (the portal's is random).
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\nBasicAuth {user} {password}\nDisableViaHeader Yes\nLogLevel Info\n"
            ),
        )
        .unwrap();
        let process = std::process::Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("tinyproxy is installed (.ci/run installs it)");
        let address = format!("127.0.0.1:{port}");
        let started = std::time::Instant::now();
        while TcpStream::connect(&address).is_err() {
            assert!(
                started.elapsed().as_secs() < 10,
                "tinyproxy did not start on {address}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Tinyproxy {
            url: format!("http://{address}"),
            process,
            _dir: dir,
        }
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A client whose retries, were they made, would show: five attempts.
fn retrying_client() -> opi_bitrix24::Client {
    test_client(Config {
        attempts: 5,
        retry_delay: std::time::Duration::from_millis(300),
        ..Config::default()
    })
}

/// Calls through the proxy `proxy_url` (credentials included) and expects it
/// to refuse the tunnel: our error at once, naming the proxy and its status
/// line, never its password, with no retry.
fn assert_refused_at_once(proxy_url: &str, status_line: &str, password: &str) -> String {
    let portal = Portal::start();
    set_proxies(proxy_url, "");
    let started = std::time::Instant::now();
    let answer = retrying_client().set_user_status(&portal.webhook_url(), "dnd", "");
    let elapsed = started.elapsed();
    let json = parse(answer.json());
    assert_eq!(json["error"], "OPI_NETWORK_ERROR", "{json}");
    let description = json["error_description"].as_str().unwrap().to_owned();
    assert!(
        description.contains("the proxy refused the tunnel"),
        "{description}"
    );
    assert!(
        description.contains(status_line),
        "{description} lacks {status_line}"
    );
    assert!(!description.contains("after"), "not retried: {description}");
    assert!(!description.contains(password), "{description}");
    assert!(
        elapsed.as_millis() < 1000,
        "answered at once, not after retries: {elapsed:?}"
    );
    assert!(portal.requests().is_empty());
    description
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_named_with_its_status_and_not_retried() {
    for status_line in [
        "407 Proxy Authentication Required",
        "401 Unauthorized",
        "403 Forbidden",
    ] {
        let proxy = TestProxy::refusing(status_line);
        let description =
            assert_refused_at_once(&with_credentials(&proxy.url), status_line, "pa55");
        assert!(
            description.contains(&format!("through the proxy {}/", proxy.url)),
            "{description}"
        );
        assert_eq!(proxy.asked().len(), 1, "{status_line}: asked once");
    }

    let tinyproxy = Tinyproxy::start("proxyuser", "r1ghtpa55");
    let wrong = tinyproxy
        .url
        .replacen("http://", "http://proxyuser:wr0ngpa55@", 1);
    assert_refused_at_once(&wrong, "401 Unauthorized", "wr0ngpa55");
    // With the right password tinyproxy opens the tunnel.
    let portal = Portal::start();
    set_proxies(
        &tinyproxy
            .url
            .replacen("http://", "http://proxyuser:r1ghtpa55@", 1),
        "",
    );
    let answer = test_client(Config::default()).set_user_status(&portal.webhook_url(), "away", "");
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(portal.status_of(WEBHOOK_USER).as_deref(), Some("away"));
}

/// TLS spoken where plain HTTP answers, through a proxy: HTTPS_PROXY given
/// as https:// for a proxy that speaks plain HTTP is refused at once with
/// the address to give instead, the proxy's password unshown and nothing
/// sent; and a portal given without a scheme, reached through a proxy's
/// tunnel, that has only plain HTTP is named as such.
#[test]
fn tls_to_a_plain_http_proxy_or_portal_says_to_give_it_with_http() {
    let https = Portal::start();
    let proxy = TestProxy::start();
    let place = proxy.url.strip_prefix("http://").unwrap().to_owned();
    let as_https = with_credentials(&proxy.url).replacen("http://", "https://", 1);
    set_proxies(&as_https, "");
    let started = std::time::Instant::now();
    let answer = retrying_client().set_user_status(&https.webhook_url(), "dnd", "");
    let json = parse(answer.json());
    assert_eq!(json["error"], "OPI_NETWORK_ERROR", "{json}");
    let description = json["error_description"].as_str().unwrap();
    for part in [
        format!("the proxy {place} is given as https://"),
        format!("give it as http://{place}"),
    ] {
        assert!(description.contains(&part), "{description} lacks {part:?}");
    }
    assert!(!description.contains("pa55"), "{description}");
    assert!(started.elapsed().as_millis() < 1000, "not retried");
    assert!(proxy.asked().is_empty() && https.requests().is_empty());

    let plain = Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        ..PortalOptions::default()
    });
    set_proxies(&with_credentials(&proxy.url), "");
    let answer = retrying_client().set_user_status(&plain.domain(), "dnd", APP_TOKEN);
    let json = parse(answer.json());
    assert_eq!(json["error"], "OPI_NETWORK_ERROR", "{json}");
    let description = json["error_description"].as_str().unwrap();
    let domain = plain.domain();
    for part in [
        format!("{domain} answers in plain HTTP on this port, not in HTTPS"),
        format!("with a token, http://{domain}"),
    ] {
        assert!(description.contains(&part), "{description} lacks {part:?}");
    }
    assert!(!description.contains(APP_TOKEN) && !description.contains("pa55"));
    assert_eq!(
        proxy.asked()[0].line,
        format!("CONNECT {domain} HTTP/1.1"),
        "through the proxy's tunnel"
    );
    assert!(plain.requests().is_empty());
}
