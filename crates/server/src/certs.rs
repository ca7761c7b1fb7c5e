//! Certificates the endpoint can make for itself: a self-signed one for a moderator's LAN endpoint
//! (no certificate authority on a classroom network; clients pin its SHA-256 from the invite link),
//! and a private CA that issues server certificates — what tests, the load tool and a small private
//! deployment use instead of a public CA. Generated with rcgen on the *ring* backend.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use sha2::{Digest, Sha256};

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot make a certificate: {0}")]
pub struct CertError(#[from] rcgen::Error);

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

/// A self-signed certificate for these host names and IP addresses (as text).
pub fn self_signed(names: &[String]) -> Result<CertifiedKey, CertError> {
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(names.to_vec())?.self_signed(&key)?;
    Ok(certified(&cert, &key))
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
    fn a_private_ca_issues_distinct_server_certificates() {
        let ca = PrivateCa::new("Test CA").unwrap();
        let leaf = ca.issue(&["127.0.0.1".to_owned()]).unwrap();
        assert_ne!(leaf.cert_pem, ca.cert_pem());
        assert!(self_signed(&["bücher.example".to_owned()]).is_err());
    }
}
