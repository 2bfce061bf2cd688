//! Terminal output: AIME's kit (`colour`, `prompt`, `table`) and DS01's
//! (`ds01`).  Commands print through the process context (`Ctx`), never
//! straight to the streams.

pub mod colour;
pub mod ds01;
pub mod prompt;
pub mod table;
pub mod terminal;

/// Replace each `{NAME}` token of `table` in `text` by its escape (both
/// palettes write their texts with such tokens).
pub fn replace_tokens(text: &str, table: &[(&str, &str)]) -> String {
    table.iter().fold(text.to_string(), |t, (token, escape)| {
        if t.contains(token) {
            t.replace(token, escape)
        } else {
            t
        }
    })
}

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
