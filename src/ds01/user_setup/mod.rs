//! `user-setup [--quick] [-h|--help]` (also `user setup`, `user new`,
//! `new-user`): the first-steps wizard (reference §5.3).  An experience
//! check decides how much is explained; then the setup is checked, SSH
//! keys are made ([`crate::ds01::ssh_setup`], in-process), VS Code is
//! explained, `~/ONBOARDING.md` is written, and, new in ds01, a user
//! without a project is offered `project-init --guided` at the end, so
//! that the wizard goes from nothing to a working container.

mod onboarding;
mod pages;
mod skills;

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::{Ctx, Prompter};
use crate::ds01::ssh_setup::{self, whoami};
use crate::error::{Failure, Outcome};
use crate::host::server_address;
use crate::ui::ds01::{self as term, expand, flush_type_ahead};
use skills::Skills;
use std::path::Path;

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("user-setup").map_err(|e| Failure::stderr(70, e))?;
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    ctx.out(&expand(pages::LOGO));
    let skills = if m.flag("quick") {
        Skills::expert()
    } else {
        ctx.out(&expand(pages::WELCOME));
        let skills = skills::ask(ctx)?;
        ctx.out("\n");
        skills
    };
    introduce(ctx, skills)?;
    let status = check_setup(ctx)?;
    if status.complete() && !run_anyway(ctx)? {
        return Ok(0);
    }
    ssh_keys(ctx, skills, status.needs_ssh)?;
    vscode(ctx)?;
    finish(ctx)
}

/// Beginners in containers get two pages first; everyone the overview.
fn introduce(ctx: &mut Ctx, skills: Skills) -> Result<(), Failure> {
    if !skills.hpc {
        for page in [pages::HOW_DS01_WORKS, pages::RESOURCE_LIMITS] {
            ctx.out(&expand(page));
            term::pause(ctx, "Press Enter to continue...")?;
            ctx.out("\n");
        }
    }
    ctx.out(&expand(pages::OVERVIEW));
    if !skills.remote {
        ctx.out(&expand(pages::EXPLAIN_NOTE));
    }
    term::pause(ctx, "Press Enter to begin setup...")?;
    ctx.out("\n");
    Ok(())
}

/// What Step 1 found.
struct Status {
    needs_ssh: bool,
    needs_project: bool,
    docker_access: bool,
}

impl Status {
    fn complete(&self) -> bool {
        !self.needs_ssh && !self.needs_project && self.docker_access
    }
}

/// Step 1: keys, workspace, access to the engine, each said.
fn check_setup(ctx: &mut Ctx) -> Result<Status, Failure> {
    ctx.out(&expand("{CYAN}━━━ Step 1: Checking Your Setup ━━━{NC}\n\n"));
    let home = ctx.caller.home.clone();
    let needs_ssh = !Path::new(&format!("{home}/.ssh/id_ed25519.pub")).is_file();
    if needs_ssh {
        ctx.out(&expand("{YELLOW}○{NC} SSH keys not configured\n"));
    } else {
        ctx.out(&expand("{GREEN}✓{NC} SSH keys configured\n"));
    }
    let workspace = Workspace::scan(&home);
    let needs_project = workspace.entries == 0;
    if needs_project {
        ctx.out(&expand("{YELLOW}○{NC} No projects found\n"));
    } else {
        ctx.out(&expand(&format!(
            "{{GREEN}}✓{{NC}} Workspace exists: ~/workspace ({} project(s))\n",
            workspace.projects
        )));
    }
    let docker_access = check_docker(ctx);
    ctx.out("\n");
    term::pause(ctx, "Press Enter to continue...")?;
    Ok(Status {
        needs_ssh,
        needs_project,
        docker_access,
    })
}

/// What is in `~/workspace`: all entries (`ls -A`), and the projects
/// among them (`ls -1`: those not starting with a dot).
struct Workspace {
    entries: usize,
    projects: usize,
}

