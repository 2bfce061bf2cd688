//! `mlc create`: pick architecture, framework, version, name and mounts
//! (from the command line or by asking), then build the container the way
//! AIME does: a setup container creates the user, it is committed to
//! `IMAGE:NAME._.UID`, and the final container is created from that.
//!
//! Unlike the original, a failed step stops the command with a message
//! naming the step, exit 1, and removes what this run made.

use super::catalog::{Catalog, Entry};
use super::common::{self, interrupted};
use super::host::{self, Host};
use super::Context;
use crate::cli::argparse::Matches;
use crate::error::{Failure, Outcome};
use crate::ui::{self, colour, prompt, prompt::Interrupted};

mod container;

pub use container::Plan;

/// Print like Python's `print(text)` after expanding colour tokens.
fn say(text: &str) {
    ui::println(&colour::expand(text));
}

/// `get_user_selection`: a numbered menu answered by number (1-based).
fn choose(prompt_text: &str, count: usize) -> Result<usize, Interrupted> {
    loop {
        let answer = prompt::ask(&colour::expand(prompt_text))?;
        match prompt::parse_int(&answer) {
            Some(n) if n >= 1 && n as usize <= count => return Ok(n as usize - 1),
            Some(_) => say(&format!(
                "{{ERROR}}Please enter a number between 1 and {count}.{{RESET}}"
            )),
            None => say("{ERROR}Invalid input. Please enter a valid number.{RESET}"),
        }
    }
}

fn numbered<S: AsRef<str>>(items: &[S]) {
    for (i, item) in items.iter().enumerate() {
        ui::println(&format!("{}) {}", i + 1, item.as_ref()));
    }
}

/// Python's `os.path.expanduser`.
fn expand_user(path: &str, home: &str) -> String {
    if path == "~" {
        home.to_string()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else {
        path.to_string()
    }
}

fn is_dir(path: &str) -> bool {
    std::path::Path::new(path).is_dir()
}

/// Characters of a name that AIME's check rejects, in order.
fn invalid_chars(name: &str) -> String {
    name.chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '#')))
        .collect()
}

/// The validation of a proposed name: `None` when it is acceptable.
fn name_problem(name: &str, tags: &[String], uid: u32, script: bool) -> Option<String> {
    if name.is_empty() {
        return Some(if script {
            "\n{ERROR}Container name is missing.{RESET}\n".into()
        } else {
            "\n{ERROR}The container name should contain at least one character.{RESET}".into()
        });
    }
    let bad = invalid_chars(name);
    if !bad.is_empty() {
        return Some(format!(
            "\n{{INPUT}}[{name}]{{RESET}} contains {{ERROR}}invalid{{RESET}} characters: {{ERROR}}{bad}{{RESET}}\n"
        ));
    }
    if tags.iter().any(|t| *t == format!("{name}._.{uid}")) {
        let end = if script { "\n" } else { "" };
        return Some(format!(
            "\n{{INPUT}}[{name}]{{RESET}} {{ERROR}}already exists. Provide a new container name.{{RESET}}{end}"
        ));
    }
    None
}

/// Ask a y/n question until answered; `default` is what an empty answer
/// means.
fn yes_no(question: &str, default: bool) -> Result<bool, Interrupted> {
    loop {
        let a = prompt::ask(&colour::expand(question))?
            .trim()
            .to_lowercase();
        match a.as_str() {
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            "" => return Ok(default),
            _ => say("{ERROR}\nInvalid input. Please use y(yes) or n(no).{RESET}"),
        }
    }
}

/// Ask for an existing directory until one is given.
fn ask_directory(kind: &str, miss: &str, home: &str) -> Result<String, Interrupted> {
    loop {
        let answer = prompt::ask(&colour::expand(&format!(
            "\n{{REQUEST}}Provide the new location of the {kind} directory: {{RESET}}"
        )))?;
        let p = expand_user(answer.trim(), home);
        if is_dir(&p) {
            return Ok(p);
        }
        say(&format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}"));
    }
}

/// What the user asked for, once every question is answered.
pub struct Choice {
    pub arch: String,
    pub framework: String,
    pub version: String,
    pub image: String,
    pub name: String,
    pub workspace: String,
    pub data: String,
    pub models: String,
    pub custom_image: bool,
}

pub fn run(ctx: &mut Context, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    match run_inner(ctx, m) {
        Ok(code) => Ok(code),
        Err(Step::Exit(outcome)) => outcome,
        Err(Step::Interrupted(i)) => Err(interrupted(i)),
    }
}

/// Ways the flow ends early.
enum Step {
    Exit(Outcome),
    Interrupted(Interrupted),
}

impl From<Interrupted> for Step {
    fn from(i: Interrupted) -> Self {
        Step::Interrupted(i)
    }
}

