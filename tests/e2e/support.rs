//! End-to-end support: the real desktop app in a real WebKitGTK window, driven through tauri-driver
//! (run under Xvfb: `bash scripts/test.sh` does), plus bots — real breakout-client participants that
//! join through the invite link the app shows. Nothing here is mocked.

use breakout_client::{Api, Client, ClientOptions, Credentials, Invite, Notice};
use breakout_core::{Location, ParticipantId, RoomId, Session};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::elements::Element;
use fantoccini::Locator;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, Mutex, MutexGuard};

/// How long any one expectation may take to come true.
pub const TIMEOUT: Duration = Duration::from_secs(20);

static SERIAL: Mutex<()> = Mutex::const_new(());

/// WebKit windows are heavy on two cores: tests in one binary take turns.
pub async fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// A free loopback port (the OS picks it; a race with another process is possible but unlikely).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tauri_driver() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("tauri-driver"));
    let in_cargo_home = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo/bin/tauri-driver"))
        .into_iter();
    on_path.chain(in_cargo_home).find(|p| p.is_file()).expect(
        "tauri-driver is not installed: run `bash scripts/install-deps.sh` \
         (cargo install tauri-driver --locked --version 2.1.0)",
    )
}

/// A tauri-driver process on its own pair of loopback ports.
struct TauriDriver {
    child: Child,
    port: u16,
}

