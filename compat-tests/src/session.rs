//! The replayable form of one recorded session, whatever file format it came from.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The recording formats this harness reads (one per set directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `aime-v2/*.txt`: fixture-driven transcripts with colour tokens.
    AimeV2,
    /// `aime-v2-real/json/*.json`: real-engine recordings.
    AimeV2Real,
    /// `ds01/*.txt`: DS01 sessions.
    Ds01,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::AimeV2 => "aime-v2 transcript",
            Format::AimeV2Real => "aime-v2-real json",
            Format::Ds01 => "ds01 transcript",
        }
    }
}

/// How stdin/stdout/stderr were connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Three pipes, no controlling terminal.
    Pipe,
    /// One pseudo-terminal for all three streams, which is also the controlling tty.
    Pty,
    /// stdin/stdout on the pty, stderr on a pipe.
    PtyStderr,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Pipe => "pipe",
            Mode::Pty => "pty",
            Mode::PtyStderr => "pty-stderr",
        }
    }

    pub fn uses_pty(self) -> bool {
        !matches!(self, Mode::Pipe)
    }
}

/// What to execute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// argv\[0\] is a command name looked up in the link directory.
    Argv(Vec<String>),
    /// `/bin/bash -c LINE`.
    Shell(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    /// Written to /proc/self/loginuid; `None` leaves it unset.
    pub loginuid: Option<u32>,
}

/// When a piece of typed input is sent (checked against the ANSI-stripped output seen since
/// the previous input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The text appears anywhere.
    Contains(String),
    /// The output ends with the text (a Python `re.escape(text) + "$"` prompt regex).
    EndsWith(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedInput {
    pub trigger: Trigger,
    pub keys: Vec<u8>,
}

/// Running state a container must be in before the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WantStatus {
    Created,
    Running,
    Exited(i32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub labels: BTreeMap<String, String>,
    pub status: WantStatus,
    /// Processes `docker top` must show while running.
    pub procs: u32,
    /// Supplementary groups of its processes (`--group-add`, as recorded), which `id` in it
    /// shows.
    pub group_add: Vec<String>,
    /// The account that mlc's setup added to its image (name, uid, gid), where the recorded
    /// setup ran.
    pub account: Option<(String, u32, u32)>,
}

/// The engine state a session assumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Exactly these managed containers (empty: none).
    Containers(Vec<ContainerSpec>),
    /// Whatever the earlier sessions of the set left (DS01 sessions are recorded in sequence).
    Sequential,
}

impl State {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        matches!(self, State::Containers(c) if c.is_empty())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedExit {
    Code(i32),
    /// The recorder killed the session (DS01 `=== exit: TIMEOUT ===`).
    Timeout,
}

/// How a recorded stream body relates to what the program wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamRule {
    /// Byte for byte.
    Exact,
    /// Only the last N lines were kept (aime-v2 stderr).
    LastLines(usize),
    /// The recorder added a newline when the body did not end with one (DS01 stderr and pty
    /// output).
    NewlineTerminated,
    /// The recorder always added a newline after the body (DS01 pipe stdout).
    NewlineAppended,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Pipe stdout, or (pty-stderr) the pty's output.
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    /// Merged pty output (pty mode).
    pub pty: Option<String>,
    pub exit: ExpectedExit,
    pub stdout_rule: StreamRule,
    pub stderr_rule: StreamRule,
    /// Lines the recording's stand-in docker printed (`[fake docker …]`, `Untagged: …`):
    /// matched as "any lines" (aime-v2).
    pub fake_docker_lines: bool,
}

/// The fake `apt` the session's host had (`apt list --installed` output and exit status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeApt {
    pub stdout: String,
    pub rc: i32,
}

#[derive(Clone, Debug)]
pub struct Session {
    /// `set/name`.
    pub id: String,
    pub set: String,
    pub name: String,
    pub source: PathBuf,
    pub format: Format,
    /// The command line as recorded (for reports).
    pub command_line: String,
    pub invocation: Invocation,
    /// Every program the command runs that ds01 must provide.
    pub programs: Vec<String>,
    pub user: User,
    pub cwd: String,
    /// The complete environment, before the harness adds PATH/DOCKER_HOST entries.
    pub env: Vec<(String, String)>,
    pub mode: Mode,
    /// Terminal size (rows, cols) in pty modes.
    pub pty_size: (u16, u16),
    /// Pipe stdin (None: empty).
    pub stdin: Option<Vec<u8>>,
    pub typed: Vec<TypedInput>,
    /// Answers to `ESC[6n` cursor-position queries, in order (the last one repeats).
    pub cursor_replies: Vec<Vec<u8>>,
    pub state: State,
    /// The recording played a Docker daemon that does not answer: the
    /// session runs with DOCKER_HOST at the default socket (where nothing
    /// listens on test machines).
    pub engine_down: bool,
    /// Root shell commands run before the session (DS01 `# setup before session`).
    pub setup: Vec<String>,
    pub expected: Expected,
    /// A help/reference page: compared on synopsis, flags, stream and exit code only.
    pub help: bool,
    /// Things the replay could not reproduce faithfully (shown with a failure).
    pub notes: Vec<String>,
    /// Why this session cannot be replayed at all (it then fails with this reason).
    pub unsupported: Option<String>,
    pub apt: Option<FakeApt>,
    /// Put DS01's fake `nvidia-smi` on PATH.
    pub fake_nvidia_smi: bool,
    /// How long the original ran (DS01's `# wall time`): a session gets at least
    /// twice that as its time limit.
    pub recorded_secs: Option<f64>,
    /// Images whose pull the recording shows succeeding (the aime-v2 stand-in engine, or
    /// the aime-v2-real recorder's shim, answered it): the local registry that stands for
    /// Docker Hub serves them during this session (`compat-tests/engine/registry`).
    pub pulls: Vec<String>,
    /// Those pulls printed no `Digest:` line (the aime-v2-real shim left it out): ours is
    /// not compared.
    pub pull_digest_omitted: bool,
    /// `mlc update-sys` recorded in a git clone of the installation: the clone the replay
    /// makes for it (see `crate::checkout`).
    pub mlc_checkout: Option<crate::checkout::Checkout>,
}

impl Session {
    /// Changes containers (and so must run in recording order on the shared engine).
    pub fn mutates(&self) -> bool {
        if self.help {
            return false;
        }
        const VERBS: [&str; 13] = [
            "create", "remove", "start", "stop", "open", "pause", "unpause", "retire", "deploy",
            "run", "delete", "attach", "rm",
        ];
        let words: Vec<&str> = match &self.invocation {
            Invocation::Argv(a) => a.iter().map(String::as_str).collect(),
            Invocation::Shell(s) => s.split_whitespace().collect(),
        };
        words
            .iter()
            .flat_map(|w| w.split(['-', '_', '/']))
            .chain(self.programs.iter().flat_map(|p| p.split(['-', '_'])))
            .any(|w| VERBS.contains(&w))
    }

    /// Can run in the worker pool: needs no containers and changes none.
    pub fn parallel_safe(&self) -> bool {
        if self.help {
            return true;
        }
        match &self.state {
            State::Containers(c) => c.is_empty() && !self.mutates(),
            State::Sequential => {
                !self.mutates()
                    && self.setup.is_empty()
                    && self.programs.iter().all(|p| p == "get_resource_limits")
            }
        }
    }
}
