//! A hosted endpoint over TLS, as a moderator with remote participants uses it: Settings → the
//! endpoint's https address, the operator's key for creating sessions and a private CA's
//! certificate file → start a session there → a participant joins over wss → a drag in the window
//! reaches them. The endpoint is a real `breakout-server` on 127.0.0.1 serving a certificate from a
//! CA made in the test, creating sessions only for the keys in its keys file.

use crate::support::{self, id, location, rooms, App, Bot};
use breakout_client::Invite;
use breakout_core::Location;
use breakout_server::certs::PrivateCa;
use tokio::net::TcpListener;

#[tokio::test]
async fn a_hosted_endpoint_over_tls_with_a_private_ca() {
    let _turn = support::serial().await;
    let scratch = tempfile::tempdir().unwrap();
    let ca = PrivateCa::new("Breakout e2e CA").unwrap();
    let certificate = ca.issue(&["127.0.0.1".to_owned()]).unwrap();
    let ca_file = scratch.path().join("private-ca.pem");
    std::fs::write(&ca_file, ca.cert_pem()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("https://{}", listener.local_addr().unwrap());
    let keys_file = scratch.path().join("create-keys");
    std::fs::write(&keys_file, "# operators\ne2e-operator-key\n").unwrap();
    let mut config = breakout_server::Config::new(scratch.path().join("data"));
    config.create_keys = Some(std::sync::Arc::new(
        breakout_server::CreateKeys::load(&keys_file).unwrap(),
    ));
    config.tls = Some(certificate.server_config().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(breakout_server::run(listener, config, async move {
        let _ = stopped.await;
    }));

    let app = App::launch().await;
    app.click("settings-toggle").await;
    app.fill("settings-endpoint", &address).await;
    app.fill("settings-create-key", "e2e-operator-key").await;
    app.fill("settings-ca-file", &ca_file.display().to_string())
        .await;
    app.click("settings-save").await;
    app.find(".settings .saved").await;

    let (link, _) = app.start_session("Remote workshop", "Mia Moderator").await;
    let mut invite = Invite::parse(&link).unwrap();
    assert_eq!(invite.endpoint.to_string(), address, "{link}");
    // The moderator's view of the link: encrypted, so no "not encrypted" mark (the top bar is
    // rendered once the role badge shows).
    app.find(&id("my-role")).await;
    assert!(app.all(&id("not-encrypted")).await.is_empty());

    invite.endpoint = invite.endpoint.with_ca_file(&ca_file).unwrap();
    let bea = Bot::join_invite(invite, "Bea Remote").await;
    app.until("Bea shows in the participant list", || async {
        app.all(&id("participant-row")).await.len() == 2
    })
    .await;
    app.click("open-breakout-dashboard").await;
    app.find(&id("dashboard")).await;
    app.fill("room-count", "2").await;
    app.click("apply-room-count").await;
    let state = bea.sees("two rooms", |s| s.rooms.len() == 2).await;
    let second = rooms(&state)[1];
    app.until("2 room cards show", || async {
        app.all(&id("room-card")).await.len() == 2
    })
    .await;
    app.drag(&App::chip(bea.id()), &App::room_card(second))
        .await;
    bea.sees("herself moved over wss", |s| {
        location(s, bea.id()) == Location::Room(second)
    })
    .await;
    app.until("the window shows Bea in room 2", || async {
        app.chips_in(&App::room_card(second)).await == [bea.id()]
    })
    .await;
    app.screenshot("hosted-tls").await;
    app.close().await;
    let _ = stop.send(());
    let _ = server.await;
}
