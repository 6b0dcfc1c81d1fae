//! The TLS settings: rustls on the ring provider, with the operating
//! system's verifier through rustls-platform-verifier — on Windows
//! CryptoAPI (its certificate store, enterprise roots and policies, and
//! intermediates fetched from a certificate's AIA address, as browsers and
//! the 1C platform get them), elsewhere webpki with the system's roots
//! (which `SSL_CERT_FILE` and `SSL_CERT_DIR` replace) — then, for a chain
//! the platform gives no verdict on, webpki with the roots of
//! `OPI_BITRIX24_CA_FILE` (and on Windows the store's).

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::Error;

pub(crate) fn client_config(extra_ca_file: Option<&Path>) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = extra_ca_file {
        add_ca_file(&mut roots, path)?;
    }
    add_system_store(&mut roots);
    let fallback = (!roots.is_empty())
        .then(|| {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()
        })
        .transpose()
        .map_err(|e| Error::internal(format!("TLS set-up failed: {e}")))?;
    let verifier = Verifying {
        platform: rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| e.to_string()),
        fallback,
        provider: provider.clone(),
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS set-up failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Adds the certificates of `path` (OPI_BITRIX24_CA_FILE) as roots.
fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), Error> {
    let unreadable = |error: &dyn std::fmt::Display| {
        Error::invalid_argument(format!(
            "cannot read CA certificates from {}: {error}",
            path.display()
        ))
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(&e))?;
    let (added, _) = roots.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(unreadable(&"no usable certificate in the file"));
    }
    Ok(())
}

/// On Windows, the store's roots for the fallback verifier, read once per
/// client. rustls-native-certs unwraps on some store entries: a panic
/// there leaves the fallback without the store, never fails every call.
#[cfg(windows)]
fn add_system_store(roots: &mut rustls::RootCertStore) {
    if let Ok(found) = std::panic::catch_unwind(rustls_native_certs::load_native_certs) {
        roots.add_parsable_certificates(found.certs);
    }
}

/// Elsewhere the platform verifier reads the system's roots itself.
#[cfg(not(windows))]
fn add_system_store(_roots: &mut rustls::RootCertStore) {}

/// The platform's verifier first; then, where it gives no verdict on the
/// certificate itself (an unknown issuer, or an error of the OS's chain
/// engine rather than of the certificate), webpki with the roots of
/// `OPI_BITRIX24_CA_FILE` (and on Windows the store's, as read by
/// rustls-native-certs): the same order on every platform, whatever the OS
/// engine supports. A refusal for an issuer nobody vouched for says which
/// issuer, and what to do. Without any roots, every https handshake is
/// refused with the reason, and plain http still works.
#[derive(Debug)]
struct Verifying {
    platform: Result<rustls_platform_verifier::Verifier, String>,
    fallback: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

fn is_unknown_issuer(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
    )
}

/// Whether the platform refused the certificate for what it is (expired,
/// for another name, revoked, …), which no other set of roots can change.
fn is_verdict(error: &rustls::Error) -> bool {
    match error {
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::Other(_),
        ) => false,
        rustls::Error::InvalidCertificate(_) => true,
        _ => false,
    }
}

