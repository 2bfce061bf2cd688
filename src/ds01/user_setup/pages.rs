//! The wizard's fixed texts, as the original printed them (DS01 colour
//! tokens, expanded when shown; `@USER@` and `@IP@` filled in).

pub(super) const LOGO: &str = r"    ____  ____  ____  ____
   / __ \/ ___\/ __ \/_ _ |
  / / / /\__ \/ / / /   | |
 / /_/ /___/ / /_/ /    | |
/_____/_____/\____/     |_/ Hertie's HPC Server

{GREEN}{BOLD}Onboarding & Setup Wizard{NC}

";

pub(super) const WELCOME: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Welcome to DS01!{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

Before we begin, let's understand your experience level
so we can tailor the setup process for you.

";

pub(super) const HOW_DS01_WORKS: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}How DS01 Works{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

DS01 uses {CYAN}containers{NC} - think of them like separate computers
that you can create, use, and throw away:

  {CYAN}Your Workspace{NC} (~/workspace/)
    └── Files you save here are {GREEN}permanent{NC}
    └── Like your \"hard drive\" - always safe

  {CYAN}Containers{NC}
    └── Temporary computing environments with GPU access
    └── Like a \"laptop\" you can turn on/off
    └── Can be recreated anytime from your settings

  {BOLD}Key Insight:{NC} Your work (files) survives even when
  you delete/recreate containers. This is intentional!

";

pub(super) const RESOURCE_LIMITS: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Resource Limits{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

DS01 is a shared server, so each user has limits:

  {CYAN}•{NC} GPU / MIG (Multi-Instance GPUs) allocation
  {CYAN}•{NC} Number of containers you can run
  {CYAN}•{NC} Memory and CPU per container

Currently we're offering 1-2 GPUs across multiple MIGs per user, but this will change dynamically
Run {GREEN}check-limits{NC} anytime to see your quotas.

";

pub(super) const OVERVIEW: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Setup Overview{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

This wizard will help you:

  {GREEN}1.{NC} Generate SSH keys - secure remote access
  {GREEN}2.{NC} Configure VS Code - extensions and SSH connection
  {GREEN}3.{NC} Create reference documents - quick command guide

After setup, run {CYAN}project-init{NC} to create your first project.

";

pub(super) const EXPLAIN_NOTE: &str = "{YELLOW}Note:{NC} We'll explain each step as we go.\n\n";

pub(super) const ALREADY_SET_UP: &str = "{GREEN}{BOLD}✓ You're already set up!{NC}

Everything looks good. You can:
  • Create more projects: {GREEN}project-init{NC}
  • View your containers: {GREEN}container-list{NC}
  • Check your limits: {GREEN}check-limits{NC}

";

pub(super) const REVISIT_TIP: &str =
    "\n{GREEN}Tip:{NC} Run {CYAN}user-setup{NC} again anytime to revisit setup.\n\n";

pub(super) const NEED_TO: &str = "{YELLOW}Need to:{NC}
  • Copy your private key to another device?
  • Regenerate your keys?
  • Review VS Code SSH config?

";

pub(super) const KEY_LOCATION: &str = "{GREEN}✓ Skipped{NC} - Using existing keys

{BOLD}Quick Reference - SSH Key Location:{NC}
  Private key: {CYAN}~/.ssh/id_ed25519{NC}

{BOLD}Copy to your local machine:{NC}
  {GREEN}scp @USER@@@IP@:~/.ssh/id_ed25519 ~/.ssh/ds01_id_ed25519{NC}
  {GREEN}chmod 600 ~/.ssh/ds01_id_ed25519{NC}

{BOLD}Add to local ~/.ssh/config:{NC}
  {CYAN}Host ds01{NC}
  {CYAN}    HostName @IP@{NC}
  {CYAN}    User @USER@{NC}
  {CYAN}    IdentityFile ~/.ssh/ds01_id_ed25519{NC}
";

pub(super) const VSCODE_BANNER: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Step 3: Configure VS Code for Remote Access{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

";

pub(super) const EXTENSIONS: &str = "{CYAN}━━━ Step 1: Install Extensions ━━━{NC}

  {CYAN}Required:{NC}
    • Remote - SSH (ms-vscode-remote.remote-ssh) {DIM}(needed now){NC}
    • Container Tools (ms-azuretools.vscode-containers) {DIM}(needed later){NC}
    • Dev Containers (ms-vscode-remote.remote-containers) {DIM}(needed later){NC}

  {CYAN}Recommended:{NC}
    • Python
    • Jupyter
    • Docker
    • GitLens

";

pub(super) const SSH_CONFIG: &str =
    "{CYAN}━━━ Step 2: Configure Your SSH Credentials in VS Code ━━━{NC}

  We need to add this configuration:

  {GREEN}Host ds01{NC}
  {GREEN}    HostName @IP@{NC}
  {GREEN}    User @USER@{NC}
  {GREEN}    IdentityFile ~/.ssh/ds01_id_ed25519{NC}
  {GREEN}    ForwardAgent yes{NC}
  {GREEN}    ServerAliveInterval 60{NC}

  to this dotfile: {CYAN}~/.ssh/config{NC}

{BOLD}Option A: via Remote SSH extension (recommended):{NC}

  In VS Code: {CYAN}Command Palette → \"Remote-SSH: Open SSH Configuration File\"{NC}


{BOLD}Option B: via Terminal{NC}

  Open on your LOCAL machine:
    {GREEN}nano ~/.ssh/config{NC}

";

pub(super) const TEST_CONNECTION: &str = "{CYAN}━━━ Step 3: Test Connection ━━━{NC}

In VS Code: {CYAN}Command Palette → \"Remote-SSH: Connect to Host\" → ds01{NC}

VS Code will open a new window connected to the server.
You should see 'SSH: ds01' in the bottom-left corner.

";

pub(super) const COMPLETE: &str = "{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{GREEN}{BOLD}✓ SSH Setup Complete!{NC}
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}What we accomplished:{NC}
  {GREEN}✓{NC} Generated private/public key pair on the server
  {GREEN}✓{NC} Added public key to server's authorized_keys
  {GREEN}✓{NC} You saved private key to your local machine
  {GREEN}✓{NC} You configured SSH in your IDE

{BOLD}How to connect:{NC}
  Terminal:  {GREEN}ssh ds01{NC}
  VS Code:   {CYAN}Remote-SSH: Connect to Host → ds01{NC}

All of this info is saved in {CYAN}~/ONBOARDING.md{NC} for future reference.

";

/// `jupyter-setup` is not a DS01 command (reference §12.21); the text
/// is the original's.
pub(super) const JUPYTER_AND_NEXT: &str = "
{CYAN}━━━ Jupyter Access ━━━{NC}

For Jupyter notebooks in VS Code, the {CYAN}Jupyter extension{NC} handles everything.
Just open any .ipynb file after connecting.

For browser-based access, run: {GREEN}jupyter-setup --guided{NC}

{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Next Steps{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

  Create your first project:
    {GREEN}project-init --guided{NC}

  Or for quick setup (experienced users):
    {GREEN}project-init my-project{NC}

{GREEN}Welcome to DS01! Happy computing!{NC}

{DIM}Run 'help' or 'commands' anytime to see available commands.{NC}

";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_47_wide() {
        let pages = [
            WELCOME,
            HOW_DS01_WORKS,
            RESOURCE_LIMITS,
            OVERVIEW,
            VSCODE_BANNER,
            COMPLETE,
            JUPYTER_AND_NEXT,
        ];
        for page in pages {
            for line in page.lines().filter(|l| l.contains("━━━━━━━━━━")) {
                assert_eq!(line.matches('━').count(), 47, "{line}");
            }
        }
    }
}
