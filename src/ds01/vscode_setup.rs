//! `vscode-setup [--project=NAME] [--container=NAME] [--guided]`
//! (reference §6): the steps to connect VS Code to the server over
//! Remote-SSH, waiting for Enter after each, and a copy of the settings in
//! `~/ds01-config/vscode-setup-summary.txt` (as the original kept one).
//! Nothing else is changed.
//!
//! Two slips of the original are mended: the Dev Containers step named
//! `<user>._.<uid>` (or `._.<uid>`) instead of the container's tag, and
//! "Navigate to:" was empty without a project.

use crate::cli::ds01 as parse;
use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    project: String,
    container: String,
    guided: bool,
}

/// Who and where, as the guide names them.
struct Guide {
    opts: Options,
    user: String,
    uid: u32,
    server: String,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("vscode-setup").map_err(|e| Failure::stderr(70, e))?;
    let Some(mut opts) = options(&spec, args)? else {
        ctx.out(&parse::help(&spec));
        return Ok(0);
    };
    // user-setup's skill check: a beginner at remote work gets the
    // explanations.
    if ctx.env.get("DS01_SKILL_REMOTE") == Some("0") {
        opts.guided = true;
    }
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let user =
        crate::identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name);
    let guide = Guide {
        opts,
        user,
        uid,
        server: crate::host::server_address(),
    };
    run(ctx, &guide)
}

/// The options, or None for the help page.  As in the original's loop,
/// `--project` and `--container` take their value only attached, every
/// other argument is an unknown option, and the first help option wins.
fn options(spec: &ToolSpec, args: &[String]) -> Result<Option<Options>, Failure> {
    let mut opts = Options::default();
    for arg in args {
        if let Some(name) = arg.strip_prefix("--project=") {
            opts.project = name.to_string();
        } else if let Some(name) = arg.strip_prefix("--container=") {
            opts.container = name.to_string();
        } else if arg == "--guided" {
            opts.guided = true;
        } else if matches!(arg.as_str(), "-h" | "--help" | "--info") {
            return Ok(None);
        } else {
            let text = format!("{}{}", term::unknown_option(arg), parse::help(spec));
            return Err(Failure::stdout(1, text));
        }
    }
    Ok(Some(opts))
}

fn run(ctx: &mut Ctx, g: &Guide) -> Outcome {
    let guided = g.opts.guided;
    if guided {
        ctx.out(&expand(GUIDED_INTRO));
        term::pause(ctx, "Press Enter to see setup instructions...")?;
        ctx.out("\n");
    }
    ctx.out(&expand(EXTENSIONS));
    if guided {
        ctx.out(&expand(GUIDED_EXTENSIONS));
    }
    term::pause(ctx, "Press Enter when extensions are installed...")?;
    ctx.out("\n");
    ctx.out(&expand(&ssh_step(g)));
    if guided {
        ctx.out(&expand(GUIDED_SSH));
    }
    term::pause(ctx, "Press Enter when SSH config is saved...")?;
    ctx.out("\n");
    ctx.out(&expand(CONNECT));
    if guided {
        ctx.out(&expand(GUIDED_CONNECT));
    }
    term::pause(ctx, "Press Enter after connecting...")?;
    ctx.out("\n");
    ctx.out(&expand(&project_step(g)));
    ctx.out(&expand(&container_step(g)));
    ctx.out(&expand(&quick_reference(g)));
    let path = format!("{}/ds01-config/vscode-setup-summary.txt", ctx.caller.home);
    save_summary(&ctx.caller.home, &path, &summary(g))
        .map_err(|e| Failure::stderr(1, format!("vscode-setup: {path}: {e}\n")))?;
    ctx.out(&expand(&format!(
        "A summary of all of this was saved to: {{BLUE}}{path}{{NC}} for easy reference\n\n"
    )));
    Ok(0)
}

/// The `Host ds01` entry, as the guide shows it.
fn host_entry(g: &Guide) -> String {
    format!(
        "Host ds01\n    HostName {}\n    User {}\n    IdentityFile ~/.ssh/ds01_id_ed25519\n    ForwardAgent yes\n    ServerAliveInterval 60\n",
        g.server, g.user
    )
}

