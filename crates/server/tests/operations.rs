//! Operating a hosted endpoint: `/metrics` (with the process's own figures) on a private listener
//! of its own and gone from the public one, and the real binary's operator flags — JSON logs, the
//! keys file re-read on SIGHUP, an unusable keys file refused at start.

mod support;

use breakout_core::protocol::ErrorCode;
use breakout_server::Config;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use support::{metric_value, within, Api};
use tokio::net::TcpListener;

#[tokio::test]
async fn metrics_move_to_their_own_listener() {
    let dir = tempfile::tempdir().unwrap();
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let private = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public_api = Api::new(format!("http://{}", public.local_addr().unwrap()));
    let private_api = Api::new(format!("http://{}", private.local_addr().unwrap()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(breakout_server::run_with_metrics_listener(
        public,
        private,
        Config::new(dir.path()),
        async move {
            let _ = stopped.await;
        },
    ));

    public_api.create_session("Counted", "Mona").await;
    public_api
        .get("/metrics", None)
        .await
        .expect_error(404, ErrorCode::NotFound);
    public_api.get("/healthz", None).await.expect_status(200);
    private_api.get("/healthz", None).await.expect_status(200);
    let text = private_api.metrics().await;
    assert_eq!(metric_value(&text, "breakout_sessions"), Some(1.0));
    for figure in ["process_resident_memory_bytes", "process_open_fds"] {
        let value = metric_value(&text, figure).unwrap_or_else(|| panic!("{figure} in {text}"));
        assert!(value > 0.0, "{figure} = {value}");
    }
    // CPU time is counted in clock ticks (10 ms): a fresh process may still read 0, so burn some
    // (the endpoint runs in this process) and see the figure grow.
    let cpu = |text: &str| metric_value(text, "process_cpu_seconds_total").expect("CPU seconds");
    let before = cpu(&text);
    let busy = std::time::Instant::now();
    let mut spin = 0u64;
    while busy.elapsed() < std::time::Duration::from_millis(200) {
        spin = std::hint::black_box(spin.wrapping_mul(31).wrapping_add(7));
    }
    let after = cpu(&private_api.metrics().await);
    assert!(after > before, "CPU seconds {before} → {after}");
    assert_eq!(
        metric_value(
            &text,
            r#"breakout_rate_limited_total{limit="joins_per_ip"}"#
        ),
        Some(0.0)
    );

    stop.send(()).unwrap();
    within("the endpoint to stop", server)
        .await
        .unwrap()
        .unwrap();
}

/// The binary with a keys file, JSON logs and a metrics listener; killed on drop.
struct Binary {
    child: Child,
    base: String,
    metrics: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(data: &std::path::Path, keys: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_breakout-server"));
    command
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--metrics-listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--create-keys-file")
        .arg(keys)
        .env("RUST_LOG", "info");
    command
}

impl Binary {
    fn start(data: &std::path::Path, keys: &std::path::Path) -> Binary {
        let mut child = server(data, keys)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first.trim().replacen("listening on ", "", 1);
        // Every log line is a JSON object; one of them names the metrics address.
        let mut metrics = None;
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let entry: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
            if entry["fields"]["message"] == "serving metrics" {
                metrics = entry["fields"]["addr"].as_str().map(str::to_owned);
                break;
            }
        }
        // Keep reading, so the server never writes into a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let metrics = format!("http://{}", metrics.expect("the metrics address is logged"));
        Binary {
            child,
            base,
            metrics,
        }
    }
}

async fn create(api: &Api, key: &str) -> u16 {
    let body = serde_json::json!({"title": "Keyed", "moderator_name": "Mona"});
    let request = api
        .request(reqwest::Method::POST, "/v1/sessions")
        .json(&body);
    api.send(support::bearer(request, Some(key)))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn the_binary_rereads_its_keys_on_sighup_and_logs_json() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "old-key\n").unwrap();
    let binary = Binary::start(&dir.path().join("data"), &keys);
    let api = Api::new(binary.base.clone());
    assert_eq!(create(&api, "old-key").await, 201);
    assert_eq!(create(&api, "new-key").await, 401);
    Api::new(binary.metrics.clone())
        .get("/metrics", None)
        .await
        .expect_status(200);

    std::fs::write(&keys, "new-key\n").unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", &binary.child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    within("the new key to be accepted", async {
        while create(&api, "new-key").await != 201 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(create(&api, "old-key").await, 401);
}

#[test]
fn an_unusable_keys_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "# no key yet\n").unwrap();
    let output = server(&dir.path().join("data"), &keys).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("holds no key"),
        "says what is wrong: {stderr}"
    );
    assert!(
        stderr.contains(&keys.display().to_string()),
        "names the file: {stderr}"
    );
}
