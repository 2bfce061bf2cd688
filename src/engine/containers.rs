//! Container lifecycle requests: start, stop, remove, inspect, top, exec
//! (attached with or without a terminal, or detached), and the removal of a
//! container's image.

use super::{Engine, EngineError};
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::exec::{ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::models::{ContainerInspectResponse, ContainerTopResponse, ExecConfig};
use bollard::query_parameters::TopOptions;
use bollard::Docker;
use futures_util::{Stream, StreamExt};
use std::io::Write;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::Receiver;

/// The next chunk of input, or never when there is no (more) input.
async fn next_input(rx: &mut Option<Receiver<Vec<u8>>>) -> Option<Vec<u8>> {
    match rx {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

impl Engine {
    /// `POST /containers/{name}/start`; returns once the container runs.
    pub fn start_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{name}/start", move |d| {
            let name = name.clone();
            async move { d.start_container(&name, None).await }
        })
    }

    /// `POST /containers/{name}/stop` with the engine's default grace time
    /// (as `docker container stop` without `-t`).
    pub fn stop_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("POST /containers/{name}/stop", move |d| {
            let name = name.clone();
            async move { d.stop_container(&name, None).await }
        })
    }

    /// `DELETE /containers/{name}` (not forced, volumes kept), as
    /// `docker container rm NAME`.
    pub fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        let name = name.to_string();
        self.call("DELETE /containers/{name}", move |d| {
            let name = name.clone();
            async move { d.remove_container(&name, None).await }
        })
    }

    /// `GET /containers/{name}/json`.
    pub fn inspect_container(&self, name: &str) -> Result<ContainerInspectResponse, EngineError> {
        let name = name.to_string();
        self.call("GET /containers/{name}/json", move |d| {
            let name = name.clone();
            async move { d.inspect_container(&name, None).await }
        })
    }

    /// `GET /containers/{id}/json` for many containers at once (the
    /// requests overlap).  A container removed meanwhile is left out; any
    /// other failure is an error, so nobody mistakes "unknown" for "free".
    /// At most `at_once` requests are in flight (each holds a connection,
    /// i.e. a file descriptor), the next starting as soon as one ends.
    pub fn inspect_containers(
        &self,
        ids: &[String],
        at_once: usize,
    ) -> Result<Vec<ContainerInspectResponse>, EngineError> {
        use futures_util::StreamExt;
        for _ in ids {
            self.trace("GET /containers/{id}/json");
        }
        let docker = self.docker();
        let results: Vec<_> = self.runtime.block_on(async {
            let requests = ids.iter().map(|id| {
                let d = docker.clone();
                let id = id.clone();
                async move { d.inspect_container(&id, None).await }
            });
            futures_util::stream::iter(requests)
                .buffered(at_once.max(1))
                .collect()
                .await
        });
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match r.map_err(|e| self.classify(e)) {
                Ok(c) => out.push(c),
                Err(EngineError::Daemon { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The container with exactly this name, or `None` when there is none.
    /// (Names with `._.` in them cannot be taken for an id prefix.)
    pub fn find_container(
        &self,
        name: &str,
    ) -> Result<Option<ContainerInspectResponse>, EngineError> {
        match self.inspect_container(name) {
            Ok(c) => Ok(Some(c)),
            Err(EngineError::Daemon { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /containers/{name}/top?ps_args=...`, as `docker top NAME ARGS`.
    pub fn top(&self, name: &str, ps_args: &str) -> Result<ContainerTopResponse, EngineError> {
        let name = name.to_string();
        let ps_args = ps_args.to_string();
        self.call("GET /containers/{name}/top", move |d| {
            let name = name.clone();
            let options = TopOptions {
                ps_args: ps_args.clone(),
            };
            async move { d.top_processes(&name, Some(options)).await }
        })
    }

    /// `POST /containers/{name}/exec`: the new exec's id.
    pub fn exec_create(&self, container: &str, config: &ExecConfig) -> Result<String, EngineError> {
        let container = container.to_string();
        let config = config.clone();
        let created = self.call("POST /containers/{name}/exec", move |d| {
            let container = container.clone();
            let config = config.clone();
            async move { d.create_exec(&container, config).await }
        })?;
        Ok(created.id)
    }

    /// `POST /exec/{id}/start` detached: returns once the process started.
    pub fn exec_start_detached(&self, exec_id: &str) -> Result<(), EngineError> {
        let id = exec_id.to_string();
        self.call("POST /exec/{id}/start", move |d| {
            let id = id.clone();
            async move {
                let options = StartExecOptions {
                    detach: true,
                    tty: false,
                    output_capacity: None,
                };
                d.start_exec(&id, Some(options)).await.map(|_| ())
            }
        })
    }

    /// `POST /exec/{id}/start` attached: copies the output to `output` and
    /// `input` (`None`: stdin not attached; the sender going away means end
    /// of input) to the process until the output ends (the process exited,
    /// or the engine detached us) or an empty chunk of input asks to detach
    /// (the docker CLI's detach keys; the process keeps running).  With a
    /// terminal, `resized` is asked at the start and every 100 ms for a new
    /// size (rows, columns) to give it.  Returns whether we detached.
    pub fn exec_attach(
        &self,
        exec_id: &str,
        tty: bool,
        input: Option<Receiver<Vec<u8>>>,
        resized: &mut dyn FnMut() -> Option<(u16, u16)>,
        output: &mut dyn Write,
    ) -> Result<bool, EngineError> {
        self.trace("POST /exec/{id}/start (attached)");
        let session = AttachedExec {
            docker: self.docker(),
            id: exec_id.to_string(),
            tty,
            resized,
            output,
        };
        let result = self.runtime.block_on(session.run(input));
        result.map_err(|e| self.classify(e))
    }

    /// How the exec ended: its exit status, or `None` when it still runs
    /// (we were detached).  Right after its output ended the engine may not
    /// have recorded the exit yet, so a running exec is asked again for a
    /// short while first.
    pub fn exec_end(&self, exec_id: &str) -> Result<Option<i64>, EngineError> {
        for attempt in 0..20u64 {
            let id = exec_id.to_string();
            let state = self.call("GET /exec/{id}/json", move |d| {
                let id = id.clone();
                async move { d.inspect_exec(&id).await }
            })?;
            if !state.running.unwrap_or(false) {
                return Ok(Some(state.exit_code.unwrap_or(0)));
            }
            std::thread::sleep(Duration::from_millis(10 + 5 * attempt));
        }
        Ok(None)
    }
}

/// The process's output, as the engine streams it.
type OutputStream = Pin<Box<dyn Stream<Item = Result<LogOutput, BollardError>> + Send>>;
/// The process's stdin.
type InputSink = Pin<Box<dyn AsyncWrite + Send>>;

/// One attached exec: see [`Engine::exec_attach`].
struct AttachedExec<'a> {
    docker: Docker,
    id: String,
    tty: bool,
    resized: &'a mut dyn FnMut() -> Option<(u16, u16)>,
    output: &'a mut dyn Write,
}

impl AttachedExec<'_> {
    /// Start the exec attached and copy until it ends; whether we detached.
    async fn run(mut self, input: Option<Receiver<Vec<u8>>>) -> Result<bool, BollardError> {
        let options = StartExecOptions {
            detach: false,
            tty: self.tty,
            output_capacity: None,
        };
        let (stream, sink) = match self.docker.start_exec(&self.id, Some(options)).await? {
            StartExecResults::Attached { output, input } => (output, input),
            StartExecResults::Detached => return Ok(false),
        };
        if self.tty {
            self.size_terminal_at_start().await;
        }
        self.copy(stream, sink, input).await
    }

    async fn resize(&self, (height, width): (u16, u16)) -> Result<(), BollardError> {
        let options = ResizeExecOptions { height, width };
        self.docker.resize_exec(&self.id, options).await
    }

    async fn size_terminal_at_start(&mut self) {
        let Some(size) = (self.resized)() else {
            return;
        };
        // The process may not be up yet: `docker exec` retries too.
        for attempt in 1..=10u64 {
            if self.resize(size).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10 * attempt)).await;
        }
    }

    /// Output to `output` and input to the process until the output ends
    /// or an empty chunk of input asks to detach; whether we detached.
    async fn copy(
        &mut self,
        mut stream: OutputStream,
        mut sink: InputSink,
        mut input: Option<Receiver<Vec<u8>>>,
    ) -> Result<bool, BollardError> {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                frame = stream.next() => match frame {
                    Some(Ok(frame)) => {
                        // A closed stdout must not stop the process
                        // from being waited for.
                        let _ = self.output.write_all(frame.as_ref());
                        let _ = self.output.flush();
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Ok(false),
                },
                data = next_input(&mut input) => match data {
                    Some(bytes) if bytes.is_empty() => return Ok(true),
                    Some(bytes) => {
                        if sink.write_all(&bytes).await.is_err() || sink.flush().await.is_err() {
                            input = None;
                        }
                    }
                    None => {
                        // End of our input: half-close, as `docker exec` does.
                        let _ = sink.shutdown().await;
                        input = None;
                    }
                },
                _ = tick.tick(), if self.tty => {
                    if let Some(size) = (self.resized)() {
                        let _ = self.resize(size).await;
                    }
                }
            }
        }
    }
}
