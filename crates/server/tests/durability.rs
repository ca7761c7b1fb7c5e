//! Durability with a real process: an `ack` means the command is on disk. The endpoint binary is
//! killed with SIGKILL in the middle of a stream of commands and restarted on the same data
//! directory; every acknowledged command must be there, in order, and the restored session must be
//! exactly the one before the crash (plus the presence changes a restart implies).

mod support;

use breakout_core::protocol::CommandId;
use breakout_core::{Command, Event, RoomId, Session};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use support::{within, Api, WsClient};

/// A `breakout-server` child process on a free loopback port.
struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn start(data_dir: &Path) -> ServerProcess {
        let mut child = Process::new(env!("CARGO_BIN_EXE_breakout-server"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut first)
            .expect("the first line");
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        ServerProcess { child, base }
    }

    /// SIGKILL: no chance to flush anything.
    fn kill_hard(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn every_acked_command_survives_kill_9_and_the_session_is_restored_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path());
    let api = Api::new(server.base.clone());
    let created = api.create_session("Crash test", "Mo").await;
    let session = created.session_id.0.clone();
    for name in ["Ann", "Bob"] {
        api.join(&session, &created.participant_code, name).await;
    }
    let mut moderator = WsClient::connect_online(&server.base, &session, &created.token).await;
    let [room, _] = moderator.open_rooms().await;

    // A stream of renames, all sent before any answer is read (within the default burst of 100).
    let mut names: HashMap<CommandId, String> = HashMap::new();
    let mut sent = Vec::new();
    for i in 0..90 {
        let name = format!("Room take {i}");
        let id = moderator
            .command(Command::RenameRoom {
                room,
                name: name.clone(),
            })
            .await;
        names.insert(id.clone(), name);
        sent.push(id);
    }
    // Read answers until 40 are acked, then pull the plug while the rest are still in flight.
    let mut acked: Vec<(u64, String)> = Vec::new();
    for id in &sent[..40] {
        let version = moderator.wait_answer(id).await.ack();
        acked.push((version, names[id].clone()));
    }
    let before_crash = moderator.replica.clone();
    server.kill_hard();
    let _ = moderator.abort();

    let server = ServerProcess::start(dir.path());
    // Replay everything from version 0: the journal must hold each acked rename at its version.
    let empty = Session::new(
        before_crash.id.clone(),
        before_crash.title.clone(),
        before_crash.epoch,
    );
    let mut replayed = WsClient::resume(&server.base, &session, &created.token, empty).await;
    assert!(
        !replayed.first_welcome().snapshot,
        "a replay from version 0, not a snapshot"
    );
    let journal = within("the replay", async {
        loop {
            let log = replayed.events_since(0);
            if log.last().map(|u| u.version) >= acked.last().map(|(v, _)| *v) {
                return log;
            }
            replayed.next_message().await;
        }
    })
    .await;
    let renamed_at: HashMap<u64, String> = journal
        .iter()
        .filter_map(|u| match &u.event {
            Some(Event::RoomRenamed { room: r, name }) if *r == room => {
                Some((u.version, name.clone()))
            }
            _ => None,
        })
        .collect();
    for (version, name) in &acked {
        assert_eq!(
            renamed_at.get(version),
            Some(name),
            "acked rename at version {version} is missing after kill -9"
        );
    }

    // Resuming from the pre-crash replica gives exactly the state a fresh snapshot shows: nothing
    // acked was lost and nothing else changed (apart from presence, which a restart resets).
    let resumed =
        WsClient::resume(&server.base, &session, &created.token, before_crash.clone()).await;
    let mut resumed = resumed;
    resumed.sync().await;
    let fresh = WsClient::connect(&server.base, &session, &created.token).await;
    let mut fresh = fresh;
    fresh.sync().await;
    resumed.sync().await;
    assert_eq!(resumed.replica, fresh.replica);
    assert!(fresh.replica.version >= before_crash.version);
    let rooms_before: Vec<(RoomId, String)> = before_crash
        .rooms
        .iter()
        .map(|r| (r.id, r.name.clone()))
        .collect();
    let last_acked = &acked.last().unwrap().1;
    let restored = fresh.replica.room(room).unwrap();
    // The room shows the last acked name or a later one from the commands still in flight.
    let position = |name: &str| sent.iter().position(|id| names[id] == name);
    assert!(
        position(&restored.name) >= position(last_acked),
        "{} < {last_acked}",
        restored.name
    );
    assert_eq!(fresh.replica.rooms.len(), rooms_before.len());
    assert_eq!(
        fresh.replica.participants.len(),
        before_crash.participants.len()
    );
}