impl From<Failure> for Step {
    fn from(f: Failure) -> Self {
        Step::Exit(Err(f))
    }
}

/// Print the original's message (a print() of it) and end with `code`.
fn stop(text: &str, code: i32) -> Step {
    say(text);
    Step::Exit(Ok(code))
}

fn run_inner(ctx: &mut Context, m: &Matches) -> Result<i32, Step> {
    let script = m.flag("script");
    let custom_image = m.value("image").map(str::to_string);
    let catalog = Catalog::load()
        .map_err(|e| Failure::stdout(1, colour::expand(&format!("\n{{ERROR}}{e}{{RESET}}\n\n"))))?;
    let architectures = catalog.architectures();
    if architectures.is_empty() {
        return Err(stop("{ERROR}No gpu architectures found.{RESET}", 1));
    }
    let env_arch = std::env::var("MLC_ARCH").ok().filter(|a| !a.is_empty());
    let host: Host = host::detect().map_err(|msg| stop(msg, 1))?;
    let mut arch = m
        .value("architecture")
        .map(str::to_string)
        .or(env_arch)
        .unwrap_or_else(|| host.arch.clone());
    let allowed: Vec<String> = architectures
        .iter()
        .filter(|a| a.contains(host.kind))
        .cloned()
        .collect();
    if !allowed.contains(&arch) {
        if script {
            return Err(stop(
                &format!(
                    "\n{{ERROR}}Unknown gpu architecture:{{RESET}} {{INPUT}}{arch}{{RESET}} \n\n{{INFO}}Available gpu architectures:{{RESET}}\n{}\n",
                    allowed.join(", ")
                ),
                1,
            ));
        }
        say(&format!(
            "\n{{ERROR}}Unknown gpu architecture:{{RESET}} {{INPUT}}{arch}{{RESET}}"
        ));
        say("\n{INFO}Available gpu architectures:{RESET}");
        numbered(&allowed);
        let i = choose(
            "{REQUEST}Enter the number of the desired architecture: {RESET}",
            allowed.len(),
        )?;
        arch = allowed[i].clone();
    }
    let frameworks = catalog.frameworks(&arch);

    if m.flag("info") {
        let listed: Vec<String> = allowed
            .iter()
            .map(|a| {
                if *a == arch {
                    format!("{}{a}{}", colour::INPUT, colour::RESET)
                } else {
                    a.clone()
                }
            })
            .collect();
        say(&format!(
            "\n{{INFO}}Available gpu architectures ({{INPUT}}currently used{{RESET}}{{INFO}}):{{RESET}}\n{}",
            listed.join(", ")
        ));
        say("{INFO}\nAvailable frameworks and versions:{RESET}");
        for (fw, entries) in &frameworks {
            let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
            say(&format!(
                "\n{{HINT}}{fw}:{{RESET}} \n{}",
                versions.join(", ")
            ));
        }
        ui::println(" ");
        return Ok(0);
    }

    let tags: Vec<String> = common::user_containers(ctx)?
        .into_iter()
        .map(|c| c.tag)
        .collect();
    let given = (0..3).any(|i| m.positional(i).is_some());
    if !given {
        ui::println(&common::info_header("create"));
    }
    let mut name = m.positional(0).unwrap_or("").to_string();
    let mut framework = m.positional(1).map(str::to_string);
    let mut version = m.positional(2).map(str::to_string);
    let fw_names: Vec<String> = frameworks.keys().cloned().collect();
    let uid = ctx.who.uid;
    let home = ctx.who.home.clone();

    let image: String;
    if let Some(custom) = &custom_image {
        // DS01: a local image instead of the catalog.
        image = custom.clone();
        framework.get_or_insert_with(|| "custom".into());
        version.get_or_insert_with(|| "latest".into());
        if let Some(p) = name_problem(&name, &tags, uid, script) {
            if script {
                return Err(stop(&p, 1));
            }
            name = ask_name(ctx, Some(&p))?;
        }
    } else if script {
        if let Some(p) = name_problem(&name, &tags, uid, true) {
            return Err(stop(&p, 1));
        }
        let Some(fw) = framework.clone() else {
            return Err(stop("\n{ERROR}Framework is needed.{RESET}\n", 1));
        };
        let Some(entries) = frameworks.get(&fw) else {
            return Err(stop(
                &format!(
                    "\n{{ERROR}}Unknown framework:{{RESET}} {{INPUT}}{fw}{{RESET}}\n\n{{REQUEST}}Available AI frameworks:{{RESET}}\n{}\n",
                    fw_names.join(", ")
                ),
                1,
            ));
        };
        let Some(ver) = version.clone() else {
            return Err(stop("\n{ERROR}Version is needed.{RESET}\n", 1));
        };
        let Some(entry) = entries.iter().find(|e| e.version == ver) else {
            return Err(stop(
                &format!("\n{{ERROR}}Version is not available:{{RESET}} {{INPUT}}{ver}{{RESET}}\n"),
                1,
            ));
        };
        image = entry.image.clone();
    } else {
        let fw = match framework.as_deref() {
            Some(f) if frameworks.contains_key(f) => f.to_string(),
            other => {
                if let Some(f) = other {
                    say(&format!(
                        "\n{{ERROR}}Unknown framework:{{RESET}} {{INPUT}}{f}{{RESET}}"
                    ));
                }
                say("\n{REQUEST}Select a framework:{RESET}");
                numbered(&fw_names);
                let i = choose(
                    "{REQUEST}Enter the number of the desired framework: {RESET}",
                    fw_names.len(),
                )?;
                fw_names[i].clone()
            }
        };
        let entries: &Vec<&Entry> = frameworks
            .get(&fw)
            .ok_or_else(|| Failure::stdout(1, "no such framework\n"))?;
        let entry: &Entry = match version.as_deref() {
            Some(v) if entries.iter().any(|e| e.version == v) => entries
                .iter()
                .find(|e| e.version == v)
                .copied()
                .ok_or_else(|| Failure::stdout(1, "no such version\n"))?,
            other => {
                if let Some(v) = other {
                    say(&format!(
                        "\n{{ERROR}}Version is not available:{{RESET}} {{INPUT}}{v}{{RESET}}"
                    ));
                }
                say(&format!("\n{{INFO}}Available versions for {fw}:{{RESET}}"));
                let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
                numbered(&versions);
                let i = choose(
                    "{REQUEST}Enter the number of your version: {RESET}",
                    entries.len(),
                )?;
                entries[i]
            }
        };
        framework = Some(fw);
        version = Some(entry.version.clone());
        image = entry.image.clone();
        if let Some(p) = name_problem(&name, &tags, uid, false) {
            if !name.is_empty() {
                say(&p);
            }
            name = ask_name(ctx, None)?;
        }
    }

    // Mounts.
    let ask_dirs = !given && !script;
    let workspace = match m.value("workspace_dir") {
        Some(w) => existing_dir(
            w,
            "Workspace directory does not exist:",
            "WORKSPACE",
            script,
            &home,
        )?,
        None => {
            let default = expand_user("~/workspace", &home);
            if ask_dirs {
                say("\n{NEUTRAL}The workspace directory would be mounted by default as /workspace in the container.{RESET}\n{NEUTRAL}It is the directory where your project data should be stored to be accessed inside the container.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-w /your_workspace'{RESET}");
                let keep = yes_no(
                    &format!("\n{{REQUEST}}Current workspace location:{default}. Keep it (Y/n)?: {{RESET}}"),
                    true,
                )?;
                if keep {
                    default
                } else {
                    ask_directory("WORKSPACE", "Workspace directory does not exist:", &home)?
                }
            } else {
                default
            }
        }
    };
    let data = optional_dir(
        m.value("data_dir"),
        "DATA",
        "Data directory does not exist:",
        "\n{NEUTRAL}The data directory would be mounted as /data in the container.{RESET}\n{NEUTRAL}It is the directory where data sets, for example, mounted from\nnetwork volumes can be accessed inside the container.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-d /your_data_directory'{RESET}",
        script,
        ask_dirs,
        &home,
    )?;
    let models = optional_dir(
        m.value("models_dir"),
        "MODELS",
        "Models directory does not exist:",
        "\n{NEUTRAL}The models directory would be mounted as /models in the container.{RESET}\n{NEUTRAL}It is the directory where weight models are download and saved.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-d /your_models_directory'{RESET}",
        script,
        ask_dirs,
        &home,
    )?;

    let choice = Choice {
        arch,
        framework: framework.unwrap_or_default(),
        version: version.unwrap_or_default(),
        image,
        name,
        workspace,
        data,
        models,
        custom_image: custom_image.is_some(),
    };
    let rule = "_".repeat(50);
    say(&format!(
        "\n{{INFO_HEADER}}{rule}{{RESET}}\n{{INFO_HEADER}}Summary of the selected setup:{{RESET}}\nGPU architecture: {{INPUT}}{}{{RESET}} (host: {}-{})\nContainer name: {{INPUT}}{}{{RESET}}\nFramework and Version: {{INPUT}}{} {}{{RESET}}\nWorkspace directory: {{INPUT}}{}{{RESET}}\nData directory: {{INPUT}}{}{{RESET}}\nModels directory: {{INPUT}}{}{{RESET}}\n{{INFO_HEADER}}{rule}{{RESET}}",
        choice.arch,
        host.arch,
        host.version,
        choice.name,
        choice.framework,
        choice.version,
        choice.workspace,
        choice.data,
        choice.models
    ));
    if !common::are_you_sure(&choice.name, "create", script)? {
        return Ok(0);
    }

    let tag = format!("{}._.{}", choice.name, uid);
    // One exact lookup, not a listing of every container on the host.
    let exists = ctx
        .engine()
        .and_then(|e| e.find_container(&tag))
        .map_err(common::engine_failure)?
        .is_some_and(|c| has_aime_label(&c));
    if exists {
        say(&format!(
            "\n{{ERROR}}Error:{{RESET}} \n {{INPUT}}[{}]{{RESET}} already exists.{{RESET}}",
            choice.name
        ));
        return super::list::show(ctx, true, &[]).map_err(Step::from);
    }
    say(&format!(
        "\n{{NEUTRAL}}The container will be created:{{RESET}} {{INPUT}}{}{{RESET}} ",
        choice.name
    ));

    let plan = Plan::new(ctx, m, &choice)?;
    plan.execute(ctx)?;
    say(&format!(
        "\n{{INPUT}}[{}]{{RESET}} ready.{{INFO}}\n\nOpen the container with:{{RESET}}\nmlc open {{INPUT}}{}{{RESET}}\n",
        choice.name, choice.name
    ));
    Ok(0)
}

