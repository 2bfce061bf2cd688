//! DS01's terminal kit, beside AIME's (`colour`, `prompt`): the palette
//! of `scripts/lib/init.sh`, banners, the `[INFO]`/`[WARNING]`/... log
//! lines of `logging.sh`, questions read from the terminal as bash's
//! `read -p ... </dev/tty` asks them, and numbered menus on stderr
//! (`interactive-select.sh`).  Like the originals, colours are written
//! whether or not the output is a terminal.  Everything goes through the
//! context, so an orchestrator can silence or capture it.

use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::prompt::Interrupted;

pub const RED: &str = "\x1b[0;31m";
pub const GREEN: &str = "\x1b[0;32m";
pub const YELLOW: &str = "\x1b[1;33m";
pub const BLUE: &str = "\x1b[0;34m";
/// The brighter blue of container-session, pause and unpause.
pub const LIGHT_BLUE: &str = "\x1b[94m";
pub const CYAN: &str = "\x1b[0;36m";
pub const MAGENTA: &str = "\x1b[0;35m";
pub const BOLD: &str = "\x1b[1m";
pub const DIM: &str = "\x1b[2m";
pub const NC: &str = "\x1b[0m";

const TOKENS: [(&str, &str); 10] = [
    ("{RED}", RED),
    ("{GREEN}", GREEN),
    ("{YELLOW}", YELLOW),
    ("{BLUE}", BLUE),
    ("{LIGHT_BLUE}", LIGHT_BLUE),
    ("{CYAN}", CYAN),
    ("{MAGENTA}", MAGENTA),
    ("{BOLD}", BOLD),
    ("{DIM}", DIM),
    ("{NC}", NC),
];

/// Replace `{NAME}` colour tokens of this palette (as in spec files and
/// page texts) by their escapes.
pub fn expand(text: &str) -> String {
    super::replace_tokens(text, &TOKENS)
}

/// The standard banner: a cyan rule of 47 `━`, the bold title, the rule.
pub fn banner(ctx: &mut Ctx, title: &str) {
    ruled_banner(ctx, title, 47);
}

/// A dispatcher's banner (60 `━`).
pub fn wide_banner(ctx: &mut Ctx, title: &str) {
    ruled_banner(ctx, title, 60);
}

fn ruled_banner(ctx: &mut Ctx, title: &str, width: usize) {
    let rule = format!("{CYAN}{}{NC}", "━".repeat(width));
    ctx.out(&format!("{rule}\n{BOLD}{title}{NC}\n{rule}\n"));
}

/// A banner only when no orchestrator silenced the command.
pub fn banner_unless_silenced(ctx: &mut Ctx, title: &str) {
    if !ctx.mode.silenced() {
        banner(ctx, title);
    }
}

/// `logging.sh`'s levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

impl Level {
    fn prefix(self) -> String {
        match self {
            Level::Info => format!("{BLUE}[INFO]{NC}"),
            Level::Success => format!("{GREEN}[SUCCESS]{NC}"),
            Level::Warning => format!("{YELLOW}[WARNING]{NC}"),
            Level::Error => format!("{RED}[ERROR]{NC}"),
        }
    }
}

/// One log line on stdout: `[LEVEL] text`.
pub fn log(ctx: &mut Ctx, level: Level, text: &str) {
    ctx.out(&format!("{} {text}\n", level.prefix()));
}

pub fn info(ctx: &mut Ctx, text: &str) {
    log(ctx, Level::Info, text);
}

pub fn success(ctx: &mut Ctx, text: &str) {
    log(ctx, Level::Success, text);
}

pub fn warning(ctx: &mut Ctx, text: &str) {
    log(ctx, Level::Warning, text);
}

pub fn error(ctx: &mut Ctx, text: &str) {
    log(ctx, Level::Error, text);
}

/// A plain line on stdout (bash's `echo`).
pub fn line(ctx: &mut Ctx, text: &str) {
    ctx.out(&format!("{text}\n"));
}

/// `{RED}✗ Unknown option: X{NC}` as most DS01 commands say it.
pub fn unknown_option(option: &str) -> String {
    format!("{RED}✗ Unknown option: {option}{NC}\n")
}

