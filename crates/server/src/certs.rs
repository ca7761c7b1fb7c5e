//! Certificates the endpoint can make for itself: a self-signed one for a moderator's LAN endpoint
//! (no certificate authority on a classroom network; clients pin its SHA-256 from the invite link),
//! and a private CA that issues server certificates — what tests, the load tool and a small private
//! deployment use instead of a public CA. Generated with rcgen on the *ring* backend.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Why a certificate could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// Generating it failed.
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// A stored certificate is unreadable.
    #[error("the stored certificate {path} is unreadable: {why}")]
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// It could not be stored.
    #[error("cannot store the certificate: {0}")]
    Io(#[from] std::io::Error),
}

const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";

/// A certificate with its private key, both PEM, ready for `--tls-cert`/`--tls-key` or
/// [`crate::tls::server_config_from_pem`].
#[derive(Clone)]
pub struct CertifiedKey {
    /// The certificate (PEM).
    pub cert_pem: String,
    /// Its private key (PKCS#8 PEM). Keep it private.
    pub key_pem: String,
    /// SHA-256 of the certificate's DER bytes, lower-case hex: what an invite link's `fp=` carries.
    pub fingerprint: String,
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl CertifiedKey {
    /// The endpoint's TLS configuration serving this certificate ([`crate::Config::tls`]).
    pub fn server_config(
        &self,
    ) -> Result<std::sync::Arc<crate::tls::rustls::ServerConfig>, crate::tls::TlsError> {
        crate::tls::server_config_from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
    }
}

/// A self-signed certificate for these host names and IP addresses (as text).
pub fn self_signed(names: &[String]) -> Result<CertifiedKey, CertError> {
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(names.to_vec())?.self_signed(&key)?;
    Ok(certified(&cert, &key))
}

/// The self-signed certificate kept in `dir` (`cert.pem`, and `key.pem` readable by this user
/// only), made for `names` on first use. Keeping it means invite links stay valid across restarts.
pub fn stored_self_signed(dir: &Path, names: &[String]) -> Result<CertifiedKey, CertError> {
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if cert_path.exists() && key_path.exists() {
        let unreadable = |path: &Path, why: String| CertError::Unreadable {
            path: path.display().to_string(),
            why,
        };
        let cert_pem = std::fs::read_to_string(&cert_path)
            .map_err(|e| unreadable(&cert_path, e.to_string()))?;
        let key_pem =
            std::fs::read_to_string(&key_path).map_err(|e| unreadable(&key_path, e.to_string()))?;
        let der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| unreadable(&cert_path, e.to_string()))?;
        return Ok(CertifiedKey {
            fingerprint: hex::encode(Sha256::digest(&der)),
            cert_pem,
            key_pem,
        });
    }
    let made = self_signed(names)?;
    std::fs::create_dir_all(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut key = options.open(&key_path)?;
    key.write_all(made.key_pem.as_bytes())?;
    key.sync_all()?;
    std::fs::write(&cert_path, &made.cert_pem)?;
    Ok(made)
}

/// A certificate authority that exists only in memory (and in the files you write its certificate
/// to): it signs server certificates that clients trust through a CA file.
pub struct PrivateCa {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl PrivateCa {
    /// A new CA with this common name.
    pub fn new(name: &str) -> Result<PrivateCa, CertError> {
        let mut params = CertificateParams::new(Vec::new())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(PrivateCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA's certificate (PEM): what clients are given as their CA file.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A server certificate for these host names and IP addresses, signed by this CA.
    pub fn issue(&self, names: &[String]) -> Result<CertifiedKey, CertError> {
        let key = KeyPair::generate()?;
        let cert = CertificateParams::new(names.to_vec())?.signed_by(&key, &self.issuer)?;
        Ok(certified(&cert, &key))
    }
}

fn certified(cert: &rcgen::Certificate, key: &KeyPair) -> CertifiedKey {
    CertifiedKey {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        fingerprint: hex::encode(Sha256::digest(cert.der())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificates_differ_and_name_their_fingerprint() {
        let names = vec!["192.168.1.20".to_owned(), "localhost".to_owned()];
        let (a, b) = (self_signed(&names).unwrap(), self_signed(&names).unwrap());
        assert_ne!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 64);
        assert!(a.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(a.key_pem.contains("PRIVATE KEY"));
        assert!(!format!("{a:?}").contains("PRIVATE"));
    }

    #[test]
    fn a_stored_certificate_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_owned()];
        let first = stored_self_signed(dir.path(), &names).unwrap();
        let again = stored_self_signed(dir.path(), &names).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint);
        assert_eq!(first.key_pem, again.key_pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(CERT_FILE), "garbage").unwrap();
        assert!(matches!(
            stored_self_signed(dir.path(), &names),
            Err(CertError::Unreadable { .. })
        ));
    }

    #[test]
    fn a_private_ca_issues_distinct_server_certificates() {
        let ca = PrivateCa::new("Test CA").unwrap();
        let leaf = ca.issue(&["127.0.0.1".to_owned()]).unwrap();
        assert_ne!(leaf.cert_pem, ca.cert_pem());
        assert!(self_signed(&["bücher.example".to_owned()]).is_err());
    }
}
