//! Running one command as the recorded user: own session (setsid), loginuid, groups, gid,
//! uid, cwd, exact environment; pipes or a pseudo-terminal; time limit.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::compare::Actual;
use crate::error::{Context, Error, Result};
use crate::pty::{self, Typist};
use crate::session::{Mode, TypedInput, User};

/// Forks happen under this lock, and so does every descriptor creation that is not
/// close-on-exec from birth, so that no child inherits another session's terminal.
static SPAWN_LOCK: Mutex<()> = Mutex::new(());

pub struct RunSpec {
    pub program: PathBuf,
    pub arg0: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: String,
    pub user: User,
    pub mode: Mode,
    /// (rows, cols)
    pub pty_size: (u16, u16),
    pub stdin: Option<Vec<u8>>,
    pub typed: Vec<TypedInput>,
    pub cursor_replies: Vec<Vec<u8>>,
    pub limit: Duration,
    pub prompt_timeout: Duration,
    /// (passwd, group) to bind-mount over /etc/passwd and /etc/group.
    pub etc_overlay: Option<(PathBuf, PathBuf)>,
}

/// Result of a run, plus prompts that never appeared.
pub struct Outcome {
    pub actual: Actual,
    pub missed_prompts: Vec<String>,
}

struct Credentials {
    loginuid_path: CString,
    loginuid: Option<Vec<u8>>,
    groups: Vec<libc::gid_t>,
    gid: libc::gid_t,
    uid: libc::uid_t,
    controlling_tty: bool,
    /// [(source, target)] bind mounts in a private mount namespace.
    binds: Vec<(CString, CString)>,
    root: CString,
}

impl Credentials {
    /// Runs in the child between fork and exec: only async-signal-safe calls.
    fn apply(&self) -> std::io::Result<()> {
        let err = std::io::Error::last_os_error;
        // SAFETY: plain system calls with valid pointers owned by `self`.
        unsafe {
            if libc::setsid() < 0 {
                return Err(err());
            }
            if self.controlling_tty && libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(err());
            }
            if let Some(value) = &self.loginuid {
                let fd = libc::open(self.loginuid_path.as_ptr(), libc::O_WRONLY);
                if fd >= 0 {
                    libc::write(fd, value.as_ptr().cast(), value.len());
                    libc::close(fd);
                }
            }
            if !self.binds.is_empty() {
                if libc::unshare(libc::CLONE_NEWNS) < 0 {
                    return Err(err());
                }
                let none = std::ptr::null();
                if libc::mount(
                    none,
                    self.root.as_ptr(),
                    none,
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) < 0
                {
                    return Err(err());
                }
                for (src, dst) in &self.binds {
                    if libc::mount(
                        src.as_ptr(),
                        dst.as_ptr(),
                        none,
                        libc::MS_BIND,
                        std::ptr::null(),
                    ) < 0
                    {
                        return Err(err());
                    }
                }
            }
            if libc::setgroups(self.groups.len(), self.groups.as_ptr()) < 0 {
                return Err(err());
            }
            if libc::setgid(self.gid) < 0 {
                return Err(err());
            }
            if libc::setuid(self.uid) < 0 {
                return Err(err());
            }
        }
        Ok(())
    }
}

fn cpath(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| Error::msg(format!("NUL in {}", p.display())))
}

pub fn run(spec: RunSpec) -> Result<Outcome> {
    let creds = Credentials {
        loginuid_path: CString::new("/proc/self/loginuid").map_err(|_| Error::msg("NUL"))?,
        // No recorded loginuid: unset it (4294967295), whatever the harness inherited.
        loginuid: Some(
            spec.user
                .loginuid
                .unwrap_or(u32::MAX)
                .to_string()
                .into_bytes(),
        ),
        groups: spec.user.groups.clone(),
        gid: spec.user.gid,
        uid: spec.user.uid,
        controlling_tty: spec.mode.uses_pty(),
        binds: match &spec.etc_overlay {
            Some((pw, gr)) => vec![
                (cpath(pw)?, cpath(Path::new("/etc/passwd"))?),
                (cpath(gr)?, cpath(Path::new("/etc/group"))?),
            ],
            None => Vec::new(),
        },
        root: cpath(Path::new("/"))?,
    };
    let mut cmd = Command::new(&spec.program);
    cmd.arg0(&spec.arg0)
        .args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.cwd);
    // SAFETY: the closure only makes async-signal-safe system calls on pre-built data.
    unsafe {
        cmd.pre_exec(move || creds.apply());
    }

    let mut master: Option<OwnedFd> = None;
    let child = {
        let _guard = SPAWN_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        if spec.mode.uses_pty() {
            let (m, s) = pty::open(spec.pty_size.0, spec.pty_size.1)?;
            let dup = |fd: &OwnedFd| fd.try_clone().ctx("dup pty");
            cmd.stdin(Stdio::from(dup(&s)?))
                .stdout(Stdio::from(dup(&s)?));
            if spec.mode == Mode::Pty {
                cmd.stderr(Stdio::from(s));
            } else {
                cmd.stderr(Stdio::piped());
            }
            master = Some(m);
        } else {
            let stdin = match &spec.stdin {
                Some(b) if !b.is_empty() => Stdio::piped(),
                _ => Stdio::null(),
            };
            cmd.stdin(stdin)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
        }
        let child = cmd
            .spawn()
            .ctx(format!("starting {}", spec.program.display()));
        // The slave descriptors in `cmd` are dropped with it here.
        drop(cmd);
        child?
    };
    pump(child, master, spec)
}

