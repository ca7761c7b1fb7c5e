//! Why this file exists: documents are the heaviest thing the client moves. Uploads stream from disk
//! with progress, must survive a network cut by retrying without leaving a duplicate (or a partial)
//! document, and downloads are verified by SHA-256 before they appear under their final name — while
//! a participant can never fetch a document that is not shared with where they are, and a refused
//! download leaves nothing behind.

mod support;

use breakout_client::{
    sha256_of, Api, CancellationToken, ClientError, Endpoint, Progress, ProgressFn,
};
use breakout_core::{Command, Location, RoomSelection};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, Once};
use support::{connect, session, within, InProcess, Proxy};

const MIB: u64 = 1024 * 1024;
const SIZE: u64 = 50 * MIB;

/// Write `size` bytes of pseudo-random content (each MiB distinct).
fn write_file(path: &Path, size: u64) {
    let mut block = vec![0u8; MIB as usize];
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for chunk in block.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes());
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = size;
    let mut i = 0u64;
    while left > 0 {
        block[..8].copy_from_slice(&i.to_le_bytes());
        let n = left.min(MIB) as usize;
        file.write_all(&block[..n]).unwrap();
        left -= n as u64;
        i += 1;
    }
    file.flush().unwrap();
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut x, mut y) = (vec![0u8; MIB as usize], vec![0u8; MIB as usize]);
    loop {
        let n = a.read(&mut x).unwrap();
        let mut m = 0;
        while m < n {
            let k = b.read(&mut y[m..n]).unwrap();
            if k == 0 {
                return false;
            }
            m += k;
        }
        if n == 0 {
            return b.read(&mut y[..1]).unwrap() == 0;
        }
        if x[..n] != y[..n] {
            return false;
        }
    }
}

/// A progress callback recording every step.
fn recorder() -> (ProgressFn, Arc<Mutex<Vec<Progress>>>) {
    let steps = Arc::new(Mutex::new(Vec::new()));
    let record = steps.clone();
    (Arc::new(move |p| record.lock().unwrap().push(p)), steps)
}

