//! Why this file exists: Breakout is used across the internet, so the client must speak https/wss
//! and trust exactly what it should. A real endpoint serves TLS on 127.0.0.1 with certificates made
//! here: a private CA's server certificate (trusted through a CA file, refused without it or with
//! another CA's file), and a moderator's self-signed LAN certificate (trusted through the invite
//! link's fingerprint alone, refused when the fingerprint differs). Each case runs the whole path —
//! create, join, a live client with a move, a document upload and its verified download.

mod support;

use breakout_client::{
    Api, CancellationToken, CertFingerprint, Client, ClientError, Credentials, Endpoint, Invite,
};
use breakout_core::{Command, Location};
use breakout_server::certs::{self, CertifiedKey, PrivateCa};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::{options, within, WAIT};
use tokio::net::TcpListener;

/// An endpoint serving `certificate` over TLS on 127.0.0.1, with a scratch folder for files.
struct TlsServer {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TlsServer {
    async fn start(certificate: &CertifiedKey) -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = breakout_server::Config::new(dir.path().join("data"));
        config.tls = Some(certificate.server_config().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(breakout_server::run(listener, config, async move {
            let _ = stopped.await;
        }));
        TlsServer {
            addr,
            dir,
            _stop: stop,
        }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

/// Create a session, join a participant, connect both, move the participant and see it arrive,
/// then upload a document and download it verified — all through `endpoint`.
async fn whole_breakout(endpoint: &Endpoint, scratch: &Path) {
    let api = Api::new(endpoint.clone());
    let created = within("create", api.create_session("TLS", "Mo"))
        .await
        .unwrap();
    let joined = within(
        "join",
        api.join(&created.session_id, &created.participant_code, "Pat"),
    )
    .await
    .unwrap();
    let mo = Credentials {
        session: created.session_id.clone(),
        token: created.token.clone(),
    };
    let pat = Credentials {
        session: created.session_id.clone(),
        token: joined.token.clone(),
    };
    let moderator = within(
        "moderator connects over wss",
        Client::connect(endpoint.clone(), mo.clone(), options()),
    )
    .await
    .unwrap();
    let participant = within(
        "participant connects over wss",
        Client::connect(endpoint.clone(), pat.clone(), options()),
    )
    .await
    .unwrap();
    moderator
        .send_within(
            Command::OpenBreakouts {
                rooms: 2,
                duration_minutes: None,
            },
            WAIT,
        )
        .await
        .unwrap();
    let room = moderator.snapshot().rooms[0].id;
    moderator
        .send_within(
            Command::Move {
                participant: joined.participant_id,
                to: Location::Room(room),
            },
            WAIT,
        )
        .await
        .unwrap();
    participant
        .wait_until(WAIT, |s| {
            s.participant(joined.participant_id)
                .is_some_and(|p| p.location == Location::Room(room))
        })
        .await
        .expect("the move reaches the participant over wss");

    let file = scratch.join("worksheet.txt");
    std::fs::write(&file, "Aufgabe 1: Übung macht den Meister\n".repeat(1000)).unwrap();
    let noop: breakout_client::ProgressFn = Arc::new(|_| {});
    let document = within(
        "upload over https",
        api.upload(&mo, &file, noop.clone(), CancellationToken::new()),
    )
    .await
    .unwrap();
    let copy = scratch.join("copy.txt");
    within(
        "download over https",
        api.download(&mo, &document, &copy, noop, CancellationToken::new()),
    )
    .await
    .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&file).unwrap());
    moderator.close();
    participant.close();
}

fn loopback_names() -> Vec<String> {
    vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
}

#[tokio::test]
async fn a_private_ca_deployment_works_over_https_and_wss() {
    let ca = PrivateCa::new("Breakout test CA").unwrap();
    let server = TlsServer::start(&ca.issue(&loopback_names()).unwrap()).await;
    let ca_file = server.write("ca.pem", ca.cert_pem());
    let endpoint = Endpoint::parse(&server.url())
        .unwrap()
        .with_ca_file(&ca_file)
        .unwrap();
    assert!(endpoint.is_encrypted());
    assert_eq!(
        endpoint
            .websocket(&breakout_core::SessionId("s".into()), None)
            .scheme(),
        "wss"
    );
    whole_breakout(&endpoint, server.dir.path()).await;
}

#[tokio::test]
async fn a_certificate_nobody_vouches_for_is_refused_on_http_and_websocket() {
    let ca = PrivateCa::new("The real CA").unwrap();
    let server = TlsServer::start(&ca.issue(&loopback_names()).unwrap()).await;
    let other_ca = PrivateCa::new("Another CA").unwrap();
    let wrong_file = server.write("other-ca.pem", other_ca.cert_pem());
    let right_file = server.write("ca.pem", ca.cert_pem());

    let untrusted = [
        Endpoint::parse(&server.url()).unwrap(),
        Endpoint::parse(&server.url())
            .unwrap()
            .with_ca_file(&wrong_file)
            .unwrap(),
    ];
    for endpoint in &untrusted {
        let err = within(
            "create",
            Api::new(endpoint.clone()).create_session("X", "Mo"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, ClientError::Untrusted(m) if m.contains("not trusted")),
            "{err:?}"
        );
    }

    // A session exists (made over a trusted link); the untrusted WebSocket never reaches it.
    let trusted = Endpoint::parse(&server.url())
        .unwrap()
        .with_ca_file(&right_file)
        .unwrap();
    let created = Api::new(trusted).create_session("Y", "Mo").await.unwrap();
    let mo = Credentials {
        session: created.session_id,
        token: created.token,
    };
    let err = within(
        "connect",
        Client::connect(untrusted[1].clone(), mo, options()),
    )
    .await
    .err()
    .expect("an untrusted WebSocket must not connect");
    assert!(matches!(err, ClientError::Untrusted(_)), "{err:?}");
}

#[tokio::test]
async fn a_lan_invite_pins_the_self_signed_certificate() {
    let certificate = certs::self_signed(&loopback_names()).unwrap();
    let server = TlsServer::start(&certificate).await;
    let pinned = Endpoint::parse(&server.url())
        .unwrap()
        .with_pin(CertFingerprint::parse(&certificate.fingerprint).unwrap())
        .unwrap();
    // Without the pin nobody vouches for a self-signed certificate.
    let err = Api::new(Endpoint::parse(&server.url()).unwrap())
        .health()
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Untrusted(_)), "{err:?}");

    // The moderator's invite carries the fingerprint; a participant's app needs nothing else.
    let created = Api::new(pinned.clone())
        .create_session("LAN", "Mo")
        .await
        .unwrap();
    let link = Invite {
        endpoint: pinned.clone(),
        session: created.session_id.clone(),
        code: created.participant_code.clone(),
    }
    .to_link();
    assert!(
        link.contains(&format!("fp={}", certificate.fingerprint)),
        "{link}"
    );
    let invite = Invite::parse(&link).unwrap();
    whole_breakout(&invite.endpoint, server.dir.path()).await;

    // A link whose fingerprint names another certificate is refused with a warning.
    let impostor = certs::self_signed(&loopback_names()).unwrap();
    let forged = link.replace(&certificate.fingerprint, &impostor.fingerprint);
    let invite = Invite::parse(&forged).unwrap();
    let err = within(
        "join with a forged link",
        Api::new(invite.endpoint.clone()).join(&invite.session, &invite.code, "Eve"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ClientError::Untrusted(m) if m.contains("not the one in the invite link")),
        "{err:?}"
    );
}