/// Whether a container carries AIME's `aime.mlc` label (made by mlc, as
/// opposed to a setup container left by an interrupted create).
pub(crate) fn has_aime_label(c: &bollard::models::ContainerInspectResponse) -> bool {
    c.config
        .as_ref()
        .and_then(|cfg| cfg.labels.as_ref())
        .is_some_and(|l| l.contains_key("aime.mlc"))
}

/// The interactive name question, repeated until the name is acceptable.
/// `first` is a problem already found with the given name.
fn ask_name(ctx: &mut Context, first: Option<&str>) -> Result<String, Step> {
    if let Some(p) = first {
        say(p);
    }
    loop {
        let answer = prompt::ask(&colour::expand(
            "\n{REQUEST}Enter a container name (valid characters: a-z, A-Z, 0-9, _,-,#): {RESET}",
        ))?;
        let name = answer.trim().to_string();
        // Every answer is checked against a fresh list, as the original.
        let tags: Vec<String> = common::user_containers(ctx)?
            .into_iter()
            .map(|c| c.tag)
            .collect();
        match name_problem(&name, &tags, ctx.who.uid, false) {
            None => return Ok(name),
            Some(p) => say(&p),
        }
    }
}

/// `-w`/`-d`/`-m` given: it must be an existing directory.  In script mode
/// the original prints the error and exits 0 (kept: scripts test for it).
fn existing_dir(
    given: &str,
    miss: &str,
    kind: &str,
    script: bool,
    home: &str,
) -> Result<String, Step> {
    let p = expand_user(given, home);
    if is_dir(&p) {
        return Ok(p);
    }
    if script {
        return Err(stop(
            &format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}\n"),
            0,
        ));
    }
    say(&format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}"));
    Ok(ask_directory(kind, miss, home)?)
}

