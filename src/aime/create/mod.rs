//! `mlc create`: pick architecture, framework, version, name and mounts
//! (from the request or by asking), then build the container the way AIME
//! does: a setup container creates the user, it is committed to
//! `IMAGE:NAME._.UID`, and the final container is created from that.
//!
//! Unlike the original, a failed step stops the command with a message
//! naming the step, exit 1, and removes what this run made.  DS01's
//! `mlc-create` calls [`create`] in-process with a typed [`Request`].

mod ask;
mod container;
mod request;

use super::catalog::{Catalog, Entry};
use super::common;
use super::host::{self, Host};
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::model::{labels, ContainerTag};
use crate::ui::{colour, prompt};
use ask::{expand_user, is_dir, numbered, say, yes_no};
use std::collections::BTreeMap;

pub use container::Plan;
pub use request::{
    parse_cpus, parse_size, parse_swap, split_label, Admitted, ContainerLimits, CreatePolicy,
    Ds01Extensions, Gpus, Request,
};

/// The catalog's frameworks for one architecture.
type Frameworks<'c> = BTreeMap<String, Vec<&'c Entry>>;

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

/// `mlc create ARGS...`.
pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let request = Request::from_matches(ctx, m)?;
    create(ctx, &request)
}

/// Print the original's message (a print() of it) and end with `code`.
fn stop(ctx: &mut Ctx, text: &str, code: i32) -> Failure {
    say(ctx, text);
    Failure::exit(code)
}

/// Make the container `request` describes, asking for what it leaves open
/// (unless it is a script's request).
pub fn create(ctx: &mut Ctx, request: &Request) -> Outcome {
    let catalog = Catalog::load(&ctx.settings.mlc_catalog)
        .map_err(|e| Failure::stdout(1, colour::expand(&format!("\n{{ERROR}}{e}{{RESET}}\n\n"))))?;
    let host: Host = host::detect().map_err(|msg| stop(ctx, msg, 1))?;
    let (arch, allowed) = architecture(ctx, request, &catalog, &host)?;
    let frameworks = catalog.frameworks(&arch);
    if request.info {
        return show_info(ctx, &allowed, &arch, &frameworks);
    }
    let tags = user_tags(ctx)?;
    let given = request.name.is_some() || request.framework.is_some() || request.version.is_some();
    if !given {
        ctx.println(&common::info_header("create"));
    }
    let (name, framework, version, image) = pick_image(ctx, request, &frameworks, &tags)?;
    let ask_dirs = !given && !request.script;
    let choice = Choice {
        arch,
        framework,
        version,
        image,
        name,
        workspace: workspace(ctx, request, ask_dirs)?,
        data: optional_dir(
            ctx,
            request.data.as_deref(),
            &DATA,
            request.script,
            ask_dirs,
        )?,
        models: optional_dir(
            ctx,
            request.models.as_deref(),
            &MODELS,
            request.script,
            ask_dirs,
        )?,
        custom_image: custom_image(request).is_some(),
    };
    summary(ctx, &choice, &host);
    if !common::are_you_sure(ctx, &choice.name, "create", request.script)? {
        return Ok(0);
    }
    make(ctx, request, &choice)
}

/// The exists check, the plan and its execution, and the closing words.
fn make(ctx: &mut Ctx, request: &Request, choice: &Choice) -> Outcome {
    let tag = ContainerTag::new(&choice.name, ctx.caller.uid).to_string();
    // Refused before anything is made (the original let docker fail
    // halfway, leaving the committed image behind).
    if !crate::model::tag::valid_image_tag(&tag) {
        return Err(Failure::stdout(
            1,
            colour::expand(&format!(
                "\n{{ERROR}}Container not created: docker cannot name a container or an image tag {tag} (letters, digits, _ . - only, starting with a letter or digit, at most 128 characters){{RESET}}\n\n"
            )),
        ));
    }
    // One exact lookup, not a listing of every container on the host.
    let exists = ctx
        .engine()?
        .find_container(&tag)?
        .is_some_and(|c| is_made(&c));
    if exists {
        say(
            ctx,
            &format!(
                "\n{{ERROR}}Error:{{RESET}} \n {{INPUT}}[{}]{{RESET}} already exists.{{RESET}}",
                choice.name
            ),
        );
        return super::list::show(ctx, true, &[]);
    }
    // The server's word on GPUs and quotas, held until the container exists.
    let admitted = match ctx.create_policy.clone() {
        Some(policy) => Some(policy.admit(ctx, request, &tag)?),
        None => None,
    };
    let request = admitted.as_ref().map_or(request, |a| &a.request);
    say(
        ctx,
        &format!(
            "\n{{NEUTRAL}}The container will be created:{{RESET}} {{INPUT}}{}{{RESET}} ",
            choice.name
        ),
    );
    let plan = Plan::new(ctx, request, choice)?;
    plan.execute(ctx)?;
    drop(admitted);
    say(
        ctx,
        &format!(
            "\n{{INPUT}}[{}]{{RESET}} ready.{{INFO}}\n\nOpen the container with:{{RESET}}\nmlc open {{INPUT}}{}{{RESET}}\n",
            choice.name, choice.name
        ),
    );
    Ok(0)
}