/// The question and the answer (without its newline), read from the
/// terminal; without one, the script aborted (exit 1, nothing more said),
/// as `set -e` ended the originals.
pub fn ask(ctx: &mut Ctx, prompt: &str) -> Result<String, Failure> {
    ctx.ask_tty(prompt).map_err(aborted)
}

/// A `[y/N]` question: only `y` or `Y` is yes.
pub fn confirm(ctx: &mut Ctx, prompt: &str) -> Result<bool, Failure> {
    let answer = ask(ctx, prompt)?;
    Ok(matches!(answer.as_str(), "y" | "Y"))
}

/// A `[Y/n]` question: empty, `y` or `Y` is yes.
pub fn confirm_default_yes(ctx: &mut Ctx, prompt: &str) -> Result<bool, Failure> {
    let answer = ask(ctx, prompt)?;
    Ok(matches!(answer.as_str(), "" | "y" | "Y"))
}

/// `Press Enter to continue...` (guided pages).
pub fn pause(ctx: &mut Ctx, prompt: &str) -> Result<(), Failure> {
    ask(ctx, prompt).map(|_| ())
}

/// `select_from_list TITLE ITEMS`: the title and bash's `select` menu on
/// stderr, asked until a listed number is given; the chosen item.
pub fn select<'a>(ctx: &mut Ctx, title: &str, items: &'a [String]) -> Result<&'a str, Failure> {
    ctx.err(&format!("{title}\n"));
    let menu: String = items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("{}) {item}\n", i + 1))
        .collect();
    loop {
        ctx.err(&menu);
        let answer = ask(ctx, "\nSelect number (or Ctrl+C to cancel): ")?;
        if let Some(item) = answer
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| items.get(i))
        {
            return Ok(item);
        }
    }
}

/// Throw away keys typed before a question (the originals' `read -t 0.1
/// -n 10000 discard </dev/tty` before it).
pub fn flush_type_ahead(ctx: &Ctx) {
    if !matches!(ctx.prompter, crate::context::Prompter::Terminal) {
        return;
    }
    if let Ok(tty) = std::fs::File::open("/dev/tty") {
        // SAFETY: tcflush on a descriptor we hold open.
        unsafe { libc::tcflush(std::os::fd::AsRawFd::as_raw_fd(&tty), libc::TCIFLUSH) };
    }
}

/// No terminal or end of input at a DS01 prompt: exit 1, silently.
fn aborted(_: Interrupted) -> Failure {
    Failure::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Env, Prompter};
    use crate::identity::Identity;
    use std::collections::VecDeque;

    fn ctx(answers: &[&str]) -> Ctx {
        let caller = Identity {
            uid: 1000,
            gid: 1000,
            login: "alice".into(),
            home: "/home/alice".into(),
        };
        let mut c = Ctx::new(caller, Env::default());
        c.prompter = Prompter::Scripted(
            answers
                .iter()
                .map(|a| a.to_string())
                .collect::<VecDeque<_>>(),
        );
        c
    }

    #[test]
    fn log_lines_and_banner() {
        let mut c = ctx(&[]);
        let ((), got) = c.capture(|c| {
            info(c, "hi");
            banner(c, "T");
        });
        assert!(got.stdout.starts_with("\x1b[0;34m[INFO]\x1b[0m hi\n"));
        assert!(got.stdout.contains(&format!("{BOLD}T{NC}")));
    }

    #[test]
    fn menus_go_to_stderr_and_repeat_until_valid() {
        let mut c = ctx(&["9", "x", "2"]);
        let items = vec!["a".to_string(), "b".to_string()];
        let (chosen, got) = c.capture(|c| select(c, "Pick:", &items).map(str::to_string));
        assert_eq!(chosen, Ok("b".to_string()));
        assert!(got.stdout.is_empty());
        assert_eq!(got.stderr.matches("1) a\n").count(), 3);
    }

    #[test]
    fn yes_no_rules() {
        let mut c = ctx(&["yes", "", "Y"]);
        assert_eq!(c.capture(|c| confirm(c, "? [y/N] ")).0, Ok(false));
        assert_eq!(
            c.capture(|c| confirm_default_yes(c, "? [Y/n] ")).0,
            Ok(true)
        );
        assert_eq!(c.capture(|c| confirm(c, "? [y/N] ")).0, Ok(true));
        assert_eq!(c.capture(|c| confirm(c, "?")).0, Err(Failure::exit(1)));
    }
}
