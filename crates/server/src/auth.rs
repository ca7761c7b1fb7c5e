//! Secrets: participant tokens (256 bits from the OS RNG), short join codes, session ids, and the
//! hashing that means the database never holds a usable secret.

use axum::http::{header, HeaderMap};
use breakout_core::SessionId;
use sha2::{Digest, Sha256};

/// Characters of join codes: no 0/O, 1/I/L, so they survive being read aloud.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Length of a join code (about 40 bits; wrong guesses are rate-limited per session).
const CODE_LEN: usize = 8;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the OS random number generator is available");
    buf
}

/// A new bearer token: 256 random bits, hex.
pub(crate) fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// A new session id: 64 random bits, hex (not a secret; it only names the session).
pub(crate) fn new_session_id() -> SessionId {
    SessionId(hex::encode(random_bytes::<8>()))
}

/// A new join code such as `K7QM-2XPA` (the dash is for people; it is ignored when checking).
pub(crate) fn new_join_code() -> String {
    let chars: String = random_bytes::<CODE_LEN>()
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The form of a join code that is hashed: upper case, without dashes and spaces.
pub(crate) fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// SHA-256 of a secret, hex: what storage keeps instead of the secret.
pub(crate) fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The answer to a join with a code that is wrong or was replaced by a rotation.
pub(crate) const WRONG_CODE: &str =
    "wrong join code, or one that was replaced; ask the moderator for a new invite link";

/// What storage keeps for a join code: `salt$hash`, the SHA-256 of a fresh random salt and the
/// normalized code, so equal codes in two sessions never hash alike and a leaked database gives no
/// precomputed answers.
pub(crate) fn hash_join_code(code: &str) -> String {
    let salt = hex::encode(random_bytes::<16>());
    let hash = salted(&salt, &normalize_code(code));
    format!("{salt}${hash}")
}

/// Does `code` match a stored join-code hash? Compared in constant time. A hash without a salt
/// (data folders from before salting) is the plain SHA-256 of the normalized code.
pub(crate) fn join_code_matches(stored: &str, code: &str) -> bool {
    use subtle::ConstantTimeEq;
    let code = normalize_code(code);
    let (expected, actual) = match stored.split_once('$') {
        Some((salt, hash)) => (hash, salted(salt, &code)),
        None => (stored, hash_secret(&code)),
    };
    bool::from(expected.as_bytes().ct_eq(actual.as_bytes()))
}

fn salted(salt: &str, normalized: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(b"$");
    hasher.update(normalized.as_bytes());
    hex::encode(hasher.finalize())
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty() && token.len() <= 128).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn codes_are_readable_and_checked_without_dashes_or_case() {
        let code = new_join_code();
        assert_eq!(code.len(), CODE_LEN + 1);
        assert!(normalize_code(&code)
            .bytes()
            .all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(
            hash_secret(&normalize_code(&code.to_lowercase())),
            hash_secret(&normalize_code(&code.replace('-', "")))
        );
    }

    #[test]
    fn join_codes_are_salted_and_old_unsalted_hashes_still_match() {
        let code = new_join_code();
        let (a, b) = (hash_join_code(&code), hash_join_code(&code));
        assert_ne!(a, b, "the same code hashes differently under each salt");
        assert!(!a.contains(&normalize_code(&code)));
        assert!(join_code_matches(&a, &code.to_lowercase()));
        assert!(join_code_matches(&b, &code.replace('-', "")));
        assert!(!join_code_matches(&a, "WRONG-CODE"));
        let legacy = hash_secret(&normalize_code(&code));
        assert!(join_code_matches(&legacy, &code));
        assert!(!join_code_matches(&legacy, "WRONG-CODE"));
        assert!(!join_code_matches("", &code));
    }

    #[test]
    fn bearer_header_is_parsed_strictly() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
