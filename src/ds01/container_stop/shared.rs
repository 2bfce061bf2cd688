//! What the four lifecycle commands (container-pause, -unpause, -stop and
//! -remove) share: their argument loop, the caller's containers as
//! `docker ps` lists them, and the caller's lifecycle limits.  (It lives
//! beside container-stop only because a module needs a home.)

use crate::cli::argparse::Matches;
use crate::cli::ds01::{self as parse, Parsed};
use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::ds01::owned::{self, Owned, Which};
use crate::engine::{Engine, EngineError};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{BOLD, CYAN, GREEN, NC, RED, YELLOW};

/// The rule under the banners and above the `--all` counts.
pub(crate) const RULE: &str = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━";

/// What a command line asks a lifecycle command to do: its options and
/// the container named, if any.
pub(crate) type Run = (Matches, Option<String>);

/// The command line of `tool`, a command without pages of its own (there
/// `--info` is the help page): `None` once a help page is printed.
pub(crate) fn command_line(
    ctx: &mut Ctx,
    tool: &str,
    args: &[String],
) -> Result<Option<Run>, Failure> {
    command_line_with_pages(ctx, tool, args, &[], |_, _| String::new())
}

/// The command line of `tool`, whose flags `pages` print `page(spec,
/// flag)`: `None` once a help page or one of those is printed.
pub(crate) fn command_line_with_pages(
    ctx: &mut Ctx,
    tool: &str,
    args: &[String],
    pages: &[&'static str],
    page: fn(&ToolSpec, &str) -> String,
) -> Result<Option<Run>, Failure> {
    let spec = spec::tool(tool).map_err(|e| Failure::stderr(70, e))?;
    match read_line(&spec, args, pages)? {
        Line::Help(text) => ctx.out(&text),
        Line::Page(flag) => ctx.out(&page(&spec, flag)),
        Line::Run { m, name } => return Ok(Some((m, name))),
    }
    Ok(None)
}

/// The command line as the originals' `while` loop read it: the loop
/// ended at the first help option, unknown option, own page or second
/// container name, whatever came later.
#[derive(Debug)]
enum Line {
    /// A help page to print (exit 0).
    Help(String),
    /// One of the command's own pages (`--info`, `--concepts`) was met
    /// first.
    Page(&'static str),
    /// Run, on the container named (`None`: none, or an empty name).
    Run { m: Matches, name: Option<String> },
}

/// Where the loop ended early.
enum Stop {
    Page(&'static str),
    TooMany,
}

/// Read `args` by `spec`; `pages` are the flags that print a page of the
/// command's own.  A second name is `✗ Too many arguments`, exit 1.
fn read_line(spec: &ToolSpec, args: &[String], pages: &[&'static str]) -> Result<Line, Failure> {
    let (end, stop, name) = walk(spec, args, pages);
    let m = match parse::parse(spec, &args[..end])? {
        Parsed::Help(page) => return Ok(Line::Help(page)),
        Parsed::Run(m) => m,
    };
    match stop {
        Some(Stop::Page(page)) => Ok(Line::Page(page)),
        Some(Stop::TooMany) => Err(Failure::stdout(
            1,
            format!("{RED}✗ Too many arguments{NC}\n{}", parse::help(spec)),
        )),
        None => Ok(Line::Run {
            m,
            name: name.filter(|n| !n.is_empty()),
        }),
    }
}

/// How far the loop got, why it stopped, and the name it kept (bash's
/// `[ -z "$CONTAINER_NAME" ]`: an empty name may be replaced).
fn walk(
    spec: &ToolSpec,
    args: &[String],
    pages: &[&'static str],
) -> (usize, Option<Stop>, Option<String>) {
    let mut name: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if let Some(page) = pages.iter().find(|p| **p == arg) {
            return (i, Some(Stop::Page(page)), name);
        }
        if arg.starts_with('-') && arg.len() > 1 {
            if takes_next_as_value(spec, arg) {
                i += 1;
            }
        } else if name.as_deref().is_some_and(|n| !n.is_empty()) {
            return (i, Some(Stop::TooMany), name);
        } else {
            name = Some(arg.to_string());
        }
        i += 1;
    }
    (args.len(), None, name)
}

/// Whether `arg` is an option of `spec` whose value is the next argument.
fn takes_next_as_value(spec: &ToolSpec, arg: &str) -> bool {
    !arg.contains('=')
        && spec
            .options
            .iter()
            .any(|o| o.takes_value() && o.names.iter().any(|n| n == arg))
}

/// What to hand the engine for `o`: its id, so that a container renamed
/// meanwhile is not mistaken for another.
pub(crate) fn target(o: &Owned) -> String {
    o.summary.id.clone().unwrap_or_else(|| o.tag.clone())
}

/// The names of the caller's containers that `keep` keeps, as `docker
/// ps -a` lists them.
pub(crate) fn names_where(
    engine: &Engine,
    uid: u32,
    keep: impl Fn(&Owned) -> bool,
) -> Result<Vec<String>, EngineError> {
    Ok(owned::listed(engine, uid, false)?
        .into_iter()
        .filter(|o| keep(o))
        .map(|o| o.name)
        .collect())
}

/// The caller's container `name`; `None` when there is none, said as the
/// originals said it.
pub(crate) fn find_or_say(
    ctx: &mut Ctx,
    engine: &Engine,
    name: &str,
    size: bool,
) -> Result<Option<Owned>, Failure> {
    let found = owned::find_sized(engine, ctx.caller.uid, name, size)?;
    if found.is_none() {
        ctx.out(&format!("{RED}✗{NC} Container '{name}' not found\n"));
    }
    Ok(found)
}

/// No name: the menu of the caller's `which` containers; the one chosen
/// (a blank line after it), or `None` with `none` said when there is none.
pub(crate) fn pick(ctx: &mut Ctx, which: Which, none: &str) -> Result<Option<String>, Failure> {
    let chosen = owned::select_container(ctx, which)?;
    ctx.out(if chosen.is_some() { "\n" } else { none });
    Ok(chosen)
}

/// The banner of pause and unpause: `title` between two rules.
pub(crate) fn title(ctx: &mut Ctx, title: &str) {
    ctx.out(&format!(
        "\n{CYAN}{RULE}{NC}\n{CYAN}{BOLD}    {title}{NC}\n{CYAN}{RULE}{NC}\n\n"
    ));
}

/// What pause or unpause asks of the engine, and its verbs.
pub(crate) struct Action {
    /// `Pausing` (`Pausing container...`).
    pub doing: &'static str,
    /// `pause` (`Failed to pause container`).
    pub verb: &'static str,
    pub call: fn(&Engine, &str) -> Result<(), EngineError>,
}

/// `action` on `found`, between the lines pause and unpause both print:
/// `Container: NAME`, the `guided` text if any, `Pausing container...`;
/// false, said so, when the engine refused.
pub(crate) fn act(
    ctx: &mut Ctx,
    engine: &Engine,
    found: &Owned,
    guided: Option<String>,
    action: &Action,
) -> bool {
    ctx.out(&format!(
        "{BOLD}Container:{NC} {CYAN}{}{NC}\n\n",
        found.name
    ));
    if let Some(text) = guided {
        ctx.out(&text);
    }
    ctx.out(&format!("{CYAN}{} container...{NC}\n", action.doing));
    if (action.call)(engine, &target(found)).is_err() {
        ctx.out(&format!("{RED}✗{NC} Failed to {} container\n", action.verb));
        return false;
    }
    true
}

/// What an `--all` run says: when there is nothing to do, before it
/// starts, and the labels of its counts (spaced as each original spaced
/// them).
pub(crate) struct AllWords {
    pub none: &'static str,
    pub heading: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
}

/// `--all`: `act` on each of `names` (true: done), a blank line after
/// each, then the counts under a rule.  Exit 0 whatever failed, as the
/// originals' loops did.
pub(crate) fn for_all(
    ctx: &mut Ctx,
    names: &[String],
    words: &AllWords,
    mut act: impl FnMut(&mut Ctx, &str) -> Result<bool, Failure>,
) -> Outcome {
    if names.is_empty() {
        ctx.out(&format!("{YELLOW}{}{NC}\n\n", words.none));
        return Ok(0);
    }
    ctx.out(&format!("{BOLD}{}{NC}\n\n", words.heading));
    let (mut done, mut failed) = (0, 0);
    for name in names {
        if act(ctx, name)? {
            done += 1;
        } else {
            failed += 1;
        }
        ctx.out("\n");
    }
    let counts = counts((words.done, done), (words.failed, failed));
    ctx.out(&format!("{CYAN}{RULE}{NC}\n{counts}\n"));
    Ok(0)
}

/// `Summary:` and the count done, and the count failed when there is one;
/// each a label and a number.
pub(crate) fn counts(done: (&str, usize), failed: (&str, usize)) -> String {
    let mut text = format!("{BOLD}Summary:{NC}\n  {}{GREEN}{}{NC}\n", done.0, done.1);
    if failed.1 > 0 {
        text.push_str(&format!("  {}{RED}{}{NC}\n", failed.0, failed.1));
    }
    text
}

/// `get_resource_limits USER FLAG` for the caller, as the originals
/// asked it; `None` when the configuration cannot be read.
pub(crate) fn limit(ctx: &mut Ctx, flag: &str) -> Option<String> {
    let user = crate::identity::user_by_uid(ctx.caller.uid)
        .map_or_else(|| ctx.caller.login.clone(), |e| e.name);
    let config = ctx.config().ok()?;
    let args = [user.clone(), flag.to_string()];
    match crate::ds01::get_resource_limits::answer(&config, &user, &args) {
        Ok(a) if a.code == 0 => Some(a.stdout.trim_end_matches('\n').to_string()),
        _ => None,
    }
}

/// A lifecycle limit in hours as people read it (`0.5` → `0.5h`); `None`
/// for the words that mean no limit (`never`, `indefinite`, `None`).
pub(crate) fn in_hours(value: &str) -> Option<String> {
    match value {
        "" | "never" | "indefinite" | "None" | "null" => None,
        v if v.parse::<f64>().is_ok_and(f64::is_finite) => Some(format!("{v}h")),
        v => Some(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ds01::tests::spec;

    fn read(a: &[&str]) -> Result<Line, Failure> {
        let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        read_line(&spec(), &args, &["--info"])
    }

    #[test]
    fn the_first_stop_wins() {
        assert!(matches!(read(&["a", "-h", "b"]), Ok(Line::Help(_))));
        let too_many = read(&["a", "b", "-h"]).expect_err("too many");
        assert!(too_many
            .stdout
            .starts_with("\x1b[0;31m✗ Too many arguments"));
        assert!(matches!(
            read(&["--info", "--bogus"]),
            Ok(Line::Page("--info"))
        ));
        assert_eq!(read(&["--bogus", "--info"]).expect_err("unknown").code, 1);
    }

    #[test]
    fn values_are_not_names_and_empty_names_give_way() {
        let Ok(Line::Run { m, name }) = read(&["-t", "--info", "demo"]) else {
            panic!("run");
        };
        assert_eq!(m.value("time"), Some("--info"));
        assert_eq!(name.as_deref(), Some("demo"));
        let Ok(Line::Run { name, .. }) = read(&["", "x"]) else {
            panic!("run");
        };
        assert_eq!(name.as_deref(), Some("x"));
        assert!(read(&["x", ""]).is_err());
        let Ok(Line::Run { name, .. }) = read(&[""]) else {
            panic!("run");
        };
        assert_eq!(name, None);
    }

    #[test]
    fn hours_read_as_hours() {
        assert_eq!(in_hours("0.5").as_deref(), Some("0.5h"));
        assert_eq!(in_hours("12h").as_deref(), Some("12h"));
        assert_eq!(in_hours("never"), None);
        assert_eq!(in_hours("indefinite"), None);
        assert_eq!(in_hours("nan").as_deref(), Some("nan"));
    }
}
