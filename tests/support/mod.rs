//! Helpers of `tests/aime_e2e.rs`: the engine check, the docker CLI (test
//! setup and inspection only), scratch directories and names that are
//! removed whatever happens, users to run `mlc` as, a pseudo-terminal, and
//! a proxy in front of the engine that kills `mlc` at a chosen request;
//! and for the DS01 tests: fixture copying, the recording machine's
//! configuration, and accounts of their own to run `ds01` as.

#![allow(dead_code)] // every test binary uses only some of the helpers

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The plain image of the test engine (compat-tests/engine/images).
pub const BASE: &str = "ds01-test/busybox:latest";
/// One of the fake AIME catalog images (busybox with stand-ins for bash,
/// adduser, sudo, ...): what `mlc create`'s setup script needs.
pub const AIME_IMAGE: &str = "aimehub/pytorch-2.5.1-aime-cuda12.1.1:latest";

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the docker CLI")
}

pub fn docker_ok(args: &[&str]) -> bool {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// stdout of a docker command that must succeed, trimmed.
pub fn docker_out(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `Ok` when DOCKER_HOST names an engine that answers and has the test
/// images; otherwise why the tests skip.
pub fn engine_ready() -> Result<(), String> {
    let ready = engine_answers();
    if let Err(why) = &ready {
        assert!(
            std::env::var_os(NEED_ENGINE_ENV).is_none(),
            "{NEED_ENGINE_ENV} is set but the engine tests cannot run: {why}"
        );
    }
    ready
}

/// Set by scripts/test (CI): a test that would skip for want of an engine
/// (or of the users, root, or recordings it needs) fails instead.
pub const NEED_ENGINE_ENV: &str = "DS01_TESTS_NEED_ENGINE";

/// Whether the engine tests must run rather than skip (`NEED_ENGINE_ENV`).
pub fn must_run() -> bool {
    std::env::var_os(NEED_ENGINE_ENV).is_some()
}

/// Skip `what` (a test, or a part of one) for `why`: said on stderr, or,
/// under `DS01_TESTS_NEED_ENGINE`, a failure, so that no test passes
/// without having run.
#[track_caller]
pub fn skip(what: &str, why: &str) {
    assert!(
        !must_run(),
        "{what}: {NEED_ENGINE_ENV} is set but it cannot run: {why}"
    );
    eprintln!("{what}: skipped: {why}");
}

/// `../shared` beside the repository (the recorded sessions and their
/// data), when `marker` (a path inside it) exists.
pub fn shared_with(marker: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.join(marker).exists().then_some(p)
}

fn engine_answers() -> Result<(), String> {
    if std::env::var_os("DOCKER_HOST").is_none() {
        return Err("DOCKER_HOST is not set".into());
    }
    let answers = Command::new("docker")
        .arg("version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !answers {
        return Err("no engine answers (or no docker CLI)".into());
    }
    for image in [BASE, AIME_IMAGE] {
        if !docker_ok(&["image", "inspect", image]) {
            return Err(format!("{image} is missing (compat-tests/engine/images)"));
        }
    }
    Ok(())
}

/// Whether this host has a DS01 installation, which makes every `mlc
/// create` DS01's unprivileged kind (src/ds01/limits.rs).
pub fn ds01_installed() -> bool {
    ["/etc/ds01", "/opt/ds01-infra/config/runtime"]
        .iter()
        .any(|d| Path::new(d).join("resource-limits.yaml").exists())
}

/// The engine's unix socket, from DOCKER_HOST.
pub fn engine_socket() -> Option<PathBuf> {
    std::env::var("DOCKER_HOST")
        .ok()?
        .strip_prefix("unix://")
        .map(PathBuf::from)
}

pub fn is_root() -> bool {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() == 0 }
}

/// The name `mlc` puts in `aime.mlc` labels for a process of `uid` with
/// `USER=user`, by the rule of src/identity.rs (login uid first).
pub fn expected_login(uid: u32, user: &str) -> String {
    let login_uid = std::fs::read_to_string("/proc/self/loginuid")
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|u| *u != u32::MAX);
    login_uid
        .and_then(ds01::identity::user_by_uid)
        .map(|e| e.name)
        .or_else(|| ds01::identity::user_by_uid(uid).map(|e| e.name))
        .unwrap_or_else(|| user.to_string())
}

