//! The daemon's description of itself (`GET /info`): its version and the
//! container runtimes it knows, for `version`.

use super::{Engine, EngineError};

/// What `version` reports about the daemon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonInfo {
    /// The engine's version (`20.10.24`).
    pub version: String,
    /// The runtimes it can run containers with (`runc`, `nvidia`, ...).
    pub runtimes: Vec<String>,
}

impl Engine {
    /// `GET /info`, reduced to what `version` shows.
    pub fn daemon_info(&self) -> Result<DaemonInfo, EngineError> {
        let info = self.call("GET /info", |d| async move { d.info().await })?;
        let mut runtimes: Vec<String> = info
            .runtimes
            .map(|r| r.into_keys().collect())
            .unwrap_or_default();
        runtimes.sort();
        Ok(DaemonInfo {
            version: info.server_version.unwrap_or_default(),
            runtimes,
        })
    }
}
