//! A certificate authority made at test time, and server certificates signed by it.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names every test server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

#[derive(Debug)]
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The CA certificate as a PEM file, for SSL_CERT_FILE or OPI_BITRIX24_CA_FILE.
    pub pem_path: PathBuf,
}

impl TestCa {
    /// One CA per test process, written to a file once.
    pub fn global() -> &'static TestCa {
        static CA: OnceLock<TestCa> = OnceLock::new();
        CA.get_or_init(|| TestCa::new("opi-bitrix24 test CA"))
    }

    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("CA certificate");
        let pem_path = std::env::temp_dir().join(format!(
            "opi-bitrix24-{}-{}.pem",
            name.replace(' ', "-"),
            std::process::id()
        ));
        std::fs::write(&pem_path, issuer.pem()).expect("write the CA file");
        TestCa { issuer, pem_path }
    }

    /// A TLS server configuration with a certificate for `names`, signed by this CA.
    pub fn server_config(&self, names: &[&str]) -> Arc<ServerConfig> {
        self.server_config_valid(names, true)
    }

    /// A certificate for `names` signed by this CA and its key, as PEM files
    /// (for servers that are not rustls).
    pub fn server_pem_files(&self, names: &[&str]) -> (PathBuf, PathBuf) {
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server certificate parameters");
        let key = KeyPair::generate().expect("server key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        let stem = self.pem_path.with_extension("");
        let (cert_path, key_path) = (
            stem.with_extension("server.pem"),
            stem.with_extension("server-key.pem"),
        );
        std::fs::write(
            &cert_path,
            format!("{}{}", certificate.pem(), self.issuer.pem()),
        )
        .expect("write the certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write the key");
        (cert_path, key_path)
    }

    /// As [`TestCa::server_config`]; with `current` false the certificate expired in 2020.
    pub(crate) fn server_config_valid(&self, names: &[&str], current: bool) -> Arc<ServerConfig> {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server certificate parameters");
        if !current {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().expect("server key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        server_config(
            vec![certificate.der().clone(), self.issuer.der().clone()],
            &key,
        )
    }

    /// A server whose certificate for `names` is issued by an intermediate
    /// CA of this one, and which does not send that intermediate, as many
    /// self-hosted portals do. With `published_at` (an http base address) the
    /// certificate names where the intermediate can be fetched
    /// (`<base>/intermediate.cer`, its Authority Information Access) and the
    /// intermediate's revocation list (`<base>/intermediate.crl`), as public
    /// CAs' certificates do.
    pub fn without_intermediate(
        &self,
        names: &[&str],
        published_at: Option<&str>,
    ) -> WithoutIntermediate {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, INTERMEDIATE_NAME);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let intermediate =
            CertifiedIssuer::signed_by(params, KeyPair::generate().expect("key"), &self.issuer)
                .expect("intermediate certificate");
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server certificate parameters");
        if let Some(base) = published_at {
            params
                .custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    authority_information_access(&format!("{base}/intermediate.cer")),
                ));
            params.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
                uris: vec![format!("{base}/intermediate.crl")],
            }];
        }
        let key = KeyPair::generate().expect("server key");
        let certificate = params
            .signed_by(&key, &intermediate)
            .expect("server certificate");
        let crl = rcgen::CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2024, 1, 1),
            next_update: rcgen::date_time_ymd(2099, 1, 1),
            crl_number: rcgen::SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&intermediate)
        .expect("revocation list");
        WithoutIntermediate {
            server: server_config(vec![certificate.der().clone()], &key),
            intermediate: intermediate.der().to_vec(),
            crl: crl.der().to_vec(),
        }
    }
}

/// The name of the intermediate CA of [`TestCa::without_intermediate`].
pub const INTERMEDIATE_NAME: &str = "opi-bitrix24 test intermediate CA";

/// A server that sends its certificate without the intermediate, and that
/// intermediate (DER) for serving at the AIA address.
pub struct WithoutIntermediate {
    pub server: Arc<ServerConfig>,
    pub intermediate: Vec<u8>,
    /// The intermediate's (empty) revocation list, DER.
    pub crl: Vec<u8>,
}

/// AuthorityInfoAccessSyntax with one caIssuers access description for `url`.
fn authority_information_access(url: &str) -> Vec<u8> {
    let der = |tag: u8, content: &[u8]| {
        assert!(content.len() < 128, "short test URLs only");
        [&[tag, content.len() as u8][..], content].concat()
    };
    let ca_issuers = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let description = der(
        0x30,
        &[&ca_issuers[..], &der(0x86, url.as_bytes())].concat(),
    );
    der(0x30, &description)
}

fn server_config(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: &KeyPair,
) -> Arc<ServerConfig> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate and key");
    Arc::new(config)
}
