//! What `mlc open`, `start`, `stop` and `remove` share: finding and choosing
//! the container, the `[NAME]` message lines, the environment and user of
//! `docker exec`, the "is it active" check, and running a shell or a
//! command in a container through the engine (with our terminal in raw mode
//! while a shell runs, as `docker exec -it` does).

use crate::context::Ctx;
use bollard::models::ExecConfig;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Whether the container runs now (an engine error counts as no, as an
/// empty `docker ps` answer did).
pub(super) fn is_running(ctx: &mut Ctx, tag: &str) -> bool {
    ctx.engine()
        .and_then(|e| e.inspect_container(tag))
        .ok()
        .and_then(|c| c.state)
        .and_then(|s| s.running)
        .unwrap_or(false)
}

/// Start the container; whatever the engine says (the original ignored
/// `docker container start`'s result).
pub(super) fn start_quietly(ctx: &mut Ctx, tag: &str) {
    if let Ok(e) = ctx.engine() {
        let _ = e.start_container(tag);
    }
}

/// Stop the container; the result is ignored as the original ignored it.
pub(super) fn stop_quietly(ctx: &mut Ctx, tag: &str) {
    if let Ok(e) = ctx.engine() {
        let _ = e.stop_container(tag);
    }
}

/// The environment the original meant to give `docker exec`: DISPLAY and
/// NCCL_P2P_LEVEL when they are set (it passed them as one broken argument;
/// see docs/deviations.md).
pub(super) fn exec_env(ctx: &Ctx) -> Vec<String> {
    exec_env_from(|k| ctx.env.get(k).map(str::to_string))
}

fn exec_env_from(get: impl Fn(&str) -> Option<String>) -> Vec<String> {
    ["DISPLAY", "NCCL_P2P_LEVEL"]
        .iter()
        .filter_map(|k| get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={v}")))
        .collect()
}

/// `--user UID:GID`.
fn exec_user(ctx: &Ctx) -> String {
    format!("{}:{}", ctx.caller.uid, ctx.caller.gid)
}

/// `docker top TAG -o pid` lists the header and more than one process: a
/// shell or a job besides the container's main process is still there.
pub(super) fn is_active(ctx: &mut Ctx, tag: &str) -> bool {
    match ctx.engine().and_then(|e| e.top(tag, "-o pid")) {
        Ok(top) => active_by_count(top.processes.map(|p| p.len()).unwrap_or(0)),
        Err(_) => false,
    }
}

/// The original's rule: more than 2 lines of `docker top` output.
fn active_by_count(processes: usize) -> bool {
    processes + 1 > 2
}

/// Exit status of the `docker` CLI for an exec that ended this way.
fn exec_status(end: Result<Option<i64>, crate::engine::EngineError>) -> i32 {
    match end {
        Ok(Some(code)) => i32::try_from(code).unwrap_or(1),
        // Detached (the engine's ctrl-p ctrl-q): `docker exec` exits 1.
        Ok(None) => 1,
        Err(_) => 1,
    }
}

/// The `docker exec` request: `-e` DISPLAY/NCCL, `--user UID:GID`, `-t`
/// (with `-i`: `stdin`), or `-d` (no terminal, nothing attached).
fn exec_config(ctx: &Ctx, cmd: &str, stdin: bool, detach: bool) -> ExecConfig {
    let env = exec_env(ctx);
    ExecConfig {
        attach_stdin: Some(stdin),
        attach_stdout: Some(!detach),
        attach_stderr: Some(!detach),
        tty: Some(!detach),
        console_size: terminal_size()
            .filter(|_| !detach)
            .map(|(rows, cols)| vec![usize::from(rows), usize::from(cols)]),
        env: (!env.is_empty()).then_some(env),
        cmd: Some(vec![cmd.to_string()]),
        user: Some(exec_user(ctx)),
        ..Default::default()
    }
}

/// `docker exec -it -e ... --user UID:GID TAG bash`: a shell on our
/// terminal; its exit status as the docker CLI gives it (1 when stdin is
/// not a terminal, when the exec cannot be made, or when we were detached).
pub(super) fn run_shell(ctx: &mut Ctx, tag: &str) -> i32 {
    // `docker exec -it` refuses ("the input device is not a TTY").
    if !std::io::stdin().is_terminal() {
        return 1;
    }
    let config = exec_config(ctx, "bash", true, false);
    let Ok(engine) = ctx.engine() else {
        return 1;
    };
    let Ok(id) = engine.exec_create(tag, &config) else {
        return 1;
    };
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let Ok(pump) = Pump::start(tx) else {
        return 1;
    };
    let raw = RawMode::enter();
    let mut sizes = SizeWatch::new(true);
    let mut resized = || sizes.changed();
    // A shell owns the terminal: its output is never captured.
    let mut stdout = std::io::stdout();
    let attached = engine.exec_attach(&id, true, Some(rx), &mut resized, &mut stdout);
    pump.stop();
    drop(raw);
    match attached {
        // Detached with ctrl-p ctrl-q: `docker exec` ends with "read escape
        // sequence", exit 1, and leaves the shell running.
        Ok(true) | Err(_) => 1,
        Ok(false) => exec_status(engine.exec_end(&id)),
    }
}

/// `docker exec -t|-d -e ... --user UID:GID TAG COMMAND`: the command with
/// a terminal for its output (or detached), no input; its exit status as
/// the docker CLI gives it.
pub(super) fn run_command(ctx: &mut Ctx, tag: &str, command: &str, detach: bool) -> i32 {
    let config = exec_config(ctx, command, false, detach);
    let Ok(engine) = ctx.engine() else {
        return 1;
    };
    let Ok(id) = engine.exec_create(tag, &config) else {
        return 1;
    };
    if detach {
        return if engine.exec_start_detached(&id).is_ok() {
            0
        } else {
            1
        };
    }
    // Like the docker CLI: follow the terminal's size when stdin is one.
    let mut sizes = SizeWatch::new(std::io::stdin().is_terminal());
    let mut resized = || sizes.changed();
    let mut stdout = std::io::stdout();
    match engine.exec_attach(&id, true, None, &mut resized, &mut stdout) {
        Ok(false) => exec_status(engine.exec_end(&id)),
        Ok(true) | Err(_) => 1,
    }
}

// ---------------------------------------------------------------------------
// The terminal while a shell runs in the container.

/// Rows and columns of the terminal on stdout (what the docker CLI reads).
fn terminal_size() -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ writes a winsize struct into memory we own.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0
            && ws.ws_row > 0
            && ws.ws_col > 0
        {
            Some((ws.ws_row, ws.ws_col))
        } else {
            None
        }
    }
}

