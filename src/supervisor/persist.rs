//! `state.json`: each component's desired state and the processes of its
//! live run, so that a supervisor started after a crash stops leftovers
//! before starting anything, and a component the user stopped stays stopped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::event::Desired;

use super::component::Component;

/// How long recovery waits for a leftover process group after SIGTERM.
const RECOVERY_STOP_TIMEOUT: Duration = Duration::from_secs(5);
const STATE_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    version: u32,
    boot_id: Option<String>,
    supervisor_pid: u32,
    components: BTreeMap<String, Recorded>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Recorded {
    desired: Desired,
    #[serde(default)]
    processes: Vec<RecordedProcess>,
}

/// A process of a live run, identified beyond its pid so a recycled pid is never touched.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordedProcess {
    pid: u32,
    /// Start time in clock ticks after boot, from `/proc/PID/stat`.
    start_time: u64,
}

pub struct Persist {
    path: PathBuf,
    boot_id: Option<String>,
    previous: StateFile,
    dirty: bool,
}

impl Persist {
    pub fn open(state_dir: &std::path::Path) -> Persist {
        let path = state_dir.join(crate::paths::STATE_FILE);
        let previous = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(path = %path.display(), %error, "ignoring an unreadable state file");
                StateFile::default()
            }),
            Err(_) => StateFile::default(),
        };
        Persist { path, boot_id: crate::process::boot_id(), previous, dirty: true }
    }

    /// The desired state each component had when the previous supervisor ended.
    pub fn desired(&self) -> BTreeMap<String, Desired> {
        self.previous
            .components
            .iter()
            .map(|(name, recorded)| (name.clone(), recorded.desired))
            .collect()
    }

    /// Stops processes that a previous supervisor left running, when they
    /// are the same processes (same boot, same start time).
    pub async fn recover(&mut self, config: &Config) {
        let same_boot = self.boot_id.is_some() && self.previous.boot_id == self.boot_id;
        if !same_boot {
            return;
        }
        // Groups stop in parallel, so start-up waits for the slowest, not the sum.
        let mut stops = Vec::new();
        let mut groups = std::collections::BTreeSet::new();
        for (name, recorded) in &self.previous.components {
            for process in &recorded.processes {
                let Some((start_time, pgid)) = crate::process::start_time_and_group(process.pid)
                else {
                    continue;
                };
                if start_time != process.start_time {
                    continue;
                }
                // The same process (its start time matches), so its group now
                // is the one to stop, also when it called `setsid` after the
                // state file was written.
                tracing::warn!(component = %name, pid = process.pid, pgid, "stopping a process left running by a previous supervisor");
                if !groups.insert(pgid) {
                    continue;
                }
                let timeout = config
                    .components
                    .get(name)
                    .map(|component| component.stop_timeout)
                    .unwrap_or(RECOVERY_STOP_TIMEOUT);
                stops.push(crate::process::stop_group(pgid, timeout));
            }
        }
        futures_util::future::join_all(stops).await;
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn save_if_dirty(&mut self, components: &BTreeMap<String, Component>) {
        if self.dirty {
            self.save(components);
        }
    }

    pub fn save(&mut self, components: &BTreeMap<String, Component>) {
        self.dirty = false;
        let state = StateFile {
            version: STATE_VERSION,
            boot_id: self.boot_id.clone(),
            supervisor_pid: std::process::id(),
            components: components
                .iter()
                .map(|(name, component)| (name.clone(), record(component)))
                .collect(),
        };
        if let Err(error) = write_atomically(&self.path, &state) {
            tracing::error!(path = %self.path.display(), %error, "cannot write the state file");
        }
    }
}

/// Records the desired state and every process of the live run, so recovery
/// also finds processes that left the leader's group with `setsid`. Recovery
/// stops each one's group as it is then, so no group is recorded.
fn record(component: &Component) -> Recorded {
    let members = component.run.iter().flat_map(|run| run.members.iter().copied());
    let processes = members
        .filter_map(|pid| {
            let start_time = crate::process::start_time(pid)?;
            Some(RecordedProcess { pid, start_time })
        })
        .collect();
    Recorded { desired: component.desired, processes }
}

fn write_atomically(path: &std::path::Path, state: &StateFile) -> std::io::Result<()> {
    let temporary = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}
