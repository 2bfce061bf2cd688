//! `container-unpause [name] [--guided] [-a|--all]`: let a paused
//! container of the caller go on (reference §3.6).  The banner is always
//! shown, as the original showed it.  Without a name the paused
//! containers are numbered (as `nl -w2 -s') '` numbered them) and the
//! choice is read from standard input, as the original's `read` did.
//! Only the caller's own containers (exact `NAME._.UID`) are touched.

use crate::context::{Ctx, Prompter};
use crate::ds01::container_stop::shared::{self, Action, AllWords};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{expand, BOLD, CYAN, GREEN, NC, RED, YELLOW};
use std::io::{BufRead, IsTerminal};

const UNPAUSE: Action = Action {
    doing: "Resuming",
    verb: "unpause",
    call: Engine::unpause_container,
};

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some((m, name)) = shared::command_line(ctx, "container-unpause", args)? else {
        return Ok(0);
    };
    let guided = m.flag("guided");
    shared::title(ctx, "Resuming Container");
    let engine = ctx.engine()?;
    if m.flag("all") {
        return resume_all(ctx, &engine, guided);
    }
    let name = match name {
        Some(name) => name,
        None => match pick(ctx, &engine)? {
            Pick::Chosen(name) => name,
            Pick::Done(code) => return Ok(code),
        },
    };
    resume_one(ctx, &engine, &name, guided)
}

/// The caller's paused containers, as `docker ps -a` lists them.
fn paused(ctx: &Ctx, engine: &Engine) -> Result<Vec<String>, Failure> {
    Ok(shared::names_where(engine, ctx.caller.uid, |o| {
        o.state() == "paused"
    })?)
}

/// `--all`: each paused container of the caller, then the counts.
fn resume_all(ctx: &mut Ctx, engine: &Engine, guided: bool) -> Outcome {
    let names = paused(ctx, engine)?;
    let words = AllWords {
        none: "No paused containers found",
        heading: "Resuming all your paused containers:",
        done: "Resumed: ",
        failed: "Failed: ",
    };
    shared::for_all(ctx, &names, &words, |ctx, name| {
        Ok(resume_one(ctx, engine, name, guided)? == 0)
    })
}

/// What the numbered list came to.
enum Pick {
    Chosen(String),
    /// Nothing to resume (0) or no valid choice (1): done.
    Done(i32),
}

/// No name: the numbered list of paused containers and the choice.
fn pick(ctx: &mut Ctx, engine: &Engine) -> Result<Pick, Failure> {
    ctx.out(&format!("{CYAN}Select container to unpause:{NC}\n\n"));
    let names = paused(ctx, engine)?;
    if names.is_empty() {
        ctx.out(&format!("{YELLOW}No paused containers found.{NC}\n\n"));
        return Ok(Pick::Done(0));
    }
    ctx.out(&numbered(&names));
    ctx.out("\n");
    let answer = read_choice(ctx, "Select container (number): ")?;
    match chosen(&names, &answer) {
        Some(name) => {
            ctx.out("\n");
            Ok(Pick::Chosen(name.to_string()))
        }
        None => {
            ctx.out(&format!("{RED}✗ Invalid selection{NC}\n"));
            Ok(Pick::Done(1))
        }
    }
}

/// `nl -w2 -s') '`: ` 1) demo`.
fn numbered(names: &[String]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{:>2}) {n}\n", i + 1))
        .collect()
}

/// The entry `answer` numbers (from 1), if any.
fn chosen<'a>(names: &'a [String], answer: &str) -> Option<&'a str> {
    let n: usize = answer.trim().parse().ok()?;
    names.get(n.checked_sub(1)?).map(String::as_str)
}

/// Bash's `read -p PROMPT` from standard input: the prompt (on stderr)
/// only when stdin is a terminal; end of input ends the command (exit 1,
/// as `set -e` did).
fn read_choice(ctx: &mut Ctx, prompt: &str) -> Result<String, Failure> {
    if matches!(ctx.prompter, Prompter::Scripted(_)) {
        return ctx.ask(prompt).map_err(|_| Failure::exit(1));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        ctx.err(prompt);
    }
    let mut line = String::new();
    match stdin.lock().read_line(&mut line) {
        Ok(0) | Err(_) => Err(Failure::exit(1)),
        Ok(_) => Ok(line.trim_end_matches(['\n', '\r']).to_string()),
    }
}

/// Resume the caller's container `name`; 0 unless it is not the caller's
/// or the engine refused (said so).
fn resume_one(ctx: &mut Ctx, engine: &Engine, name: &str, guided: bool) -> Outcome {
    let Some(found) = shared::find_or_say(ctx, engine, name, false)? else {
        return Ok(1);
    };
    match found.state() {
        "paused" => {}
        "running" => {
            ctx.out(&format!(
                "{YELLOW}○{NC} Container '{name}' is already running\n"
            ));
            return Ok(0);
        }
        status => {
            ctx.out(&format!(
                "{YELLOW}○{NC} Container '{name}' is not paused (status: {status})\n   \
                 Start with: {GREEN}container-run {name}{NC}\n"
            ));
            return Ok(0);
        }
    }
    if !shared::act(
        ctx,
        engine,
        &found,
        guided.then(|| expand(GUIDED)),
        &UNPAUSE,
    ) {
        return Ok(1);
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Container resumed\n\n{BOLD}Container is now running.{NC}\n\n\
         {BOLD}To attach:{NC}\n  {GREEN}container-attach {name}{NC}\n\n"
    ));
    Ok(0)
}

/// `--guided`: what resuming is (ds01's words).
const GUIDED: &str = "{CYAN}ℹ {NC}{BOLD}Resuming, step by step{NC}\n
  Every frozen process goes on exactly where it stopped, the way a
  paused video plays on:\n
  • A training run continues with the batch it was in
  • Nothing was lost while the container was paused\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_as_nl_numbers() {
        let names: Vec<String> = (1..=10).map(|i| format!("c{i}")).collect();
        let text = numbered(&names);
        assert!(text.starts_with(" 1) c1\n 2) c2\n"));
        assert!(text.ends_with("10) c10\n"));
    }

    #[test]
    fn choices_by_number_only() {
        let names = vec!["a".to_string(), "b".to_string()];
        assert_eq!(chosen(&names, "2"), Some("b"));
        assert_eq!(chosen(&names, " 1 "), Some("a"));
        assert_eq!(chosen(&names, "0"), None);
        assert_eq!(chosen(&names, "3"), None);
        assert_eq!(chosen(&names, ""), None);
        assert_eq!(chosen(&names, "b"), None);
    }
}
