//! The dispatchers `container`, `image`, `project`, `user`, `check`, `get`
//! and `devcontainer` (reference §7): `container stop demo` runs
//! `container-stop demo` in this process.  The originals exec'd
//! `$SCRIPT_DIR/<prefix>-<sub>`, so a subcommand existed when its script
//! did; here it exists when the command table has it.  Two routes the
//! originals advertised but could not take now work: `container open`
//! (there was no `container-open`; it attaches) and `image remove` (there
//! was no `image-remove`; it deletes).

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{expand, BOLD, NC, RED};

/// One dispatcher: its page, its routes and how it refuses a word.
struct Dispatcher {
    /// The page for no word, `help` and the help options (our own words).
    page: &'static str,
    /// The words that show the page.
    help_words: &'static [&'static str],
    route: fn(&str) -> Option<String>,
    /// What follows `Unknown subcommand: WORD` (None: the plain form of
    /// `check`/`get`).
    available: Option<&'static str>,
    /// The plain refusal's second line (`check`/`get`).
    plain_hint: &'static str,
}

const HELP_WORDS: &[&str] = &["", "help", "-h", "--help", "--info"];
const PLAIN_HELP_WORDS: &[&str] = &["", "help", "-h", "--help"];

fn prefixed(prefix: &str, word: &str) -> String {
    format!("{prefix}-{word}")
}

fn container_route(word: &str) -> Option<String> {
    Some(match word {
        "open" => "container-attach".into(),
        w => prefixed("container", w),
    })
}

fn image_route(word: &str) -> Option<String> {
    Some(match word {
        "remove" => "image-delete".into(),
        w => prefixed("image", w),
    })
}

fn project_route(word: &str) -> Option<String> {
    Some(prefixed("project", word))
}

fn user_route(word: &str) -> Option<String> {
    match word {
        "setup" | "new" => Some("user-setup".into()),
        "get-limits" | "limits" | "quota" => Some("get-limits".into()),
        _ => None,
    }
}

fn limits_route(word: &str) -> Option<String> {
    (word == "limits").then(|| "check-limits".into())
}

fn devcontainer_route(word: &str) -> Option<String> {
    match word {
        "init" | "check" => Some(prefixed("devcontainer", word)),
        _ => None,
    }
}

/// Run `args[0]` of `d` with the rest, or show the page, or refuse.
fn dispatch(ctx: &mut Ctx, name: &str, d: &Dispatcher, args: &[String]) -> Outcome {
    let word = args.first().map(String::as_str).unwrap_or("");
    if d.help_words.contains(&word) {
        ctx.out(&expand(d.page));
        return Ok(0);
    }
    let target = (d.route)(word)
        // The originals looked the word up as a file name: a word with a
        // slash or an option never names a command.
        .filter(|_| !word.contains('/') && !word.starts_with('-'))
        .and_then(|t| crate::registry::find(&t, ctx.settings.ds01_installed));
    match target {
        Some(found) => found.run(ctx, &args[1..]),
        None => Err(unknown(name, d, word)),
    }
}

fn unknown(name: &str, d: &Dispatcher, word: &str) -> Failure {
    let text = match d.available {
        Some(available) => format!(
            "{RED}Error:{NC} Unknown subcommand: {BOLD}{word}{NC}\n\n{available}\nRun '{name} help' for more information\n"
        ),
        None => format!("Unknown subcommand: {word}\n{}\n", d.plain_hint),
    };
    Failure::stdout(1, text)
}

macro_rules! dispatcher_main {
    ($fn:ident, $name:literal, $d:expr) => {
        #[doc = concat!("`", $name, " <subcommand> [args...]`.")]
        pub fn $fn(ctx: &mut Ctx, args: &[String]) -> Outcome {
            dispatch(ctx, $name, &$d, args)
        }
    };
}

dispatcher_main!(container, "container", CONTAINER);
dispatcher_main!(image, "image", IMAGE);
dispatcher_main!(project, "project", PROJECT);
dispatcher_main!(user, "user", USER);
dispatcher_main!(check, "check", CHECK);
dispatcher_main!(get, "get", GET);
dispatcher_main!(devcontainer, "devcontainer", DEVCONTAINER);

const CONTAINER: Dispatcher = Dispatcher {
    page: concat!(
        "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n",
        "  {BOLD}ds01: containers{NC}\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
        "{BOLD}Usage:{NC}\n",
        "  container <subcommand> [args...]\n\n",
        "{BOLD}One step for the whole job:{NC}\n",
        "  {GREEN}deploy{NC}      make a container and start working in it\n",
        "  {GREEN}retire{NC}      stop a container, remove it and free its GPU\n\n",
        "{BOLD}Single steps:{NC}\n",
        "  {GREEN}create{NC}      make a container (not started)\n",
        "  {GREEN}start{NC}       start it in the background\n",
        "  {GREEN}run{NC}         start it and open a shell in it\n",
        "  {GREEN}open{NC}        open a shell in a running container\n",
        "  {GREEN}stop{NC}        stop it (it stays, with its files)\n",
        "  {GREEN}pause{NC}       freeze its processes; the GPU stays yours\n",
        "  {GREEN}unpause{NC}     let a paused container go on\n",
        "  {GREEN}remove{NC}      delete stopped containers\n",
        "  {GREEN}list{NC}        your containers\n",
        "  {GREEN}stats{NC}       what your containers use right now\n",
        "  {GREEN}exit{NC}        how to leave a container without stopping it\n\n",
        "{BOLD}For example:{NC}\n",
        "  container deploy thesis      {CYAN}# make it and start{NC}\n",
        "  container retire thesis      {CYAN}# done with it{NC}\n\n",
        "Each subcommand is also a command of its own: {CYAN}container-deploy{NC}, {CYAN}container-list{NC}, ...\n\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
    ),
    help_words: HELP_WORDS,
    route: container_route,
    available: Some(
        "Available subcommands:\n  L3 Orchestrators: deploy, retire\n  L2 Atomic: create, start, run, open, stop, pause, remove, list, stats, exit\n",
    ),
    plain_hint: "",
};