/// What a test made: containers, images and directories, removed when it
/// ends, passed or not.
pub struct Scratch {
    pub root: PathBuf,
    containers: Mutex<Vec<String>>,
    images: Mutex<Vec<String>>,
}

impl Scratch {
    /// A fresh directory `/tmp/e2e-<what>-<pid>` (readable by test users).
    pub fn new(what: &str) -> Scratch {
        let root = PathBuf::from(format!("/tmp/e2e-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("scratch directory");
        chmod(&root, 0o755);
        Scratch {
            root,
            containers: Mutex::new(Vec::new()),
            images: Mutex::new(Vec::new()),
        }
    }

    /// A directory under the scratch root, owned by `owner` (uid, gid).
    pub fn dir(&self, rel: &str, owner: Option<(u32, u32)>) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(&p).expect("mkdir");
        chmod(&p, 0o755);
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&p, Some(uid), Some(gid)).expect("chown");
        }
        p
    }

    /// Remove this container now (if it exists) and when the test ends.
    pub fn container(&self, name: &str) {
        let _ = docker(&["rm", "-f", name]);
        self.containers.lock().unwrap().push(name.to_string());
    }

    /// Remove this image reference (or id) now and when the test ends.
    pub fn image(&self, reference: &str) {
        let _ = docker(&["image", "rm", "-f", reference]);
        self.images.lock().unwrap().push(reference.to_string());
    }

    /// Remove it when the test ends (it does not exist yet, or is ours).
    pub fn image_later(&self, reference: &str) {
        self.images.lock().unwrap().push(reference.to_string());
    }

    /// A catalog with one line per `(framework, version, arch, image)`.
    pub fn catalog(&self, lines: &[(&str, &str, &str, &str)]) -> PathBuf {
        let text: String = lines
            .iter()
            .map(|(f, v, a, i)| format!("{f}, {v}, [{a}], {i}\n"))
            .collect();
        let p = self.root.join("ml_images.repo");
        std::fs::write(&p, text).expect("catalog");
        chmod(&p, 0o644);
        p
    }

    /// A DS01 server in the scratch directory: `config/resource-limits.yaml`
    /// with `limits`, the GPU fixture `gpus`, `bin/` ([`Scratch::bin_dir`]),
    /// a catalog of `catalog` lines and a prepared allocator state.  Pair
    /// with [`Scratch::server_env`].
    pub fn ds01_server(&self, limits: &str, gpus: &str, catalog: &[(&str, &str, &str, &str)]) {
        let config = self.dir("config", None);
        std::fs::write(config.join("resource-limits.yaml"), limits).expect("limits");
        std::fs::write(self.root.join("gpus"), gpus).expect("gpus");
        self.bin_dir();
        self.catalog(catalog);
        let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
            .arg("prepare-state")
            .arg(self.root.join("state"))
            .output()
            .expect("prepare-state");
        assert!(out.status.success(), "prepare-state: {out:?}");
    }

    /// `cmd` pointed at the server [`Scratch::ds01_server`] made.
    pub fn server_env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("DS01_MLC_CATALOG", self.root.join("ml_images.repo"))
            .env("DS01_CONFIG_DIR", self.root.join("config"))
            .env("DS01_GPU_FIXTURE", self.root.join("gpus"))
            .env("DS01_STATE_DIR", self.root.join("state"))
    }

    /// `bin/` with `mlc` (our binary) and the fake `apt` that makes the host
    /// look like a CUDA 12.4 AIME server (as the recorder's stand-in did).
    pub fn bin_dir(&self) -> PathBuf {
        let bin = self.dir("bin", None);
        let mlc = bin.join("mlc");
        if !mlc.exists() {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ds01"), &mlc).expect("link mlc");
        }
        let apt = bin.join("apt");
        std::fs::write(
            &apt,
            "#!/bin/sh\n\
             if [ \"$1\" = list ] && [ \"$2\" = --installed ]; then\n\
             printf '%s\\n' 'Listing...' \
             'cuda-12-4/unknown,now 12.4.1-1 amd64 [installed]' \
             'cuda-drivers-550/unknown,now 550.127.08-1 amd64 [installed,automatic]' \
             'cuda-toolkit-12-4/unknown,now 12.4.1-1 amd64 [installed,automatic]' \
             'bash/jammy,now 5.1-6ubuntu1 amd64 [installed]'\n\
             exit 0\nfi\nexec /usr/bin/apt \"$@\"\n",
        )
        .expect("fake apt");
        chmod(&apt, 0o755);
        bin
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for c in self.containers.lock().unwrap().iter() {
            let _ = docker(&["rm", "-f", c]);
        }
        for i in self.images.lock().unwrap().iter() {
            let _ = docker(&["image", "rm", "-f", i]);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Who runs `mlc`: a uid/gid (switched to when the tests run as root),
/// the login name in `USER`, and `HOME`.
#[derive(Clone, Debug)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub login: String,
    pub home: PathBuf,
}

impl User {
    /// `uid`/`login` when the tests run as root (the id needs no account);
    /// otherwise the calling user.
    pub fn test_user(uid: u32, login: &str, home: PathBuf) -> User {
        if is_root() {
            return User {
                uid,
                gid: uid,
                login: login.into(),
                home,
            };
        }
        let who = ds01::identity::Identity::current(&ds01::context::Env::from_process());
        User {
            uid: who.uid,
            gid: who.gid,
            login: who.login,
            home,
        }
    }

    /// The label value `mlc` will write for this user.
    pub fn label(&self) -> String {
        expected_login(self.uid, &self.login)
    }

    /// `program` as this user, with only the environment a login gives
    /// (HOME USER LOGNAME SHELL LANG TERM PATH) plus DOCKER_HOST and the
    /// catalog: no DISPLAY, no DS01 configuration.
    pub fn command(&self, program: &str, bin: &Path, catalog: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("USER", &self.login)
            .env("LOGNAME", &self.login)
            .env("SHELL", "/bin/bash")
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    bin.display()
                ),
            )
            .env("DS01_MLC_CATALOG", catalog)
            .current_dir(&self.home);
        if let Ok(host) = std::env::var("DOCKER_HOST") {
            cmd.env("DOCKER_HOST", host);
        }
        // SAFETY: getuid cannot fail.
        if unsafe { libc::getuid() } != self.uid {
            // std drops the supplementary groups when root switches ids.
            cmd.uid(self.uid).gid(self.gid);
        }
        cmd
    }

    /// `mlc ARGS` as this user, stdin from `input`; (exit code, stdout,
    /// stderr).
    pub fn mlc(
        &self,
        args: &[&str],
        input: &str,
        bin: &Path,
        catalog: &Path,
    ) -> (i32, String, String) {
        let mut cmd = self.command(bin.join("mlc").to_str().unwrap(), bin, catalog);
        cmd.args(args);
        run_with_input(cmd, input)
    }
}

