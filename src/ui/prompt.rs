//! AIME's questions: the context asks them like Python's `input()`
//! ([`crate::context::Ctx::ask`]).  End of input is treated like Ctrl-C
//! (the original died with a traceback) and Ctrl-C prints AIME's "exited
//! by the user" message; both exit 1.

/// The user left (Ctrl-C or end of input): the command ends with exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

const INTERRUPTED_MESSAGE: &[u8] = b"\n\x1b[91m\nRunning process exited by the user.\x1b[0m\n\n";

extern "C" fn on_sigint(_: libc::c_int) {
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(
            libc::STDOUT_FILENO,
            INTERRUPTED_MESSAGE.as_ptr().cast(),
            INTERRUPTED_MESSAGE.len(),
        );
        libc::_exit(1);
    }
}

/// Make Ctrl-C end the program the way AIME's `KeyboardInterrupt` handler
/// does.  Called by commands that ask questions.
pub fn exit_on_ctrl_c() {
    // SAFETY: installing a handler that only calls async-signal-safe code.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// What to print when the user left.
pub fn interrupted_message() -> &'static str {
    "\n\x1b[91m\nRunning process exited by the user.\x1b[0m\n\n"
}

/// Python's `int()` on user input: surrounding blanks, a sign and `_`
/// between digits are accepted.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(sign * value)
}

#[cfg(test)]
mod tests {
    use super::parse_int;

    #[test]
    fn int_like_python() {
        assert_eq!(parse_int(" 3 "), Some(3));
        assert_eq!(parse_int("+2"), Some(2));
        assert_eq!(parse_int("1_0"), Some(10));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_int(""), None);
    }
}