fn custom_image(request: &Request) -> Option<&str> {
    request.ds01.as_ref()?.image.as_deref()
}

/// The architecture: `-arch`, `MLC_ARCH`, or the host's; an unknown one
/// is refused in script mode and chosen from a menu otherwise.  Returns it
/// with the architectures allowed on this host.
fn architecture(
    ctx: &mut Ctx,
    request: &Request,
    catalog: &Catalog,
    host: &Host,
) -> Result<(String, Vec<String>), Failure> {
    if catalog.architectures().is_empty() {
        return Err(stop(ctx, "{ERROR}No gpu architectures found.{RESET}", 1));
    }
    let arch = request
        .arch
        .clone()
        .or_else(|| ctx.settings.mlc_arch.clone())
        .unwrap_or_else(|| host.arch.clone());
    let allowed: Vec<String> = catalog
        .architectures()
        .into_iter()
        .filter(|a| a.contains(host.kind))
        .collect();
    if allowed.contains(&arch) {
        return Ok((arch, allowed));
    }
    if request.script {
        return Err(stop(
            ctx,
            &format!(
                "\n{{ERROR}}Unknown gpu architecture:{{RESET}} {{INPUT}}{arch}{{RESET}} \n\n{{INFO}}Available gpu architectures:{{RESET}}\n{}\n",
                allowed.join(", ")
            ),
            1,
        ));
    }
    say(
        ctx,
        &format!("\n{{ERROR}}Unknown gpu architecture:{{RESET}} {{INPUT}}{arch}{{RESET}}"),
    );
    say(ctx, "\n{INFO}Available gpu architectures:{RESET}");
    numbered(ctx, &allowed);
    let i = ask::choose(
        ctx,
        "{REQUEST}Enter the number of the desired architecture: {RESET}",
        allowed.len(),
    )?;
    Ok((allowed[i].clone(), allowed))
}

/// `-i`: the architectures and the frameworks with their versions.
fn show_info(ctx: &mut Ctx, allowed: &[String], arch: &str, frameworks: &Frameworks) -> Outcome {
    let listed: Vec<String> = allowed
        .iter()
        .map(|a| {
            if a == arch {
                format!("{}{a}{}", colour::INPUT, colour::RESET)
            } else {
                a.clone()
            }
        })
        .collect();
    say(
        ctx,
        &format!(
            "\n{{INFO}}Available gpu architectures ({{INPUT}}currently used{{RESET}}{{INFO}}):{{RESET}}\n{}",
            listed.join(", ")
        ),
    );
    say(ctx, "{INFO}\nAvailable frameworks and versions:{RESET}");
    for (fw, entries) in frameworks {
        let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
        say(
            ctx,
            &format!("\n{{HINT}}{fw}:{{RESET}} \n{}", versions.join(", ")),
        );
    }
    ctx.println(" ");
    Ok(0)
}

/// The docker names of the caller's containers (a setup container left by
/// an interrupted create does not take its name: the create cleans it up).
fn user_tags(ctx: &mut Ctx) -> Result<Vec<String>, Failure> {
    Ok(common::user_containers(ctx)?
        .into_iter()
        .filter(|c| !c.setup)
        .map(|c| c.tag)
        .collect())
}

/// Name, framework, version and image: from the request (a custom image,
/// or the catalog in script mode) or by asking.
fn pick_image(
    ctx: &mut Ctx,
    request: &Request,
    frameworks: &Frameworks,
    tags: &[String],
) -> Result<(String, String, String, String), Failure> {
    let name = request.name.clone().unwrap_or_default();
    let uid = ctx.caller.uid;
    if let Some(custom) = custom_image(request) {
        // DS01: a local image instead of the catalog.
        let name = match name_problem(&name, tags, uid, request.script) {
            Some(p) if request.script => return Err(stop(ctx, &p, 1)),
            Some(p) => ask_name(ctx, Some(&p))?,
            None => name,
        };
        let framework = request.framework.clone().unwrap_or_else(|| "custom".into());
        let version = request.version.clone().unwrap_or_else(|| "latest".into());
        return Ok((name, framework, version, custom.to_string()));
    }
    if request.script {
        let (framework, version, image) = catalog_entry(ctx, request, frameworks, &name, tags)?;
        return Ok((name, framework, version, image));
    }
    let (framework, entry) = ask_framework(ctx, request, frameworks)?;
    let name = match name_problem(&name, tags, uid, false) {
        Some(p) => {
            if !name.is_empty() {
                say(ctx, &p);
            }
            ask_name(ctx, None)?
        }
        None => name,
    };
    Ok((name, framework, entry.version.clone(), entry.image.clone()))
}

