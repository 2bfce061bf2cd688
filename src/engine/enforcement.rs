//! Requests of `ds01-lifecycle` that no other command makes: whether a
//! path exists in a container's filesystem (its keep marker), which the
//! engine answers for stopped containers too.

use super::{Engine, EngineError};
use bollard::query_parameters::ContainerArchiveInfoOptions;

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
}
