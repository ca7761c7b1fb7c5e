//! OS notifications for what happens to you while Breakout is in the background: rooms stopped, you
//! were moved, a call-to-action, a help request. In the foreground the UI's toast is enough.

use breakout_client::Notice;
use breakout_core::{Location, Session};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// Show `notice` as an OS notification unless the main window has the focus.
pub fn in_background<R: Runtime>(app: &AppHandle<R>, notice: &Notice, session: &Session) {
    let focused = app
        .get_webview_window("main")
        .and_then(|window| window.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let Some(body) = text(notice, session) else {
        return;
    };
    // No notification service (e.g. a bare X server) is not an error worth more than a log line.
    if let Err(error) = app
        .notification()
        .builder()
        .title(session.title.clone())
        .body(body)
        .show()
    {
        eprintln!("breakout: cannot show a notification: {error}");
    }
}

/// The sentence for a notice, or None for notices not worth interrupting someone for.
fn text(notice: &Notice, session: &Session) -> Option<String> {
    let place = |location: &Location| match location {
        Location::Main => "the main room".to_owned(),
        Location::Room(id) => session
            .room(*id)
            .map_or_else(|| "a breakout room".to_owned(), |room| room.name.clone()),
    };
    match notice {
        Notice::BreakoutsStopped => {
            Some("Breakout rooms have been closed; you are back in the main room.".into())
        }
        Notice::Moved { to } => Some(format!("You were moved to {}.", place(to))),
        Notice::CallToAction { call } => Some(call.text.clone()),
        Notice::HelpRequested { request } => {
            let who = session
                .participant(request.participant)
                .map_or("A participant", |p| p.name.as_str());
            Some(format!(
                "{who} asks for help in {}.",
                place(&Location::Room(request.room))
            ))
        }
        Notice::BreakoutsOpened => None,
        Notice::Removed { reason } => Some(reason.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_name_the_room() {
        let mut session: Session = serde_json::from_value(serde_json::json!({
            "id": "s", "title": "Workshop", "epoch": 1, "version": 1, "participants": [],
            "rooms": [{"id": 7, "name": "Design"}], "documents": [], "free_movement": false,
            "breakouts": {"state": "closed"}, "calls": [], "help": [],
            "next_ids": {"participant": 1, "room": 8}
        }))
        .unwrap();
        let moved = |to| text(&Notice::Moved { to }, &session);
        assert_eq!(
            moved(Location::Room(breakout_core::RoomId(7))).unwrap(),
            "You were moved to Design."
        );
        assert_eq!(
            moved(Location::Main).unwrap(),
            "You were moved to the main room."
        );
        session.rooms.clear();
        assert_eq!(
            text(
                &Notice::Moved {
                    to: Location::Room(breakout_core::RoomId(7))
                },
                &session
            )
            .unwrap(),
            "You were moved to a breakout room."
        );
        assert_eq!(text(&Notice::BreakoutsOpened, &session), None);
    }
}
