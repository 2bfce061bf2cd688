//! Terminal output: colours, tables and prompts.

pub mod colour;
pub mod ds01_colour;
pub mod prompt;
pub mod table;

use std::io::Write;

/// Width of the terminal on stdout, if it is one.
pub fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes a winsize struct into the pointer we own.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            Some(ws.ws_col as usize)
        } else {
            None
        }
    }
}

/// Write to stdout and flush, so that output of child processes that share
/// the stream appears after it (natural order, unlike the original under a
/// pipe).  A closed stdout is not an error worth a panic.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Like Python's `print`: the text and a newline, on stdout.
pub fn println(text: &str) {
    out(&format!("{text}\n"));
}

pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
