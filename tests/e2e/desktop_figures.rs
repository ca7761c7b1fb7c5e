//! Desktop performance figures (a benchmark, not a test: ignored by default, prints figures for
//! BENCHMARKS.md). Cold start to first paint as the UI reports it; resident memory of the app and its
//! WebKit processes with a 1,000-participant session on the dashboard; frame times during a pointer
//! drag, measured inside the web view with `performance.now()` and read by a WebDriver script.
//!
//! `xvfb-run -a cargo test --release --test e2e desktop_figures -- --ignored --nocapture`

use crate::support::{self, id, App};
use breakout_client::{Api, Invite};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use std::time::Duration;

const PARTICIPANTS: usize = 1_000;

#[tokio::test]
#[ignore = "benchmark: prints desktop figures; run with --ignored --nocapture"]
async fn desktop_figures() {
    let _turn = support::serial().await;
    let app = App::launch().await;
    let first_paint = app
        .find("html[data-first-paint-ms]")
        .await
        .attr("data-first-paint-ms")
        .await
        .unwrap()
        .unwrap();
    let idle = support::app_memory_kib();

    let (link, _) = app.start_session("Figures", "Mia Moderator").await;
    let invite = Invite::parse(&link).unwrap();
    let api = Api::new(invite.endpoint.clone());
    let mut joins = tokio::task::JoinSet::new();
    for n in 0..PARTICIPANTS {
        let (api, invite) = (api.clone(), invite.clone());
        joins.spawn(async move {
            api.join(
                &invite.session,
                &invite.code,
                &format!("Participant {n:04}"),
            )
            .await
            .unwrap()
        });
    }
    joins.join_all().await;
    app.click("open-breakout-dashboard").await;
    app.fill("room-count", "50").await;
    app.click("apply-room-count").await;
    // Auto-assign is disabled until the view with the rooms arrives; a click before that is lost.
    app.until("auto-assign is enabled", || async {
        app.find(&id("auto-assign"))
            .await
            .is_enabled()
            .await
            .unwrap()
    })
    .await;
    app.click("auto-assign").await;
    app.until("1,000 chips in rooms", || async {
        app.all(&format!("{} {}", id("room-card"), id("participant-chip")))
            .await
            .len()
            == PARTICIPANTS
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let busy = support::app_memory_kib();

    // A slow drag across the dashboard: 60 pointer moves of 8 px, 16 ms apart.
    let chip = app
        .find(&format!("{} {}", id("room-card"), id("participant-chip")))
        .await;
    app.wd
        .execute("window.__breakoutDragFrames = [];", vec![])
        .await
        .unwrap();
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: chip,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    for _ in 0..60 {
        mouse = mouse.then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(16)),
            x: 8.0,
            y: 4.0,
        });
    }
    mouse = mouse.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    app.wd.perform_actions(mouse).await.unwrap();
    app.wd.release_actions().await.unwrap();
    let frames = app
        .wd
        .execute("return window.__breakoutDragFrames || [];", vec![])
        .await
        .unwrap();
    let mut frames: Vec<f64> = frames
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_f64())
        .collect();
    frames.sort_by(f64::total_cmp);
    let at = |q: f64| frames[((frames.len() as f64 - 1.0) * q).round() as usize];
    app.screenshot("11-figures-1000").await;
    println!(
        "desktop: first paint {first_paint} ms after start; memory (app + WebKit processes) idle \
         RSS {:.1} MiB / PSS {:.1} MiB, with {PARTICIPANTS} participants on the dashboard RSS \
         {:.1} MiB / PSS {:.1} MiB; drag frames n={} p50 {:.1} ms p95 {:.1} ms max {:.1} ms",
        idle.0 as f64 / 1024.0,
        idle.1 as f64 / 1024.0,
        busy.0 as f64 / 1024.0,
        busy.1 as f64 / 1024.0,
        frames.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    app.close().await;
}