/// Script mode: the name must be acceptable and the framework and version
/// in the catalog.
fn catalog_entry(
    ctx: &mut Ctx,
    request: &Request,
    frameworks: &Frameworks,
    name: &str,
    tags: &[String],
) -> Result<(String, String, String), Failure> {
    if let Some(p) = name_problem(name, tags, ctx.caller.uid, true) {
        return Err(stop(ctx, &p, 1));
    }
    let Some(fw) = request.framework.clone() else {
        return Err(stop(ctx, "\n{ERROR}Framework is needed.{RESET}\n", 1));
    };
    let Some(entries) = frameworks.get(&fw) else {
        let names: Vec<&str> = frameworks.keys().map(String::as_str).collect();
        return Err(stop(
            ctx,
            &format!(
                "\n{{ERROR}}Unknown framework:{{RESET}} {{INPUT}}{fw}{{RESET}}\n\n{{REQUEST}}Available AI frameworks:{{RESET}}\n{}\n",
                names.join(", ")
            ),
            1,
        ));
    };
    let Some(ver) = request.version.clone() else {
        return Err(stop(ctx, "\n{ERROR}Version is needed.{RESET}\n", 1));
    };
    let Some(entry) = entries.iter().find(|e| e.version == ver) else {
        return Err(stop(
            ctx,
            &format!("\n{{ERROR}}Version is not available:{{RESET}} {{INPUT}}{ver}{{RESET}}\n"),
            1,
        ));
    };
    Ok((fw, ver, entry.image.clone()))
}

/// The framework and version asked for, or chosen from menus.
fn ask_framework<'c>(
    ctx: &mut Ctx,
    request: &Request,
    frameworks: &Frameworks<'c>,
) -> Result<(String, &'c Entry), Failure> {
    let names: Vec<String> = frameworks.keys().cloned().collect();
    let fw = match request.framework.as_deref() {
        Some(f) if frameworks.contains_key(f) => f.to_string(),
        other => {
            if let Some(f) = other {
                say(
                    ctx,
                    &format!("\n{{ERROR}}Unknown framework:{{RESET}} {{INPUT}}{f}{{RESET}}"),
                );
            }
            say(ctx, "\n{REQUEST}Select a framework:{RESET}");
            numbered(ctx, &names);
            let i = ask::choose(
                ctx,
                "{REQUEST}Enter the number of the desired framework: {RESET}",
                names.len(),
            )?;
            names[i].clone()
        }
    };
    let entries = frameworks.get(&fw).cloned().unwrap_or_default();
    let wanted = request.version.as_deref();
    if let Some(entry) = entries.iter().find(|e| Some(e.version.as_str()) == wanted) {
        return Ok((fw, entry));
    }
    if let Some(v) = wanted {
        say(
            ctx,
            &format!("\n{{ERROR}}Version is not available:{{RESET}} {{INPUT}}{v}{{RESET}}"),
        );
    }
    say(
        ctx,
        &format!("\n{{INFO}}Available versions for {fw}:{{RESET}}"),
    );
    let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
    numbered(ctx, &versions);
    let i = ask::choose(
        ctx,
        "{REQUEST}Enter the number of your version: {RESET}",
        entries.len(),
    )?;
    Ok((fw, entries[i]))
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
    if tags
        .iter()
        .any(|t| *t == ContainerTag::new(name, uid).to_string())
    {
        let end = if script { "\n" } else { "" };
        return Some(format!(
            "\n{{INPUT}}[{name}]{{RESET}} {{ERROR}}already exists. Provide a new container name.{{RESET}}{end}"
        ));
    }
    None
}

/// The interactive name question, repeated until the name is acceptable.
/// `first` is a problem already found with the given name.
fn ask_name(ctx: &mut Ctx, first: Option<&str>) -> Result<String, Failure> {
    if let Some(p) = first {
        say(ctx, p);
    }
    loop {
        let answer = ctx.ask(&colour::expand(
            "\n{REQUEST}Enter a container name (valid characters: a-z, A-Z, 0-9, _,-,#): {RESET}",
        ))?;
        let name = answer.trim().to_string();
        // Every answer is checked against a fresh list, as the original.
        let tags = user_tags(ctx)?;
        match name_problem(&name, &tags, ctx.caller.uid, false) {
            None => return Ok(name),
            Some(p) => say(ctx, &p),
        }
    }
}

/// Whether a container is one that mlc made (AIME's `aime.mlc` label), as
/// opposed to the setup container of an interrupted create, which a rerun
/// removes.
pub(crate) fn is_made(c: &bollard::models::ContainerInspectResponse) -> bool {
    let labels = c.config.as_ref().and_then(|cfg| cfg.labels.as_ref());
    labels.is_some_and(|l| l.contains_key(labels::AIME))
}

