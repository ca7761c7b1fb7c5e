//! Whom an `https://` endpoint must prove itself to: the rustls client configuration every Rust
//! client (the app, the CLI, the load tool) uses for both HTTP and the WebSocket.
//!
//! Three ways to trust a server, one configuration each:
//! - the system's root certificates (a hosted endpoint with a public certificate);
//! - those plus extra roots from a PEM file (a private deployment with its own CA: `BREAKOUT_CA_FILE`,
//!   `--ca-file`, or the app's Settings);
//! - exactly one certificate, named by its SHA-256 fingerprint in the invite link (a moderator's app
//!   serving its LAN with a self-signed certificate; no CA is involved, so names are not checked —
//!   the fingerprint is the identity).
//!
//! The crypto provider is *ring*: it builds with a C compiler alone (aws-lc needs more tools).

use crate::error::ClientError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The SHA-256 of a certificate's DER bytes, as 64 lower-case hex digits: what an invite link's
/// `fp=` carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertFingerprint(String);

impl CertFingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> CertFingerprint {
        CertFingerprint(hex::encode(Sha256::digest(der)))
    }

    /// Read a fingerprint as people write it: hex, in any case, with or without `:` separators.
    pub fn parse(text: &str) -> Result<CertFingerprint, ClientError> {
        let hex: String = text
            .trim()
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(CertFingerprint(hex))
        } else {
            Err(ClientError::BadEndpoint(format!(
                "{text}: a certificate fingerprint is 64 hex digits (SHA-256)"
            )))
        }
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CertFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Check that a PEM file holds usable CA certificates (for a settings screen, before any endpoint).
pub fn check_ca_file(path: &Path) -> Result<(), ClientError> {
    read_ca_file(path).map(drop)
}

/// Read the certificates of a PEM file (extra trusted roots). A file without any certificate is an
/// error, so a wrong path or a key file given by mistake is noticed at once.
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let bad = |why: String| ClientError::BadCaFile(format!("{}: {why}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no certificate in this file (expected PEM)".into()));
    }
    let mut store = RootCertStore::empty();
    for cert in &certs {
        store
            .add(cert.clone())
            .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
    }
    Ok(certs)
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The system's root certificates, read once per process (a load test opens thousands of
/// connections; each shares them). Unreadable ones are skipped: if none is left, every public
/// certificate fails as untrusted, with a message that says so.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Build the client configuration: pinned to one certificate when `pin` is set, else the system's
/// roots plus `extra_roots`. HTTP/1.1 only (the WebSocket upgrade needs it).
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    pin: Option<&CertFingerprint>,
) -> Arc<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let mut config = match pin {
        Some(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                pin: pin.clone(),
                provider: provider(),
            }))
            .with_no_client_auth(),
        None => {
            let mut roots = RootCertStore::empty();
            // System roots that rustls cannot use are skipped (webpki is stricter than OpenSSL).
            roots.add_parsable_certificates(system_roots().iter().cloned());
            roots.add_parsable_certificates(extra_roots.iter().cloned());
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Accepts exactly the certificate with the pinned fingerprint (the handshake's signatures are
/// still verified, so the server must hold that certificate's key).
#[derive(Debug)]
struct PinnedCertificate {
    pin: CertFingerprint,
    provider: Arc<CryptoProvider>,
}

/// The error a pinned connection fails with when the server shows another certificate.
#[derive(Debug, thiserror::Error)]
#[error(
    "the server's certificate (SHA-256 {actual}) is not the one in the invite link ({expected})"
)]
pub(crate) struct PinMismatch {
    expected: CertFingerprint,
    actual: CertFingerprint,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let actual = CertFingerprint::of_der(end_entity);
        if actual == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(PinMismatch {
                    expected: self.pin.clone(),
                    actual,
                })),
            )))
        }
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

/// If a transport error was caused by the server's certificate, the error to show instead: a
/// certificate nobody trusts, or one that is not the certificate the invite link names.
pub(crate) fn certificate_problem(
    error: &(dyn std::error::Error + 'static),
) -> Option<ClientError> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(problem)) = e.downcast_ref::<rustls::Error>()
        {
            return Some(match problem {
                CertificateError::Other(other) => match other.0.downcast_ref::<PinMismatch>() {
                    Some(mismatch) => ClientError::Untrusted(format!(
                        "{mismatch}. Someone may be pretending to be this server; ask the moderator for a fresh invite link"
                    )),
                    None => ClientError::Untrusted(format!("{problem:?}")),
                },
                problem => ClientError::Untrusted(format!(
                    "the server's certificate is not trusted ({problem:?}); for a private CA set its certificate file (BREAKOUT_CA_FILE, --ca-file or Settings)"
                )),
            });
        }
        // `io::Error::source` skips the error it wraps, so look inside it explicitly.
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_in_any_common_spelling() {
        let hex = "AB".repeat(32);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(
            CertFingerprint::parse(&hex).unwrap(),
            CertFingerprint::parse(&colons).unwrap()
        );
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(33)] {
            assert!(CertFingerprint::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        assert!(matches!(
            read_ca_file(&path),
            Err(ClientError::BadCaFile(_))
        ));
        assert!(matches!(
            read_ca_file(&dir.path().join("missing.pem")),
            Err(ClientError::BadCaFile(_))
        ));
    }
}
