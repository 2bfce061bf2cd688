//! Pieces shared by the mlc commands: "my containers", running checks,
//! numbered selection, confirmation prompts and the info headers.

use crate::context::Ctx;
use crate::error::Failure;
use crate::model::{labels, ContainerTag};
use crate::ui::{colour, prompt, prompt::Interrupted};

/// A container of the user: its tag (docker name) and base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mine {
    pub tag: String,
    pub name: String,
    pub running: bool,
    /// The setup container of an interrupted create (no image of its own).
    pub setup: bool,
}

/// The user's containers (label `aime.mlc.USER=<login>`), newest first,
/// with their running state, in one engine request.
pub fn user_containers(ctx: &mut Ctx) -> Result<Vec<Mine>, Failure> {
    let filter = format!("{}={}", labels::AIME_USER, ctx.caller.login);
    let list = ctx.engine()?.list_containers(true, &[filter], false)?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let tag = c.names?.first()?.trim_start_matches('/').to_string();
            // `docker ps` without -a (the original's running check) also
            // shows paused and restarting containers.
            let running = c
                .state
                .map(|s| matches!(s.to_string().as_str(), "running" | "paused" | "restarting"))
                .unwrap_or(false);
            // Listed by its user label, without AIME's mark of a finished
            // container: the setup container of an interrupted create.
            let setup = !c
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(labels::AIME));
            Some(Mine {
                name: ContainerTag::parse(&tag).name,
                tag,
                running,
                setup,
            })
        })
        .collect())
}

/// `existing_user_containers`: the user's containers, or the original's
/// "Create at least one container" message and exit 0 when there are none.
pub fn require_containers(ctx: &mut Ctx, command: &str) -> Result<Vec<Mine>, Failure> {
    let mine = user_containers(ctx)?;
    if mine.is_empty() {
        ctx.println(&colour::expand(&format!(
            "\n{{ERROR}}Create at least one container. If not, mlc {command} does not work.{{RESET}}\n"
        )));
        return Err(Failure::exit(0));
    }
    Ok(mine)
}

/// The numbered list and the question until a valid number is given;
/// returns the chosen index.
pub fn select(ctx: &mut Ctx, names: &[&str]) -> Result<usize, Interrupted> {
    for (i, name) in names.iter().enumerate() {
        ctx.println(&format!("{}) {name}", i + 1));
    }
    loop {
        let answer = ctx.ask(&colour::expand(
            "\n{REQUEST}Select the number of the container: {RESET}",
        ))?;
        match prompt::parse_int(&answer) {
            Some(n) if n >= 1 && (n as usize) <= names.len() => return Ok(n as usize - 1),
            Some(_) => ctx.println(&colour::expand(
                "\n{ERROR}Invalid selection. Please choose a valid number.{RESET}",
            )),
            None => ctx.println(&colour::expand(
                "\n{ERROR}Invalid input. Please enter a number.{RESET}",
            )),
        }
    }
}

/// `are_you_sure`: nothing in script mode; otherwise the warning and the
/// (Y/n) or (y/N) question.  `Ok(false)` means the user said no (the
/// "will not be ..." line is already printed; the command exits 0).
pub fn are_you_sure(
    ctx: &mut Ctx,
    name: &str,
    command: &str,
    script: bool,
) -> Result<bool, Interrupted> {
    if script {
        return Ok(true);
    }
    let (warning, question, verb, default_yes) = match command {
        "create" => (
            "Verify if the provided setup is correct. The creation of a container may take a little time.",
            "will be created. Are you sure(Y/n)?: ",
            "created",
            true,
        ),
        "remove" => (
            "Caution: After your selection, there is no option to recover the container.",
            "will be removed. Are you sure(y/N)?: ",
            "removed",
            false,
        ),
        _ => (
            "Caution: All running processes of the selected container will be terminated.",
            "will be stopped. Are you sure(y/N)?: ",
            "stopped",
            false,
        ),
    };
    ctx.println(&format!("\n{}{warning}{}", colour::WARNING, colour::RESET));
    loop {
        let answer = ctx
            .ask(&format!(
                "\n{}[{name}]{} {}{question}{}",
                colour::INPUT,
                colour::RESET,
                colour::REQUEST,
                colour::RESET
            ))?
            .trim()
            .to_lowercase();
        let yes = answer == "y" || answer == "yes" || (default_yes && answer.is_empty());
        let no = answer == "n" || answer == "no" || (!default_yes && answer.is_empty());
        if yes {
            return Ok(true);
        }
        if no {
            ctx.println(&format!(
                "\n{}[{name}]{} {}will not be {verb}.\n{}",
                colour::INPUT,
                colour::RESET,
                colour::NEUTRAL,
                colour::RESET
            ));
            return Ok(false);
        }
        ctx.println(&colour::expand(
            "{ERROR}\nInvalid input. Please use y(yes) or n(no).{RESET}",
        ));
    }
}

/// The info header printed before a selection or after "Container name is
/// missing." (with the original's trailing blanks).
pub fn info_header(command: &str) -> String {
    let (what, how, example) = match command {
        "create" => (
            "Create a new MLC container             ",
            "mlc create <container_name> <framework_name> <framework_version> -w <workspace_directory> -d <data_directory> -m <models_directory> -s -arch <gpu_architecture> -ng <number of gpus>             ",
            "mlc create pt250 Pytorch 2.5.0 -w /home/$USER/workspace -d /data -m /models",
        ),
        "open" => (
            "Open an existing machine learning container              ",
            "mlc open <container_name> [-s|--script]            ",
            "mlc open pt231aime -s",
        ),
        "remove" => (
            "Remove an existing and no running machine learning container              ",
            "mlc remove <container_name> [-s|--script] [-f|--force]            ",
            "mlc remove pt231aime -s -f ",
        ),
        "start" => (
            "Start an existing machine learning container              ",
            "mlc start <container_name> [execute_command] [-d|--detach] [-s|--script]             ",
            "mlc start pt231aime -s",
        ),
        "stop" => (
            "Stop an existing machine learning container              ",
            "mlc stop <container_name> [-s|--script] [-f|--force]             ",
            "mlc stop pt231aime -s -f",
        ),
        _ => (
            "Update the system              ",
            "mlc update-sys [-f|--force]            ",
            "mlc update-sys -f ",
        ),
    };
    let h = |t: &str| format!("{}{t}{}", colour::INFO_HEADER, colour::RESET);
    format!(
        "\n    {}:             \n    {what}\n\n    {}:             \n    {how}\n\n    {}:             \n    {example}\n",
        h("Info"),
        h("How to use"),
        h("Example")
    )
}
