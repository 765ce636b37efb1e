//! Starting `python -m fakereg`, waiting on its ready file, stopping it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The ready file's document (`fakereg/cli.py` `ready_document`); the keys the client uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Ready {
    pub url: String,
    pub name: String,
    pub protocol: String,
    pub index_url: String,
    pub sparse_index_url: String,
    pub git_index_url: Option<String>,
    pub token: String,
    pub login: String,
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    pub admin_url: String,
    pub admin_token: String,
    pub page_url: String,
    pub pid: u32,
    pub root: PathBuf,
    pub cargo_home: PathBuf,
    #[serde(default)]
    pub ca_path: Option<PathBuf>,
}

/// A started server with its scratch folder: stopped and removed when dropped, also while
/// a panicking test unwinds.
pub(crate) struct Process {
    child: Child,
    dir: PathBuf,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh folder for one server's state, ready file and log.
fn scratch_dir() -> Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("fakereg-rs-{}-{n}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

impl Process {
    /// Run `python -m fakereg <args> --quiet --ready-file … --root …` and wait for it to be ready.
    pub(crate) fn start(
        python: &str,
        args: &[String],
        timeout: Duration,
    ) -> Result<(Process, Ready)> {
        let dir = scratch_dir()?;
        let ready_file = dir.join("ready.json");
        let log = dir.join("stderr.log");
        let spawned = Command::new(python)
            .args(["-m", "fakereg", "--port", "0", "--quiet", "--ready-file"])
            .arg(&ready_file)
            .arg("--root")
            .arg(dir.join("root"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log)?)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(source) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(Error::Spawn {
                    python: python.to_string(),
                    source,
                });
            }
        };
        // From here on, dropping `process` stops the server and removes the folder.
        let mut process = Process { child, dir };
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(text) = fs::read_to_string(&ready_file) {
                if !text.trim().is_empty() {
                    let ready: Ready = serde_json::from_str(&text)?;
                    return Ok((process, ready));
                }
            }
            if let Some(status) = process.child.try_wait()? {
                let stderr = fs::read_to_string(&log).unwrap_or_default();
                if stderr.contains("No module named fakereg") {
                    return Err(Error::NotInstalled {
                        python: python.to_string(),
                    });
                }
                return Err(Error::Startup(format!(
                    "`{python} -m fakereg` exited ({status}) before it was ready:\n{}",
                    stderr.trim_end()
                )));
            }
            if Instant::now() > deadline {
                let stderr = fs::read_to_string(&log).unwrap_or_default();
                return Err(Error::Startup(format!(
                    "no ready file after {timeout:?}; its stderr:\n{}",
                    stderr.trim_end()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The scratch folder (the state is in its `root`).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stop the server: SIGTERM (it removes its ready file and closes waits), SIGKILL after 5 s.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if terminated {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