/// Reports the terminal's size the first time and whenever it changed.
struct SizeWatch {
    enabled: bool,
    last: Option<(u16, u16)>,
}

impl SizeWatch {
    fn new(enabled: bool) -> Self {
        SizeWatch {
            enabled,
            last: None,
        }
    }

    fn changed(&mut self) -> Option<(u16, u16)> {
        if !self.enabled {
            return None;
        }
        let now = terminal_size()?;
        if self.last == Some(now) {
            return None;
        }
        self.last = Some(now);
        Some(now)
    }
}

/// The terminal settings to restore, for the signal handler too.
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();
static RAW_ACTIVE: AtomicBool = AtomicBool::new(false);
const RESTORE_ON: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

extern "C" fn restore_and_die(sig: libc::c_int) {
    // SAFETY: tcsetattr, write, signal, raise and _exit are
    // async-signal-safe; SAVED_TERMIOS is set before RAW_ACTIVE.
    unsafe {
        if RAW_ACTIVE.load(Ordering::SeqCst) {
            if let Some(t) = SAVED_TERMIOS.get() {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            }
        }
        if sig == libc::SIGINT {
            let msg = crate::ui::prompt::interrupted_message();
            libc::write(libc::STDOUT_FILENO, msg.as_ptr().cast(), msg.len());
            libc::_exit(1);
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
        libc::_exit(128 + sig);
    }
}

/// Our terminal in raw mode (as `docker exec -it` sets it) until dropped,
/// also when the command fails; a terminating signal restores it too.
struct RawMode {
    saved: Option<libc::termios>,
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

impl RawMode {
    fn enter() -> RawMode {
        let mut mode = RawMode {
            saved: None,
            previous: Vec::new(),
        };
        // SAFETY: tcgetattr/tcsetattr on our stdin with structs we own;
        // the handler only calls async-signal-safe functions.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
                return mode;
            }
            // One session per process: the handler restores the first state.
            SAVED_TERMIOS.get_or_init(|| t);
            for sig in RESTORE_ON {
                let old = libc::signal(
                    sig,
                    restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
                mode.previous.push((sig, old));
            }
            let mut raw = t;
            raw.c_iflag &= !(libc::IGNBRK
                | libc::BRKINT
                | libc::PARMRK
                | libc::ISTRIP
                | libc::INLCR
                | libc::IGNCR
                | libc::ICRNL
                | libc::IXON);
            raw.c_oflag &= !libc::OPOST;
            raw.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::ISIG | libc::IEXTEN);
            raw.c_cflag &= !(libc::CSIZE | libc::PARENB);
            raw.c_cflag |= libc::CS8;
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            RAW_ACTIVE.store(true, Ordering::SeqCst);
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) == 0 {
                mode.saved = Some(t);
            } else {
                RAW_ACTIVE.store(false, Ordering::SeqCst);
            }
        }
        mode
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restoring the settings read in `enter` and the previous
        // signal dispositions.
        unsafe {
            if let Some(t) = self.saved.take() {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
            }
            RAW_ACTIVE.store(false, Ordering::SeqCst);
            for (sig, old) in self.previous.drain(..) {
                libc::signal(sig, old);
            }
        }
    }
}