fn ssh_step(g: &Guide) -> String {
    format!(
        "{{YELLOW}}{{BOLD}}Step 2: Configure SSH Connection{{NC}}\n\n\
         \x20 In VS Code:\n\
         \x20   {{CYAN}}Command Palette{{NC}} (Ctrl+Shift+P / Cmd+Shift+P)\n\
         \x20   → Type: {{CYAN}}\"Remote-SSH: Open SSH Configuration File\"{{NC}}\n\
         \x20   → Select your SSH config file (usually {{CYAN}}~/.ssh/config{{NC}})\n\n\
         \x20 Add this configuration:\n\n\
         {RULE}{}    ServerAliveCountMax 3\n{RULE}\n",
        host_entry(g)
    )
}

/// `/home/<user>/workspace/<project>` (the original's fixed layout).
fn project_dir(g: &Guide) -> String {
    format!("/home/{}/workspace/{}", g.user, g.opts.project)
}

fn project_step(g: &Guide) -> String {
    let mut text = String::from(
        "{YELLOW}{BOLD}Step 4: Open Your Project in Terminal{NC}\n\n\
         \x20 In the connected VS Code window:\n\
         \x20   {CYAN}File → Open Folder{NC}\n",
    );
    if g.opts.project.is_empty() {
        text.push_str(&format!(
            "    → Navigate to: {{GREEN}}/home/{}/workspace{{NC}}\n    → Select your project folder\n\n",
            g.user
        ));
        return text;
    }
    text.push_str(&format!(
        "    → Navigate to: {{GREEN}}{}{{NC}}\n    → Click {{CYAN}}OK{{NC}}\n\n",
        project_dir(g)
    ));
    if g.opts.guided {
        text.push_str(GUIDED_PROJECT);
    }
    text
}

fn container_step(g: &Guide) -> String {
    let mut text =
        String::from("\n{YELLOW}{BOLD}Step 5: Attach Your IDE to the Running Container {NC}\n\n");
    if g.opts.container.is_empty() {
        text.push_str(&format!(
            "  {{BOLD}}Option A: Using VS Code Terminal{{NC}}\n\
             \x20   1. Open terminal in VS Code (Ctrl+` or Terminal → New Terminal)\n\
             \x20   2. Enter container: {{GREEN}}container-attach <container_name>{{NC}}\n\
             \x20   3. Navigate: {{GREEN}}cd /workspace/{}{{NC}}\n\
             \x20   4. Start coding!\n\n\
             \x20 {{BOLD}}Option B: Using Dev Containers Extension {{GREEN}}(Recommended!){{NC}}\n\
             \x20 {{DIM}}(If you have the 'Dev Containers' extension in VS Code{{NC}})\n\
             \x20   1. Command Palette → {{CYAN}}\"Dev Containers: Attach to Running Container\"{{NC}}\n\
             \x20   2. Select: {{GREEN}}<container_name>._.{}{{NC}}\n\
             \x20   3. Entire VS Code session runs inside the container\n\n\
             \x20 {{YELLOW}}💡 Tip:{{NC}} Even easier, just use the 'Dev Containers' GUI directly (LHS)\n",
            g.opts.project, g.uid
        ));
        return text;
    }
    let inside = if g.opts.project.is_empty() {
        "/workspace".to_string()
    } else {
        project_dir(g)
    };
    text.push_str(&format!(
        "  {{BOLD}}Option A: Using VS Code Terminal{{NC}}\n\
         \x20   1. Open terminal in VS Code (Ctrl+` or Terminal → New Terminal)\n\
         \x20   2. Enter container: {{GREEN}}container-attach {name}{{NC}}\n\
         \x20   3. Navigate to: {{GREEN}}{inside}{{NC}}\n\
         \x20   4. Start coding!\n\n\
         \x20 {{BOLD}}Option B: Using Dev Containers Extension (Advanced){{NC}}\n\
         \x20   1. Install 'Dev Containers' extension in VS Code\n\
         \x20   2. Command Palette → {{CYAN}}\"Dev Containers: Attach to Running Container\"{{NC}}\n\
         \x20   3. Select container: {{GREEN}}{name}._.{uid}{{NC}}\n\
         \x20   4. Entire VS Code session runs inside the container\n\n",
        name = g.opts.container,
        uid = g.uid,
    ));
    text
}

fn quick_reference(g: &Guide) -> String {
    let mut text = String::from(
        "\n{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\
         {GREEN}{BOLD}✓ VS Code Setup Complete!{NC}\n\
         {GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n\
         {BOLD}Quick Reference:{NC}\n\n\
         \x20 {CYAN}Connect:{NC}       Command Palette → Remote-SSH: Connect to Host → ds01\n\
         \x20 {CYAN}Disconnect:{NC}    Command Palette → Remote-SSH: Close Remote Connection\n\
         \x20 {CYAN}Terminal:{NC}      Ctrl+` (or Terminal → New Terminal)\n",
    );
    if !g.opts.project.is_empty() {
        text.push_str(&format!(
            "  {{CYAN}}Project:{{NC}}       {}\n",
            project_dir(g)
        ));
    }
    if !g.opts.container.is_empty() {
        text.push_str(&format!(
            "  {{CYAN}}Container:{{NC}}     container attach {}\n",
            g.opts.container
        ));
    }
    text.push('\n');
    text
}

