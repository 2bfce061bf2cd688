//! One context per process: who is calling, the environment as it was at
//! start, the engine (connected on first use, once), DS01's configuration
//! (loaded on first use, once), where output goes, the mode (atomic or
//! under an orchestrator) and who answers questions.
//!
//! Commands receive a `&mut Ctx` and print through it; libraries take what
//! they need as arguments and never print, connect or read the
//! environment themselves.  An orchestrator runs an atomic command with
//! [`Ctx::orchestrated`] (banners silenced) and may capture what it
//! prints with [`Ctx::capture`].

use crate::aime::create::CreatePolicy;
use crate::engine::{Engine, EngineError};
use crate::identity::Identity;
use crate::policy::limits::{Config, ConfigError};
use crate::settings::Settings;
use crate::ui::prompt::Interrupted;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::rc::Rc;

/// The environment variables of the process, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The value, when set and not empty (how the originals tested them).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether the variable is set at all, even empty.
    pub fn is_set(&self, key: &str) -> bool {
        self.vars.contains_key(key)
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.vars.insert(key.to_string(), value.to_string());
    }
}

/// Atomic (a user typed the command) or run by an orchestrator, which
/// silences banners, "next steps" and post-exit menus (DS01's
/// `DS01_CONTEXT` / `DS01_ORCHESTRATOR`, reference §0.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mode {
    /// `atomic`, `orchestration`, or another interface name (`api`).
    pub context: String,
    /// `deploy`, `retire`, ... when an orchestrator runs the command.
    pub orchestrator: Option<String>,
}

impl Mode {
    pub fn atomic() -> Mode {
        Mode {
            context: "atomic".into(),
            orchestrator: None,
        }
    }

    pub fn from_env(env: &Env) -> Mode {
        Mode {
            context: env.get("DS01_CONTEXT").unwrap_or("atomic").to_string(),
            orchestrator: env.get("DS01_ORCHESTRATOR").map(str::to_string),
        }
    }

    /// Whether atomic commands keep quiet about banners and menus.
    pub fn silenced(&self) -> bool {
        self.orchestrator.is_some() || self.context != "atomic"
    }
}

/// Where a stream of output goes.
#[derive(Debug)]
pub enum Sink {
    Stdout,
    Stderr,
    /// Kept for the caller ([`Ctx::capture`]).
    Buffer(Vec<u8>),
    Discard,
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout => std::io::stdout().lock().write(bytes),
            Sink::Stderr => std::io::stderr().lock().write(bytes),
            Sink::Buffer(b) => b.write(bytes),
            Sink::Discard => Ok(bytes.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout => std::io::stdout().flush(),
            Sink::Stderr => std::io::stderr().flush(),
            _ => Ok(()),
        }
    }
}

impl Sink {
    /// Write and flush, so that output of child processes that share the
    /// stream comes after it.  A closed stream is not worth a panic.
    fn put(&mut self, text: &str) {
        let _ = self.write_all(text.as_bytes());
        let _ = self.flush();
    }

    fn is_terminal_stdout(&self) -> bool {
        matches!(self, Sink::Stdout) && std::io::stdout().is_terminal()
    }
}

/// Who answers questions: the person at the terminal, or a script of
/// answers (an orchestrator that already knows them, or a test).
#[derive(Debug)]
pub enum Prompter {
    Terminal,
    Scripted(VecDeque<String>),
}

/// What [`Ctx::capture`] kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
}

pub struct Ctx {
    pub caller: Identity,
    pub env: Env,
    pub settings: Settings,
    pub mode: Mode,
    pub prompter: Prompter,
    /// Who decides a create's GPUs and quotas (DS01's allocator on a DS01
    /// server); none: AIME's own rules.
    pub create_policy: Option<Rc<dyn CreatePolicy>>,
    out: Sink,
    err: Sink,
    engine: Option<Rc<Engine>>,
    config: Option<Result<Rc<Config>, ConfigError>>,
}

impl Ctx {
    /// The context of this process: its caller, environment and streams.
    pub fn from_process() -> Ctx {
        let env = Env::from_process();
        Ctx::new(Identity::current(&env), env)
    }

    /// A context for `caller` with `env`, printing to stdout and stderr.
    pub fn new(caller: Identity, env: Env) -> Ctx {
        Ctx {
            settings: Settings::from_env(&env, caller.uid),
            mode: Mode::from_env(&env),
            caller,
            env,
            prompter: Prompter::Terminal,
            create_policy: None,
            out: Sink::Stdout,
            err: Sink::Stderr,
            engine: None,
            config: None,
        }
    }

    pub fn out(&mut self, text: &str) {
        self.out.put(text);
    }

    /// Like Python's `print`: the text and a newline.
    pub fn println(&mut self, text: &str) {
        self.out.put(&format!("{text}\n"));
    }

    pub fn err(&mut self, text: &str) {
        self.err.put(text);
    }