/// Run to the end with `input` on stdin; (exit code, stdout, stderr).
pub fn run_with_input(mut cmd: Command, input: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    let _ = feeder.join();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Poll `check` every 20 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// A process on a pseudo-terminal (`mlc open` wants one).

pub struct Pty {
    master: std::fs::File,
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    /// Start `cmd` with stdin, stdout and stderr on a new terminal (its
    /// controlling terminal, in a session of its own).
    pub fn spawn(mut cmd: Command) -> Pty {
        let mut master: libc::c_int = -1;
        let mut slave: libc::c_int = -1;
        let ws = libc::winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: valid out-pointers; name and termios may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: openpty returned two descriptors that we now own.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        // SAFETY: fcntl on our own descriptor.
        unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn on a pty");
        drop(cmd); // our copies of the terminal's slave side
        let master = std::fs::File::from(master);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reading = master.try_clone().unwrap();
        let sink = Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the last process on the terminal is gone.
            while let Ok(n) = reading.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            child,
            output,
            reader: Some(reader),
        }
    }

    /// Whether the process has ended (it is reaped then; `finish` still
    /// reports its status).
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    pub fn send(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).expect("type");
    }

    /// Everything shown so far, colours and all.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    pub fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.output().contains(needle))
    }

    /// Wait for the process to end (killing it after `timeout`); its exit
    /// code (None when killed) and everything it showed.
    pub fn finish(mut self, timeout: Duration) -> (Option<i32>, String) {
        let end = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break Some(s);
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends with EIO once nothing holds the terminal; a
        // container process may still, briefly.
        let reader = self.reader.take().unwrap();
        let _ = wait_until(Duration::from_secs(5), || reader.is_finished());
        (status.and_then(|s| s.code()), self.output())
    }
}