impl ServerCertVerifier for Verifying {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let by_platform = match &self.platform {
            Ok(platform) => platform.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            Err(why) if self.fallback.is_none() => {
                return Err(rustls::Error::General(format!(
                    "no trusted CA certificates: {why}; install the system's CA bundle or set OPI_BITRIX24_CA_FILE"
                )));
            }
            Err(_) => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        let verified = match (by_platform, &self.fallback) {
            (Err(error), Some(fallback)) if !is_verdict(&error) => fallback.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            (result, _) => result,
        };
        verified.map_err(|error| match is_unknown_issuer(&error) {
            true => unknown_issuer(end_entity, intermediates),
            false => error,
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What this library's TLS accepts, for the texts below.
const ACCEPTED_TLS: &str = "TLS 1.3, or TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305";

/// A handshake the portal refused, with what that usually means: a server
/// configured long ago (only CBC suites, or only TLS 1.0/1.1) where curl,
/// which still speaks those, connects.
#[derive(Debug)]
struct TlsMismatch {
    why: String,
    error: std::io::Error,
}

impl std::fmt::Display for TlsMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for TlsMismatch {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A handshake error rustls raised, explained when it is a protocol or
/// cipher mismatch: the one place that says what this library's TLS accepts.
pub(crate) fn explained_refusal(error: std::io::Error) -> Box<dyn std::error::Error + Send + Sync> {
    use rustls::{AlertDescription, Error as Tls, PeerIncompatible};
    let why = match error.get_ref().and_then(|e| e.downcast_ref::<Tls>()) {
        Some(Tls::AlertReceived(
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity,
        )) => {
            format!(
                "the portal's TLS offered nothing this library accepts ({ACCEPTED_TLS}); servers configured for old clients offer only CBC cipher suites: enable one of these on the portal"
            )
        }
        Some(
            Tls::AlertReceived(AlertDescription::ProtocolVersion)
            | Tls::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
        ) => format!(
            "the portal speaks only TLS 1.0 or 1.1, which this library does not accept ({ACCEPTED_TLS}): enable TLS 1.2 on the portal"
        ),
        _ => return error.into(),
    };
    Box::new(TlsMismatch { why, error })
}

/// A connection that keeps the first bytes the server sends, so that a
/// failed handshake can say what answered it: a plain-HTTP server answers
/// a TLS hello with `HTTP/1.1 400 …` (or an HTML page), which rustls reads
/// as a corrupt record (docs/answers-and-errors.md).
pub(crate) struct Opening<T> {
    inner: T,
    head: [u8; 5],
    seen: usize,
}

impl<T> Opening<T> {
    pub(crate) fn new(inner: T) -> Self {
        Opening {
            inner,
            head: [0; 5],
            seen: 0,
        }
    }

    /// Whether the server's first bytes were those of an HTTP answer: a
    /// status line, or an HTML page as a server answers a request it reads
    /// as HTTP/0.9 (Python's http.server does).
    pub(crate) fn answered_plain_http(&self) -> bool {
        let head = &self.head[..self.seen];
        head == b"HTTP/" || head.first() == Some(&b'<')
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Opening<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.seen < this.head.len() {
            let read = &buf.filled()[before..];
            let take = read.len().min(this.head.len() - this.seen);
            this.head[this.seen..this.seen + take].copy_from_slice(&read[..take]);
            this.seen += take;
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Opening<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A server that answered the TLS handshake in plain HTTP, at `place`
/// (`host:port`): it has no HTTPS on that port. The engine adds what to do,
/// which depends on what was called.
#[derive(Debug)]
pub(crate) struct PlainHttp {
    pub(crate) place: String,
}

impl std::fmt::Display for PlainHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} answers in plain HTTP on this port, not in HTTPS",
            self.place
        )
    }
}

impl std::error::Error for PlainHttp {}

/// `UnknownIssuer`, with the issuer of the last certificate the portal sent.
fn unknown_issuer(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> rustls::Error {
    let last = intermediates.last().unwrap_or(end_entity);
    let issuer = issuer_name(last).unwrap_or_else(|| "an issuer that cannot be read".to_owned());
    let sent = intermediates.len() + 1;
    let text = format!(
        "UnknownIssuer: the chain the portal sent ({sent} certificate{}) ends at one issued by '{issuer}', which is not trusted here; \
         if that is an intermediate CA, the portal does not send it (configure the portal to send its full chain); \
         if it is a private root CA, add it to OPI_BITRIX24_CA_FILE",
        if sent == 1 { "" } else { "s" }
    );
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(Explanation(
        text,
    )))))
}

#[derive(Debug)]
struct Explanation(String);

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Explanation {}

/// The issuer of a DER certificate as `CN=…, O=…` (the attributes people
/// recognise), or None when the certificate cannot be read so far.
fn issuer_name(certificate: &[u8]) -> Option<String> {
    let (certificate, _) = der_element(certificate, 0x30)?;
    let (tbs, _) = der_element(certificate, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = der_element(rest, 0xa0)?.1;
    }
    rest = der_element(rest, 0x02)?.1; // serial number
    rest = der_element(rest, 0x30)?.1; // signature algorithm
    let (mut name, _) = der_element(rest, 0x30)?;
    let mut parts = Vec::new();
    while !name.is_empty() {
        let (set, after) = der_element(name, 0x31)?;
        name = after;
        let (pair, _) = der_element(set, 0x30)?;
        let (oid, value) = der_element(pair, 0x06)?;
        let label = match oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x0b] => "OU",
            [0x55, 0x04, 0x06] => "C",
            _ => continue,
        };
        let (text, _) = der_element(value, *value.first()?)?;
        parts.push(format!("{label}={}", String::from_utf8_lossy(text)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The content of the DER element of `tag` at the start of `input`, and
/// what follows it; None if it is not there or runs past the end.
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            let (bytes, rest) = (rest.get(..count)?, rest.get(count..)?);
            (
                bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)),
                rest,
            )
        }
        _ => return None,
    };
    Some((rest.get(..length)?, rest.get(length..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_answered_a_handshake_is_told_from_its_first_bytes() {
        use tokio::io::AsyncReadExt;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (answer, plain) in [
            (&b"HTTP/1.1 400 Bad Request\r\n"[..], true),
            (b"<!DOCTYPE HTML>", true),
            (b"\x15\x03\x03\x00\x02\x02\x28", false),
            (b"SSH-2.0-OpenSSH_9.2", false),
            (b"HTTP", false),
            (b"", false),
        ] {
            let mut opening = Opening::new(answer);
            runtime.block_on(async {
                // Two bytes a read: the head is kept across reads.
                let mut bytes = [0u8; 2];
                while opening.read(&mut bytes).await.unwrap() > 0 {}
            });
            assert_eq!(opening.answered_plain_http(), plain, "{answer:?}");
        }
    }

    #[test]
    fn der_elements_are_read_within_bounds() {
        assert_eq!(
            der_element(&[0x02, 0x01, 0x05, 0xff], 0x02),
            Some((&[0x05][..], &[0xff][..]))
        );
        assert_eq!(
            der_element(&[0x02, 0x05, 0x01], 0x02),
            None,
            "runs past the end"
        );
        assert_eq!(
            der_element(&[0x30, 0x81, 0x01, 0x07], 0x30),
            Some((&[0x07][..], &[][..]))
        );
        assert_eq!(der_element(&[0x30], 0x30), None);
        assert_eq!(der_element(&[0x31, 0x00], 0x30), None, "another tag");
        assert_eq!(issuer_name(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
        assert_eq!(issuer_name(b"not DER at all"), None);
    }
}