/// Copies our stdin to the exec in a thread of its own (a blocking read
/// cannot be cancelled; `poll` with a stop pipe can).
struct Pump {
    stop: libc::c_int,
    thread: std::thread::JoinHandle<()>,
}

impl Pump {
    fn start(tx: tokio::sync::mpsc::Sender<Vec<u8>>) -> std::io::Result<Pump> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills the two descriptors we pass.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let (stop_r, stop_w) = (fds[0], fds[1]);
        let thread = std::thread::spawn(move || {
            pump_stdin(&tx, stop_r);
            // SAFETY: closing the read end this thread owns.
            unsafe { libc::close(stop_r) };
        });
        Ok(Pump {
            stop: stop_w,
            thread,
        })
    }

    fn stop(self) {
        // SAFETY: writing one byte to, then closing, our pipe's write end.
        unsafe {
            libc::write(self.stop, b"x".as_ptr().cast(), 1);
            libc::close(self.stop);
        }
        let _ = self.thread.join();
    }
}

/// The docker CLI's default detach keys, ctrl-p ctrl-q.
const DETACH_KEYS: [u8; 2] = [0x10, 0x11];

/// The docker CLI's escape proxy: the detach keys count only when each
/// arrives alone; a prefix that is not completed goes on to the process.
#[derive(Debug, Default)]
struct Escape {
    matched: usize,
}

impl Escape {
    /// What to pass on for this chunk of input, or `None`: detach now.
    fn filter(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        if chunk.len() == 1 && chunk[0] == DETACH_KEYS[self.matched] {
            self.matched += 1;
            if self.matched == DETACH_KEYS.len() {
                return None;
            }
            return Some(Vec::new());
        }
        let mut out = DETACH_KEYS[..self.matched].to_vec();
        out.extend_from_slice(chunk);
        self.matched = 0;
        Some(out)
    }
}

fn pump_stdin(tx: &tokio::sync::mpsc::Sender<Vec<u8>>, stop: libc::c_int) {
    let mut buf = [0u8; 4096];
    let mut escape = Escape::default();
    loop {
        let mut fds = [
            libc::pollfd {
                fd: libc::STDIN_FILENO,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: stop,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: poll on two descriptors in an array we own.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if fds[1].revents != 0 || fds[0].revents & libc::POLLNVAL != 0 {
            return;
        }
        if fds[0].revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) == 0 {
            continue;
        }
        // SAFETY: reading into our buffer.
        let got = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if got < 0 {
            let kind = std::io::Error::last_os_error().kind();
            if kind == std::io::ErrorKind::Interrupted || kind == std::io::ErrorKind::WouldBlock {
                continue;
            }
            return;
        }
        if got == 0 {
            // End of input: the sender goes away.
            return;
        }
        let chunk = match escape.filter(&buf[..got as usize]) {
            // An empty chunk tells the session to detach.
            None => Vec::new(),
            Some(pass) if pass.is_empty() => continue,
            Some(pass) => pass,
        };
        let detach = chunk.is_empty();
        if tx.blocking_send(chunk).is_err() || detach {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_only_what_is_set() {
        let none = exec_env_from(|_| None);
        assert!(none.is_empty());
        let both = exec_env_from(|k| Some(if k == "DISPLAY" { ":1" } else { "NVL" }.into()));
        assert_eq!(both, vec!["DISPLAY=:1", "NCCL_P2P_LEVEL=NVL"]);
        let empty_display =
            exec_env_from(|k| Some(if k == "DISPLAY" { "" } else { "SYS" }.to_string()));
        assert_eq!(empty_display, vec!["NCCL_P2P_LEVEL=SYS"]);
    }

    #[test]
    fn active_needs_two_processes() {
        assert!(!active_by_count(0));
        assert!(!active_by_count(1));
        assert!(active_by_count(2));
        assert!(active_by_count(5));
    }

    #[test]
    fn status_like_the_docker_cli() {
        assert_eq!(exec_status(Ok(Some(0))), 0);
        assert_eq!(exec_status(Ok(Some(130))), 130);
        assert_eq!(exec_status(Ok(None)), 1);
        assert_eq!(
            exec_status(Err(crate::engine::EngineError::Other("x".into()))),
            1
        );
    }

    #[test]
    fn detach_keys_like_the_docker_cli() {
        let mut e = Escape::default();
        assert_eq!(e.filter(b"ls\r"), Some(b"ls\r".to_vec()));
        assert_eq!(e.filter(&[0x10]), Some(Vec::new()));
        assert_eq!(e.filter(b"x"), Some(vec![0x10, b'x']));
        assert_eq!(e.filter(&[0x10]), Some(Vec::new()));
        assert_eq!(e.filter(&[0x11]), None);
        let mut e = Escape::default();
        // Not alone in a read: passed on.
        assert_eq!(e.filter(&[0x10, 0x11]), Some(vec![0x10, 0x11]));
    }
}
