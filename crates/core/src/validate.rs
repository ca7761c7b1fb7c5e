//! Checks on user-supplied text and numbers, shared by `decide` and by the server's HTTP handlers
//! (session titles and names arrive there before any command exists).

use crate::limits::{MAX_LINK_BYTES, MAX_NAME_CHARS, MAX_TITLE_CHARS};
use crate::rejection::Rejection;

/// Trim `text` and check it is non-empty, at most `max_chars` long, and free of control characters.
/// `what` names the field in the error ("room name").
pub fn text(what: &str, text: &str, max_chars: usize) -> Result<String, Rejection> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Rejection::Invalid(format!("{what} must not be empty")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Rejection::Invalid(format!(
            "{what} must be at most {max_chars} characters"
        )));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Rejection::Invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// A display name of a person.
pub fn display_name(name: &str) -> Result<String, Rejection> {
    single_line("name", name, MAX_NAME_CHARS)
}

/// A session title.
pub fn title(title: &str) -> Result<String, Rejection> {
    single_line("title", title, MAX_TITLE_CHARS)
}

/// Like [`text`], but also without line breaks.
pub fn single_line(what: &str, value: &str, max_chars: usize) -> Result<String, Rejection> {
    let value = text(what, value, max_chars)?;
    if value.contains('\n') {
        return Err(Rejection::Invalid(format!("{what} must be a single line")));
    }
    Ok(value)
}

/// A link shown as a button: absolute http(s), no spaces, bounded length.
pub fn link(link: &str) -> Result<String, Rejection> {
    let link = link.trim();
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"));
    match rest {
        _ if link.len() > MAX_LINK_BYTES => Err(Rejection::Invalid(format!(
            "link must be at most {MAX_LINK_BYTES} bytes"
        ))),
        Some(rest)
            if !rest.is_empty() && !link.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(link.to_owned())
        }
        _ => Err(Rejection::Invalid(
            "link must be a web address starting with http:// or https://".into(),
        )),
    }
}

/// A SHA-256 in lowercase hex.
pub fn sha256_hex(value: &str) -> Result<(), Rejection> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(Rejection::Invalid(
            "sha256 must be 64 lowercase hex digits".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(display_name("  Ada ").unwrap(), "Ada");
        assert!(matches!(display_name("   "), Err(Rejection::Invalid(_))));
        assert!(display_name(&"x".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(display_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(display_name("a\nb").is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert!(text("call", "line one\nline two", 100).is_ok());
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert!(link("https://example.org/x").is_ok());
        assert!(link("http://example.org").is_ok());
        for bad in [
            "javascript:alert(1)",
            "https://",
            "ftp://x",
            "https://a b",
            "example.org",
        ] {
            assert!(link(bad).is_err(), "{bad} accepted");
        }
        assert!(link(&format!("https://{}", "a".repeat(MAX_LINK_BYTES))).is_err());
    }

    #[test]
    fn sha256_must_be_lowercase_hex() {
        assert!(sha256_hex(&"a".repeat(64)).is_ok());
        assert!(sha256_hex(&"A".repeat(64)).is_err());
        assert!(sha256_hex("abc").is_err());
    }
}