    /// The output stream as a writer (for streams copied from the engine).
    pub fn out_writer(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// The engine connection, made on first use and shared after that.
    pub fn engine(&mut self) -> Result<Rc<Engine>, EngineError> {
        if let Some(engine) = &self.engine {
            return Ok(engine.clone());
        }
        let tracer: Option<crate::engine::Tracer> = self.settings.engine_trace.then(|| {
            Rc::new(|what: &str| {
                let _ = writeln!(std::io::stderr().lock(), "ds01: engine: {what}");
            }) as crate::engine::Tracer
        });
        let engine = Rc::new(Engine::connect(&self.settings.docker_host, tracer)?);
        self.engine = Some(engine.clone());
        Ok(engine)
    }

    /// DS01's configuration, read on first use (`ConfigError::Missing`
    /// on a host without one).
    pub fn config(&mut self) -> Result<Rc<Config>, ConfigError> {
        let dir = &self.settings.config_dir;
        self.config
            .get_or_insert_with(|| Config::load_from(dir).map(Rc::new))
            .clone()
    }

    /// Run `f` with both streams kept; returns its result and the text.
    pub fn capture<T>(&mut self, f: impl FnOnce(&mut Ctx) -> T) -> (T, Captured) {
        let out = std::mem::replace(&mut self.out, Sink::Buffer(Vec::new()));
        let err = std::mem::replace(&mut self.err, Sink::Buffer(Vec::new()));
        let result = f(self);
        let take = |s: Sink| match s {
            Sink::Buffer(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let captured = Captured {
            stdout: take(std::mem::replace(&mut self.out, out)),
            stderr: take(std::mem::replace(&mut self.err, err)),
        };
        (result, captured)
    }

    /// Run `f` as the orchestrator `by` runs an atomic command.
    pub fn orchestrated<T>(&mut self, by: &str, f: impl FnOnce(&mut Ctx) -> T) -> T {
        let mode = std::mem::replace(
            &mut self.mode,
            Mode {
                context: "orchestration".into(),
                orchestrator: Some(by.to_string()),
            },
        );
        let result = f(self);
        self.mode = mode;
        result
    }

    /// Whether a person can be asked: stdin and stdout are terminals (the
    /// originals' `[ -t 0 ] && [ -t 1 ]`), or answers are scripted.
    pub fn interactive(&self) -> bool {
        match self.prompter {
            Prompter::Scripted(_) => true,
            Prompter::Terminal => std::io::stdin().is_terminal() && self.out.is_terminal_stdout(),
        }
    }

    /// Python's `input(prompt)`: the prompt goes to stderr when stdin and
    /// stdout are both terminals (readline), else to stdout; one line is
    /// read from stdin.  End of input is `Interrupted`.
    pub fn ask(&mut self, prompt: &str) -> Result<String, Interrupted> {
        if let Prompter::Scripted(answers) = &mut self.prompter {
            let answer = answers.pop_front().ok_or(Interrupted);
            self.out.put(prompt);
            return answer;
        }
        if std::io::stdin().is_terminal() && self.out.is_terminal_stdout() {
            self.err.put(prompt);
        } else {
            self.out.put(prompt);
        }
        read_line(&mut std::io::stdin().lock())
    }

    /// Bash's `read -p PROMPT VAR </dev/tty`, as DS01's scripts ask: the
    /// prompt on stderr, the answer from the controlling terminal.  No
    /// terminal (or end of input) is `Interrupted`: the script aborted.
    pub fn ask_tty(&mut self, prompt: &str) -> Result<String, Interrupted> {
        if let Prompter::Scripted(answers) = &mut self.prompter {
            let answer = answers.pop_front().ok_or(Interrupted);
            self.err.put(prompt);
            return answer;
        }
        let tty = std::fs::File::open("/dev/tty").map_err(|_| Interrupted)?;
        self.err.put(prompt);
        read_line(&mut std::io::BufReader::new(tty))
    }
}

/// One line without its newline (and a CR before it); end of input or an
/// error is `Interrupted`.
fn read_line(input: &mut dyn BufRead) -> Result<String, Interrupted> {
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => Err(Interrupted),
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
                if line.ends_with('\r') {
                    line.pop();
                }
            }
            Ok(line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        let caller = Identity {
            uid: 1000,
            gid: 1000,
            login: "alice".into(),
            home: "/home/alice".into(),
        };
        Ctx::new(caller, Env::from_pairs([("DS01_CONTEXT", "atomic")]))
    }

    #[test]
    fn capture_keeps_both_streams_and_restores() {
        let mut c = ctx();
        let ((), got) = c.capture(|c| {
            c.println("hello");
            c.err("oops\n");
        });
        assert_eq!(got.stdout, "hello\n");
        assert_eq!(got.stderr, "oops\n");
        assert!(matches!(c.out, Sink::Stdout));
    }

    #[test]
    fn orchestrated_silences_then_restores() {
        let mut c = ctx();
        assert!(!c.mode.silenced());
        assert!(c.orchestrated("deploy", |c| c.mode.silenced()));
        assert!(!c.mode.silenced());
    }

    #[test]
    fn scripted_answers_then_end_of_input() {
        let mut c = ctx();
        c.prompter = Prompter::Scripted(VecDeque::from(["y".to_string()]));
        let (answers, got) = c.capture(|c| (c.ask("Sure? "), c.ask("Again? ")));
        assert_eq!(answers, (Ok("y".to_string()), Err(Interrupted)));
        assert_eq!(got.stdout, "Sure? Again? ");
    }
}
