//! Shared support for the client's integration tests: a real endpoint on loopback — in-process, or
//! as a child process that can be killed with SIGKILL and restarted on the same data directory and
//! port — a TCP proxy that can cut every link on demand, and session set-up through the client's own
//! `Api`. Every wait is bounded.

#![allow(dead_code)] // each test file uses its own subset

use breakout_client::{Api, Client, ClientOptions, Credentials, Endpoint};
use breakout_core::protocol::CreateSessionResponse;
use breakout_core::SessionId;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Await `work`, failing the test with `what` after [`WAIT`].
pub async fn within<T>(what: &str, work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, work)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// An endpoint served in this process on a fresh data directory.
pub struct InProcess {
    pub url: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl InProcess {
    pub async fn start() -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = breakout_server::Config::new(dir.path());
        tokio::spawn(breakout_server::run(listener, config, async move {
            let _ = stopped.await;
        }));
        InProcess {
            url,
            _dir: dir,
            _stop: stop,
        }
    }
}

/// The `breakout-server` binary of this workspace, built if needed.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().and_then(Path::parent).unwrap().to_owned();
    let binary = target.join("breakout-server");
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "breakout-server"])
            .status()
            .unwrap();
        assert!(status.success(), "building breakout-server failed");
    }
    binary
}

/// An endpoint as a child process.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub url: String,
}

impl ServerProcess {
    /// Start on `listen` (use `127.0.0.1:0` for any port) with data in `dir`.
    pub fn start(dir: &Path, listen: &str) -> ServerProcess {
        // The port of a killed server can take a moment to be free again.
        for _ in 0..50 {
            let mut child = Command::new(server_binary())
                .args(["--listen", listen, "--data-dir"])
                .arg(dir)
                .env("RUST_LOG", "error")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut first = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut first);
            if let Some(url) = first.trim().strip_prefix("listening on ") {
                let addr = url.trim_start_matches("http://").parse().unwrap();
                return ServerProcess {
                    child,
                    addr,
                    url: url.to_owned(),
                };
            }
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not start on {listen}");
    }

    /// SIGKILL: nothing gets flushed.
    pub fn kill_hard(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback TCP proxy to `upstream` that can cut every open link while still accepting new ones.
pub struct Proxy {
    pub url: String,
    cut: watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (cut, cuts) = watch::channel(0u64);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut cuts = cuts.clone();
                cuts.borrow_and_update();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { url, cut }
    }

    /// Drop every link open now (new connections still go through).
    pub fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

/// A session with `people` participants joined, as credentials.
pub struct Session {
    pub created: CreateSessionResponse,
    pub moderator: Credentials,
    pub participants: Vec<Credentials>,
}

pub async fn session(url: &str, people: usize) -> Session {
    let api = Api::new(Endpoint::parse(url).unwrap());
    let created = api.create_session("Client tests", "Mo").await.unwrap();
    let id: SessionId = created.session_id.clone();
    let mut participants = Vec::new();
    for i in 0..people {
        let joined = api
            .join(&id, &created.participant_code, &format!("P{i}"))
            .await
            .unwrap();
        participants.push(Credentials {
            session: id.clone(),
            token: joined.token,
        });
    }
    Session {
        moderator: Credentials {
            session: id,
            token: created.token.clone(),
        },
        created,
        participants,
    }
}

/// Connect a client with quick reconnection for tests.
pub async fn connect(url: &str, who: &Credentials) -> Client {
    let options = ClientOptions {
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(500),
        ..ClientOptions::default()
    };
    Client::connect(Endpoint::parse(url).unwrap(), who.clone(), options)
        .await
        .unwrap()
}