impl TauriDriver {
    fn start(data_dir: &std::path::Path, env: &[(&str, &str)]) -> TauriDriver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need an X display: run them with `bash scripts/test.sh` (Xvfb)"
        );
        let port = free_port();
        let native_port = free_port();
        let child = Command::new(tauri_driver())
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("BREAKOUT_DATA_DIR", data_dir)
            .env_remove("BREAKOUT_ENDPOINT")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("tauri-driver starts");
        let driver = TauriDriver { child, port };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(started.elapsed() < TIMEOUT, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for TauriDriver {
    /// SIGTERM, never SIGKILL: a killed tauri-driver leaves WebKitWebDriver running on its port.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One running desktop app with its own data directory, driven through WebDriver.
pub struct App {
    /// The WebDriver session (the app's web view).
    pub wd: fantoccini::Client,
    driver: TauriDriver,
    _data_dir: tempfile::TempDir,
}

/// A CSS selector for a `data-testid`.
pub fn id(test_id: &str) -> String {
    format!("[data-testid='{test_id}']")
}

impl App {
    /// Launch the app binary built by this cargo invocation.
    pub async fn launch() -> App {
        App::launch_with(&[]).await
    }

    /// Launch the app with extra environment variables.
    pub async fn launch_with(env: &[(&str, &str)]) -> App {
        let data_dir = tempfile::tempdir().unwrap();
        let driver = TauriDriver::start(data_dir.path(), env);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": env!("CARGO_BIN_EXE_breakout") }),
        );
        let wd = fantoccini::ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a WebDriver session with the app");
        let app = App {
            wd,
            driver,
            _data_dir: data_dir,
        };
        app.find(&id("start-screen")).await;
        app
    }

    /// Wait for the first element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.wd
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Every element matching `css` now.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.wd.find_all(Locator::Css(css)).await.unwrap()
    }

    /// Click the element with this test id.
    pub async fn click(&self, test_id: &str) {
        self.find(&id(test_id)).await.click().await.unwrap();
    }

    /// Replace the text of the input with this test id.
    pub async fn fill(&self, test_id: &str, text: &str) {
        let input = self.find(&id(test_id)).await;
        self.replace_text(&input, text).await;
    }

    /// Replace the text of `input`: empty it the way typing would (through the value setter and an
    /// `input` event, so a controlled React input agrees), then type. WebDriver's own clear only
    /// fires `change`, after which React may restore the old value. Line breaks are typed as Enter.
    pub async fn replace_text(&self, input: &Element, text: &str) {
        let handle = serde_json::to_value(input).unwrap();
        self.wd
            .execute(
                "const el = arguments[0];
                 const proto = el instanceof HTMLTextAreaElement
                     ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
                 Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, '');
                 el.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![handle],
            )
            .await
            .unwrap();
        let typed = text.replace('\n', &fantoccini::key::Key::Enter.to_string());
        if !typed.is_empty() {
            input.send_keys(&typed).await.unwrap();
        }
    }

    /// Wait until `check` holds for the page, polling.
    pub async fn until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            if started.elapsed() > TIMEOUT {
                self.screenshot(&format!("failed-{}", what.replace(' ', "-")))
                    .await;
                panic!("timed out waiting until {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The participant ids whose chips are inside the element matching `container`.
    pub async fn chips_in(&self, container: &str) -> Vec<ParticipantId> {
        let mut ids = Vec::new();
        for chip in self
            .all(&format!("{container} {}", id("participant-chip")))
            .await
        {
            if let Ok(Some(value)) = chip.attr("data-participant-id").await {
                ids.push(ParticipantId(value.parse().unwrap()));
            }
        }
        ids.sort();
        ids
    }

    /// The selector of the card of `room`.
    pub fn room_card(room: RoomId) -> String {
        format!("{}[data-room-id='{}']", id("room-card"), room.0)
    }

    /// The chip of `who`.
    pub fn chip(who: ParticipantId) -> String {
        format!(
            "{}[data-participant-id='{}']",
            id("participant-chip"),
            who.0
        )
    }

    /// Drag the element matching `from` onto the element matching `to` with W3C pointer actions:
    /// press, move past the drag threshold, glide to the target, release.
    pub async fn drag(&self, from: &str, to: &str) {
        let source = self.find(from).await;
        let target = self.find(to).await;
        let step = Some(Duration::from_millis(150));
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: source,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: step,
                x: 12.0,
                y: 12.0,
            })
            .then(PointerAction::MoveToElement {
                element: target.clone(),
                duration: step,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::MoveToElement {
                element: target,
                duration: step,
                x: 2.0,
                y: 2.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.wd.perform_actions(mouse).await.unwrap();
        self.wd.release_actions().await.unwrap();
    }

    /// Save a PNG of the window under target/e2e-screenshots/ — skipped when WebKit cannot take it
    /// within 10 s (seen with compositing off and two windows): a picture never hangs a test.
    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        if let Ok(Ok(png)) =
            tokio::time::timeout(Duration::from_secs(10), self.wd.screenshot()).await
        {
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }

    /// Start a session from the start screen; answers the participant and co-moderator links.
    pub async fn start_session(&self, title: &str, name: &str) -> (String, String) {
        self.fill("start-title", title).await;
        self.fill("start-name", name).await;
        self.click("start-session").await;
        self.find(&id("main-view")).await;
        let participant = self.input_value("invite-link").await;
        let co_moderator = self.input_value("co-moderator-invite-link").await;
        assert!(participant.starts_with("breakout://join?"), "{participant}");
        assert_ne!(participant, co_moderator);
        (participant, co_moderator)
    }

    /// The value of the input with this test id.
    pub async fn input_value(&self, test_id: &str) -> String {
        self.find(&id(test_id))
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// End the WebDriver session (closing the app), then stop tauri-driver.
    pub async fn close(self) {
        let App { wd, driver, .. } = self;
        let _ = wd.close().await;
        drop(driver);
    }
}

/// A participant played by breakout-client, joined through an invite link.
pub struct Bot {
    /// Display name.
    pub name: String,
    /// The live connection (its replica is what this participant's app would show).
    pub client: Arc<Client>,
    /// Notices since joining.
    pub notices: broadcast::Receiver<Notice>,
    /// HTTP access to the endpoint (documents) …
    pub api: Api,
    /// … as this participant.
    pub who: Credentials,
}

impl Bot {
    /// Join through `link` as `name`.
    pub async fn join(link: &str, name: &str) -> Bot {
        Bot::join_invite(Invite::parse(link).unwrap(), name).await
    }

    /// Join through `invite` as `name` (e.g. one whose endpoint trusts a private CA).
    pub async fn join_invite(invite: Invite, name: &str) -> Bot {
        let joined = Api::new(invite.endpoint.clone())
            .join(&invite.session, &invite.code, name)
            .await
            .unwrap();
        let who = Credentials {
            session: invite.session,
            token: joined.token,
        };
        let api = Api::new(invite.endpoint.clone());
        let client = Client::connect(invite.endpoint, who.clone(), ClientOptions::default())
            .await
            .unwrap();
        let notices = client.notices();
        Bot {
            name: name.to_owned(),
            client: Arc::new(client),
            notices,
            api,
            who,
        }
    }

    /// This bot's participant id.
    pub fn id(&self) -> ParticipantId {
        self.client.me()
    }

    /// Wait until this bot's replica satisfies `ready`.
    pub async fn sees(&self, what: &str, ready: impl FnMut(&Session) -> bool) -> Arc<Session> {
        self.client
            .wait_until(TIMEOUT, ready)
            .await
            .unwrap_or_else(|e| panic!("{} never saw {what}: {e}", self.name))
    }

    /// As staff: open `count` breakout rooms and answer their ids once this replica has them.
    pub async fn open_rooms(&self, count: u32) -> Vec<RoomId> {
        self.client
            .send(breakout_core::Command::OpenBreakouts {
                rooms: count,
                duration_minutes: None,
            })
            .await
            .unwrap();
        let state = self
            .sees("the rooms open", |s| s.rooms.len() == count as usize)
            .await;
        rooms(&state)
    }

    /// As staff: move `who` into `room`.
    pub async fn place(&self, who: ParticipantId, room: RoomId) {
        self.client
            .send(breakout_core::Command::Move {
                participant: who,
                to: Location::Room(room),
            })
            .await
            .unwrap();
    }

    /// Wait for a notice matching `wanted`.
    pub async fn notified(&mut self, wanted: impl Fn(&Notice) -> bool) -> Notice {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.notices.recv()).await {
                Ok(Ok(notice)) if wanted(&notice) => return notice,
                Ok(Ok(_)) => continue,
                other => panic!("{} got no such notice: {other:?}", self.name),
            }
        }
    }
}

/// Where `who` is in `session`.
pub fn location(session: &Session, who: ParticipantId) -> Location {
    session.participant(who).expect("a participant").location
}

/// How many participants each room holds, in room order.
pub fn room_sizes(session: &Session) -> Vec<usize> {
    session
        .rooms
        .iter()
        .map(|room| {
            session
                .participants
                .iter()
                .filter(|p| p.location == Location::Room(room.id))
                .count()
        })
        .collect()
}

/// The room ids of `session`, in order.
pub fn rooms(session: &Session) -> Vec<RoomId> {
    session.rooms.iter().map(|r| r.id).collect()
}

/// Make sure the breakout dashboard is showing (opening rooms may already have shown it).
pub async fn open_dashboard(app: &App) {
    if app.all(&id("dashboard")).await.is_empty() {
        let button = app.find(&id("open-breakout-dashboard")).await;
        if let Err(error) = button.click().await {
            // Rooms opening shows the dashboard by itself; it may have covered the button between
            // the check above and the click.
            assert!(
                !app.all(&id("dashboard")).await.is_empty(),
                "cannot open the dashboard: {error}"
            );
        }
    }
    app.find(&id("dashboard")).await;
}

/// Memory of the running app binaries (run one at a time) and every process they started (WebKit's
/// web and network processes), in KiB, read from /proc: (RSS, PSS). RSS counts shared libraries in
/// full for each process; PSS splits shared pages among the processes that map them.
pub fn app_memory_kib() -> (u64, u64) {
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_breakout")).unwrap();
    let processes: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let parent = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut family: Vec<u32> = processes
        .iter()
        .filter(|(pid, _)| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
        })
        .map(|(pid, _)| *pid)
        .collect();
    let mut index = 0;
    while index < family.len() {
        let parent = family[index];
        family.extend(
            processes
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    let field = |pid: u32, name: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|rollup| {
                let line = rollup.lines().find(|l| l.starts_with(name))?;
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0)
    };
    family.iter().fold((0, 0), |(rss, pss), pid| {
        (rss + field(*pid, "Rss:"), pss + field(*pid, "Pss:"))
    })
}