struct Stream {
    fd: Option<OwnedFd>,
    buf: Vec<u8>,
}

impl Stream {
    fn new(fd: Option<OwnedFd>) -> Result<Self> {
        if let Some(f) = &fd {
            pty::set_nonblocking(f.as_raw_fd())?;
        }
        Ok(Stream {
            fd,
            buf: Vec::new(),
        })
    }

    fn raw(&self) -> Option<RawFd> {
        self.fd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Read what is there; returns the new bytes. EOF or EIO (pty without slaves) closes.
    fn read(&mut self) -> Vec<u8> {
        let Some(fd) = self.raw() else {
            return Vec::new();
        };
        let mut new = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            // SAFETY: reading into a stack buffer of the given size.
            let n = unsafe { libc::read(fd, chunk.as_mut_ptr().cast(), chunk.len()) };
            if n > 0 {
                new.extend_from_slice(&chunk[..n as usize]);
                continue;
            }
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock {
                break;
            }
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            self.fd = None;
            break;
        }
        self.buf.extend_from_slice(&new);
        new
    }
}

/// The time limit, which never cuts off keystrokes still owed: a prompt
/// that never appears costs `prompt_timeout` before its keys go anyway, and
/// a session that waits to be killed (a short limit) would otherwise end
/// before or after its last keys depending on the machine's load.  Once all
/// are sent, the session gets a moment to answer them.
fn past_limit(spec: &RunSpec, typist: &Typist, start: Instant, now: Instant) -> bool {
    const ANSWER: Duration = Duration::from_secs(2);
    let owed = (spec.prompt_timeout + ANSWER) * spec.typed.len() as u32;
    let elapsed = now.duration_since(start);
    if elapsed <= spec.limit {
        return false;
    }
    if elapsed > spec.limit + owed {
        return true;
    }
    typist.done() && (spec.typed.is_empty() || now.duration_since(typist.last_sent()) > ANSWER)
}

