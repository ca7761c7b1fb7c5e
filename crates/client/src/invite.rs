//! Invite links: `breakout://join?server=<endpoint>&session=<id>&code=<code>[&fp=<sha256>]`. One
//! place formats and parses them, so the link a moderator copies is exactly the link a participant's
//! app accepts. `fp` pins the certificate of a moderator's LAN endpoint (self-signed, no CA): the
//! joining app accepts that certificate and no other.

use crate::endpoint::Endpoint;
use crate::error::ClientError;
use crate::tls::CertFingerprint;
use breakout_core::SessionId;
use reqwest::Url;

/// The URL scheme the desktop app registers with the OS.
pub const INVITE_SCHEME: &str = "breakout";

/// Everything needed to join a session: where, which, and the code that grants a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The endpoint hosting the session.
    pub endpoint: Endpoint,
    /// The session.
    pub session: SessionId,
    /// A participant or co-moderator join code.
    pub code: String,
}

impl Invite {
    /// The `breakout://join?…` link for this invite.
    pub fn to_link(&self) -> String {
        let mut url = Url::parse(&format!("{INVITE_SCHEME}://join")).expect("a valid base link");
        url.query_pairs_mut()
            .append_pair("server", &self.endpoint.to_string())
            .append_pair("session", &self.session.0)
            .append_pair("code", &self.code);
        if let Some(pin) = self.endpoint.pin() {
            url.query_pairs_mut().append_pair("fp", pin.as_str());
        }
        url.into()
    }

    /// Read a pasted or clicked invite link; surrounding blanks are ignored.
    pub fn parse(link: &str) -> Result<Invite, ClientError> {
        let bad = |why: &str| ClientError::BadInvite(why.to_owned());
        let url = Url::parse(link.trim()).map_err(|_| bad("this is not a link"))?;
        if url.scheme() != INVITE_SCHEME || url.host_str() != Some("join") {
            return Err(bad("an invite link starts with breakout://join?"));
        }
        let field = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| bad(&format!("the link has no {name}")))
        };
        let mut endpoint = Endpoint::parse(&field("server")?).map_err(|e| match e {
            ClientError::BadEndpoint(why) => bad(&format!("the link's server: {why}")),
            other => other,
        })?;
        if let Ok(pin) = field("fp") {
            let pin = CertFingerprint::parse(&pin)
                .map_err(|_| bad("the link's certificate fingerprint (fp) is not a SHA-256"))?;
            endpoint = endpoint
                .with_pin(pin)
                .map_err(|_| bad("a link with a certificate fingerprint needs an https server"))?;
        }
        Ok(Invite {
            endpoint,
            session: SessionId(field("session")?),
            code: field("code")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> Invite {
        Invite {
            endpoint: Endpoint::parse("http://192.168.1.20:7878").unwrap(),
            session: SessionId("s-42".into()),
            code: "ab cd&ef".into(),
        }
    }

    #[test]
    fn a_link_reads_back_as_the_same_invite() {
        let link = invite().to_link();
        assert!(link.starts_with("breakout://join?server=http"), "{link}");
        assert_eq!(Invite::parse(&format!("  {link}\n")).unwrap(), invite());
    }

    #[test]
    fn a_pinned_link_reads_back_with_its_fingerprint() {
        let pin = CertFingerprint::parse(&"C0".repeat(32)).unwrap();
        let pinned = Invite {
            endpoint: Endpoint::parse("https://192.168.1.20:7878")
                .unwrap()
                .with_pin(pin.clone())
                .unwrap(),
            ..invite()
        };
        let link = pinned.to_link();
        assert!(link.ends_with(&format!("&fp={pin}")), "{link}");
        let back = Invite::parse(&link).unwrap();
        assert_eq!(back, pinned);
        assert_eq!(back.endpoint.pin(), Some(&pin));
    }

    #[test]
    fn refuses_links_that_are_not_invites() {
        let good = invite().to_link();
        for bad in [
            "".to_owned(),
            "hello".to_owned(),
            good.replace("breakout://", "https://"),
            good.replace("://join", "://leave"),
            good.replace("code=", "kode="),
            good.replace("session=s-42", "session="),
            "breakout://join?server=ftp%3A%2F%2Fx&session=s&code=c".to_owned(),
            "breakout://join?server=http%3A%2F%2Fbreakout.example.com&session=s&code=c".to_owned(),
            format!("{good}&fp=1234"),
            format!("{good}&fp={}", "ab".repeat(32)),
        ] {
            let err = Invite::parse(&bad).unwrap_err();
            assert!(matches!(err, ClientError::BadInvite(_)), "{bad}: {err:?}");
        }
    }
}