// ---------------------------------------------------------------------------
// A proxy in front of the engine that SIGKILLs the client at a given request.

/// When the client dies, relative to the chosen request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The request is never sent: what came before it has happened.
    BeforeRequest,
    /// The engine has done it (and answered), the client never learns.
    BeforeResponse,
}

/// The `nth` (1-based) request whose method and path (without the query)
/// satisfy `matches`.
pub struct KillRule {
    pub matches: fn(&str, &str) -> bool,
    pub nth: usize,
    pub when: When,
}

struct ProxyState {
    rule: KillRule,
    upstream: PathBuf,
    victim: AtomicI32,
    seen: AtomicUsize,
    fired: AtomicBool,
    stop: AtomicBool,
    requests: Mutex<Vec<String>>,
}

impl ProxyState {
    /// SIGKILL the client's process group (waiting for it to be known).
    fn fire(&self) {
        let _ = wait_until(Duration::from_secs(5), || {
            self.victim.load(Ordering::SeqCst) > 0
        });
        let pid = self.victim.load(Ordering::SeqCst);
        // Marked first: the test wakes up as soon as the client dies and
        // must find the rule already marked as fired.
        self.fired.store(true, Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: a signal to the process group this test started.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
}

pub struct Proxy {
    path: PathBuf,
    state: Arc<ProxyState>,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    pub fn start(socket: PathBuf, upstream: PathBuf, rule: KillRule) -> Proxy {
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket).expect("proxy socket");
        chmod(&socket, 0o666);
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(ProxyState {
            rule,
            upstream,
            victim: AtomicI32::new(0),
            seen: AtomicUsize::new(0),
            fired: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
        });
        let st = Arc::clone(&state);
        let acceptor = std::thread::spawn(move || {
            while !st.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let st = Arc::clone(&st);
                        std::thread::spawn(move || serve(client, st));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Proxy {
            path: socket,
            state,
            acceptor: Some(acceptor),
        }
    }

    /// DOCKER_HOST for the client.
    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Run `cmd` (in a process group of its own, the one killed) against
    /// this proxy with `input` on stdin; how it ended, stdout, stderr.
    pub fn run(&self, mut cmd: Command, input: &str) -> (ExitStatus, String, String) {
        let mut child = cmd
            .env("DOCKER_HOST", self.host())
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        self.state.victim.store(child.id() as i32, Ordering::SeqCst);
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().expect("wait");
        let _ = feeder.join();
        (
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn fired(&self) -> bool {
        self.state.fired.load(Ordering::SeqCst)
    }

    /// `METHOD PATH` of every request the client sent, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One client connection: requests are read one by one (head, then a body
/// by Content-Length or chunks) so the rule sees each; answers are copied.
fn serve(client: UnixStream, st: Arc<ProxyState>) {
    let Ok(upstream) = UnixStream::connect(&st.upstream) else {
        return;
    };
    let kill_on_answer = Arc::new(AtomicBool::new(false));
    {
        let mut from_engine = upstream.try_clone().unwrap();
        let mut to_client = client.try_clone().unwrap();
        let (st, flag) = (Arc::clone(&st), Arc::clone(&kill_on_answer));
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match from_engine.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if flag.load(Ordering::SeqCst) {
                            st.fire();
                            break;
                        }
                        if to_client.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to_client.shutdown(std::net::Shutdown::Both);
        });
    }
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut to_engine = upstream;
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = to_engine.shutdown(std::net::Shutdown::Write);
                    return;
                }
                Ok(_) => {}
            }
            head.extend_from_slice(&line);
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let mut first = text.lines().next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let target = first.next().unwrap_or("").to_string();
        let path = target.split('?').next().unwrap_or("").to_string();
        st.requests.lock().unwrap().push(format!("{method} {path}"));
        let header = |name: &str| {
            text.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        if !st.fired.load(Ordering::SeqCst) && (st.rule.matches)(&method, &path) {
            let n = st.seen.fetch_add(1, Ordering::SeqCst) + 1;
            if n == st.rule.nth {
                match st.rule.when {
                    When::BeforeRequest => {
                        st.fire();
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        let _ = to_engine.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    When::BeforeResponse => kill_on_answer.store(true, Ordering::SeqCst),
                }
            }
        }
        if to_engine.write_all(&head).is_err() {
            return;
        }
        let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        if chunked {
            loop {
                let mut size_line = Vec::new();
                if reader.read_until(b'\n', &mut size_line).unwrap_or(0) == 0 {
                    return;
                }
                let _ = to_engine.write_all(&size_line);
                let size_text = String::from_utf8_lossy(&size_line);
                let size =
                    usize::from_str_radix(size_text.trim().split(';').next().unwrap_or("0"), 16)
                        .unwrap_or(0);
                let mut body = vec![0u8; size + 2]; // data and its CRLF
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let _ = to_engine.write_all(&body);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            let mut body = vec![0u8; len];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let _ = to_engine.write_all(&body);
        }
        if header("upgrade").is_some() {
            // A hijacked stream (attach, exec): copy the rest as it is.
            let _ = std::io::copy(&mut reader, &mut to_engine);
            return;
        }
    }
}

/// Copy a directory tree (test fixtures).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("fixture dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy fixture file");
        }
    }
}

/// `nvidia-smi -L` of the recording machine (its fake, see the sessions'
/// README): 4 A100s, GPUs 2 and 3 in MIG mode.
pub const RECORDING_NVIDIA_SMI_L: &str = include_str!("../fixtures/recording-nvidia-smi-L.txt");

/// The recording machine in `dir`: its DS01 configuration `config/`
/// (compat-tests' fixture with `shared`'s resource-limits.yaml) and its
/// GPUs, `nvidia-smi-L.txt` (for `DS01_GPU_FIXTURE`); their paths.
pub fn recording_machine(dir: &Path, shared: &Path) -> (PathBuf, PathBuf) {
    let config = dir.join("config");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/fixtures/ds01-config"),
        &config,
    );
    std::fs::copy(
        shared.join("data/resource-limits.yaml"),
        config.join("resource-limits.yaml"),
    )
    .expect("copy yaml");
    let gpus = dir.join("nvidia-smi-L.txt");
    std::fs::write(&gpus, RECORDING_NVIDIA_SMI_L).expect("gpu fixture");
    (config, gpus)
}