fn pump(mut child: Child, master: Option<OwnedFd>, spec: RunSpec) -> Result<Outcome> {
    let start = Instant::now();
    let pid = child.id() as libc::pid_t;
    let mut stdout = Stream::new(child.stdout.take().map(OwnedFd::from))?;
    let mut stderr = Stream::new(child.stderr.take().map(OwnedFd::from))?;
    let mut term = Stream::new(master)?;
    let mut stdin_data = spec.stdin.clone().unwrap_or_default();
    let mut stdin = child.stdin.take().map(OwnedFd::from);
    if let Some(f) = &stdin {
        pty::set_nonblocking(f.as_raw_fd())?;
    }
    let mut typist = Typist::new(&spec.typed, &spec.cursor_replies, spec.prompt_timeout);
    let mut exited: Option<(Instant, i32)> = None;
    let mut timed_out = false;

    loop {
        let mut fds: Vec<libc::pollfd> = Vec::new();
        for s in [&stdout, &stderr, &term] {
            if let Some(fd) = s.raw() {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
        }
        if let Some(f) = &stdin {
            fds.push(libc::pollfd {
                fd: f.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            });
        }
        // SAFETY: fds is a valid array of pollfd.
        unsafe {
            libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 20);
        }
        stdout.read();
        let err_new = stderr.read();
        let term_new = term.read();
        if spec.mode.uses_pty() {
            typist.output(&term_new);
            typist.output(&err_new);
        }
        // Pipe stdin.
        if let Some(f) = &stdin {
            if stdin_data.is_empty() {
                stdin = None;
            } else {
                // SAFETY: writing from a valid buffer.
                let n = unsafe {
                    libc::write(f.as_raw_fd(), stdin_data.as_ptr().cast(), stdin_data.len())
                };
                if n > 0 {
                    stdin_data.drain(..n as usize);
                    if stdin_data.is_empty() {
                        stdin = None;
                    }
                } else if n < 0
                    && std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock
                {
                    stdin = None;
                }
            }
        }
        let now = Instant::now();
        if exited.is_none() {
            if let Some(fd) = term.raw() {
                let keys = typist.poll(now);
                if !keys.is_empty() {
                    write_all(fd, &keys);
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                let code = status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
                exited = Some((now, code));
            } else if past_limit(&spec, &typist, start, now) {
                // SAFETY: signalling our child's process group.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
                let _ = child.wait();
                timed_out = true;
                exited = Some((now, -1));
            }
        }
        if let Some((at, _)) = exited {
            let all_closed =
                stdout.raw().is_none() && stderr.raw().is_none() && term.raw().is_none();
            // Background processes may hold the streams: give them a moment, not more.
            if all_closed || now.duration_since(at) > Duration::from_millis(1000) {
                break;
            }
        }
    }
    // Whatever is left of the session (background helpers).
    // SAFETY: signalling our child's process group; ESRCH is fine.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = child.try_wait();
    let exit = match exited {
        Some((_, code)) if !timed_out => Some(code),
        _ => None,
    };
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(Outcome {
        actual: Actual {
            stdout: lossy(&stdout.buf),
            stderr: lossy(&stderr.buf),
            pty: lossy(&term.buf),
            exit,
        },
        missed_prompts: typist.missed,
    })
}

fn write_all(fd: RawFd, mut data: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !data.is_empty() && Instant::now() < deadline {
        // SAFETY: writing from a valid buffer.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n > 0 {
            data = &data[n as usize..];
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Trigger;

    fn spec(mode: Mode, script: &str) -> Option<RunSpec> {
        // setgroups/setuid need root; the harness always runs as root.
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            return None;
        }
        Some(RunSpec {
            program: "/bin/sh".into(),
            arg0: "sh".into(),
            args: vec!["-c".into(), script.into()],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            cwd: "/".into(),
            user: User {
                name: "root".into(),
                uid: 0,
                gid: 0,
                groups: vec![0],
                loginuid: None,
            },
            mode,
            pty_size: (24, 80),
            stdin: None,
            typed: Vec::new(),
            cursor_replies: Vec::new(),
            limit: Duration::from_secs(10),
            prompt_timeout: Duration::from_secs(5),
            etc_overlay: None,
        })
    }

    #[test]
    fn pipe_streams_stdin_and_exit() {
        let Some(mut s) = spec(Mode::Pipe, "read a; echo \"out $a\"; echo err >&2; exit 3") else {
            return;
        };
        s.stdin = Some(b"x\n".to_vec());
        let o = run(s).unwrap();
        assert_eq!(o.actual.stdout, "out x\n");
        assert_eq!(o.actual.stderr, "err\n");
        assert_eq!(o.actual.exit, Some(3));
    }

    #[test]
    fn pty_prompt_typing_and_controlling_tty() {
        let Some(mut s) = spec(
            Mode::Pty,
            "printf 'Name: '; read n; echo \"hi $n\"; test -t 0 && echo tty; echo x >/dev/tty",
        ) else {
            return;
        };
        s.typed = vec![TypedInput {
            trigger: Trigger::EndsWith("Name: ".into()),
            keys: b"bo\r".to_vec(),
        }];
        let o = run(s).unwrap();
        assert_eq!(o.actual.pty, "Name: bo\r\nhi bo\r\ntty\r\nx\r\n");
        assert_eq!(o.actual.exit, Some(0));
        assert!(o.missed_prompts.is_empty());
    }

    #[test]
    fn pty_stderr_is_a_pipe() {
        let Some(s) = spec(Mode::PtyStderr, "echo out; echo err >&2") else {
            return;
        };
        let o = run(s).unwrap();
        assert_eq!(o.actual.pty, "out\r\n");
        assert_eq!(o.actual.stderr, "err\n");
    }

    #[test]
    fn time_limit_kills() {
        let Some(mut s) = spec(Mode::Pipe, "echo start; sleep 30") else {
            return;
        };
        s.limit = Duration::from_millis(500);
        let t = Instant::now();
        let o = run(s).unwrap();
        assert!(t.elapsed() < Duration::from_secs(5));
        assert_eq!(o.actual.exit, None);
        assert_eq!(o.actual.stdout, "start\n");
    }

    #[test]
    fn time_limit_waits_for_keys_of_missed_prompts() {
        let Some(mut s) = spec(Mode::Pty, "read a; echo \"got $a\"; sleep 30") else {
            return;
        };
        s.typed = vec![TypedInput {
            trigger: Trigger::Contains("never shown".into()),
            keys: b"x\r".to_vec(),
        }];
        s.limit = Duration::from_millis(300);
        s.prompt_timeout = Duration::from_secs(1);
        let o = run(s).unwrap();
        assert_eq!(o.actual.exit, None);
        assert!(o.actual.pty.contains("got x"), "{:?}", o.actual.pty);
        assert_eq!(o.missed_prompts, vec!["never shown".to_owned()]);
    }
}
