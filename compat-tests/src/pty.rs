//! Pseudo-terminals and the expect-then-type logic of the pty sessions.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::normalise::strip_ansi;
use crate::session::{Trigger, TypedInput};

/// A new pty pair (master, slave) of the given size, both close-on-exec.
pub fn open(rows: u16, cols: u16) -> Result<(OwnedFd, OwnedFd)> {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: out-pointers are valid; name and termios pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &ws,
        )
    };
    if rc != 0 {
        return Err(Error::msg(format!(
            "openpty: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: openpty returned two fresh descriptors we now own.
    let (m, s) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    set_cloexec(m.as_raw_fd())?;
    set_cloexec(s.as_raw_fd())?;
    Ok((m, s))
}

pub fn set_cloexec(fd: RawFd) -> Result<()> {
    // SAFETY: plain fcntl on a descriptor we own.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    if rc < 0 {
        return Err(Error::msg(format!(
            "fcntl: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

pub fn set_nonblocking(fd: RawFd) -> Result<()> {
    // SAFETY: plain fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(Error::msg(format!(
                "fcntl: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    Ok(())
}

/// Sends the recorded keystrokes, each after its prompt appeared (or after a timeout), and
/// answers cursor-position queries (`ESC[6n`) as the recorder did.
pub struct Typist {
    pending: std::collections::VecDeque<TypedInput>,
    cursor_replies: Vec<Vec<u8>>,
    replies_sent: usize,
    /// Output since the last keystrokes were sent (raw, ANSI stripped when checked).
    since: Vec<u8>,
    /// Where to look for the next `ESC[6n` in `all`.
    scan_from: usize,
    all: Vec<u8>,
    waiting_since: Instant,
    /// Prompt seen (or timed out): send at this instant.
    send_at: Option<Instant>,
    prompt_timeout: Duration,
    delay: Duration,
    /// Prompts that never appeared.
    pub missed: Vec<String>,
}

impl Typist {
    pub fn new(typed: &[TypedInput], cursor_replies: &[Vec<u8>], prompt_timeout: Duration) -> Self {
        Typist {
            pending: typed.iter().cloned().collect(),
            cursor_replies: cursor_replies.to_vec(),
            replies_sent: 0,
            since: Vec::new(),
            scan_from: 0,
            all: Vec::new(),
            waiting_since: Instant::now(),
            send_at: None,
            prompt_timeout,
            // The recorders typed 0.3 s after the prompt (DS01 flushes type-ahead for 0.1 s).
            delay: Duration::from_millis(300),
            missed: Vec::new(),
        }
    }

    /// Feed terminal (or prompt-carrying) output.
    pub fn output(&mut self, bytes: &[u8]) {
        self.since.extend_from_slice(bytes);
        self.all.extend_from_slice(bytes);
    }

    /// Every keystroke sent.
    pub fn done(&self) -> bool {
        self.pending.is_empty()
    }

    /// When keys were last sent (or typing began).
    pub fn last_sent(&self) -> Instant {
        self.waiting_since
    }

    /// What to write to the terminal now, if anything.
    pub fn poll(&mut self, now: Instant) -> Vec<u8> {
        let mut out = Vec::new();
        // Cursor position queries.
        while let Some(pos) = find(&self.all[self.scan_from..], b"\x1b[6n") {
            self.scan_from += pos + 4;
            let reply = self
                .cursor_replies
                .get(self.replies_sent)
                .or(self.cursor_replies.last())
                .cloned()
                .unwrap_or_else(|| b"\x1b[24;1R".to_vec());
            self.replies_sent += 1;
            out.extend_from_slice(&reply);
        }
        let Some(next) = self.pending.front() else {
            return out;
        };
        if self.send_at.is_none() {
            if prompt_seen(&next.trigger, &self.since) {
                self.send_at = Some(now + self.delay);
            } else if now.duration_since(self.waiting_since) > self.prompt_timeout {
                self.missed.push(match &next.trigger {
                    Trigger::Contains(t) | Trigger::EndsWith(t) => t.clone(),
                });
                self.send_at = Some(now);
            }
        }
        if self.send_at.is_some_and(|t| now >= t) {
            if let Some(item) = self.pending.pop_front() {
                out.extend_from_slice(&item.keys);
            }
            self.send_at = None;
            self.since.clear();
            self.waiting_since = now;
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Has the prompt appeared in `since` (ANSI stripped)?
pub fn prompt_seen(trigger: &Trigger, since: &[u8]) -> bool {
    let text = strip_ansi(&String::from_utf8_lossy(since));
    match trigger {
        Trigger::Contains(t) => text.contains(t.as_str()),
        Trigger::EndsWith(t) => {
            let trimmed = text.strip_suffix('\n').unwrap_or(&text);
            let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
            text.ends_with(t.as_str()) || trimmed.ends_with(t.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers() {
        assert!(prompt_seen(
            &Trigger::EndsWith("sure(y/N)?: ".into()),
            b"x \x1b[96mAre you sure(y/N)?: \x1b[0m"
        ));
        assert!(!prompt_seen(&Trigger::EndsWith("$ ".into()), b"$ ls\r\n"));
        assert!(prompt_seen(
            &Trigger::Contains("Choice [1-2]".into()),
            b"Choice [1-2]: "
        ));
    }

    #[test]
    fn typist_answers_cursor_queries_and_types_after_prompt() {
        let typed = vec![TypedInput {
            trigger: Trigger::EndsWith("$ ".into()),
            keys: b"exit\n".to_vec(),
        }];
        let mut t = Typist::new(&typed, &[b"\x1b[24;26R".to_vec()], Duration::from_secs(5));
        let start = Instant::now();
        t.output(b"banner\r\n$ \x1b[6n");
        assert_eq!(t.poll(start), b"\x1b[24;26R");
        // Prompt seen: typed after the delay.
        assert!(t.poll(start + Duration::from_millis(100)).is_empty());
        let sent = t.poll(start + Duration::from_secs(1));
        assert_eq!(sent, b"exit\n");
        assert!(t.done());
    }

    #[test]
    fn pty_opens() {
        let (m, s) = open(24, 80).unwrap();
        assert!(m.as_raw_fd() >= 0 && s.as_raw_fd() >= 0);
    }
}
