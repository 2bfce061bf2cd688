//! One-shot requests: a command run in a container with its output
//! collected (`docker exec NAME CMD`), and one run in a throwaway container
//! of an image (`docker run --rm`).

use super::install::Stream;
use super::{Engine, EngineError};
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::LogsOptions;
use futures_util::StreamExt;

/// What a finished exec printed, and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub status: i64,
    pub stdout: String,
    pub stderr: String,
}

impl Engine {
    /// Run `cmd` in the running container `name` (as its default user)
    /// and collect its output.  A command the container cannot start is
    /// the daemon's error, worded as the docker CLI prints it
    /// (`OCI runtime exec failed: ...`), on its stdout.
    pub fn exec_output(&self, name: &str, cmd: &[&str]) -> Result<ExecOutput, EngineError> {
        let cmd: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = self.exec_streamed(name, &cmd, &mut |stream, bytes| match stream {
            Stream::Stdout => out.extend_from_slice(bytes),
            Stream::Stderr => err.extend_from_slice(bytes),
        })?;
        Ok(ExecOutput {
            status: status.unwrap_or(0),
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
        })
    }

    /// `docker run --rm --entrypoint ENTRYPOINT IMAGE ARGS`: what the
    /// command printed on stdout, or `None` when it did not run or failed.
    pub fn run_output(&self, image: &str, entrypoint: &str, args: &[&str]) -> Option<String> {
        let name = format!("ds01-probe-{}", std::process::id());
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            entrypoint: Some(vec![entrypoint.to_string()]),
            cmd: Some(args.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        self.create_container(&name, &body).ok()?;
        let status = self.run_to_completion(&name);
        let output = self.logs_stdout(&name);
        let _ = self.remove_container_force(&name);
        (status.ok()? == 0).then_some(output.ok()?)
    }

    fn logs_stdout(&self, name: &str) -> Result<String, EngineError> {
        self.trace("GET /containers/{name}/logs");
        let docker = self.docker();
        let name = name.to_string();
        let result = self.runtime.block_on(async move {
            let options = LogsOptions {
                stdout: true,
                ..Default::default()
            };
            let mut stream = docker.logs(&name, Some(options));
            let mut out = Vec::new();
            while let Some(chunk) = stream.next().await {
                out.extend_from_slice(&chunk?.into_bytes());
            }
            Ok(out)
        });
        let out = result.map_err(|e| self.classify(e))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
