//! Creating containers: create, run to completion, remove.

use super::{Engine, EngineError};
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, RemoveContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

impl Engine {
    /// `docker create --name NAME ...`; returns the container id.
    pub fn create_container(
        &self,
        name: &str,
        body: &ContainerCreateBody,
    ) -> Result<String, EngineError> {
        let name = name.to_string();
        self.call("POST /containers/create", |d| {
            let options = CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            };
            let body = body.clone();
            async move { d.create_container(Some(options), body).await }
        })
        .map(|r| r.id)
    }

    /// Start a created container and wait for it to exit; its exit code.
    pub fn run_to_completion(&self, name: &str) -> Result<i64, EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{id}/start", |d| {
            let n = name.clone();
            async move { d.start_container(&n, None::<StartContainerOptions>).await }
        })?;
        self.trace("POST /containers/{id}/wait");
        let docker = self.docker();
        let result = self.runtime.block_on(async move {
            let mut stream = docker.wait_container(
                &name,
                Some(WaitContainerOptions {
                    condition: "not-running".into(),
                }),
            );
            stream.next().await
        });
        match result {
            Some(Ok(r)) => Ok(r.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(self.classify(e)),
            None => Err(EngineError::Other(
                "the engine did not report an exit".into(),
            )),
        }
    }

    /// Remove a container (and its anonymous volumes), running or not.
    /// A container that is already gone is not an error.
    pub fn remove_container_force(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        match self.call("DELETE /containers/{id}", |d| {
            let n = name.clone();
            async move {
                d.remove_container(
                    &n,
                    Some(RemoveContainerOptions {
                        force: true,
                        v: true,
                        ..Default::default()
                    }),
                )
                .await
            }
        }) {
            Err(EngineError::Daemon { status: 404, .. }) => Ok(()),
            other => other,
        }
    }
}
