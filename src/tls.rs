//! The TLS settings: rustls on the ring provider, with the operating
//! system's verifier through rustls-platform-verifier — on Windows
//! CryptoAPI (its certificate store, enterprise roots and policies, and
//! intermediates fetched from a certificate's AIA address, as browsers and
//! the 1C platform get them), elsewhere webpki with the system's roots
//! (which `SSL_CERT_FILE` and `SSL_CERT_DIR` replace) — plus the roots of
//! `OPI_BITRIX24_CA_FILE` on every platform.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};

use crate::error::Error;

pub(crate) fn client_config(extra_ca_file: Option<&Path>) -> Result<ClientConfig, Error> {
    let extra_roots = match extra_ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Explaining {
        inner: rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra_roots,
            provider.clone(),
        )
        .map_err(|e| e.to_string()),
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

fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
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
    let usable: Vec<_> = certificates
        .into_iter()
        .filter(|der| webpki_root(der).is_some())
        .collect();
    if usable.is_empty() {
        return Err(unreadable(&"no usable certificate in the file"));
    }
    Ok(usable)
}

/// Whether `der` can be a trust anchor (it parses as a certificate).
fn webpki_root(der: &CertificateDer<'_>) -> Option<()> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.clone()).ok()
}

/// The platform's verifier, saying more where a certificate is refused for
/// an issuer nobody vouched for: which issuer, and what to do. Without a
/// usable verifier (no system roots and no extra ones), every https
/// handshake is refused with the reason, and plain http still works.
#[derive(Debug)]
struct Explaining {
    inner: Result<rustls_platform_verifier::Verifier, String>,
}

impl Explaining {
    fn inner(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner.as_ref().map_err(|why| {
            rustls::Error::General(format!(
                "no trusted CA certificates: {why}; install the system's CA bundle or set OPI_BITRIX24_CA_FILE"
            ))
        })
    }
}

impl ServerCertVerifier for Explaining {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verified {
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                Err(unknown_issuer(end_entity, intermediates))
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner()
            .map_or_else(|_| Vec::new(), |inner| inner.supported_verify_schemes())
    }
}

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