/// The summary file's text, as the original wrote it.
fn summary(g: &Guide) -> String {
    let (user, project, container) = (&g.user, &g.opts.project, &g.opts.container);
    let project_block = if project.is_empty() {
        String::new()
    } else {
        format!(
            "Project Information:\n-------------------\nName: {project}\nLocation: /home/{user}/workspace/{project}"
        )
    };
    let container_block = if container.is_empty() {
        String::new()
    } else {
        format!(
            "Container Information:\n---------------------\nName: {container}\nEnter: container attach {container}"
        )
    };
    format!(
        "DS01 VS Code Setup Summary\n==========================\nDate: {date}\nUser: {user}\nServer: {server}\n\n\
         SSH Configuration:\n-----------------\n{host}\n{SUMMARY_EXTENSIONS}\
         Connection Steps:\n----------------\n1. Open VS Code\n\
         2. Command Palette → \"Remote-SSH: Connect to Host\"\n3. Select \"ds01\"\n\
         4. (Optional) Open your project folder:\n   File → Open Folder → /home/{user}/workspace/{project}\n\
         5. Enter your container:\n    a) Open terminal → container attach {container}\n\
         \x20   b) (Recommended) Use Dev Containers extension to attach to container\n\
         \x20   Command Palette → \"Dev Containers: Attach to Running Container\"\n\n\
         {project_block}\n\n{container_block}\n\n{SUMMARY_COMMANDS}",
        date = crate::ds01::image_list::date_now(),
        server = g.server,
        host = host_entry(g),
    )
}

/// Write the summary: `~/ds01-config` made when missing, the file itself
/// never written through a symbolic link.
fn save_summary(home: &str, path: &str, text: &str) -> Result<(), String> {
    let words = |e: std::io::Error| {
        let t = e.to_string();
        t.find(" (os error")
            .map_or(t.clone(), |i| t[..i].to_string())
    };
    std::fs::create_dir_all(format!("{home}/ds01-config")).map_err(words)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(words)?;
    file.write_all(text.as_bytes()).map_err(words)
}

const RULE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const GUIDED_INTRO: &str = "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}ds01: VS Code on your computer, your work on the server{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n
{BOLD}Two extensions do the work: Remote - SSH and Dev Containers{NC}\n
  With them, the VS Code window on your computer:
  • opens and saves files that stay on the server
  • runs terminals, debuggers and notebooks on the server
  • reaches the server's GPUs through your containers\n
{BOLD}What happens when you connect{NC}\n
  1. VS Code logs in to the server over SSH
  2. The first time, it installs a small VS Code server in your home
  3. From then on, the window works on the server's files\n
{BOLD}Before you start{NC}\n
  • VS Code on your own computer
  • An SSH key for the server (run {GREEN}ssh-setup{NC} if you have none)
  • The Remote - SSH and Dev Containers extensions (step 1)\n\n";