/// Run `breakout-cli` with `args` and extra environment; answers (exit code, stdout, stderr).
async fn cli(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_breakout-cli"));
    command
        .args(args)
        .env_remove("BREAKOUT_ENDPOINT")
        .env_remove("BREAKOUT_CA_FILE")
        .envs(env.iter().copied());
    let out = within("breakout-cli", command.output()).await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_trusts_a_ca_file_and_refuses_plain_http_to_a_public_host() {
    let ca = PrivateCa::new("CLI CA").unwrap();
    let server = TlsServer::start(&ca.issue(&loopback_names()).unwrap()).await;
    let ca_file = server.write("ca.pem", ca.cert_pem());
    let url = server.url();
    let create = ["--endpoint", &url, "create", "--title", "T", "--name", "Mo"];

    let (code, _, stderr) = cli(&create, &[]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("untrusted server"), "{stderr}");

    let with_flag: Vec<&str> = [&["--ca-file", ca_file.to_str().unwrap()], &create[..]].concat();
    let (code, stdout, stderr) = cli(&with_flag, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("session_id"), "{stdout}");

    let (code, stdout, stderr) =
        cli(&create, &[("BREAKOUT_CA_FILE", ca_file.to_str().unwrap())]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("participant_code"), "{stdout}");

    let public = [
        "--endpoint",
        "http://breakout.example.com",
        "create",
        "--title",
        "T",
        "--name",
        "Mo",
    ];
    let (code, _, stderr) = cli(&public, &[]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("plain http:// is only allowed") && stderr.contains("https://"),
        "{stderr}"
    );
}
