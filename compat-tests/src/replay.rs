//! Replaying the sets: classify sessions, prepare users/engine/state, run, judge, write cases.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::casefile;
use crate::compare::{self, Actual, Problem};
use crate::docker::Docker;
use crate::error::{Context, Error, Result};
use crate::formats::{self, LoadedSet};
use crate::runner::{self, RunSpec};
use crate::session::{ExpectedExit, Format, Invocation, Mode, Session, State};
use crate::snapshot;
use crate::state::Engine;
use crate::users;

pub struct Config {
    pub bin: PathBuf,
    pub filter: Option<String>,
    pub work_dir: PathBuf,
    pub shared_dir: PathBuf,
    /// The repository (for committed fixtures).
    pub repo_dir: PathBuf,
    pub engine_dir: PathBuf,
    pub deviations: BTreeSet<String>,
    /// Where the deviation snapshots are (`compat-tests/deviations/`).
    pub snapshots: PathBuf,
    /// Write the deviation snapshots of this run (instead of failing on a changed one).
    pub update_snapshots: bool,
    pub base_image: String,
    pub limit: Duration,
    pub jobs: usize,
    /// Set DS01_CONFIG_DIR=<work>/ds01-config for DS01 sessions.
    pub ds01_config_env: bool,
}

#[derive(Clone, Debug)]
pub enum Verdict {
    Passed,
    Failed {
        reason: String,
        problems: Vec<Problem>,
    },
}

#[derive(Clone, Debug)]
pub struct SessionResult {
    pub id: String,
    pub verdict: Verdict,
    pub deviation: bool,
    /// A deviation's comparison with its snapshot (None for other sessions).
    pub snapshot: Option<snapshot::Check>,
    /// Reproduction caveats (shown with a failure).
    pub notes: Vec<String>,
    pub not_implemented: Option<String>,
    pub seconds: f64,
}

impl SessionResult {
    /// Matched the recording.
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Passed)
    }

    /// A deviation whose output is no longer what its snapshot holds (or that has none): a
    /// failure.
    pub fn deviation_changed(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|c| c.state.failed())
    }
}

pub struct SetSummary {
    pub name: String,
    pub results: Vec<SessionResult>,
    pub warnings: Vec<String>,
}