const EXTENSIONS: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}VS Code Remote-SSH Setup{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{YELLOW}{BOLD}Step 1: Install VS Code Extensions{NC}

  Open VS Code and install these extensions:

  {BOLD}Required:{NC}
    • Remote - SSH {DIM}(ms-vscode-remote.remote-ssh){NC}
    • Remote - SSH: {DIM}Editing Configuration Files (ms-vscode-remote.remote-ssh-edit){NC}
    • Dev-Containers {DIM}(ms-vscode-remote.remote-containers){NC}

  {BOLD}Recommended:{NC}
    • Python {DIM}(ms-python.python){NC}
    • Jupyter {DIM}(ms-toolsai.jupyter){NC}
    • Docker {DIM}(ms-azuretools.vscode-docker){NC}
    • GitLens {DIM}(eamodio.gitlens){NC}\n\n";

const GUIDED_EXTENSIONS: &str = "  {DIM}To add one: open the Extensions view (Ctrl+Shift+X),{NC}
    {DIM}search for its name or id, and press Install.{NC}\n\n";

const GUIDED_SSH: &str = "  {BOLD}What each line is for:{NC}\n
    {CYAN}HostName{NC} - the server's address
    {CYAN}User{NC} - your account on the server
    {CYAN}IdentityFile{NC} - the private key on your computer that logs you in
    {CYAN}ForwardAgent{NC} - lets the server use your computer's keys (for git)
    {CYAN}ServerAliveInterval{NC} - a keep-alive every 60 seconds, so idle sessions stay open\n\n";

const CONNECT: &str = "{YELLOW}{BOLD}Step 3: Connect to DS01{NC}

  In VS Code:
    {CYAN}Command Palette{NC} → {CYAN}\"Remote-SSH: Connect to Host\"{NC}
    → Select: {GREEN}ds01{NC}

  The first connection will:
    • Install VS Code Server on DS01 (automatic, takes ~1 minute)
    • Open a new VS Code window connected to the server\n\n";

const GUIDED_CONNECT: &str =
    "  {YELLOW}💡 Tip:{NC} When it worked, the bottom-left corner of the window
     reads {GREEN}SSH: ds01{NC}.\n\n";

const GUIDED_PROJECT: &str = "  {BOLD}From here on:{NC}
    • The explorer shows your project's files on the server
    • What you save is saved on the server
    • The built-in terminal (Ctrl+`) is a shell on the server\n\n";

const SUMMARY_EXTENSIONS: &str = "VS Code Extensions:
------------------
- Remote - SSH (required)
- Remote - SSH: Editing Configuration Files (required)
- Dev-Containers (required)
- Python (recommended)
- Jupyter (recommended)
- Docker (recommended)
- GitLens (recommended)\n\n";

const SUMMARY_COMMANDS: &str = "Quick Commands:
--------------
SSH:
  ssh ds01                           # Connect via terminal

VS Code:
  Remote-SSH: Connect to Host        # Connect to DS01
  Remote-SSH: Close Remote Connection  # Disconnect
  Dev Containers: Attach to Running Container  # Open VS Code in container

Container Management:
  container deploy <name>            # Create and start container
  container attach <name>            # Enter a running container
  container retire <name>            # Stop and remove container
  container-list                     # List your containers
  check-limits                       # View your resource quotas

Inside Container:
----------------
cd /workspace/<project>              # Navigate to project
nvidia-smi                           # Check GPU status
jupyter lab                          # Start Jupyter Lab
python train.py                      # Run training scripts\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn guide(project: &str, container: &str) -> Guide {
        Guide {
            opts: Options {
                project: project.into(),
                container: container.into(),
                guided: false,
            },
            user: "alice".into(),
            uid: 2001,
            server: "192.0.2.2".into(),
        }
    }

    #[test]
    fn options_take_values_only_attached() {
        let spec = spec::tool("vscode-setup").expect("spec");
        let opts = options(&spec, &args(&["--project=thesis", "--container=demo"]));
        let opts = opts.expect("parsed").expect("not help");
        assert_eq!(
            (opts.project.as_str(), opts.container.as_str()),
            ("thesis", "demo")
        );
        let refused = options(&spec, &args(&["--project", "thesis"])).expect_err("refused");
        assert!(refused
            .stdout
            .starts_with("\x1b[0;31m✗ Unknown option: --project\x1b[0m\n"));
        assert_eq!(options(&spec, &args(&["--info"])).expect("help"), None);
    }

    #[test]
    fn the_host_entry_and_the_container_tag() {
        let g = guide("thesis", "demo");
        let ssh = ssh_step(&g);
        assert!(ssh.contains("Host ds01\n    HostName 192.0.2.2\n    User alice\n"));
        assert!(ssh.contains("    ServerAliveInterval 60\n    ServerAliveCountMax 3\n"));
        let step = container_step(&g);
        assert!(step.contains("Select container: {GREEN}demo._.2001{NC}"));
        assert!(step.contains("Navigate to: {GREEN}/home/alice/workspace/thesis{NC}"));
        assert!(
            container_step(&guide("", "")).contains("Select: {GREEN}<container_name>._.2001{NC}")
        );
    }

    #[test]
    fn the_summary_file_keeps_the_originals_shape() {
        let text = summary(&guide("thesis", ""));
        assert!(text.starts_with("DS01 VS Code Setup Summary\n==========================\nDate: "));
        assert!(text.contains("    ServerAliveInterval 60\n\nVS Code Extensions:\n"));
        assert!(text.contains("Location: /home/alice/workspace/thesis\n\n\n\nQuick Commands:\n"));
        assert!(text.ends_with("# Run training scripts\n\n"));
    }
}
