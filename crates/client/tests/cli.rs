//! Why this file exists: `breakout-cli` is how a breakout is scripted from a terminal or a CI job,
//! so its JSON output, its exit codes (1 error, 2 usage, 3 refused by the session) and its care with
//! tokens are an interface. The built binary runs a whole scripted breakout against a real endpoint —
//! create, join, open rooms, assign from a CSV, move, call to action, status, stop — and its
//! failures are checked too: unknown names, a participant's token, a missing session.

mod support;

use breakout_client::Credentials;
use breakout_core::SessionId;
use serde_json::Value;
use std::path::Path;
use support::{calls_with, server_state, within, InProcess};
use tokio::process::Command;

/// How the CLI is invoked: endpoint, session and token come from the environment, as in a script.
#[derive(Clone)]
struct Cli {
    endpoint: String,
    session: Option<String>,
    token: Option<String>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "failed: {}", self.stderr);
        self
    }
}

impl Cli {
    async fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_breakout-cli"));
        command
            .args(args)
            .env("BREAKOUT_ENDPOINT", &self.endpoint)
            .env_remove("BREAKOUT_SESSION")
            .env_remove("BREAKOUT_TOKEN");
        if let Some(session) = &self.session {
            command.env("BREAKOUT_SESSION", session);
        }
        if let Some(token) = &self.token {
            command.env("BREAKOUT_TOKEN", token);
        }
        let out = within(&format!("breakout-cli {args:?}"), command.output())
            .await
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

fn names(value: &Value) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("not a list of names: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_breakout_from_the_command_line() {
    let server = InProcess::start().await;
    let dir = tempfile::tempdir().unwrap();
    let anonymous = Cli {
        endpoint: server.url.clone(),
        session: None,
        token: None,
    };

    // Create: the token goes to a private file and nowhere else.
    let token_file = dir.path().join("mo.token");
    let create = anonymous
        .run(&[
            "create",
            "--title",
            "Workshop",
            "--name",
            "Mo",
            "--token-file",
            path(&token_file),
        ])
        .await
        .ok();
    let created = create.json();
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert!(token.len() >= 32, "a real secret: {token:?}");
    assert!(
        created.get("token").is_none(),
        "no token without --show-token"
    );
    assert!(!create.stdout.contains(&token) && !create.stderr.contains(&token));
    #[cfg(unix)]
    assert_eq!(mode(&token_file), 0o600);
    let session = created["session_id"].as_str().unwrap().to_owned();
    let code = created["participant_code"].as_str().unwrap().to_owned();
    let co_code = created["co_moderator_code"].as_str().unwrap().to_owned();
    assert!(created["participant_id"].is_u64());

    // Without a session, the CLI says what is missing.
    for args in [
        &["status"][..],
        &["join", "--code", &code, "--name", "X"][..],
    ] {
        let missing = anonymous.run(args).await;
        assert_ne!(missing.code, 0, "{args:?} without a session");
        assert!(missing.stderr.contains("--session"), "{}", missing.stderr);
        assert!(missing.stdout.is_empty());
    }

    let cli = Cli {
        session: Some(session.clone()),
        ..anonymous.clone()
    };
    // Three participants join; their tokens go to files, never to the output.
    let mut tokens = Vec::new();
    for name in ["Ann", "Bob", "Cy"] {
        let file = dir.path().join(format!("{name}.token"));
        let run = cli
            .run(&[
                "join",
                "--code",
                &code,
                "--name",
                name,
                "--token-file",
                path(&file),
            ])
            .await
            .ok();
        let joined = run.json();
        assert_eq!(joined["role"], "participant");
        assert!(joined["participant_id"].is_u64());
        assert!(
            joined.get("token").is_none(),
            "no token without --show-token"
        );
        let token = std::fs::read_to_string(&file).unwrap();
        assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
        tokens.push(token);
    }
    // A co-moderator who asks to see the token gets it in the JSON.
    let co = cli
        .run(&["join", "--code", &co_code, "--name", "Dee", "--show-token"])
        .await
        .ok()
        .json();
    assert_eq!(co["role"], "co_moderator");
    assert!(co["token"].as_str().is_some_and(|t| t.len() >= 32));

    // A participant may not open rooms: exit code 3 (refused by the session), with the reason.
    let as_ann = Cli {
        token: Some(tokens[0].clone()),
        ..cli.clone()
    };
    let refused = as_ann.run(&["open", "--rooms", "2"]).await;
    assert_eq!(refused.code, 3, "stderr: {}", refused.stderr);
    assert!(refused.stderr.contains("moderators"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());

    let mo = Cli {
        token: Some(token.clone()),
        ..cli.clone()
    };
    let opened = mo.run(&["open", "--rooms", "2"]).await.ok().json();
    assert_eq!(opened["ok"], true);
    assert!(opened["version"].is_u64());

    // Assign from a CSV (header, stray spaces); one JSON line per assignment.
    let csv = dir.path().join("plan.csv");
    std::fs::write(&csv, "name,room\nAnn,Room 1\nBob , Room 2\nCy,Room 2\n").unwrap();
    let assigned = mo.run(&["assign", "--csv", path(&csv)]).await.ok();
    let lines: Vec<Value> = assigned
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{}", assigned.stdout);
    assert!(lines.iter().all(|l| l["ok"] == true), "{}", assigned.stdout);
    let mut assigned_names: Vec<_> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assigned_names.sort();
    assert_eq!(assigned_names, ["Ann", "Bob", "Cy"]);

    mo.run(&["move", "Cy", "Room 1"]).await.ok();
    let link = "https://example.org/sheet";
    mo.run(&["cta", "Five minutes left", "--link", link])
        .await
        .ok();

    let status = mo.run(&["status"]).await.ok().json();
    assert_eq!(status["title"], "Workshop");
    assert_eq!(status["breakouts"]["state"], "open");
    assert_eq!(status["rooms"][0]["name"], "Room 1");
    assert_eq!(status["rooms"][1]["name"], "Room 2");
    assert_eq!(names(&status["rooms"][0]["participants"]), ["Ann", "Cy"]);
    assert_eq!(names(&status["rooms"][1]["participants"]), ["Bob"]);
    assert_eq!(names(&status["main"]), ["Dee", "Mo"]);
    // A participant's status shows the same dashboard.
    let seen_by_ann = as_ann.run(&["status"]).await.ok().json();
    assert_eq!(seen_by_ann["rooms"], status["rooms"]);

    // The call went out as given.
    let moderator = Credentials {
        session: SessionId(session.clone()),
        token: token.clone(),
    };
    let state = server_state(&server.url, &moderator).await;
    assert_eq!(calls_with(&state, "Five minutes left"), 1);
    assert_eq!(state.calls[0].link.as_deref(), Some(link));

    // Unknown names fail clearly and change nothing.
    let unknown = mo.run(&["move", "Nobody", "main"]).await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("nobody called \"Nobody\""),
        "{}",
        unknown.stderr
    );
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "Ann,main\nZed,Room 1\n").unwrap();
    let bad = mo.run(&["assign", "--csv", path(&bad_csv)]).await;
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("line 2") && bad.stderr.contains("\"Zed\""),
        "{}",
        bad.stderr
    );
    let no_room = mo.run(&["move", "Ann", "Room 9"]).await;
    assert_eq!(no_room.code, 1);
    assert!(
        no_room.stderr.contains("no room called \"Room 9\""),
        "{}",
        no_room.stderr
    );
    let unchanged = mo.run(&["status"]).await.ok().json();
    assert_eq!(
        unchanged["rooms"], status["rooms"],
        "a bad CSV moves nobody"
    );
    assert_eq!(unchanged["main"], status["main"]);

    // Stop: everyone is back in main.
    mo.run(&["stop"]).await.ok();
    let status = mo.run(&["status"]).await.ok().json();
    assert_eq!(status["breakouts"]["state"], "closed");
    assert_eq!(names(&status["main"]), ["Ann", "Bob", "Cy", "Dee", "Mo"]);
    for room in status["rooms"].as_array().unwrap() {
        assert!(names(&room["participants"]).is_empty());
    }
}

