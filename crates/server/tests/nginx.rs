//! The shipped nginx site (`deploy/nginx/breakout.conf`) in front of a real endpoint: a real nginx
//! from Debian's package, started here as a child process on a free 127.0.0.1 port with its own
//! prefix, configuration, pid file and logs in a temporary directory, terminating TLS with a
//! certificate from a throwaway CA. Create, join, WebSocket (wss), upload and download all go
//! through it, and the endpoint keys its per-address limits on the client address nginx forwarded
//! (clients on 127.0.0.2 and 127.0.0.3; nginx itself, the trusted proxy, on 127.0.0.1).

mod support;

use breakout_core::protocol::ServerMessage;
use breakout_server::certs::PrivateCa;
use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use support::{client_tls, sha256_hex, within, Api, TestServer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

/// The nginx binary, or a failure that says how to install it.
fn nginx_binary() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"));
    candidates.into_iter().find(|path| path.is_file()).expect(
        "nginx is not installed; run `bash scripts/install-deps.sh` (it installs Debian's nginx)",
    )
}

/// A running nginx, stopped when dropped.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers too (SIGKILL would orphan them); SIGKILL only if
    /// it is still there after a while.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..250 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// The shipped site, pointed at `endpoint`, serving TLS with `cert_pem`/`key_pem`.
    async fn start(endpoint: SocketAddr, cert_pem: &str, key_pem: &str) -> Nginx {
        let binary = nginx_binary();
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers drop root privileges; they must still reach their temporary files.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(at("cert.pem"), cert_pem).unwrap();
        std::fs::write(at("key.pem"), key_pem).unwrap();
        let port = free_port();
        let site = site(endpoint, port, &at("cert.pem"), &at("key.pem"));
        std::fs::write(at("breakout.conf"), site).unwrap();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {pid};\nerror_log {log} info;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {access};\n  client_body_temp_path {tmp}/body;\n  \
             proxy_temp_path {tmp}/proxy;\n  fastcgi_temp_path {tmp}/fastcgi;\n  \
             uwsgi_temp_path {tmp}/uwsgi;\n  scgi_temp_path {tmp}/scgi;\n  \
             include {site};\n}}\n",
            pid = at("nginx.pid"),
            log = at("error.log"),
            access = at("access.log"),
            tmp = dir.path().display(),
            site = at("breakout.conf"),
        );
        std::fs::write(at("nginx.conf"), main).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(at("nginx.conf"))
            .arg("-e")
            .arg(at("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx { child, dir, port };
        nginx.wait_ready().await;
        nginx
    }

    async fn wait_ready(&mut self) {
        let port = self.port;
        let log = self.dir.path().join("error.log");
        let child = &mut self.child;
        within("nginx to accept connections", async move {
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    panic!("nginx exited ({status}):\n{log}");
                }
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

/// `deploy/nginx/breakout.conf` with the test's addresses and certificate; every replaced line must
/// be there, so the test follows the shipped file.
fn site(endpoint: SocketAddr, port: u16, cert: &str, key: &str) -> String {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/breakout.conf");
    let mut site = std::fs::read_to_string(&shipped).expect("the shipped nginx site");
    let replacements = [
        ("listen 443 ssl;", format!("listen 127.0.0.1:{port} ssl;")),
        ("listen [::]:443 ssl;", String::new()),
        ("server 127.0.0.1:7878;", format!("server {endpoint};")),
        (
            "/etc/letsencrypt/live/breakout.example.org/fullchain.pem",
            cert.to_owned(),
        ),
        (
            "/etc/letsencrypt/live/breakout.example.org/privkey.pem",
            key.to_owned(),
        ),
    ];
    for (from, to) in replacements {
        assert!(
            site.contains(from),
            "{} no longer has {from:?}",
            shipped.display()
        );
        site = site.replace(from, &to);
    }
    site
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A WebSocket through nginx from `local`.
async fn connect_wss(
    base: &str,
    session: &str,
    token: &str,
    ca_pem: &str,
    local: IpAddr,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!(
        "{}/v1/sessions/{session}/ws",
        base.replacen("https://", "wss://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    request.headers_mut().insert("authorization", bearer);
    let target: SocketAddr = base.trim_start_matches("https://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(local, 0)).unwrap();
    let stream = socket.connect(target).await.unwrap();
    let connector = Connector::Rustls(Arc::new(client_tls(&[ca_pem])));
    let handshake =
        tokio_tungstenite::client_async_tls_with_config(request, stream, None, Some(connector));
    within("a wss handshake through nginx", handshake)
        .await
        .expect("the WebSocket upgrade passes through nginx")
        .0
}

/// The next text message on `ws`.
async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> String {
    within("a message through nginx", async {
        loop {
            if let Message::Text(text) = ws.next().await.expect("the socket stays open").unwrap() {
                return text.as_str().to_owned();
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_nginx_site_serves_everything_and_forwards_the_client_address() {
    let server = TestServer::start_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.creations_per_ip_per_hour = 1.0;
    })
    .await;
    let ca = PrivateCa::new("Breakout nginx test CA").unwrap();
    let leaf = ca.issue(&["127.0.0.1".to_owned()]).unwrap();
    let nginx = Nginx::start(server.addr, &leaf.cert_pem, &leaf.key_pem).await;
    let base = nginx.base();
    let (ann_ip, bob_ip): (IpAddr, IpAddr) =
        ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap());
    let ann = Api::trusting_from(&base, &[ca.cert_pem()], Some(ann_ip));
    let bob = Api::trusting_from(&base, &[ca.cert_pem()], Some(bob_ip));

    // Create: one per address per hour, counted on the address nginx forwarded. A header the
    // client wrote itself changes nothing (nginx appends the real address to it).
    let s = ann.create_session("Behind nginx", "Mona").await;
    let again = ann
        .request(reqwest::Method::POST, "/v1/sessions")
        .header("x-forwarded-for", "198.51.100.9")
        .json(&serde_json::json!({"title": "Again", "moderator_name": "Mona"}));
    let refused = ann.send(again).await;
    refused.expect_error(429, breakout_core::protocol::ErrorCode::RateLimited);
    assert!(refused.headers.contains_key("retry-after"));
    bob.create_session("Another address", "Bob").await;

    // WebSocket through nginx, then a join through it reaches the socket.
    let id = s.session_id.0.as_str();
    let mut moderator = connect_wss(&base, id, &s.token, ca.cert_pem(), ann_ip).await;
    let welcome: ServerMessage = serde_json::from_str(&next_text(&mut moderator).await).unwrap();
    assert!(matches!(welcome, ServerMessage::Welcome { .. }));
    let joined = bob.join(id, &s.participant_code, "Pat").await;
    within("the join to reach the moderator through nginx", async {
        loop {
            let text = next_text(&mut moderator).await;
            if text.contains("\"participant_joined\"") && text.contains("\"Pat\"") {
                return;
            }
        }
    })
    .await;
    assert_eq!(joined.role, breakout_core::Role::Participant);

    // Upload and download through nginx, byte for byte.
    let bytes: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let (_, doc) = ann.upload(id, &s.token, "slides.pdf", bytes.clone()).await;
    let downloaded = ann.download_raw(id, Some(&s.token), &doc.id).await;
    downloaded.expect_status(200);
    assert_eq!(sha256_hex(&downloaded.body), sha256_hex(&bytes));

    // The site keeps metrics private.
    assert_eq!(ann.get("/metrics", None).await.status.as_u16(), 404);
    drop(nginx);
}
