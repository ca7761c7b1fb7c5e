//! Documents through the client: a 50 MiB upload streams with monotonic progress, survives a cut
//! link (retrying leaves exactly one document), and downloads are verified by SHA-256 — while a
//! participant cannot fetch a document not shared with them, and nothing is left behind when refused.

mod support;

use breakout_client::{sha256_of, Api, CancellationToken, ClientError, Endpoint, Progress};
use breakout_core::{Command, RoomSelection};
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::{connect, session, InProcess, Proxy};

const SIZE: usize = 50 * 1024 * 1024;

fn write_big_file(path: &std::path::Path) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut block = [0u8; 4096];
    for i in 0..SIZE / block.len() {
        for (j, b) in block.iter_mut().enumerate() {
            *b = (i.wrapping_mul(31) ^ j.wrapping_mul(7)) as u8;
        }
        file.write_all(&block).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_survives_a_cut_and_downloads_are_verified() {
    let server = InProcess::start().await;
    let addr = server.url.trim_start_matches("http://").parse().unwrap();
    let proxy = Arc::new(Proxy::start(addr).await);
    let s = session(&server.url, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("Recording — week 1.bin");
    write_big_file(&source);
    let api = Api::new(Endpoint::parse(&proxy.url).unwrap());

    // First attempt: the link is cut after 10 MiB went out.
    let cutter = proxy.clone();
    let cut_once = Arc::new(std::sync::Once::new());
    let cut_progress = Arc::new(move |p: Progress| {
        if p.done > 10 * 1024 * 1024 {
            cut_once.call_once(|| cutter.cut());
        }
    });
    let first = api
        .upload(
            &s.moderator,
            &source,
            cut_progress,
            CancellationToken::new(),
        )
        .await;
    assert!(first.is_err(), "the cut upload must fail, got {first:?}");

    // Retry: progress is monotonic and ends at the total; exactly one document results.
    let steps = Arc::new(Mutex::new(Vec::new()));
    let record = steps.clone();
    let progress = Arc::new(move |p: Progress| record.lock().unwrap().push(p));
    let doc = api
        .upload(&s.moderator, &source, progress, CancellationToken::new())
        .await
        .unwrap();
    let steps = steps.lock().unwrap().clone();
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "progress went backwards"
    );
    assert_eq!(
        steps.last().copied(),
        Some(Progress {
            done: SIZE as u64,
            total: SIZE as u64
        })
    );
    let sha = sha256_of(&source).await.unwrap();
    assert_eq!(doc.sha256, sha);
    assert_eq!(doc.size, SIZE as u64);
    let library = api.documents(&s.moderator).await.unwrap();
    assert_eq!(library.len(), 1, "a retried upload does not duplicate");

    // Uploading the same bytes again sends nothing and returns the same document.
    let again = api
        .upload(
            &s.moderator,
            &source,
            Arc::new(|_| {}),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(again.id, doc.id);

    // Not shared yet: the participant is refused and no file (or partial file) is left.
    let participant = &s.participants[0];
    let target = dir.path().join("copy.bin");
    let refused = api
        .download(
            participant,
            &doc,
            &target,
            Arc::new(|_| {}),
            CancellationToken::new(),
        )
        .await;
    assert!(
        matches!(refused, Err(ClientError::Api { status: 403, .. })),
        "{refused:?}"
    );
    assert!(!target.exists());
    assert!(!dir.path().join("copy.bin.part").exists());

    // Shared with every room: the download arrives whole, verified, with progress to the total.
    let moderator = connect(&server.url, &s.moderator).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 1,
            duration_minutes: None,
        })
        .await
        .unwrap();
    moderator
        .send(Command::ShareDocument {
            document: doc.id.clone(),
            target: RoomSelection::All,
        })
        .await
        .unwrap();
    let last = Arc::new(Mutex::new(None));
    let seen = last.clone();
    api.download(
        participant,
        &doc,
        &target,
        Arc::new(move |p| *seen.lock().unwrap() = Some(p)),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        *last.lock().unwrap(),
        Some(Progress {
            done: SIZE as u64,
            total: SIZE as u64
        })
    );
    assert_eq!(sha256_of(&target).await.unwrap(), sha);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_stores_nothing() {
    let server = InProcess::start().await;
    let s = session(&server.url, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("big.bin");
    write_big_file(&source);
    let api = Api::new(Endpoint::parse(&server.url).unwrap());
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let progress = Arc::new(move |p: Progress| {
        if p.done > 1024 * 1024 {
            trigger.cancel();
        }
    });
    let result = api.upload(&s.moderator, &source, progress, cancel).await;
    assert!(matches!(result, Err(ClientError::Cancelled)), "{result:?}");
    assert!(api.documents(&s.moderator).await.unwrap().is_empty());
}
