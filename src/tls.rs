//! The TLS settings: rustls on the ring provider, trusting the system's roots
//! (which `SSL_CERT_FILE` and `SSL_CERT_DIR` replace) and any extra CA file.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use crate::error::Error;

pub(crate) fn client_config(extra_ca_file: Option<&Path>) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = extra_ca_file {
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
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