/// Data or models directory: given, asked for, or `-` (none).
fn optional_dir(
    given: Option<&str>,
    kind: &str,
    miss: &str,
    intro: &str,
    script: bool,
    ask: bool,
    home: &str,
) -> Result<String, Step> {
    if let Some(g) = given {
        return existing_dir(g, miss, kind, script, home);
    }
    if !ask {
        return Ok("-".into());
    }
    say(intro);
    let wanted = yes_no(
        &format!("\n{{REQUEST}}Do you want to provide a {kind} directory (y/N)?: {{RESET}}"),
        false,
    )?;
    if !wanted {
        return Ok("-".into());
    }
    Ok(ask_directory(
        kind,
        "Provided directory does not exist:",
        home,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_the_original() {
        assert_eq!(invalid_chars("a b!c#_-"), " !");
        assert!(name_problem("ok-1#", &[], 1, true).is_none());
        assert!(name_problem("", &[], 1, true).unwrap().contains("missing"));
        let tags = vec!["demo._.7".to_string()];
        assert!(name_problem("demo", &tags, 7, true)
            .unwrap()
            .ends_with("name.{RESET}\n"));
        assert!(name_problem("demo", &tags, 7, false)
            .unwrap()
            .ends_with("name.{RESET}"));
    }

    #[test]
    fn expand_user_like_python() {
        assert_eq!(expand_user("~/ws", "/home/j"), "/home/j/ws");
        assert_eq!(expand_user("~", "/home/j"), "/home/j");
        assert_eq!(expand_user("x/~", "/home/j"), "x/~");
    }
}