// ---------------------------------------------------------------------------
// Accounts of a test's own, and `ds01` run as them.

/// For the test `what`, which runs `ds01` as `accounts` (uid, which is
/// also the gid of the account's group, and login name): `None`, once
/// skipped (see [`skip`]), without root or an engine; otherwise the
/// accounts exist (made once, `useradd -M -U`, and kept) and the guard
/// holds `serial`, so that one such test runs at a time.
pub fn with_accounts<'a>(
    what: &str,
    serial: &'a Mutex<()>,
    accounts: &[(u32, &str)],
) -> Option<MutexGuard<'a, ()>> {
    let unable = if is_root() {
        engine_ready().err()
    } else {
        Some("needs root (accounts and uid switching)".to_string())
    };
    if let Some(why) = unable {
        skip(what, &why);
        return None;
    }
    let guard = serial.lock().unwrap_or_else(|e| e.into_inner());
    for &(uid, name) in accounts {
        make_account(uid, name);
    }
    Some(guard)
}

/// `useradd -M -u UID -U -d /nonexistent NAME`, unless `name` exists.
fn make_account(uid: u32, name: &str) {
    if ds01::identity::user_by_name(name).is_some() {
        return;
    }
    let out = Command::new("useradd")
        .args(["-M", "-u", &uid.to_string(), "-U", "-d", "/nonexistent"])
        .arg(name)
        .output()
        .expect("useradd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ds01` in an empty environment but for the engine's `DOCKER_HOST`, as
/// the test process itself; the test adds what else it needs.
pub fn ds01_clean() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
    cmd.env_clear();
    if let Ok(host) = std::env::var("DOCKER_HOST") {
        cmd.env("DOCKER_HOST", host);
    }
    cmd
}

/// [`ds01_clean`] as the account `who` (uid and gid switched, `USER` its
/// name).
pub fn ds01_as(who: (u32, &str)) -> Command {
    let mut cmd = ds01_clean();
    cmd.env("USER", who.1).uid(who.0).gid(who.0);
    cmd
}
