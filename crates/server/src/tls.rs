//! TLS for the endpoint: turn a PEM certificate chain and private key into the rustls server
//! configuration that [`crate::Config::tls`] takes (HTTP/1.1 over ALPN, the *ring* provider), so
//! the endpoint serves https and wss by itself — the binary's `--tls-cert/--tls-key`, or an
//! embedder's certificate. `rustls` is re-exported so embedders build against the same version.

pub use tokio_rustls::rustls;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// Why a TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate PEM holds no certificate, or an unreadable one.
    #[error("the certificate is not a PEM certificate chain: {0}")]
    Certificate(String),
    /// The key PEM holds no private key, or an unreadable one.
    #[error("the private key is not a PEM private key (PKCS#8, PKCS#1 or SEC1): {0}")]
    Key(String),
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("the certificate and key cannot be used: {0}")]
    Rejected(#[from] rustls::Error),
}

/// A server configuration from a PEM certificate chain (leaf first) and its PEM private key.
pub fn server_config_from_pem(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate("no CERTIFICATE block found".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// [`server_config_from_pem`] with the PEM read from two files.
pub fn server_config_from_pem_files(
    cert_chain: &Path,
    key: &Path,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.display().to_string(),
            source,
        })
    };
    server_config_from_pem(&read(cert_chain)?, &read(key)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::self_signed;

    #[test]
    fn a_matching_pair_makes_an_http1_configuration() {
        let made = self_signed(&["localhost".to_owned()]).unwrap();
        let config = server_config_from_pem(made.cert_pem.as_bytes(), made.key_pem.as_bytes())
            .expect("a valid pair");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let made = self_signed(&["localhost".to_owned()]).unwrap();
        let other = self_signed(&["localhost".to_owned()]).unwrap();
        let (cert, key) = (made.cert_pem.as_bytes(), made.key_pem.as_bytes());
        assert!(matches!(
            server_config_from_pem(b"", key),
            Err(TlsError::Certificate(_))
        ));
        assert!(matches!(
            server_config_from_pem(key, key),
            Err(TlsError::Certificate(_))
        ));
        assert!(matches!(
            server_config_from_pem(cert, cert),
            Err(TlsError::Key(_))
        ));
        assert!(matches!(
            server_config_from_pem(cert, other.key_pem.as_bytes()),
            Err(TlsError::Rejected(_))
        ));
        let missing = Path::new("/nonexistent/breakout/cert.pem");
        assert!(matches!(
            server_config_from_pem_files(missing, missing),
            Err(TlsError::Read { .. })
        ));
    }
}