/// Commands our binary implements (`ds01 --list`).
pub fn list_commands(bin: &Path) -> Result<BTreeSet<String>> {
    let out = Command::new(bin)
        .arg("--list")
        .output()
        .ctx(format!("running {} --list", bin.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(str::to_owned)
        .collect())
}

/// Shell utilities a recorded command line may use besides the programs under test.
const SHELL_UTILITIES: [&str; 20] = [
    "printf", "echo", "cd", "true", "false", "cat", "sleep", "export", "test", "[", ":", "env",
    "exit", "set", "rm", "mkdir", "ls", "touch", "unset", "wait",
];

/// The first program of the session that ds01 lacks.
pub fn missing_program(session: &Session, commands: &BTreeSet<String>) -> Option<String> {
    session
        .programs
        .iter()
        .filter(|p| !SHELL_UTILITIES.contains(&p.as_str()))
        .find(|p| !commands.contains(p.as_str()))
        .cloned()
}

/// (index in the results, index in the set's sessions)
type Slot = (usize, usize);

pub struct Replay {
    pub cfg: Config,
    pub commands: BTreeSet<String>,
    links: PathBuf,
    docker: Docker,
}

impl Replay {
    pub fn new(cfg: Config) -> Result<Self> {
        let commands = list_commands(&cfg.bin).unwrap_or_default();
        let marker = cfg.work_dir.join(".ds01-compat");
        if cfg.work_dir.exists() {
            let empty = std::fs::read_dir(&cfg.work_dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !marker.exists() && !empty {
                return Err(Error::msg(format!(
                    "{} exists and is not a ds01-compat work dir; refusing to clear it",
                    cfg.work_dir.display()
                )));
            }
            std::fs::remove_dir_all(&cfg.work_dir).ctx(cfg.work_dir.display())?;
        }
        mkdir_public(&cfg.work_dir)?;
        std::fs::write(&marker, "work dir of ds01-compat (cleared on every run)\n")
            .ctx(marker.display())?;
        // A copy of the binary every test user can execute, whatever the checkout's modes.
        let bin_dir = cfg.work_dir.join("bin");
        mkdir_public(&bin_dir)?;
        let copy = bin_dir.join("ds01");
        if cfg.bin.is_file() {
            std::fs::copy(&cfg.bin, &copy).ctx(format!("copying {}", cfg.bin.display()))?;
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
                .ctx(copy.display())?;
        }
        let links = cfg.work_dir.join("links");
        mkdir_public(&links)?;
        for name in &commands {
            std::os::unix::fs::symlink(&copy, links.join(name)).ctx(format!("link {name}"))?;
        }
        Ok(Replay {
            cfg,
            commands,
            links,
            docker: Docker::default(),
        })
    }

    pub fn run_set(&self, dir: &Path) -> Result<SetSummary> {
        let set = formats::load_set(dir)?;
        let mut warnings = Vec::new();
        let mut results: Vec<Option<SessionResult>> = Vec::new();
        let mut runnable = Vec::new();
        for (i, s) in set.sessions.iter().enumerate() {
            if let Some(f) = &self.cfg.filter {
                if !s.id.contains(f.as_str()) {
                    continue;
                }
            }
            let deviation = self.cfg.deviations.contains(&s.id);
            let early = if let Some(reason) = &s.unsupported {
                Some((reason.clone(), None))
            } else {
                missing_program(s, &self.commands)
                    .map(|p| (format!("not implemented: {p}"), Some(p)))
            };
            match early {
                Some((reason, missing)) => results.push(Some(SessionResult {
                    id: s.id.clone(),
                    snapshot: deviation.then(|| {
                        self.check_snapshot(s, &snapshot::render_not_replayed(&reason), true)
                    }),
                    verdict: Verdict::Failed {
                        reason,
                        problems: Vec::new(),
                    },
                    deviation,
                    notes: Vec::new(),
                    not_implemented: missing,
                    seconds: 0.0,
                })),
                None => {
                    runnable.push((results.len(), i));
                    results.push(None);
                }
            }
        }
        if !runnable.is_empty() {
            let prepared = self.prepare_set(&set)?;
            warnings.extend(prepared.warnings.iter().cloned());
            let overlay = prepared.overlay.as_ref();
            let engine = Engine::new(
                self.docker.clone(),
                self.cfg.base_image.clone(),
                self.cfg.work_dir.join("scratch"),
            );
            let engine_ok = self.docker.answers();
            if !engine_ok {
                warnings.push("the docker engine does not answer (DOCKER_HOST?)".into());
            }
            // Phase 1: sessions that need an empty engine and change nothing, two at a time.
            let (parallel, serial): (Vec<Slot>, Vec<Slot>) = runnable
                .iter()
                .partition(|(_, i)| set.sessions[*i].parallel_safe());
            if engine_ok {
                let prep = match set.format {
                    Format::Ds01 => engine.clean(&["ds01-2001/".into(), "ds01-2002/".into()]),
                    _ => engine.reconcile(&[]),
                };
                if let Err(e) = prep {
                    warnings.push(format!("emptying the engine: {e}"));
                }
            }
            let out = Mutex::new(Vec::new());
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..self.cfg.jobs.max(1) {
                    scope.spawn(|| loop {
                        let k = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(slot, i)) = parallel.get(k) else {
                            break;
                        };
                        let r = self.replay_one(&set.sessions[i], None, overlay);
                        out.lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((slot, r));
                    });
                }
            });
            for (slot, r) in out.into_inner().unwrap_or_else(|p| p.into_inner()) {
                results[slot] = Some(r);
            }
            // Phase 2: the rest in recording order on the shared engine.
            for &(slot, i) in &serial {
                let r = self.replay_one(&set.sessions[i], Some((&engine, engine_ok)), overlay);
                results[slot] = Some(r);
            }
        }
        Ok(SetSummary {
            name: set.name.clone(),
            results: results.into_iter().flatten().collect(),
            warnings,
        })
    }

    /// Users, directories, the DS01 configuration copy.
    fn prepare_set(&self, set: &LoadedSet) -> Result<users::Prepared> {
        let mut prepared = users::prepare(
            &self.cfg.engine_dir,
            &set.name,
            &set.info,
            &self.cfg.work_dir,
        )
        .ctx(format!("preparing the users of {}", set.name))?;
        self.prepare_state(&set.name)?;
        if let Some(warning) = self.prepare_images(&set.name) {
            prepared.warnings.push(warning);
        }
        if set.format == Format::Ds01 {
            self.reset_ds01_config()?;
        }
        Ok(prepared)
    }

    /// The set's allocator state directory, kept from session to session in recording
    /// order as the recording host kept its machine state: a reservation an earlier session
    /// left (a standalone `allocate` keeps one) is there for the next ones, as it would be
    /// on a server (those sessions are listed in docs/deviations.md).
    fn set_state_dir(&self, set: &str) -> PathBuf {
        self.cfg.work_dir.join("state").join(set)
    }

    /// Lay out the set's state directory as the package lays out /run/ds01 (root's,
    /// sticky), once, before any session runs (two at a time would race).  Without it our
    /// binary would share the machine's /run/ds01: an error, not a silent fallback.
    fn prepare_state(&self, set: &str) -> Result<()> {
        let state = self.set_state_dir(set);
        let prepared = Command::new(&self.cfg.bin)
            .arg("prepare-state")
            .arg(&state)
            .output()
            .ctx(format!("running {} prepare-state", self.cfg.bin.display()))?;
        if !prepared.status.success() {
            return Err(Error::msg(format!(
                "ds01 prepare-state {} failed: {}",
                state.display(),
                String::from_utf8_lossy(&prepared.stderr).trim()
            )));
        }
        Ok(())
    }

    /// `compat-tests/engine/images --set SET`: the images the set's recording host had
    /// (all fake catalog names for AIME's sets, only the fake base image for DS01's).
    /// A failure is a warning: the sessions then show what is wrong.
    fn prepare_images(&self, set: &str) -> Option<String> {
        let script = self.cfg.engine_dir.join("images");
        if !script.is_file() || !self.docker.answers() {
            return None;
        }
        match Command::new(&script).args(["--set", set]).output() {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(format!(
                "{} --set {set} failed: {}",
                script.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Some(format!("{}: {e}", script.display())),
        }
    }

    /// `<work>/ds01-config`: stands for the recording host's `/opt/ds01-infra/config/runtime`
    /// (the shared resource-limits.yaml plus the README's group files and user override).
    fn ds01_config_dir(&self) -> PathBuf {
        self.cfg.work_dir.join("ds01-config")
    }

    fn reset_ds01_config(&self) -> Result<()> {
        let dir = self.ds01_config_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir).ctx(dir.display())?;
        }
        mkdir_public(&dir.join("groups"))?;
        let src = self.cfg.shared_dir.join("data/resource-limits.yaml");
        if src.is_file() {
            std::fs::copy(&src, dir.join("resource-limits.yaml")).ctx(src.display())?;
        }
        // The rest of the recording host's config/runtime/ is committed as a
        // fixture (compat-tests/fixtures/ds01-config/).
        let fixture = self.cfg.repo_dir.join("compat-tests/fixtures/ds01-config");
        for rel in [
            "groups/researcher.members",
            "groups/admin.members",
            "user-overrides.yaml",
        ] {
            let from = fixture.join(rel);
            std::fs::copy(&from, dir.join(rel)).ctx(from.display())?;
        }
        Ok(())
    }

    fn replay_one(
        &self,
        s: &Session,
        engine: Option<(&Engine, bool)>,
        overlay: Option<&(PathBuf, PathBuf)>,
    ) -> SessionResult {
        let started = Instant::now();
        let mut notes = s.notes.clone();
        let deviation = self.cfg.deviations.contains(&s.id);
        let (verdict, ours, prepared) = match self.try_replay(s, engine, overlay, &mut notes) {
            Ok((v, ours)) => (v, ours, true),
            Err(e) => (
                Verdict::Failed {
                    reason: e.to_string(),
                    problems: Vec::new(),
                },
                snapshot::render_not_replayed(&e.to_string()),
                false,
            ),
        };
        SessionResult {
            id: s.id.clone(),
            verdict,
            deviation,
            // A failed preparation (engine, state, setup) is compared but never written.
            snapshot: deviation.then(|| self.check_snapshot(s, &ours, prepared)),
            notes,
            not_implemented: None,
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// A deviation's output (`text`, a rendered snapshot) against its committed snapshot;
    /// written instead with `--update-deviations` when `writable`.
    fn check_snapshot(&self, s: &Session, text: &str, writable: bool) -> snapshot::Check {
        // For inspection beside the case files.
        let dir = self.cfg.work_dir.join("cases").join(&s.set);
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("{}.deviation.out", s.name)), text);
        }
        snapshot::check(
            &self.cfg.snapshots,
            &s.set,
            &s.name,
            text,
            self.cfg.update_snapshots && writable,
        )
    }

    /// Replay one session: the verdict, and our output as a deviation snapshot holds it.
    fn try_replay(
        &self,
        s: &Session,
        engine: Option<(&Engine, bool)>,
        overlay: Option<&(PathBuf, PathBuf)>,
        notes: &mut Vec<String>,
    ) -> Result<(Verdict, String)> {
        if let Some((engine, ok)) = engine {
            if let State::Containers(want) = &s.state {
                if !ok && !want.is_empty() {
                    return Err(Error::msg("state: no docker engine"));
                }
                if ok {
                    engine.reconcile(want).ctx("state")?;
                }
            }
        }
        if !s.setup.is_empty() {
            self.reset_ds01_config()?;
            self.run_setup(s)?;
        }
        let extras = self.extras_dir(s)?;
        let mut env = self.session_env(s, &extras)?;
        let checkout = self.make_checkout(s)?;
        if let Some(made) = &checkout {
            env.push((
                "DS01_MLC_DIR".into(),
                made.installation.display().to_string(),
            ));
        }
        self.run_unrecorded(s, &env, overlay)?;
        // Stopped again when this goes out of scope, whatever happens.
        let _registry = self.serve_pulls(s)?;
        let (program, arg0, args) = match &s.invocation {
            Invocation::Argv(argv) => {
                let name = argv.first().cloned().unwrap_or_default();
                (
                    self.links.join(&name),
                    name,
                    argv.iter().skip(1).cloned().collect(),
                )
            }
            Invocation::Shell(line) => (
                PathBuf::from("/bin/bash"),
                "/bin/bash".to_owned(),
                vec!["-c".to_owned(), line.clone()],
            ),
        };
        // A session the original itself took long over (a real image build, a
        // 10 s `docker stop`) gets twice its recorded time.
        let twice_recorded = |limit: Duration| {
            s.recorded_secs
                .map(|t| Duration::from_secs_f64(2.0 * t))
                .map_or(limit, |twice| twice.max(limit))
        };
        let limit = match s.expected.exit {
            // Waiting to be killed: at most 25 s however long the recorder waited.
            ExpectedExit::Timeout => {
                let waiting = Duration::from_secs(10).min(self.cfg.limit);
                twice_recorded(waiting)
                    .min(Duration::from_secs(25))
                    .max(waiting)
            }
            ExpectedExit::Code(_) => twice_recorded(self.cfg.limit),
        };
        let outcome = runner::run(RunSpec {
            program,
            arg0,
            args,
            env: env.clone(),
            cwd: s.cwd.clone(),
            user: s.user.clone(),
            mode: s.mode,
            pty_size: s.pty_size,
            stdin: s.stdin.clone(),
            typed: s.typed.clone(),
            cursor_replies: s.cursor_replies.clone(),
            limit,
            prompt_timeout: Duration::from_secs(8),
            etc_overlay: overlay.cloned(),
        })?;
        if !s.setup.is_empty() {
            self.reset_ds01_config()?;
        }
        for p in &outcome.missed_prompts {
            notes.push(format!("prompt {p:?} never appeared; typed anyway"));
        }
        let mut actual: Actual = outcome.actual;
        for text in [&mut actual.stdout, &mut actual.stderr, &mut actual.pty] {
            if s.pull_digest_omitted {
                *text = compare::without_pull_digests(text);
            }
            // Our remote stands where the recordings' was (git's `From …` lines drop `.git`).
            if let Some(made) = &checkout {
                *text = made.as_recorded(text);
            }
        }
        if s.format == Format::Ds01 {
            // Our copy of the recording host's configuration stands at its recorded place.
            let ours = self.ds01_config_dir().display().to_string();
            let addresses = crate::host::ipv4_addresses();
            for text in [&mut actual.stdout, &mut actual.stderr, &mut actual.pty] {
                *text = text.replace(&ours, "/opt/ds01-infra/config/runtime");
                *text = crate::host::as_recorded(text, &addresses);
            }
        }
        let streams = compare::prepare_streams(s, &actual);
        let judged = compare::judge(s, &actual);
        casefile::write_case(&self.cfg.work_dir.join("cases"), s, &env, &streams, notes)?;
        let ours = snapshot::render(
            actual.exit,
            &streams
                .iter()
                .map(|c| snapshot::Stream {
                    name: c.name,
                    text: &c.ours,
                })
                .collect::<Vec<_>>(),
        );
        let verdict = if judged.passed {
            Verdict::Passed
        } else {
            let reason = judged
                .problems
                .iter()
                .map(|p| p.what.clone())
                .collect::<Vec<_>>()
                .join("; ");
            Verdict::Failed {
                reason,
                problems: judged.problems,
            }
        };
        Ok((verdict, ours))
    }

    /// The git clone an `update-sys` session ran in (`crate::checkout`), made afresh under
    /// `<work>/update-sys/<name>/`.
    fn make_checkout(&self, s: &Session) -> Result<Option<crate::checkout::Made>> {
        let Some(checkout) = &s.mlc_checkout else {
            return Ok(None);
        };
        let fixture = self
            .cfg
            .repo_dir
            .join("compat-tests/fixtures/update-sys-batch.txt");
        let batch = crate::checkout::parse_batch(
            &std::fs::read_to_string(&fixture).ctx(fixture.display())?,
        )?;
        let dir = self.cfg.work_dir.join("update-sys");
        mkdir_public(&dir)?;
        let made = checkout
            .make(
                &dir.join(&s.name),
                &self.cfg.shared_dir.join("data/ml_images.repo"),
                &batch,
                (s.user.uid, s.user.gid),
            )
            .ctx("making the installation's git clone")?;
        Ok(Some(made))
    }

    /// Start the local registry that stands for Docker Hub with the images whose pull the
    /// recording shows succeeding (`compat-tests/engine/registry`); it stops when the
    /// returned guard is dropped.
    fn serve_pulls(&self, s: &Session) -> Result<Option<RegistryGuard>> {
        if s.pulls.is_empty() {
            return Ok(None);
        }
        let guard = RegistryGuard {
            script: self.cfg.engine_dir.join("registry"),
        };
        let out = Command::new(&guard.script)
            .arg("start")
            .args(&s.pulls)
            .output()
            .ctx(guard.script.display())?;
        if !out.status.success() {
            return Err(Error::msg(format!(
                "starting the registry for the recorded pull of {}: {}",
                s.pulls.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(Some(guard))
    }

    /// What sessions the recording lost did before `s` (see
    /// `compat-tests/fixtures/ds01-unrecorded.txt`): run as `s`'s user, with its
    /// environment, on a pipe.
    fn run_unrecorded(
        &self,
        s: &Session,
        env: &[(String, String)],
        overlay: Option<&(PathBuf, PathBuf)>,
    ) -> Result<()> {
        if s.format != Format::Ds01 {
            return Ok(());
        }
        let table = self
            .cfg
            .repo_dir
            .join("compat-tests/fixtures/ds01-unrecorded.txt");
        let text = std::fs::read_to_string(&table).ctx(table.display())?;
        let number = s.name.split('-').next().unwrap_or("");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((before, cmd)) = line.split_once(' ') else {
                continue;
            };
            if before != number && before != s.name {
                continue;
            }
            let outcome = runner::run(RunSpec {
                program: PathBuf::from("/bin/bash"),
                arg0: "/bin/bash".to_owned(),
                args: vec!["-c".to_owned(), cmd.to_owned()],
                env: env.to_vec(),
                cwd: s.cwd.clone(),
                user: s.user.clone(),
                mode: Mode::Pipe,
                pty_size: s.pty_size,
                stdin: None,
                typed: Vec::new(),
                cursor_replies: Vec::new(),
                limit: self.cfg.limit,
                prompt_timeout: Duration::from_secs(8),
                etc_overlay: overlay.cloned(),
            })?;
            if outcome.actual.exit != Some(0) {
                return Err(Error::msg(format!(
                    "unrecorded step `{cmd}` failed (exit {:?}): {}",
                    outcome.actual.exit,
                    outcome.actual.stdout.trim_end()
                )));
            }
        }
        Ok(())
    }

    /// Root setup commands of a DS01 session, with the recording host's configuration path
    /// pointed at our copy.
    fn run_setup(&self, s: &Session) -> Result<()> {
        let conf = self.ds01_config_dir();
        for cmd in &s.setup {
            let cmd = cmd.replace(
                "/opt/ds01-infra/config/runtime/",
                &format!("{}/", conf.display()),
            );
            let out = Command::new("/bin/bash")
                .args(["-c", &cmd])
                .output()
                .ctx(format!("setup: {cmd}"))?;
            if !out.status.success() {
                return Err(Error::msg(format!(
                    "setup command failed: {cmd}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
        Ok(())
    }

    /// Fake `apt` (and DS01's fake `nvidia-smi`) of the recording host, for this session.
    fn extras_dir(&self, s: &Session) -> Result<PathBuf> {
        let dir = self.cfg.work_dir.join("extras").join(&s.set).join(&s.name);
        mkdir_public(&dir)?;
        if let Some(apt) = &s.apt {
            let listing = dir.join("apt-list-installed.txt");
            std::fs::write(&listing, &apt.stdout).ctx(listing.display())?;
            let script = format!(
                "#!/bin/sh\n# The recording host's apt (see the set's README): answers `apt list --installed`.\n\
                 if [ \"$1\" = list ] && [ \"$2\" = --installed ]; then\n  \
                 [ -t 1 ] || echo 'WARNING: apt does not have a stable CLI interface. Use with caution in scripts.' >&2\n  \
                 cat '{}'\n  exit {}\nfi\nexec /usr/bin/apt \"$@\"\n",
                listing.display(),
                apt.rc
            );
            write_exec(&dir.join("apt"), &script)?;
        }
        if s.fake_nvidia_smi {
            let src = self
                .cfg
                .shared_dir
                .join("compat/fixtures-ds01/fake-nvidia-smi");
            if let Ok(text) = std::fs::read_to_string(&src) {
                write_exec(&dir.join("nvidia-smi"), &text)?;
            }
        }
        Ok(dir)
    }

    /// The recorded environment, with our links (and the fake host tools) first on PATH,
    /// DOCKER_HOST, DS01_CONFIG_DIR (DS01 sessions), the set's DS01_STATE_DIR and
    /// DS01_MLC_CATALOG added.
    fn session_env(&self, s: &Session, extras: &Path) -> Result<Vec<(String, String)>> {
        let mut env: Vec<(String, String)> = s
            .env
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "PATH"
                        | "DOCKER_HOST"
                        | "DS01_MLC_CATALOG"
                        | "DS01_CONFIG_DIR"
                        | "DS01_STATE_DIR"
                        | "DS01_RESERVATION_TTL"
                )
            })
            .cloned()
            .collect();
        let recorded_path = s
            .env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
            });
        env.push((
            "PATH".into(),
            format!(
                "{}:{}:{recorded_path}",
                self.links.display(),
                extras.display()
            ),
        ));
        if s.engine_down {
            // The original's message names the default socket; where a
            // system engine does answer there, use a socket nobody serves.
            let default = "/var/run/docker.sock";
            let host = if std::path::Path::new(default).exists() {
                format!(
                    "unix://{}",
                    self.cfg.work_dir.join("no-engine.sock").display()
                )
            } else {
                format!("unix://{default}")
            };
            env.push(("DOCKER_HOST".into(), host));
        } else if let Ok(host) = std::env::var("DOCKER_HOST") {
            env.push(("DOCKER_HOST".into(), host));
        }
        if self.cfg.ds01_config_env && s.format == Format::Ds01 {
            env.push((
                "DS01_CONFIG_DIR".into(),
                self.ds01_config_dir().display().to_string(),
            ));
        }
        // One allocator state directory per set, made by `prepare_set` (see
        // `set_state_dir`).
        let state = self.set_state_dir(&s.set);
        env.push(("DS01_STATE_DIR".into(), state.display().to_string()));
        // The recording host ran its sessions back to back, well within a
        // reservation's default life (120 s) of the allocator sessions: an
        // hour keeps every later session of the set inside it however slowly
        // this machine replays, so the outcome does not depend on its speed.
        env.push(("DS01_RESERVATION_TTL".into(), "3600".into()));
        env.push((
            "DS01_MLC_CATALOG".into(),
            self.cfg
                .shared_dir
                .join("data/ml_images.repo")
                .display()
                .to_string(),
        ));
        Ok(env)
    }
}

/// Stops the local registry when dropped: the other sessions' pulls fail, as recorded.
struct RegistryGuard {
    script: PathBuf,
}

impl Drop for RegistryGuard {
    fn drop(&mut self) {
        let _ = Command::new(&self.script).arg("stop").output();
    }
}

fn mkdir_public(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).ctx(dir.display())?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).ctx(dir.display())
}

fn write_exec(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).ctx(path.display())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).ctx(path.display())
}
