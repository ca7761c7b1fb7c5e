//! The endpoint under test: started as a separate process (so its CPU and memory can be read apart
//! from the load generator's), on a free loopback port and a temporary data directory; with `tls`,
//! serving https/wss with a certificate from a throwaway CA whose certificate is `ca.pem` in that
//! directory.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `breakout-server` child process.
pub struct ServerProcess {
    child: Child,
    /// The address it listens on.
    pub url: String,
    /// Its process id, for /proc readings.
    pub pid: u32,
    /// The CA file clients must trust, when it serves TLS.
    pub ca_file: Option<PathBuf>,
    data: tempfile::TempDir,
}

/// The `breakout-server` binary next to this one (both are built into the same target folder).
pub fn sibling_server_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name("breakout-server");
    if !path.exists() {
        bail!(
            "{} not found; build it first (cargo build --release -p breakout-server) or pass --endpoint",
            path.display()
        );
    }
    Ok(path)
}

impl ServerProcess {
    /// Start `binary` on 127.0.0.1:0 (accepting uploads up to `max_upload_bytes` if given, else
    /// its default; over TLS if `tls`) and wait for its address.
    pub async fn start(
        binary: &Path,
        max_upload_bytes: Option<u64>,
        tls: bool,
    ) -> anyhow::Result<ServerProcess> {
        let data = tempfile::tempdir()?;
        let mut command = Command::new(binary);
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data.path().join("data"))
            // Thousands of people from one loopback address: lift the per-address limits.
            .args(["--joins-per-ip-per-minute", "4000000000"])
            .args(["--websockets-per-ip", "1000000000"]);
        let ca_file = if tls {
            let ca = breakout_server::certs::PrivateCa::new("breakout-load CA")?;
            let server = ca.issue(&["127.0.0.1".to_owned(), "localhost".to_owned()])?;
            let path = |name: &str| data.path().join(name);
            std::fs::write(path("ca.pem"), ca.cert_pem())?;
            std::fs::write(path("cert.pem"), &server.cert_pem)?;
            std::fs::write(path("key.pem"), &server.key_pem)?;
            command
                .arg("--tls-cert")
                .arg(path("cert.pem"))
                .arg("--tls-key")
                .arg(path("key.pem"));
            Some(path("ca.pem"))
        } else {
            None
        };
        if let Some(bytes) = max_upload_bytes {
            command.arg("--max-upload-bytes").arg(bytes.to_string());
        }
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut first = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(stdout).read_line(&mut first),
        )
        .await
        .context("the server did not print its address within 30 s")??;
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line {first:?}"))?
            .to_owned();
        let pid = child.id().context("the server exited at once")?;
        Ok(ServerProcess {
            child,
            url,
            pid,
            ca_file,
            data,
        })
    }

    /// Its data directory (a temporary one, removed with this value).
    pub fn data_dir(&self) -> PathBuf {
        self.data.path().join("data")
    }

    /// Stop it with SIGTERM (graceful) and wait.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
