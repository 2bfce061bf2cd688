//! The flow `mlc open`, `start`, `stop` and `remove` share, written once:
//! the user's containers → the given name found → its state checked →
//! script mode → a numbered menu.  Each command supplies its texts and
//! which containers it can act on ([`Texts`]); the flow returns the chosen
//! container, or ends the command with the original's message and code.

use super::common::{self, require_containers, Mine};
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::{colour, prompt};

/// `"\n{INPUT}[NAME]{RESET}"`, the start of most of the commands' lines.
pub(super) fn tag(name: &str) -> String {
    format!("\n{}[{name}]{}", colour::INPUT, colour::RESET)
}

/// Python's `print(f"\n{INPUT}[{name}]{RESET}{rest}")`: `rest` may hold
/// `{COLOUR}` tokens.
pub(super) fn say(ctx: &mut Ctx, name: &str, rest: &str) {
    ctx.println(&format!("{}{}", tag(name), colour::expand(rest)));
}

/// Python's `print(text)` with `{COLOUR}` tokens.
pub(super) fn print(ctx: &mut Ctx, text: &str) {
    ctx.println(&colour::expand(text));
}

/// All users' containers, as the original lists them after some errors.
pub(super) fn list_all_users(ctx: &mut Ctx) -> Result<i32, Failure> {
    super::list::show(ctx, true, &[])
}

/// One command's words and rules.
pub(super) struct Texts {
    pub command: &'static str,
    /// Which of the user's containers the command acts on.
    pub eligible: fn(&Mine) -> bool,
    /// Said (then all containers listed, exit 0) when none is eligible, by
    /// whether a name was given; `None`: the flow goes on.
    pub none_eligible: [Option<&'static str>; 2],
    /// Said of the given container when it is eligible.
    pub chosen: &'static str,
    /// Said of the given container when it is not eligible.
    pub ineligible: &'static str,
    /// Whether an ineligible given container ends the command (exit 1)
    /// even when the user could choose another.
    pub ineligible_ends: bool,
    pub does_not_exist: &'static str,
    /// The menu's title after an error about the given name.
    pub menu_after_error: &'static str,
    /// The menu's title when no name was given.
    pub menu: &'static str,
    /// Said in script mode when no name was given.
    pub missing_name: &'static str,
    /// Whether the command asks "Are you sure" (unless `-f`).
    pub confirms: bool,
}

/// The container to act on, and whether to ask for confirmation.
struct Selected {
    pub mine: Mine,
    pub confirm: bool,
}

/// Run the flow for `texts` with the parsed command line `m`: the chosen
/// container, confirmed where the command asks (a "no" ends the command
/// with exit 0, as the original).
pub(super) fn select(ctx: &mut Ctx, texts: &Texts, m: &Matches) -> Result<Mine, Failure> {
    prompt::exit_on_ctrl_c();
    let chosen = choose_container(ctx, texts, m)?;
    let name = chosen.mine.name.clone();
    if chosen.confirm && !common::are_you_sure(ctx, &name, texts.command, false)? {
        return Err(Failure::exit(0));
    }
    Ok(chosen.mine)
}

fn choose_container(ctx: &mut Ctx, texts: &Texts, m: &Matches) -> Result<Selected, Failure> {
    let mine = require_containers(ctx, texts.command)?;
    let eligible: Vec<&Mine> = mine.iter().filter(|c| (texts.eligible)(c)).collect();
    let given = m.positional(0);
    if eligible.is_empty() {
        if let Some(text) = texts.none_eligible[usize::from(given.is_some())] {
            print(ctx, text);
            list_all_users(ctx)?;
            return Err(Failure::exit(0));
        }
    }
    let script = m.flag("script");
    let force = m.flag("force");
    match given {
        Some(name) => given_name(ctx, texts, &mine, &eligible, name, script, force),
        None if script => {
            print(ctx, texts.missing_name);
            ctx.println(&common::info_header(texts.command));
            Err(Failure::exit(1))
        }
        None => {
            ctx.println(&common::info_header(texts.command));
            print(ctx, texts.menu);
            choose(ctx, &eligible, texts.confirms)
        }
    }
}

/// A name was given: find it among the user's containers.
fn given_name(
    ctx: &mut Ctx,
    texts: &Texts,
    mine: &[Mine],
    eligible: &[&Mine],
    name: &str,
    script: bool,
    force: bool,
) -> Result<Selected, Failure> {
    // The first container of that base name (the original's `index()`).
    let error = match mine.iter().find(|c| c.name == name) {
        Some(c) if (texts.eligible)(c) => {
            say(ctx, name, texts.chosen);
            if texts.confirms && !script && !force {
                print(
                    ctx,
                    "\n{HINT}Hint: Use the flag -f or --force to avoid be asked.{RESET}",
                );
            }
            // Script mode never asks (the original's `are_you_sure`).
            let confirm = texts.confirms && !force && !script;
            return Ok(Selected {
                mine: c.clone(),
                confirm,
            });
        }
        Some(_) if script || texts.ineligible_ends => texts.ineligible,
        None if script => texts.does_not_exist,
        Some(_) => {
            say(ctx, name, texts.ineligible);
            print(ctx, texts.menu_after_error);
            return choose(ctx, eligible, texts.confirms);
        }
        None => {
            say(ctx, name, texts.does_not_exist);
            if eligible.is_empty() {
                list_all_users(ctx)?;
                return Err(Failure::exit(1));
            }
            print(ctx, texts.menu_after_error);
            return choose(ctx, eligible, texts.confirms);
        }
    };
    say(ctx, name, &format!("{error}\n"));
    Err(Failure::exit(1))
}

/// The numbered menu over `choices`; Ctrl-C or end of input end the
/// command with AIME's message and exit 1.
fn choose(ctx: &mut Ctx, choices: &[&Mine], confirm: bool) -> Result<Selected, Failure> {
    let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
    let i = common::select(ctx, &names)?;
    Ok(Selected {
        mine: choices[i].clone(),
        confirm,
    })
}
