//! End-to-end: the real app binary in a real WebKitGTK window (Xvfb, tauri-driver), on its real
//! embedded endpoint, with other participants joined as breakout-client bots. Each scenario saves a
//! screenshot under target/e2e-screenshots/. Scenarios take turns (`support::serial`).

mod calls_and_help;
mod dashboard;
mod desktop_figures;
mod documents;
mod hosted_tls;
mod moderator_tools;
mod offline_plan;
mod support;
