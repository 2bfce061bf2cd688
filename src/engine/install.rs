//! `docker exec CONTAINER CMD` without a terminal, its output streamed as
//! it comes (DS01's `image-install` shows pip working), stdout and stderr
//! kept apart as the docker CLI keeps them.

use super::{Engine, EngineError};
use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use futures_util::StreamExt;

/// Which of the process's streams a chunk of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Engine {
    /// Run `cmd` in the running container `name` (as its configured user)
    /// and hand each chunk of its output to `output` as it arrives; the
    /// exit status (`None` when the engine did not record one).
    pub fn exec_streamed(
        &self,
        name: &str,
        cmd: &[String],
        output: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<Option<i64>, EngineError> {
        let config = ExecConfig {
            cmd: Some(cmd.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let id = self.exec_create(name, &config)?;
        self.exec_stream(&id, output)?;
        self.exec_end(&id)
    }

    fn exec_stream(
        &self,
        id: &str,
        output: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<(), EngineError> {
        self.trace("POST /exec/{id}/start");
        let docker = self.docker();
        let id = id.to_string();
        let result = self.runtime.block_on(async move {
            let options = StartExecOptions {
                detach: false,
                tty: false,
                output_capacity: None,
            };
            if let StartExecResults::Attached {
                output: mut frames, ..
            } = docker.start_exec(&id, Some(options)).await?
            {
                while let Some(frame) = frames.next().await {
                    match frame? {
                        LogOutput::StdErr { message } => output(Stream::Stderr, &message),
                        other => output(Stream::Stdout, other.as_ref()),
                    }
                }
            }
            Ok(())
        });
        result.map_err(|e| self.classify(e))
    }
}
