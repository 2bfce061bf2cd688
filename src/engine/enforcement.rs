//! Requests about a container's keep marker, which `container-stop
//! --keep-container` leaves and `ds01-lifecycle` honours: whether a path
//! exists in a container's filesystem, and putting an empty file there.
//! The engine answers both for stopped containers too.

use super::{Engine, EngineError};
use bollard::query_parameters::{ContainerArchiveInfoOptions, UploadToContainerOptions};

impl Engine {
    /// `HEAD /containers/{name}/archive?path=PATH`: whether `path` exists
    /// in the container (running or not).
    pub fn path_exists_in(&self, name: &str, path: &str) -> Result<bool, EngineError> {
        let (name, path) = (name.to_string(), path.to_string());
        let answer = self.call("HEAD /containers/{name}/archive", move |d| {
            let (name, path) = (name.clone(), path.clone());
            async move {
                let options = ContainerArchiveInfoOptions { path };
                d.get_container_archive_info(&name, Some(options)).await
            }
        });
        match answer {
            Ok(_) => Ok(true),
            Err(EngineError::Daemon { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `PUT /containers/{name}/archive?path=DIR`: an empty file `file`
    /// (root's, 0644) in directory `dir` of the container.
    pub fn put_empty_file(&self, name: &str, dir: &str, file: &str) -> Result<(), EngineError> {
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let tar = super::build::one_empty_file(file, 0o644, mtime);
        let (name, dir) = (name.to_string(), dir.to_string());
        self.call("PUT /containers/{name}/archive", move |d| {
            let (name, tar) = (name.clone(), tar.clone());
            let options = UploadToContainerOptions {
                path: dir.clone(),
                ..Default::default()
            };
            async move {
                d.upload_to_container(&name, Some(options), bollard::body_full(tar.into()))
                    .await
            }
        })
    }
}
