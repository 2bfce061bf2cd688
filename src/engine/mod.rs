//! Docker Engine access through its HTTP API (bollard); ds01 never runs the
//! docker CLI.
//!
//! Requests are made at API 1.41 (Docker 20.10), the oldest engine we
//! support, so a current engine answers them too; an engine too new to
//! accept 1.41 makes us negotiate once and retry.

pub mod build;
mod containers;
mod enforcement;
mod image_admin;
mod images;
pub mod install;
mod lifecycle;
mod oneshot;
mod provision;
pub mod session;
pub mod system;
mod units;
pub use images::split_reference;
pub use oneshot::ExecOutput;
pub use units::{binary_size, decimal_size};

use bollard::query_parameters::{ListContainersOptions, StatsOptions};
use bollard::{ClientVersion, Docker};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::future::Future;

pub use bollard::models::{ContainerStatsResponse, ContainerSummary, ImageSummary};

const API_1_41: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};
const TIMEOUT_S: u64 = 120;

/// What went wrong talking to the engine, worded as the docker CLI words it
/// (the originals passed the CLI's message through).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// No daemon answers at this address.
    Unreachable {
        host: String,
    },
    /// The daemon answered with an error.
    Daemon {
        status: u16,
        message: String,
    },
    Other(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Unreachable { host } => write!(
                f,
                "Cannot connect to the Docker daemon at {host}. Is the docker daemon running?"
            ),
            EngineError::Daemon { message, .. } => {
                write!(f, "Error response from daemon: {message}")
            }
            EngineError::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// Told of every API request (`DS01_ENGINE_TRACE`: benchmarks count them).
pub type Tracer = std::rc::Rc<dyn Fn(&str)>;

/// Whether an I/O error somewhere in `e`'s chain is EMFILE or ENFILE.
fn out_of_descriptors(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if matches!(io.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE)) {
                return true;
            }
        }
        cause = c.source();
    }
    false
}

/// A connection to the engine plus the single-threaded runtime that drives
/// it; commands stay synchronous code.  Every request takes `&self`, so
/// the process context can share one engine (`Rc<Engine>`) with the
/// libraries it hands it to.
pub struct Engine {
    /// Replaced once if the engine makes us negotiate the API version.
    docker: std::cell::RefCell<Docker>,
    host: String,
    pub(crate) runtime: tokio::runtime::Runtime,
    tracer: Option<Tracer>,
}

fn connect_at(host: &str, version: &ClientVersion) -> Result<Docker, EngineError> {
    let unreachable = || EngineError::Unreachable {
        host: host.to_string(),
    };
    if host.starts_with("unix://") {
        Docker::connect_with_unix(host, TIMEOUT_S, version).map_err(|_| unreachable())
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, TIMEOUT_S, version).map_err(|_| unreachable())
    } else {
        Err(EngineError::Other(format!(
            "unable to parse docker host `{host}`"
        )))
    }
}

impl Engine {
    /// Connect lazily to `host` (`unix://...` or `tcp://...`): no request
    /// is made until the first call.  Only the process context calls this.
    pub fn connect(host: &str, tracer: Option<Tracer>) -> Result<Engine, EngineError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EngineError::Other(format!("cannot start the I/O runtime: {e}")))?;
        let docker = connect_at(host, &API_1_41)?;
        Ok(Engine {
            docker: std::cell::RefCell::new(docker),
            host: host.to_string(),
            runtime,
            tracer,
        })
    }

    /// The client (a cheap handle; the connection pool is shared).
    pub(crate) fn docker(&self) -> Docker {
        self.docker.borrow().clone()
    }

    /// Tell the tracer, if any, of a request.
    pub(crate) fn trace(&self, what: &str) {
        if let Some(t) = &self.tracer {
            t(what);
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn classify(&self, e: bollard::errors::Error) -> EngineError {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError {
                status_code,
                message,
            } => EngineError::Daemon {
                status: status_code,
                message,
            },
            B::JsonDataError { .. } | B::JsonSerdeError { .. } => {
                EngineError::Other(format!("unexpected answer from the Docker daemon: {e}"))
            }
            // Out of file descriptors is not a daemon that is down.
            e if out_of_descriptors(&e) => EngineError::Other(format!(
                "cannot reach the Docker daemon at {}: too many open files (the process's limit, ulimit -n, is too low)",
                self.host
            )),
            _ => EngineError::Unreachable {
                host: self.host.clone(),
            },
        }
    }

    /// Run one API call; if the engine is too new for API 1.41, negotiate
    /// the version once and repeat the call.
    pub(crate) fn call<T, F, Fut>(&self, what: &str, f: F) -> Result<T, EngineError>
    where
        F: Fn(Docker) -> Fut,
        Fut: Future<Output = Result<T, bollard::errors::Error>>,
    {
        self.trace(what);
        let first = self.runtime.block_on(f(self.docker()));
        match first {
            Ok(v) => Ok(v),
            Err(e) => {
                let err = self.classify(e);
                let too_old = matches!(&err, EngineError::Daemon { message, .. }
                    if message.contains("too old"));
                if !too_old {
                    return Err(err);
                }
                let fresh = connect_at(&self.host, bollard::API_DEFAULT_VERSION)?;
                let negotiated = self
                    .runtime
                    .block_on(fresh.negotiate_version())
                    .map_err(|e| self.classify(e))?;
                *self.docker.borrow_mut() = negotiated;
                self.runtime
                    .block_on(f(self.docker()))
                    .map_err(|e| self.classify(e))
            }
        }
    }

    /// Containers (all states), newest first, selected by label filters
    /// (`key` or `key=value`).  `size` asks the engine for disk sizes, which
    /// costs it real work: only when a SIZE column is shown.
    pub fn list_containers(
        &self,
        all: bool,
        labels: &[String],
        size: bool,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let mut filters = HashMap::new();
        if !labels.is_empty() {
            filters.insert("label".to_string(), labels.to_vec());
        }
        self.call("GET /containers/json", |d| {
            let options = ListContainersOptions {
                all,
                size,
                filters: (!filters.is_empty()).then(|| filters.clone()),
                ..Default::default()
            };
            async move { d.list_containers(Some(options)).await }
        })
    }

    /// One stats sample per container (with the previous CPU sample filled
    /// in, as `docker stats --no-stream` shows), fetched concurrently.
    pub fn stats(
        &self,
        ids: &[String],
    ) -> Vec<(String, Result<ContainerStatsResponse, EngineError>)> {
        let docker = self.docker();
        for _ in ids {
            self.trace("GET /containers/{id}/stats");
        }
        let results = self.runtime.block_on(async {
            let futures = ids.iter().map(|id| {
                let d = docker.clone();
                let id = id.clone();
                async move {
                    let options = StatsOptions {
                        stream: false,
                        one_shot: false,
                    };
                    let mut stream = d.stats(&id, Some(options));
                    let first = stream.next().await;
                    (id, first)
                }
            });
            futures_util::future::join_all(futures).await
        });
        results
            .into_iter()
            .map(|(id, r)| {
                let r = match r {
                    Some(Ok(s)) => Ok(s),
                    Some(Err(e)) => Err(self.classify(e)),
                    None => Err(EngineError::Other("no stats returned".into())),
                };
                (id, r)
            })
            .collect()
    }
}
