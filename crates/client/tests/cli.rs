//! `breakout-cli` end to end: the built binary runs a whole scripted breakout against a real
//! endpoint — create, join three, open two rooms, assign from a CSV, move, call to action, stop —
//! and its JSON output and exit codes are checked, failures included.

mod support;

use serde_json::Value;
use support::{within, InProcess};
use tokio::process::Command;

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
        command.args(args).env("BREAKOUT_ENDPOINT", &self.endpoint);
        command
            .env_remove("BREAKOUT_SESSION")
            .env_remove("BREAKOUT_TOKEN");
        if let Some(session) = &self.session {
            command.env("BREAKOUT_SESSION", session);
        }
        if let Some(token) = &self.token {
            command.env("BREAKOUT_TOKEN", token);
        }
        let out = within("the cli", command.output()).await.unwrap();
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
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_breakout_from_the_command_line() {
    let server = InProcess::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("mo.token");
    let mut cli = Cli {
        endpoint: server.url.clone(),
        session: None,
        token: None,
    };
    let created = cli
        .run(&[
            "create",
            "--title",
            "Workshop",
            "--name",
            "Mo",
            "--token-file",
            token_file.to_str().unwrap(),
        ])
        .await
        .ok()
        .json();
    assert!(
        created.get("token").is_none(),
        "tokens are printed only when asked"
    );
    let code = created["participant_code"].as_str().unwrap().to_owned();
    cli.session = Some(created["session_id"].as_str().unwrap().to_owned());

    // Without a session the CLI says what is missing.
    let no_session = Cli {
        endpoint: server.url.clone(),
        session: None,
        token: None,
    }
    .run(&["status"])
    .await;
    assert_ne!(no_session.code, 0);
    assert!(
        no_session.stderr.contains("--session"),
        "{}",
        no_session.stderr
    );

    let mut participant_token = String::new();
    for name in ["Ann", "Bob", "Cy"] {
        let joined = cli
            .run(&["join", "--code", &code, "--name", name, "--show-token"])
            .await
            .ok()
            .json();
        assert_eq!(joined["role"], "participant");
        participant_token = joined["token"].as_str().unwrap().to_owned();
    }
    let quiet = cli
        .run(&["join", "--code", &code, "--name", "Dee"])
        .await
        .ok()
        .json();
    assert!(quiet.get("token").is_none());

    // A participant may not open rooms: exit code 3 (refused by the session).
    let as_participant = Cli {
        endpoint: server.url.clone(),
        session: cli.session.clone(),
        token: Some(participant_token),
    };
    let refused = as_participant.run(&["open", "--rooms", "2"]).await;
    assert_eq!(refused.code, 3, "stderr: {}", refused.stderr);
    assert!(refused.stderr.contains("moderators"), "{}", refused.stderr);

    cli.token = Some(std::fs::read_to_string(&token_file).unwrap());
    cli.run(&["open", "--rooms", "2"]).await.ok();
    let csv = dir.path().join("plan.csv");
    std::fs::write(&csv, "name,room\nAnn,Room 1\nBob,Room 2\nCy,Room 2\n").unwrap();
    let assigned = cli
        .run(&["assign", "--csv", csv.to_str().unwrap()])
        .await
        .ok();
    assert_eq!(assigned.stdout.lines().count(), 3);
    assert!(
        assigned.stdout.lines().all(|l| l.contains("\"ok\":true")),
        "{}",
        assigned.stdout
    );
    cli.run(&["move", "Cy", "Room 1"]).await.ok();
    cli.run(&[
        "cta",
        "Five minutes left",
        "--link",
        "https://example.org/sheet",
    ])
    .await
    .ok();

    let status = cli.run(&["status"]).await.ok().json();
    assert_eq!(status["rooms"][0]["name"], "Room 1");
    assert_eq!(names(&status["rooms"][0]["participants"]), ["Ann", "Cy"]);
    assert_eq!(names(&status["rooms"][1]["participants"]), ["Bob"]);
    assert_eq!(names(&status["main"]), ["Dee", "Mo"]);

    let unknown = cli.run(&["move", "Nobody", "main"]).await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("nobody called \"Nobody\""),
        "{}",
        unknown.stderr
    );

    cli.run(&["stop"]).await.ok();
    let status = cli.run(&["status"]).await.ok().json();
    assert_eq!(names(&status["main"]), ["Ann", "Bob", "Cy", "Dee", "Mo"]);
    assert_eq!(status["breakouts"]["state"], "closed");
}