/// `--token-file` promises a file only the user can read (mode 600), also when the file already
/// existed (a re-run script, a `touch`ed path) with a world-readable mode.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_file_is_private_even_when_it_existed() {
    use std::os::unix::fs::PermissionsExt;
    let server = InProcess::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("mo.token");
    std::fs::write(&token_file, "old").unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cli = Cli {
        endpoint: server.url.clone(),
        session: None,
        token: None,
    };
    cli.run(&[
        "create",
        "--title",
        "T",
        "--name",
        "Mo",
        "--token-file",
        path(&token_file),
    ])
    .await
    .ok();
    assert_ne!(std::fs::read_to_string(&token_file).unwrap(), "old");
    assert_eq!(mode(&token_file), 0o600, "the token is readable by others");
}

#[tokio::test]
async fn create_sends_the_operators_key_from_the_flag_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let keys_file = dir.path().join("create-keys");
    std::fs::write(&keys_file, "operator-key\n").unwrap();
    let keys = std::sync::Arc::new(breakout_server::CreateKeys::load(&keys_file).unwrap());
    let server = InProcess::start_with(|c| c.create_keys = Some(keys)).await;
    let cli = Cli {
        endpoint: server.url.clone(),
        session: None,
        token: None,
    };
    let create = ["create", "--title", "Keyed", "--name", "Mo"];

    let refused = cli.run(&create).await;
    assert_eq!(refused.code, 1, "stderr: {}", refused.stderr);
    assert!(refused.stderr.contains("operator"), "{}", refused.stderr);
    let wrong = cli.run(&[&create[..], &["--key", "guess"]].concat()).await;
    assert_eq!(wrong.code, 1, "stderr: {}", wrong.stderr);

    let created = cli
        .run(&[&create[..], &["--key", "operator-key"]].concat())
        .await
        .ok();
    assert!(created.json()["session_id"].is_string());
    let mut command = Command::new(env!("CARGO_BIN_EXE_breakout-cli"));
    command
        .args(create)
        .env("BREAKOUT_ENDPOINT", &server.url)
        .env("BREAKOUT_CREATE_KEY", "operator-key");
    let out = within(
        "breakout-cli create with BREAKOUT_CREATE_KEY",
        command.output(),
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