impl Workspace {
    fn scan(home: &str) -> Workspace {
        let names: Vec<String> = std::fs::read_dir(format!("{home}/workspace"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Workspace {
            entries: names.len(),
            projects: names.iter().filter(|n| !n.starts_with('.')).count(),
        }
    }
}

/// Whether the engine answers the caller; said with the number of the
/// caller's own images.  Without access, what the original said when
/// it could not add the user to the docker group itself.
fn check_docker(ctx: &mut Ctx) -> bool {
    let prefix = format!("ds01-{}/", ctx.caller.uid);
    let images = ctx
        .engine()
        .ok()
        .and_then(|engine| engine.list_images(false).ok());
    if let Some(images) = images {
        let own = images
            .iter()
            .flat_map(|i| &i.repo_tags)
            .filter(|t| t.starts_with(&prefix))
            .count();
        if own == 0 {
            ctx.out(&expand("{GREEN}✓{NC} Docker access configured\n"));
            ctx.out(&expand(
                "{YELLOW}○{NC} No custom images yet (will create one)\n",
            ));
        } else {
            ctx.out(&expand(&format!(
                "{{GREEN}}✓{{NC}} Docker access configured ({own} custom image(s))\n"
            )));
        }
        return true;
    }
    if crate::identity::in_group("docker") {
        ctx.out(&expand("{GREEN}✓{NC} Docker group membership OK\n"));
        ctx.out(&expand(
            "{YELLOW}○{NC} Docker access pending (re-login required)\n",
        ));
    } else {
        ctx.out(&expand(
            "{RED}○{NC} Not in docker group - requesting access...\n",
        ));
        ctx.out(&expand(
            "{YELLOW}○{NC} Docker access (contact admin: datasciencelab)\n",
        ));
    }
    false
}

/// Everything is in place: say so and ask whether to go on anyway.
fn run_anyway(ctx: &mut Ctx) -> Result<bool, Failure> {
    ctx.out(&expand(pages::ALREADY_SET_UP));
    if yes_no(ctx, "Run full wizard anyway? [y/N]: ")? {
        ctx.out("\n");
        return Ok(true);
    }
    ctx.out(&expand(pages::REVISIT_TIP));
    Ok(false)
}

/// A `[y/N]` question printed on stdout (the original's `echo -n`, then
/// `read </dev/tty`), after throwing away keys typed ahead.
fn yes_no(ctx: &mut Ctx, question: &str) -> Result<bool, Failure> {
    flush_type_ahead(ctx);
    ctx.out(question);
    let answer = term::ask(ctx, "")?;
    Ok(matches!(answer.as_str(), "y" | "Y"))
}

/// Step 2: make the keys, or offer to review them.
fn ssh_keys(ctx: &mut Ctx, skills: Skills, needs_ssh: bool) -> Result<(), Failure> {
    ctx.out(&expand("\n{CYAN}━━━ Step 2: SSH Key Setup ━━━{NC}\n\n"));
    if !needs_ssh {
        ctx.out("SSH keys are already configured.\n\n");
        if !skills.remote {
            ctx.out(&expand(pages::NEED_TO));
        }
        if !yes_no(ctx, "Review SSH setup? [y/N]: ")? {
            let text = fill(pages::KEY_LOCATION, &whoami(ctx), &server_address());
            ctx.out(&text);
            return Ok(());
        }
    }
    let code = ctx.orchestrated("user-setup", |c| {
        ssh_setup::run(c, ssh_setup::Request::default())
    })?;
    // The original ran under `set -e`: a failed ssh-setup ended it.
    if code != 0 {
        return Err(Failure::exit(code));
    }
    Ok(())
}

/// Step 3: the VS Code extensions, the `Host ds01` entry, the test.
fn vscode(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.out(&expand(pages::VSCODE_BANNER));
    let (user, address) = (whoami(ctx), server_address());
    let steps = [
        (
            pages::EXTENSIONS,
            "Press Enter when extensions are installed...",
        ),
        (pages::SSH_CONFIG, "Press Enter when saved..."),
        (pages::TEST_CONNECTION, "Press Enter after connecting..."),
    ];
    for (page, prompt) in steps {
        ctx.out(&fill(page, &user, &address));
        flush_type_ahead(ctx);
        term::pause(ctx, prompt)?;
        ctx.out("\n");
    }
    Ok(())
}

/// The summary, the reference sheet, the next steps, and the offer of a
/// first project.
fn finish(ctx: &mut Ctx) -> Outcome {
    ctx.out(&expand(pages::COMPLETE));
    flush_type_ahead(ctx);
    term::pause(ctx, "Press Enter to continue...")?;
    ctx.out("\n");
    let (user, address) = (whoami(ctx), server_address());
    onboarding::create(ctx, &user, &address)?;
    ctx.out(&expand(pages::JUPYTER_AND_NEXT));
    offer_first_project(ctx)
}

/// A user with no project yet, at a terminal, may create one now
/// (`project-init --guided`, in-process, as if typed); the default is
/// no, which ends the wizard as the original ended.
fn offer_first_project(ctx: &mut Ctx) -> Outcome {
    if Workspace::scan(&ctx.caller.home).projects > 0 || !terminal_present(ctx) {
        return Ok(0);
    }
    // End of input here is a no: everything before it is done.
    match yes_no(ctx, "Create your first project now? [y/N]: ") {
        Ok(true) => {
            ctx.out("\n");
            crate::ds01::project_init::main(ctx, &["--guided".into()])
        }
        _ => Ok(0),
    }
}

/// Whether someone can be asked (the terminal the questions are read
/// from, or scripted answers).
fn terminal_present(ctx: &Ctx) -> bool {
    match ctx.prompter {
        Prompter::Scripted(_) => true,
        Prompter::Terminal => std::fs::File::open("/dev/tty").is_ok(),
    }
}

/// A page with its colours, the user's name and the server's address.
fn fill(page: &str, user: &str, address: &str) -> String {
    expand(page)
        .replace("@USER@", user)
        .replace("@IP@", address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_location_names_user_and_address() {
        let text = fill(pages::KEY_LOCATION, "bob", "192.0.2.2");
        assert!(text.contains("scp bob@192.0.2.2:~/.ssh/id_ed25519 ~/.ssh/ds01_id_ed25519"));
        assert!(text.contains("\x1b[0;36m    HostName 192.0.2.2\x1b[0m\n"));
        assert!(text.ends_with("IdentityFile ~/.ssh/ds01_id_ed25519\x1b[0m\n"));
    }

    #[test]
    fn workspace_counts_hidden_entries_apart() {
        let home = std::env::temp_dir().join(format!("ds01-usersetup-{}", std::process::id()));
        let ws = home.join("workspace");
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(ws.join(".cache")).expect("mkdir");
        let scan = Workspace::scan(&home.to_string_lossy());
        assert_eq!((scan.entries, scan.projects), (1, 0));
        std::fs::create_dir_all(ws.join("thesis")).expect("mkdir");
        let scan = Workspace::scan(&home.to_string_lossy());
        assert_eq!((scan.entries, scan.projects), (2, 1));
        let _ = std::fs::remove_dir_all(&home);
    }
}
