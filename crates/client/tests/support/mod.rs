//! Shared support for the client's integration tests: a real endpoint on loopback — in-process
//! (optionally over storage that fails on demand), or as a child process that can be killed with
//! SIGKILL and restarted on the same data directory and port — a TCP proxy that can cut or stall
//! every link on demand while still accepting new ones, session set-up through the client's own
//! `Api`, and the convergence check "every replica equals what the endpoint says its participant may
//! see". Every wait is bounded.

#![allow(dead_code)] // each test file uses its own subset

use breakout_client::connection::{self, Incoming};
use breakout_client::{Api, Client, ClientOptions, Credentials, Endpoint};
use breakout_core::protocol::{CreateSessionResponse, ServerMessage};
use breakout_core::view::view_for;
use breakout_core::{ParticipantId, Session, SessionId};
use breakout_server::storage::{Call, Hook, Hooked, SqliteStorage, Storage, StorageError};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Await `work`, failing the test with `what` after [`WAIT`].
pub async fn within<T>(what: &str, work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, work)
        .await
        .unwrap_or_else(|_| panic!("timed out after {WAIT:?}: {what}"))
}

// ---------------------------------------------------------------------------------------------
// In-process endpoint

/// An endpoint served by `breakout_server::run` in this process, on a fresh data directory.
pub struct InProcess {
    pub url: String,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl InProcess {
    /// Default configuration, SQLite storage.
    pub async fn start() -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            SqliteStorage::open(&dir.path().join(breakout_server::DATABASE_FILE)).unwrap();
        InProcess::serve(dir, Arc::new(storage), |_| {}).await
    }

    /// SQLite storage, with `tune` applied to the default configuration.
    pub async fn start_with(tune: impl FnOnce(&mut breakout_server::Config)) -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            SqliteStorage::open(&dir.path().join(breakout_server::DATABASE_FILE)).unwrap();
        InProcess::serve(dir, Arc::new(storage), tune).await
    }

    /// SQLite storage whose commits can be made to fail on demand.
    pub async fn start_flaky() -> (InProcess, Arc<Flaky>) {
        let dir = tempfile::tempdir().unwrap();
        let flaky = Arc::new(Hooked::new(
            SqliteStorage::open(&dir.path().join(breakout_server::DATABASE_FILE)).unwrap(),
            FailNextCommit(AtomicBool::new(false)),
        ));
        (InProcess::serve(dir, flaky.clone(), |_| {}).await, flaky)
    }

    async fn serve(
        dir: tempfile::TempDir,
        storage: Arc<dyn Storage>,
        tune: impl FnOnce(&mut breakout_server::Config),
    ) -> InProcess {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut config = breakout_server::Config::new(dir.path());
        tune(&mut config);
        tokio::spawn(breakout_server::run_with_storage(
            listener,
            config,
            storage,
            async move {
                let _ = stopped.await;
            },
        ));
        InProcess {
            url: format!("http://{addr}"),
            addr,
            dir,
            _stop: stop,
        }
    }
}

/// Makes the next commit fail when asked to (as a full disk would).
pub struct FailNextCommit(AtomicBool);

impl FailNextCommit {
    /// Make the next commit fail (once).
    pub fn fail_next_commit(&self) {
        self.0.store(true, SeqCst);
    }
}

impl Hook for FailNextCommit {
    fn before(&self, call: Call<'_>) -> Result<(), StorageError> {
        if matches!(call, Call::Commit(_)) && self.0.swap(false, SeqCst) {
            return Err(StorageError::Io(std::io::Error::other(
                "injected: disk full",
            )));
        }
        Ok(())
    }
}

/// The real SQLite storage whose next commit fails on demand.
pub type Flaky = Hooked<FailNextCommit>;

// ---------------------------------------------------------------------------------------------
// The endpoint as a child process

/// The `breakout-server` binary of this workspace (next to this test's executable). `cargo test`
/// builds the server only as a library for this package, so the binary is built here when it is
/// absent or older than the server's or core's sources (once per test process).
fn server_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            // target/debug/deps/<test> → target/debug
            let target = exe.parent().and_then(Path::parent).unwrap().to_owned();
            let binary = target.join(format!("breakout-server{}", std::env::consts::EXE_SUFFIX));
            let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
            let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let sources = newest(&crates.join("server")).max(newest(&crates.join("core")));
            if built.is_none_or(|built| sources.is_some_and(|s| s > built)) {
                let status = std::process::Command::new(env!("CARGO"))
                    .args(["build", "-p", "breakout-server", "--bin", "breakout-server"])
                    .status()
                    .unwrap();
                assert!(status.success(), "building breakout-server failed");
            }
            assert!(binary.exists(), "no {}", binary.display());
            binary
        })
        .clone()
}

