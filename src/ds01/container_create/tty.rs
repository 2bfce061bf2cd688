//! Bash's `read -p PROMPT -n 1 -r VAR </dev/tty`: one key from the
//! terminal, taken without waiting for Enter (and echoed, as bash leaves
//! echo on).  Without a terminal the original's script aborted (exit 1).

use crate::context::{Ctx, Prompter};
use crate::error::Failure;
use std::io::Read;
use std::os::fd::AsRawFd;

/// The prompt on stderr, then one key (a whole UTF-8 character); Enter
/// gives an empty answer.  Ctrl-C ends the command as bash's would (130).
pub fn ask_key(ctx: &mut Ctx, prompt: &str) -> Result<String, Failure> {
    if let Prompter::Scripted(answers) = &mut ctx.prompter {
        let answer = answers.pop_front().ok_or_else(|| Failure::exit(1));
        ctx.err(prompt);
        return answer.map(|a| a.chars().take(1).collect());
    }
    let mut tty = std::fs::File::open("/dev/tty").map_err(|_| Failure::exit(1))?;
    ctx.err(prompt);
    let key = {
        let _mode = KeyMode::enter(tty.as_raw_fd());
        read_char(&mut tty)
    };
    match key {
        Some('\u{3}') => {
            ctx.err("\n");
            Err(Failure::exit(130))
        }
        Some('\n' | '\r') => Ok(String::new()),
        Some(c) => Ok(c.to_string()),
        None => Err(Failure::exit(1)),
    }
}

/// One UTF-8 character, or `None` at the end of input.
fn read_char(input: &mut impl Read) -> Option<char> {
    let mut bytes = [0u8; 4];
    input.read_exact(&mut bytes[..1]).ok()?;
    let len = match bytes[0] {
        b if b < 0x80 => 1,
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        _ => 2,
    };
    if len > 1 {
        input.read_exact(&mut bytes[1..len]).ok()?;
    }
    std::str::from_utf8(&bytes[..len]).ok()?.chars().next()
}

/// The terminal without line editing (keys arrive one by one) and without
/// signal keys (Ctrl-C arrives as a key, so that the settings are always
/// restored); echo stays on.  Restored when dropped.
struct KeyMode {
    fd: i32,
    saved: Option<libc::termios>,
}

impl KeyMode {
    fn enter(fd: i32) -> KeyMode {
        // SAFETY: tcgetattr/tcsetattr on a descriptor we own, with a
        // termios of the right type.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut t) != 0 {
                return KeyMode { fd, saved: None };
            }
            let mut keys = t;
            keys.c_lflag &= !(libc::ICANON | libc::ISIG);
            keys.c_cc[libc::VMIN] = 1;
            keys.c_cc[libc::VTIME] = 0;
            let saved = (libc::tcsetattr(fd, libc::TCSANOW, &keys) == 0).then_some(t);
            KeyMode { fd, saved }
        }
    }
}

impl Drop for KeyMode {
    fn drop(&mut self) {
        if let Some(t) = self.saved.take() {
            // SAFETY: restoring the settings read in `enter`.
            unsafe {
                libc::tcsetattr(self.fd, libc::TCSANOW, &t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_at_a_time() {
        let mut input: &[u8] = "4é".as_bytes();
        assert_eq!(read_char(&mut input), Some('4'));
        assert_eq!(read_char(&mut input), Some('é'));
        assert_eq!(read_char(&mut input), None);
    }
}
