//! Our own terminal while a process in a container has it, as the docker
//! CLI handles it for `docker exec -it`: its size (followed while the
//! process runs), raw mode (undone when the process ends and on a
//! terminating signal), and our input copied to the process with the CLI's
//! detach keys (ctrl-p ctrl-q).
//!
//! [`crate::engine::Engine::exec_on_terminal`] puts these together for
//! DS01's container sessions and AIME's `mlc open` / `mlc start`; nothing
//! here talks to the engine.  What a SIGINT does while the terminal is raw
//! differs between the two and is the caller's choice ([`OnInterrupt`]).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Rows and columns of the terminal on stdout (what the docker CLI reads).
pub fn size() -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ writes a winsize struct into memory we own.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        let ok = libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0;
        (ok && ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
    }
}

/// Reports the terminal's size the first time and whenever it changed;
/// nothing when it is not enabled (the docker CLI follows the size only
/// when its stdin is a terminal).
pub struct SizeWatch {
    enabled: bool,
    last: Option<(u16, u16)>,
}

impl SizeWatch {
    pub fn new(enabled: bool) -> Self {
        SizeWatch {
            enabled,
            last: None,
        }
    }

    pub fn changed(&mut self) -> Option<(u16, u16)> {
        if !self.enabled {
            return None;
        }
        let now = size()?;
        if self.last == Some(now) {
            return None;
        }
        self.last = Some(now);
        Some(now)
    }
}

/// What a SIGINT does while our terminal is raw (a terminal in raw mode
/// sends none for ctrl-c, so it came from `kill`).  Either way the
/// terminal is restored first; other terminating signals always end the
/// program by the signal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnInterrupt {
    /// End by the signal itself, as the docker CLI does (DS01).
    #[default]
    Reraise,
    /// Write `message` on stdout and exit with `status` (AIME's handler
    /// of `KeyboardInterrupt`).
    Exit { message: &'static str, status: i32 },
}

/// The terminal settings to restore, for the signal handler too.
static SAVED_TERMIOS: OnceLock<libc::termios> = OnceLock::new();
static RAW_ACTIVE: AtomicBool = AtomicBool::new(false);
/// [`OnInterrupt::Exit`] for the handler: the message (null: re-raise),
/// its length and the status.  The pointer is stored last.
static INTERRUPT_MESSAGE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static INTERRUPT_LEN: AtomicUsize = AtomicUsize::new(0);
static INTERRUPT_STATUS: AtomicI32 = AtomicI32::new(1);
const RESTORE_ON: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

fn set_on_interrupt(on_interrupt: OnInterrupt) {
    match on_interrupt {
        OnInterrupt::Reraise => INTERRUPT_MESSAGE.store(std::ptr::null_mut(), Ordering::SeqCst),
        OnInterrupt::Exit { message, status } => {
            INTERRUPT_LEN.store(message.len(), Ordering::SeqCst);
            INTERRUPT_STATUS.store(status, Ordering::SeqCst);
            // Only ever read through, never written.
            INTERRUPT_MESSAGE.store(message.as_ptr().cast_mut(), Ordering::SeqCst);
        }
    }
}

extern "C" fn restore_and_die(sig: libc::c_int) {
    // SAFETY: tcsetattr, write, signal, sigemptyset, sigaddset,
    // sigprocmask, raise and _exit are async-signal-safe, and so are
    // lock-free atomic loads; SAVED_TERMIOS
    // is set before RAW_ACTIVE, and the message is a `&'static str`.
    unsafe {
        if RAW_ACTIVE.load(Ordering::SeqCst) {
            if let Some(t) = SAVED_TERMIOS.get() {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            }
        }
        let message = INTERRUPT_MESSAGE.load(Ordering::SeqCst);
        if sig == libc::SIGINT && !message.is_null() {
            let len = INTERRUPT_LEN.load(Ordering::SeqCst);
            libc::write(libc::STDOUT_FILENO, message.cast_const().cast(), len);
            libc::_exit(INTERRUPT_STATUS.load(Ordering::SeqCst));
        }
        // The signal is blocked while its handler runs: unblocked, the
        // raised one ends us at once, as the signal itself (not an exit).
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        libc::_exit(128 + sig);
    }
}

/// Our terminal (stdin) in raw mode, as `docker exec -it` sets it, until
/// dropped; a terminating signal restores it too.
pub struct RawMode {
    saved: Option<libc::termios>,
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

impl RawMode {
    /// Raw mode, with `on_interrupt` deciding what a SIGINT does until
    /// the drop.  When stdin's settings cannot be read nothing changes.
    pub fn enter(on_interrupt: OnInterrupt) -> RawMode {
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
            // One terminal per process: the handler restores the first state.
            SAVED_TERMIOS.get_or_init(|| t);
            set_on_interrupt(on_interrupt);
            for sig in RESTORE_ON {
                let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
                mode.previous.push((sig, libc::signal(sig, handler)));
            }
            let mut raw = t;
            libc::cfmakeraw(&mut raw);
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

/// Copies our stdin to a process in a thread of its own (a blocking read
/// cannot be cancelled; `poll` with a stop pipe can).  Each chunk read is
/// sent on; an empty chunk asks to detach (the detach keys were typed);
/// the sender going away means end of input.
pub struct InputPump {
    stop: libc::c_int,
    thread: std::thread::JoinHandle<()>,
}

impl InputPump {
    pub fn start(tx: tokio::sync::mpsc::Sender<Vec<u8>>) -> std::io::Result<InputPump> {
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
        Ok(InputPump {
            stop: stop_w,
            thread,
        })
    }

    pub fn stop(self) {
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

/// What waiting for stdin or the stop pipe gave.
enum Ready {
    Input,
    Again,
    Stop,
}

fn wait_for_input(stop: libc::c_int) -> Ready {
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
        let interrupted = std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted;
        return if interrupted {
            Ready::Again
        } else {
            Ready::Stop
        };
    }
    if fds[1].revents != 0 || fds[0].revents & libc::POLLNVAL != 0 {
        return Ready::Stop;
    }
    if fds[0].revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) == 0 {
        return Ready::Again;
    }
    Ready::Input
}

fn pump_stdin(tx: &tokio::sync::mpsc::Sender<Vec<u8>>, stop: libc::c_int) {
    let mut buf = [0u8; 4096];
    let mut escape = Escape::default();
    loop {
        match wait_for_input(stop) {
            Ready::Stop => return,
            Ready::Again => continue,
            Ready::Input => {}
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
        // End of input: the sender goes away.
        let Ok(got @ 1..) = usize::try_from(got) else {
            return;
        };
        let chunk = match escape.filter(&buf[..got]) {
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

    #[test]
    fn size_watch_off_reports_nothing() {
        assert_eq!(SizeWatch::new(false).changed(), None);
    }
}
