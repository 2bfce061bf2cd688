//! The questions of `mlc create`, worded and checked as AIME's.

use crate::context::Ctx;
use crate::ui::{colour, prompt, prompt::Interrupted};

/// Print like Python's `print(text)` after expanding colour tokens.
pub(super) fn say(ctx: &mut Ctx, text: &str) {
    ctx.println(&colour::expand(text));
}

/// `get_user_selection`: a numbered menu answered by number (1-based).
pub(super) fn choose(ctx: &mut Ctx, prompt_text: &str, count: usize) -> Result<usize, Interrupted> {
    loop {
        let answer = ctx.ask(&colour::expand(prompt_text))?;
        match prompt::parse_int(&answer) {
            Some(n) if n >= 1 && n as usize <= count => return Ok(n as usize - 1),
            Some(_) => say(
                ctx,
                &format!("{{ERROR}}Please enter a number between 1 and {count}.{{RESET}}"),
            ),
            None => say(
                ctx,
                "{ERROR}Invalid input. Please enter a valid number.{RESET}",
            ),
        }
    }
}

/// `1) item` lines.
pub(super) fn numbered<S: AsRef<str>>(ctx: &mut Ctx, items: &[S]) {
    for (i, item) in items.iter().enumerate() {
        ctx.println(&format!("{}) {}", i + 1, item.as_ref()));
    }
}

/// Ask a y/n question until answered; `default` is what an empty answer
/// means.
pub(super) fn yes_no(ctx: &mut Ctx, question: &str, default: bool) -> Result<bool, Interrupted> {
    loop {
        let a = ctx.ask(&colour::expand(question))?.trim().to_lowercase();
        match a.as_str() {
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            "" => return Ok(default),
            _ => say(
                ctx,
                "{ERROR}\nInvalid input. Please use y(yes) or n(no).{RESET}",
            ),
        }
    }
}

/// Python's `os.path.expanduser`.
pub(super) fn expand_user(path: &str, home: &str) -> String {
    if path == "~" {
        home.to_string()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else {
        path.to_string()
    }
}

pub(super) fn is_dir(path: &str) -> bool {
    std::path::Path::new(path).is_dir()
}

/// Ask for an existing directory until one is given.
pub(super) fn directory(ctx: &mut Ctx, kind: &str, miss: &str) -> Result<String, Interrupted> {
    loop {
        let answer = ctx.ask(&colour::expand(&format!(
            "\n{{REQUEST}}Provide the new location of the {kind} directory: {{RESET}}"
        )))?;
        let p = expand_user(answer.trim(), &ctx.caller.home);
        if is_dir(&p) {
            return Ok(p);
        }
        say(
            ctx,
            &format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::expand_user;

    #[test]
    fn expand_user_like_python() {
        assert_eq!(expand_user("~/ws", "/home/j"), "/home/j/ws");
        assert_eq!(expand_user("~", "/home/j"), "/home/j");
        assert_eq!(expand_user("x/~", "/home/j"), "x/~");
    }
}