fn assert_monotonic(steps: &[Progress], total: u64) {
    assert!(!steps.is_empty(), "no progress reported");
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "progress went backwards"
    );
    assert!(steps.iter().all(|p| p.total == total && p.done <= total));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mib_upload_survives_a_cut_and_downloads_are_verified() {
    let server = InProcess::start().await;
    let proxy = Arc::new(Proxy::start(server.addr).await);
    let s = session(&server.url, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("Recording — week 1.bin");
    write_file(&source, SIZE);
    // Our own hash of the file, computed meanwhile (hashing 50 MiB takes a while in debug builds).
    let sha = tokio::spawn({
        let source = source.clone();
        async move { sha256_of(&source).await.unwrap() }
    });
    let api = Api::new(Endpoint::parse(&proxy.url).unwrap());

    // First attempt: the network drops once 10 MiB went out.
    let (record, first_steps) = recorder();
    let cutter = proxy.clone();
    let once = Arc::new(Once::new());
    let progress: ProgressFn = Arc::new(move |p: Progress| {
        record(p);
        if p.done > 10 * MIB {
            once.call_once(|| cutter.cut());
        }
    });
    let first = within(
        "the cut upload",
        api.upload(&s.moderator, &source, progress, CancellationToken::new()),
    )
    .await;
    assert!(
        matches!(first, Err(ClientError::Network(_))),
        "the cut upload fails as a network error: {first:?}"
    );
    let first_steps = first_steps.lock().unwrap().clone();
    assert_monotonic(&first_steps, SIZE);
    assert!(first_steps.last().unwrap().done < SIZE);
    assert!(api.documents(&s.moderator).await.unwrap().is_empty());
    let sha = sha.await.unwrap();

    // Retry: progress is monotonic and ends at the total; exactly one document results.
    let (progress, steps) = recorder();
    let doc = within(
        "the retried upload",
        api.upload(&s.moderator, &source, progress, CancellationToken::new()),
    )
    .await
    .unwrap();
    let steps = steps.lock().unwrap().clone();
    assert_monotonic(&steps, SIZE);
    assert!(
        steps.len() > 10,
        "progress comes in steps, got {}",
        steps.len()
    );
    assert_eq!(
        steps.last(),
        Some(&Progress {
            done: SIZE,
            total: SIZE
        })
    );
    assert_eq!((doc.sha256.as_str(), doc.size), (sha.as_str(), SIZE));
    assert_eq!(doc.name, "Recording — week 1.bin");
    let library = api.documents(&s.moderator).await.unwrap();
    assert_eq!(library, vec![doc.clone()], "exactly one document");

    // Nothing of the interrupted attempt is left in the endpoint's upload area.
    let leftovers: Vec<_> = std::fs::read_dir(server.dir.path().join("documents/tmp"))
        .unwrap()
        .collect();
    assert!(leftovers.is_empty(), "partial uploads left: {leftovers:?}");

    // Download to a path, with progress: verified, and byte for byte the original.
    let target = dir.path().join("copy.bin");
    let (progress, steps) = recorder();
    within(
        "the download",
        api.download(
            &s.moderator,
            &doc,
            &target,
            progress,
            CancellationToken::new(),
        ),
    )
    .await
    .unwrap();
    let steps = steps.lock().unwrap().clone();
    assert_monotonic(&steps, SIZE);
    assert_eq!(
        steps.last(),
        Some(&Progress {
            done: SIZE,
            total: SIZE
        })
    );
    // (The client checked the SHA-256 before renaming; the bytes themselves must match too.)
    assert!(
        same_bytes(&source, &target),
        "the download differs from the original"
    );
    assert!(!dir.path().join("copy.bin.part").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_not_shared_with_your_room_is_refused_and_leaves_no_file() {
    let server = InProcess::start().await;
    let s = session(&server.url, 1).await;
    let api = Api::new(Endpoint::parse(&server.url).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("room 2 only.pdf");
    write_file(&source, 3 * MIB + 17);
    let quiet: ProgressFn = Arc::new(|_| {});
    let doc = api
        .upload(
            &s.moderator,
            &source,
            quiet.clone(),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(doc.sha256, sha256_of(&source).await.unwrap());

    // The same bytes again: the existing document, nothing sent, progress at the total at once.
    let (progress, steps) = recorder();
    let again = api
        .upload(&s.moderator, &source, progress, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(again, doc);
    let total = doc.size;
    assert_eq!(
        *steps.lock().unwrap(),
        vec![Progress { done: total, total }]
    );
    assert_eq!(api.documents(&s.moderator).await.unwrap().len(), 1);

    let moderator = connect(&server.url, &s.moderator).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await
        .unwrap();
    let state = moderator.snapshot();
    let (room1, room2) = (state.rooms[0].id, state.rooms[1].id);
    let participant = state
        .participants
        .iter()
        .find(|p| p.name == "P0")
        .unwrap()
        .id;
    moderator
        .send(Command::Move {
            participant,
            to: Location::Room(room1),
        })
        .await
        .unwrap();
    moderator
        .send(Command::ShareDocument {
            document: doc.id.clone(),
            target: RoomSelection::Rooms(vec![room2]),
        })
        .await
        .unwrap();

    // In room 1, the participant neither sees nor may fetch a room-2 document.
    let who = &s.participants[0];
    assert!(api.documents(who).await.unwrap().is_empty());
    let target = dir.path().join("stolen.pdf");
    let refused = api
        .download(who, &doc, &target, quiet.clone(), CancellationToken::new())
        .await;
    assert!(
        matches!(refused, Err(ClientError::Api { status: 403, .. })),
        "{refused:?}"
    );
    assert!(!target.exists(), "a refused download leaves no file");
    assert!(
        !dir.path().join("stolen.pdf.part").exists(),
        "nor a partial one"
    );

    // Moved to room 2, they may: the file arrives whole.
    moderator
        .send(Command::Move {
            participant,
            to: Location::Room(room2),
        })
        .await
        .unwrap();
    let target = dir.path().join("mine.pdf");
    within(
        "the allowed download",
        api.download(who, &doc, &target, quiet, CancellationToken::new()),
    )
    .await
    .unwrap();
    assert!(same_bytes(&source, &target));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_stores_nothing() {
    let server = InProcess::start().await;
    let s = session(&server.url, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("big.bin");
    write_file(&source, 8 * MIB);
    let api = Api::new(Endpoint::parse(&server.url).unwrap());
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let progress: ProgressFn = Arc::new(move |p: Progress| {
        if p.done > MIB {
            trigger.cancel();
        }
    });
    let result = within(
        "the cancelled upload",
        api.upload(&s.moderator, &source, progress, cancel),
    )
    .await;
    assert!(matches!(result, Err(ClientError::Cancelled)), "{result:?}");
    assert!(api.documents(&s.moderator).await.unwrap().is_empty());
}
