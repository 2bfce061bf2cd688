//! Pieces shared by the mlc commands: "my containers", running checks,
//! numbered selection, confirmation prompts and the info headers.

use super::Context;
use crate::error::{Failure, Outcome};
use crate::ui::{self, colour, prompt, prompt::Interrupted};

/// The base name of a container tag: `demo._.1001` → `demo`; a legacy tag
/// without the `._.<word>` suffix stays whole.
pub fn base_name(tag: &str) -> &str {
    if let Some(i) = tag.rfind("._.") {
        let word = &tag[i + 3..];
        if !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return &tag[..i];
        }
    }
    tag
}

/// A container of the user: its tag (docker name) and base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mine {
    pub tag: String,
    pub name: String,
    pub running: bool,
}

/// The user's containers (label `aime.mlc.USER=<login>`), newest first,
/// with their running state, in one engine request.
pub fn user_containers(ctx: &mut Context) -> Result<Vec<Mine>, Failure> {
    let filter = format!("aime.mlc.USER={}", ctx.who.login);
    let list = ctx
        .engine()
        .and_then(|e| e.list_containers(true, &[filter], false))
        .map_err(engine_failure)?;
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
            Some(Mine {
                name: base_name(&tag).to_string(),
                tag,
                running,
            })
        })
        .collect())
}

/// An engine error where the original would have shown the docker CLI's
/// message: on stderr, exit 1.
pub fn engine_failure(e: crate::engine::EngineError) -> Failure {
    Failure::stderr(1, format!("{e}\n"))
}

/// `existing_user_containers`: the user's containers, or the original's
/// "Create at least one container" message and exit 0 when there are none.
pub fn require_containers(ctx: &mut Context, command: &str) -> Result<Vec<Mine>, Outcome> {
    let mine = user_containers(ctx).map_err(Err)?;
    if mine.is_empty() {
        ui::println(&colour::expand(&format!(
            "\n{{ERROR}}Create at least one container. If not, mlc {command} does not work.{{RESET}}\n"
        )));
        return Err(Ok(0));
    }
    Ok(mine)
}

/// The numbered list and the question until a valid number is given;
/// returns the chosen index.
pub fn select(names: &[&str]) -> Result<usize, Interrupted> {
    for (i, name) in names.iter().enumerate() {
        ui::println(&format!("{}) {name}", i + 1));
    }
    loop {
        let answer = prompt::ask(&colour::expand(
            "\n{REQUEST}Select the number of the container: {RESET}",
        ))?;
        match prompt::parse_int(&answer) {
            Some(n) if n >= 1 && (n as usize) <= names.len() => return Ok(n as usize - 1),
            Some(_) => ui::println(&colour::expand(
                "\n{ERROR}Invalid selection. Please choose a valid number.{RESET}",
            )),
            None => ui::println(&colour::expand(
                "\n{ERROR}Invalid input. Please enter a number.{RESET}",
            )),
        }
    }
}

/// `are_you_sure`: nothing in script mode; otherwise the warning and the
/// (Y/n) or (y/N) question.  `Ok(false)` means the user said no (the
/// "will not be ..." line is already printed; the command exits 0).
pub fn are_you_sure(name: &str, command: &str, script: bool) -> Result<bool, Interrupted> {
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
    ui::println(&format!("\n{}{warning}{}", colour::WARNING, colour::RESET));
    loop {
        let answer = prompt::ask(&format!(
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
            ui::println(&format!(
                "\n{}[{name}]{} {}will not be {verb}.\n{}",
                colour::INPUT,
                colour::RESET,
                colour::NEUTRAL,
                colour::RESET
            ));
            return Ok(false);
        }
        ui::println(&colour::expand(
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

/// Ctrl-C or end of input at a prompt: AIME's message, exit 1.
pub fn interrupted(_: Interrupted) -> Failure {
    Failure::stdout(1, prompt::interrupted_message())
}

#[cfg(test)]
mod tests {
    use super::base_name;

    #[test]
    fn base_names() {
        assert_eq!(base_name("demo._.1001"), "demo");
        assert_eq!(base_name("a._.b._.1001"), "a._.b");
        assert_eq!(base_name("legacy"), "legacy");
        assert_eq!(base_name("x._."), "x._.");
    }
}