/// A mount directory's words.
struct Mount {
    kind: &'static str,
    miss: &'static str,
    intro: &'static str,
}

const WORKSPACE: Mount = Mount {
    kind: "WORKSPACE",
    miss: "Workspace directory does not exist:",
    intro: "\n{NEUTRAL}The workspace directory would be mounted by default as /workspace in the container.{RESET}\n{NEUTRAL}It is the directory where your project data should be stored to be accessed inside the container.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-w /your_workspace'{RESET}",
};
const DATA: Mount = Mount {
    kind: "DATA",
    miss: "Data directory does not exist:",
    intro: "\n{NEUTRAL}The data directory would be mounted as /data in the container.{RESET}\n{NEUTRAL}It is the directory where data sets, for example, mounted from\nnetwork volumes can be accessed inside the container.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-d /your_data_directory'{RESET}",
};
const MODELS: Mount = Mount {
    kind: "MODELS",
    miss: "Models directory does not exist:",
    intro: "\n{NEUTRAL}The models directory would be mounted as /models in the container.{RESET}\n{NEUTRAL}It is the directory where weight models are download and saved.{RESET}\n{HINT}HINT: It can be set to an existing directory with the option '-d /your_models_directory'{RESET}",
};

/// The workspace: given, `~/workspace`, or (interactively) confirmed or
/// asked for.
fn workspace(ctx: &mut Ctx, request: &Request, ask_dirs: bool) -> Result<String, Failure> {
    if let Some(w) = &request.workspace {
        return existing_dir(ctx, w, &WORKSPACE, request.script);
    }
    let default = expand_user("~/workspace", &ctx.caller.home);
    if !ask_dirs {
        return Ok(default);
    }
    say(ctx, WORKSPACE.intro);
    let keep = yes_no(
        ctx,
        &format!("\n{{REQUEST}}Current workspace location:{default}. Keep it (Y/n)?: {{RESET}}"),
        true,
    )?;
    if keep {
        Ok(default)
    } else {
        Ok(ask::directory(ctx, WORKSPACE.kind, WORKSPACE.miss)?)
    }
}

/// `-w`/`-d`/`-m` given: it must be an existing directory.  In script mode
/// the original prints the error and exits 0 (kept: scripts test for it).
fn existing_dir(
    ctx: &mut Ctx,
    given: &str,
    mount: &Mount,
    script: bool,
) -> Result<String, Failure> {
    let p = expand_user(given, &ctx.caller.home);
    if is_dir(&p) {
        return Ok(p);
    }
    let miss = mount.miss;
    if script {
        return Err(stop(
            ctx,
            &format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}\n"),
            0,
        ));
    }
    say(
        ctx,
        &format!("\n{{ERROR}}{miss}{{RESET}} {{INPUT}}{p}{{RESET}}"),
    );
    Ok(ask::directory(ctx, mount.kind, miss)?)
}

/// Data or models directory: given, asked for, or `-` (none).
fn optional_dir(
    ctx: &mut Ctx,
    given: Option<&str>,
    mount: &Mount,
    script: bool,
    ask_dirs: bool,
) -> Result<String, Failure> {
    if let Some(g) = given {
        return existing_dir(ctx, g, mount, script);
    }
    if !ask_dirs {
        return Ok("-".into());
    }
    say(ctx, mount.intro);
    let kind = mount.kind;
    let wanted = yes_no(
        ctx,
        &format!("\n{{REQUEST}}Do you want to provide a {kind} directory (y/N)?: {{RESET}}"),
        false,
    )?;
    if !wanted {
        return Ok("-".into());
    }
    Ok(ask::directory(
        ctx,
        kind,
        "Provided directory does not exist:",
    )?)
}

/// The summary block before the confirmation.
fn summary(ctx: &mut Ctx, c: &Choice, host: &Host) {
    let rule = "_".repeat(50);
    say(
        ctx,
        &format!(
            "\n{{INFO_HEADER}}{rule}{{RESET}}\n{{INFO_HEADER}}Summary of the selected setup:{{RESET}}\nGPU architecture: {{INPUT}}{}{{RESET}} (host: {}-{})\nContainer name: {{INPUT}}{}{{RESET}}\nFramework and Version: {{INPUT}}{} {}{{RESET}}\nWorkspace directory: {{INPUT}}{}{{RESET}}\nData directory: {{INPUT}}{}{{RESET}}\nModels directory: {{INPUT}}{}{{RESET}}\n{{INFO_HEADER}}{rule}{{RESET}}",
            c.arch, host.arch, host.version, c.name, c.framework, c.version, c.workspace, c.data, c.models
        ),
    );
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
}
