//! The requests of DS01's lifecycle commands (container-pause, -unpause,
//! -stop, -remove): pause and unpause, stop within a grace time, kill, the
//! containers whose name matches a pattern (in `docker ps` order, with
//! sizes when asked), and the removal of volumes and dangling images.

use super::{ContainerSummary, Engine, EngineError, ImageSummary};
use bollard::query_parameters::{
    KillContainerOptions, ListContainersOptions, ListImagesOptions, ListVolumesOptions,
    RemoveVolumeOptions, StopContainerOptions,
};
use std::collections::HashMap;
use std::time::Duration;

/// How much longer than the grace time we wait for the engine's answer to
/// a stop (it answers once the container is down, SIGKILL included).
const STOP_ANSWER_SLACK_S: u64 = 60;

impl Engine {
    /// `POST /containers/{name}/pause` (`docker pause`).
    pub fn pause_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{name}/pause", move |d| {
            let name = name.clone();
            async move { d.pause_container(&name).await }
        })
    }

    /// `POST /containers/{name}/unpause` (`docker unpause`).
    pub fn unpause_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{name}/unpause", move |d| {
            let name = name.clone();
            async move { d.unpause_container(&name).await }
        })
    }

    /// `docker stop -t SECS NAME`: SIGTERM, then SIGKILL after `secs`;
    /// returns once the container is down.
    pub fn stop_within(&self, name: &str, secs: u32) -> Result<(), EngineError> {
        let name = name.to_string();
        let wait = Duration::from_secs(u64::from(secs) + STOP_ANSWER_SLACK_S);
        // The engine takes the grace time as a signed 32-bit number.
        let t = i32::try_from(secs).unwrap_or(i32::MAX);
        self.call("POST /containers/{name}/stop", move |d| {
            let name = name.clone();
            let options = StopContainerOptions {
                t: Some(t),
                signal: None,
            };
            async move {
                d.with_timeout(wait)
                    .stop_container(&name, Some(options))
                    .await
            }
        })
    }

    /// `docker kill NAME` (SIGKILL).
    pub fn kill_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{name}/kill", move |d| {
            let name = name.clone();
            let options = KillContainerOptions {
                signal: "KILL".into(),
            };
            async move { d.kill_container(&name, Some(options)).await }
        })
    }

    /// `docker ps -a --filter name=PATTERN` (a regular expression the
    /// engine matches against the names): every state, newest first, as
    /// `docker ps` lists them; `size` adds the disk sizes (`--size`).
    pub fn containers_named(
        &self,
        pattern: &str,
        size: bool,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let filters = HashMap::from([("name".to_string(), vec![pattern.to_string()])]);
        self.call("GET /containers/json", move |d| {
            let options = ListContainersOptions {
                all: true,
                size,
                filters: Some(filters.clone()),
                ..Default::default()
            };
            async move { d.list_containers(Some(options)).await }
        })
    }

    /// The names of the volumes no container uses (`docker volume ls -qf
    /// dangling=true`).
    pub fn dangling_volumes(&self) -> Result<Vec<String>, EngineError> {
        let filters = HashMap::from([("dangling".to_string(), vec!["true".to_string()])]);
        let answer = self.call("GET /volumes", move |d| {
            let options = ListVolumesOptions {
                filters: Some(filters.clone()),
            };
            async move { d.list_volumes(Some(options)).await }
        })?;
        Ok(answer
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect())
    }

    /// `docker volume rm NAME` (refused while a container uses it).
    pub fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("DELETE /volumes/{name}", move |d| {
            let name = name.clone();
            async move { d.remove_volume(&name, None::<RemoveVolumeOptions>).await }
        })
    }

    /// `docker images -f dangling=true -f label=LABEL`: untagged images
    /// carrying `label` (`key=value`).
    pub fn dangling_images_labelled(&self, label: &str) -> Result<Vec<ImageSummary>, EngineError> {
        let filters = HashMap::from([
            ("dangling".to_string(), vec!["true".to_string()]),
            ("label".to_string(), vec![label.to_string()]),
        ]);
        self.call("GET /images/json", move |d| {
            let options = ListImagesOptions {
                filters: Some(filters.clone()),
                ..Default::default()
            };
            async move { d.list_images(Some(options)).await }
        })
    }
}
