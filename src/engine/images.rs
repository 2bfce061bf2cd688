//! Image requests: inspect, pull (shown as the docker CLI shows it),
//! commit and remove.

use super::{Engine, EngineError};
use bollard::models::{ContainerConfig, ImageDeleteResponseItem, ImageInspect, ImageSummary};
use bollard::query_parameters::{
    CommitContainerOptions, CreateImageOptions, ListImagesOptions, RemoveImageOptions,
};
use futures_util::StreamExt;

/// Split `repo[:tag]` (a registry port is not a tag).
pub fn split_reference(reference: &str) -> (&str, Option<&str>) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (reference, None),
    }
}

impl Engine {
    /// `docker images` (`all`: with intermediate layers), newest first.
    pub fn list_images(&self, all: bool) -> Result<Vec<ImageSummary>, EngineError> {
        self.call("GET /images/json", |d| {
            let options = ListImagesOptions {
                all,
                ..Default::default()
            };
            async move { d.list_images(Some(options)).await }
        })
    }

    /// The image, or `None` when the engine has no such image.
    pub fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspect>, EngineError> {
        let reference = reference.to_string();
        match self.call("GET /images/{name}/json", |d| {
            let r = reference.clone();
            async move { d.inspect_image(&r).await }
        }) {
            Ok(i) => Ok(Some(i)),
            Err(EngineError::Daemon { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Pull an image.  `progress` is told each line `docker pull` prints
    /// on a pipe (the status lines; progress bars are for terminals); the
    /// error is the daemon's message.
    pub fn pull(&self, reference: &str, progress: &mut dyn FnMut(&str)) -> Result<(), String> {
        let (repo, tag) = split_reference(reference);
        if tag.is_none() {
            progress("Using default tag: latest");
        }
        let tag = tag.unwrap_or("latest").to_string();
        let repo = repo.to_string();
        self.trace("POST /images/create");
        let docker = self.docker();
        self.runtime.block_on(async move {
            let options = CreateImageOptions {
                from_image: Some(repo.clone()),
                tag: Some(tag.clone()),
                ..Default::default()
            };
            let mut stream = docker.create_image(Some(options), None, None);
            while let Some(item) = stream.next().await {
                let info = item.map_err(stream_error)?;
                if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                    return Err(detail);
                }
                if info.progress_detail.is_some_and(|p| p.total.is_some()) {
                    continue;
                }
                let status = info.status.unwrap_or_default();
                match info.id {
                    Some(id) if !id.is_empty() => progress(&format!("{id}: {status}")),
                    _ => progress(&status),
                }
            }
            progress(&qualified(&repo, &tag));
            Ok(())
        })
    }

    /// `docker commit CONTAINER REPO:TAG`, keeping the container's config.
    pub fn commit(&self, container: &str, repo: &str, tag: &str) -> Result<String, EngineError> {
        let (container, repo, tag) = (container.to_string(), repo.to_string(), tag.to_string());
        self.call("POST /commit", |d| {
            let options = CommitContainerOptions {
                container: Some(container.clone()),
                repo: Some(repo.clone()),
                tag: Some(tag.clone()),
                pause: true,
                ..Default::default()
            };
            async move {
                d.commit_container(options, ContainerConfig::default())
                    .await
            }
        })
        .map(|r| r.id)
    }

    /// `docker image rm [-f] REFERENCE`: what was untagged and deleted, in
    /// order (untagged parents are pruned).
    pub fn remove_image(
        &self,
        reference: &str,
        force: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>, EngineError> {
        let reference = reference.to_string();
        self.call("DELETE /images/{name}", |d| {
            let r = reference.clone();
            async move {
                d.remove_image(
                    &r,
                    Some(RemoveImageOptions {
                        force,
                        ..Default::default()
                    }),
                    None,
                )
                .await
            }
        })
    }
}

/// The daemon's message of a failed pull.
fn stream_error(e: bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message,
        bollard::errors::Error::DockerStreamError { error } => error,
        e => e.to_string(),
    }
}

/// The name `docker pull` ends with: `docker.io/library/busybox:latest`.
fn qualified(repo: &str, tag: &str) -> String {
    if repo.contains('/') {
        format!("docker.io/{repo}:{tag}")
    } else {
        format!("docker.io/library/{repo}:{tag}")
    }
}