/// The newest modification time of the sources under a crate (src/ and Cargo.toml).
fn newest(krate: &Path) -> Option<std::time::SystemTime> {
    fn walk(path: &Path, newest: &mut Option<std::time::SystemTime>) {
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if meta.is_dir() {
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                walk(&entry.path(), newest);
            }
        } else if let Ok(modified) = meta.modified() {
            *newest = (*newest).max(Some(modified));
        }
    }
    let mut newest = None;
    walk(&krate.join("src"), &mut newest);
    walk(&krate.join("Cargo.toml"), &mut newest);
    newest
}

/// An endpoint as a child process on a data directory it can be restarted on.
pub struct ServerProcess {
    child: tokio::process::Child,
    dir: PathBuf,
    pub addr: SocketAddr,
    pub url: String,
}

impl ServerProcess {
    /// Start on any free port.
    pub async fn start(dir: &Path) -> ServerProcess {
        ServerProcess::start_on(dir, "127.0.0.1:0").await
    }

    /// Start on `listen`, retrying while the address is not free yet.
    pub async fn start_on(dir: &Path, listen: &str) -> ServerProcess {
        let binary = server_binary();
        for _ in 0..40 {
            let mut child = tokio::process::Command::new(&binary)
                .args(["--listen", listen, "--data-dir"])
                .arg(dir)
                .env("RUST_LOG", "error")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut first = String::new();
            let stdout = child.stdout.take().unwrap();
            let _ = within(
                "the server's first line",
                BufReader::new(stdout).read_line(&mut first),
            )
            .await;
            if let Some(url) = first.trim().strip_prefix("listening on ") {
                let addr = url.trim_start_matches("http://").parse().unwrap();
                return ServerProcess {
                    child,
                    dir: dir.to_owned(),
                    addr,
                    url: url.to_owned(),
                };
            }
            // It could not bind (the address is still in use): reap it and try again.
            let _ = within("a failed server exiting", child.wait()).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not start on {listen}");
    }

    /// SIGKILL: the process gets no chance to flush or say goodbye.
    pub async fn kill_hard(&mut self) {
        self.child.start_kill().unwrap();
        within("the killed server to exit", self.child.wait())
            .await
            .unwrap();
    }

    /// Start again on the same data directory and the same address.
    pub async fn restart(&mut self) {
        let again = ServerProcess::start_on(&self.dir, &self.addr.to_string()).await;
        assert_eq!(again.addr, self.addr);
        *self = again;
    }
}

// ---------------------------------------------------------------------------------------------
// A proxy that can break the network

/// A loopback TCP proxy to `upstream`. It can cut every open link (new connections still go
/// through) and stall either direction: stalled bytes are held, not dropped, and no link closes —
/// as when a network goes silent.
pub struct Proxy {
    pub url: String,
    pub addr: SocketAddr,
    cut: watch::Sender<u64>,
    up: watch::Sender<bool>,
    down: watch::Sender<bool>,
    accepted: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, cuts) = watch::channel(0u64);
        let (up, up_rx) = watch::channel(true);
        let (down, down_rx) = watch::channel(true);
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                count.fetch_add(1, SeqCst);
                let mut cuts = cuts.clone();
                cuts.borrow_and_update();
                let (up, down) = (up_rx.clone(), down_rx.clone());
                tokio::spawn(async move {
                    let link = async {
                        let Ok(outbound) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let _ = inbound.set_nodelay(true);
                        let _ = outbound.set_nodelay(true);
                        let (in_read, in_write) = inbound.into_split();
                        let (out_read, out_write) = outbound.into_split();
                        tokio::join!(pump(in_read, out_write, up), pump(out_read, in_write, down));
                    };
                    tokio::select! {
                        _ = link => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy {
            url: format!("http://{addr}"),
            addr,
            cut,
            up,
            down,
            accepted,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(SeqCst)
    }

    /// Drop every link open now; new connections still go through.
    pub fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }

    /// Stop forwarding in both directions (links stay open; bytes wait).
    pub fn stall(&self) {
        self.up.send_replace(false);
        self.down.send_replace(false);
    }

    /// Stop forwarding from the endpoint to clients only.
    pub fn stall_downstream(&self) {
        self.down.send_replace(false);
    }

    /// Forward again in both directions, held bytes first.
    pub fn flow(&self) {
        self.up.send_replace(true);
        self.down.send_replace(true);
    }
}

/// Copy `from` → `to` while `open` says so.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut open: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if open.wait_for(|o| *o).await.is_err() {
            break;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Bytes read just as the link stalled are held until it flows again.
        if open.wait_for(|o| *o).await.is_err() {
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Sessions and clients

/// A session with `people` participants joined (named P0, P1, …), as credentials.
pub struct TestSession {
    pub created: CreateSessionResponse,
    pub moderator: Credentials,
    pub participants: Vec<Credentials>,
}

impl TestSession {
    pub fn id(&self) -> &SessionId {
        &self.created.session_id
    }
}

pub async fn session(url: &str, people: usize) -> TestSession {
    let api = Api::new(Endpoint::parse(url).unwrap());
    let created = api.create_session("Client tests", "Mo").await.unwrap();
    let moderator = Credentials {
        session: created.session_id.clone(),
        token: created.token.clone(),
    };
    let mut participants = Vec::new();
    for i in 0..people {
        let code = created.participant_code.clone();
        participants.push(join(url, &created.session_id, &code, &format!("P{i}")).await);
    }
    TestSession {
        created,
        moderator,
        participants,
    }
}

/// Join `session` with `code` as `name`.
pub async fn join(url: &str, session: &SessionId, code: &str, name: &str) -> Credentials {
    let api = Api::new(Endpoint::parse(url).unwrap());
    let joined = api.join(session, code, name).await.unwrap();
    Credentials {
        session: session.clone(),
        token: joined.token,
    }
}

/// Client options for tests: quick reconnection.
pub fn options() -> ClientOptions {
    ClientOptions {
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(400),
        ..ClientOptions::default()
    }
}

/// Connect a client with [`options`].
pub async fn connect(url: &str, who: &Credentials) -> Client {
    connect_with(url, who, options()).await
}

pub async fn connect_with(url: &str, who: &Credentials, options: ClientOptions) -> Client {
    within(
        "a client connecting",
        Client::connect(Endpoint::parse(url).unwrap(), who.clone(), options),
    )
    .await
    .unwrap()
}

/// The next message on a raw connection (fails the test if it closes).
pub async fn next_message(receiver: &mut connection::Receiver) -> ServerMessage {
    loop {
        match within("a message from the endpoint", receiver.next())
            .await
            .unwrap()
        {
            Incoming::Message(message, _) => return *message,
            Incoming::Alive => continue,
            Incoming::Closed(reason) => panic!("the endpoint closed the connection: {reason:?}"),
        }
    }
}

/// The session as `who` (a moderator: the whole state) sees it on a fresh connection: the
/// endpoint's own state. The extra connection changes nobody's presence while `who` is connected.
pub async fn server_state(url: &str, who: &Credentials) -> Session {
    let endpoint = Endpoint::parse(url).unwrap();
    let (sender, mut receiver) = within("a raw connection", connection::open(&endpoint, who, None))
        .await
        .unwrap();
    let ServerMessage::Welcome {
        snapshot: Some(state),
        ..
    } = next_message(&mut receiver).await
    else {
        panic!("a fresh connection starts with a welcome holding a snapshot");
    };
    sender.close().await;
    state
}

/// Wait until every client's replica is at the endpoint's version, then check that each equals what
/// the endpoint says its participant may see (`view_for(server state, me)`). Call it once every
/// command was answered: a replica with unanswered commands shows them on top. Returns the state.
pub async fn assert_converged(url: &str, moderator: &Credentials, clients: &[&Client]) -> Session {
    within("every replica to converge", async {
        loop {
            let truth = server_state(url, moderator).await;
            let mut seen = Vec::new();
            for client in clients {
                let state = client
                    .wait_until(WAIT, |s| s.version >= truth.version)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "participant {} never reached v{}: {e}",
                            client.me(),
                            truth.version
                        )
                    });
                seen.push(state);
            }
            // Something happened meanwhile (a presence change): look again.
            if seen.iter().any(|s| s.version != truth.version) {
                continue;
            }
            for (client, state) in clients.iter().zip(&seen) {
                let expected = view_for(&truth, client.me());
                assert!(
                    expected.as_ref() == Some(&**state),
                    "participant {}'s replica differs from the endpoint's view at v{}:\n\
                     replica:  {state:?}\nexpected: {expected:?}",
                    client.me(),
                    truth.version
                );
            }
            return truth;
        }
    })
    .await
}

/// Where `who` is in `state`.
pub fn location_of(state: &Session, who: ParticipantId) -> breakout_core::Location {
    state
        .participant(who)
        .unwrap_or_else(|| panic!("participant {who} is not in the session"))
        .location
}

/// How many calls-to-action with this text `state` holds.
pub fn calls_with(state: &Session, text: &str) -> usize {
    state.calls.iter().filter(|c| c.text == text).count()
}

/// A call-to-action command with `text`, for `target`.
pub fn call(text: &str, target: breakout_core::RoomSelection) -> breakout_core::Command {
    breakout_core::Command::CallToAction {
        text: text.to_owned(),
        link: None,
        target,
    }
}

/// Open `rooms` breakout rooms and allow free movement; returns the version that reached.
pub async fn open_with_free_movement(moderator: &Client, rooms: u32) -> u64 {
    use breakout_core::Command;
    moderator
        .send(Command::OpenBreakouts {
            rooms,
            duration_minutes: None,
        })
        .await
        .unwrap();
    moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap()
}