const IMAGE: Dispatcher = Dispatcher {
    page: concat!(
        "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n",
        "  {BOLD}ds01: images{NC}\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
        "{BOLD}Usage:{NC}\n",
        "  image <subcommand> [args...]\n\n",
        "{BOLD}Subcommands:{NC}\n",
        "  {GREEN}create{NC}             build an image of your own on a framework base\n",
        "  {GREEN}list{NC}               your images (--detailed for more)\n",
        "  {GREEN}update{NC}             change an image's packages and rebuild it\n",
        "  {GREEN}delete{NC}, {GREEN}remove{NC}     delete images no container uses\n\n",
        "{BOLD}For example:{NC}\n",
        "  image create thesis\n",
        "  image list --detailed\n\n",
        "Each subcommand is also a command of its own: {CYAN}image-create{NC}, {CYAN}image-list{NC}, ...\n\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
    ),
    help_words: HELP_WORDS,
    route: image_route,
    available: Some("Available subcommands: create, list, update, delete/remove"),
    plain_hint: "",
};

const PROJECT: Dispatcher = Dispatcher {
    page: concat!(
        "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n",
        "  {BOLD}ds01: projects{NC}\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
        "{BOLD}Usage:{NC}\n",
        "  project <subcommand> [args...]\n\n",
        "{BOLD}Subcommands:{NC}\n",
        "  {GREEN}init{NC}        set up a project folder (asks, or takes a name)\n",
        "  {GREEN}launch{NC}      start working on a project (builds its image when needed)\n\n",
        "Each subcommand is also a command of its own: {CYAN}project-init{NC}, {CYAN}project-launch{NC}\n\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
    ),
    help_words: HELP_WORDS,
    route: project_route,
    available: Some("Available subcommands: init, launch"),
    plain_hint: "",
};

const USER: Dispatcher = Dispatcher {
    page: concat!(
        "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n",
        "  {BOLD}ds01: your account{NC}\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
        "{BOLD}Usage:{NC}\n",
        "  user <subcommand> [args...]\n\n",
        "{BOLD}Subcommands:{NC}\n",
        "  {GREEN}setup{NC}, {GREEN}new{NC}          first steps on this server, explained\n",
        "  {GREEN}get-limits{NC}, {GREEN}limits{NC}   your limits and what you use of them\n\n",
        "Also commands of their own: {CYAN}user-setup{NC}, {CYAN}new-user{NC}, {CYAN}get-limits{NC}\n\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
    ),
    help_words: HELP_WORDS,
    route: user_route,
    available: Some("Available subcommands: setup, new, get-limits, limits"),
    plain_hint: "",
};

const CHECK: Dispatcher = Dispatcher {
    page: concat!(
        "\nUsage: check <subcommand> [args...]\n\n",
        "Subcommands:\n",
        "  limits    your limits and what you use of them\n\n",
        "Same as: check-limits\n\n",
    ),
    help_words: PLAIN_HELP_WORDS,
    route: limits_route,
    available: None,
    plain_hint: "Run 'check --help' for usage.",
};

const GET: Dispatcher = Dispatcher {
    page: concat!(
        "\nUsage: get <subcommand> [args...]\n\n",
        "Subcommands:\n",
        "  limits    your limits and what you use of them\n\n",
        "Same as: get-limits\n\n",
    ),
    help_words: PLAIN_HELP_WORDS,
    route: limits_route,
    available: None,
    plain_hint: "Run 'get --help' for usage.",
};

const DEVCONTAINER: Dispatcher = Dispatcher {
    page: concat!(
        "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n",
        "{BOLD}ds01: VS Code dev containers{NC}\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
        "{BOLD}Usage:{NC}\n",
        "  devcontainer <subcommand> [args...]\n\n",
        "{BOLD}Subcommands:{NC}\n",
        "  {GREEN}init{NC}        write a project's devcontainer.json\n",
        "  {GREEN}check{NC}       check an existing devcontainer.json\n\n",
        "Also a command of its own: {CYAN}devcontainer-init{NC}\n\n",
        "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n",
    ),
    help_words: HELP_WORDS,
    route: devcontainer_route,
    available: Some("Available subcommands: init, check"),
    plain_hint: "",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fix_the_originals_dead_ends() {
        assert_eq!(container_route("open").as_deref(), Some("container-attach"));
        assert_eq!(image_route("remove").as_deref(), Some("image-delete"));
        assert_eq!(user_route("quota").as_deref(), Some("get-limits"));
        assert_eq!(limits_route("bogus"), None);
    }

    #[test]
    fn refusals_read_as_the_originals() {
        let f = unknown("image", &IMAGE, "bogus");
        assert_eq!(f.code, 1);
        assert!(f.stdout.ends_with(
            "Available subcommands: create, list, update, delete/remove\nRun 'image help' for more information\n"
        ));
        let f = unknown("check", &CHECK, "x");
        assert_eq!(
            f.stdout,
            "Unknown subcommand: x\nRun 'check --help' for usage.\n"
        );
    }
}
