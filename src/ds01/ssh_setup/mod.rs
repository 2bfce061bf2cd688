//! `ssh-setup [--guided] [--force] [--verify] [-h|--help|--info]`: an
//! ed25519 key pair in `~/.ssh`, its public half in `authorized_keys`,
//! and how to copy the private half to the user's own machine
//! (reference §6).  `user-setup` runs it in-process ([`run`]).
//!
//! The original always took its guided path: it sourced the skill
//! library, which resets `DS01_SKILL_REMOTE` to 0 ("beginner") before
//! the script reads it, so `--guided` changes nothing and its terse
//! path was never shown; ds01 does the same.

mod keys;

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::host::server_address;
use crate::ui::ds01::{self as term, expand, flush_type_ahead, RED};
use keys::{SshDir, PRIVATE, PUBLIC};
use std::path::Path;

/// What the command line asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Request {
    /// Make a new pair even when one exists (after asking).
    pub force: bool,
    /// Only check the keys; the exit code is the number of problems.
    pub verify: bool,
}

/// The options the original's loop knew; anything else is refused there.
const KNOWN: [&str; 6] = ["--guided", "--force", "--verify", "-h", "--help", "--info"];

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("ssh-setup").map_err(|e| Failure::stderr(70, e))?;
    // The original refused the first word it did not know, before any
    // help option after it (and words that are not options too).
    let stop = args
        .iter()
        .position(|a| matches!(a.as_str(), "-h" | "--help" | "--info"))
        .unwrap_or(args.len());
    if let Some(bad) = args[..stop].iter().find(|a| !KNOWN.contains(&a.as_str())) {
        let text = format!("{}{}", term::unknown_option(bad), parse::help(&spec));
        return Err(Failure::stdout(1, text));
    }
    if stop < args.len() {
        ctx.out(&parse::help(&spec));
        return Ok(0);
    }
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    let request = Request {
        force: m.flag("force"),
        verify: m.flag("verify"),
    };
    run(ctx, request)
}

/// The setup itself, as `ssh-setup` runs it and as `user-setup` calls it.
pub(crate) fn run(ctx: &mut Ctx, request: Request) -> Outcome {
    let home = ctx.caller.home.clone();
    let dir = SshDir::open(Path::new(&home)).map_err(fatal)?;
    if request.verify {
        return Ok(verify(ctx, &dir));
    }
    if dir.has_file(PRIVATE) && !request.force {
        match existing_keys_menu(ctx, &dir)? {
            Choice::View => return guided_flow(ctx, &dir, Pair::Existing).map(|()| 0),
            Choice::Regenerate => ctx.out(&expand("\n{YELLOW}Regenerating keys...{NC}\n")),
            Choice::Skip => {
                ctx.out(&expand("{GREEN}✓ Skipped{NC} - Using existing keys\n"));
                return Ok(0);
            }
        }
    }
    if dir.has_file(PRIVATE) {
        ctx.out(&expand(REPLACE_WARNING));
        if !term::confirm(ctx, "Continue? [y/N]: ")? {
            ctx.out("Cancelled.\n");
            return Ok(0);
        }
        ctx.out("\n");
    }
    generate(ctx, &dir)?;
    guided_flow(ctx, &dir, Pair::New).map(|()| 0)
}

enum Choice {
    View,
    Regenerate,
    Skip,
}

/// Keys exist: the check, then what to do (default: skip).
fn existing_keys_menu(ctx: &mut Ctx, dir: &SshDir) -> Result<Choice, Failure> {
    ctx.out(&expand("\n{GREEN}✓{NC} SSH keys already exist\n\n"));
    verify(ctx, dir);
    ctx.out(&expand(OPTIONS_MENU));
    let answer = term::ask(ctx, "Choice [1-3, default: 3]: ")?;
    Ok(match answer.trim_matches([' ', '\t']) {
        "1" => Choice::View,
        "2" => Choice::Regenerate,
        _ => Choice::Skip,
    })
}

/// A new pair, and the public key authorized.
fn generate(ctx: &mut Ctx, dir: &SshDir) -> Result<(), Failure> {
    let mut authorized = dir.open_authorized().map_err(fatal)?;
    ctx.out(&expand(
        "{BLUE}Generating SSH keys...{NC}\n\n{DIM}Using ed25519 algorithm (modern, secure, fast){NC}\n\n",
    ));
    dir.generate(&format!("{}@ds01-server", whoami(ctx)))
        .map_err(fatal)?;
    ctx.out(&expand("{GREEN}✓{NC} Keys generated\n"));
    let public = dir.read(PUBLIC).map_err(fatal)?;
    if authorized.add(&public).map_err(fatal)? {
        ctx.out(&expand("{GREEN}✓{NC} Added to authorized_keys\n"));
    } else {
        ctx.out(&expand("{GREEN}✓{NC} Already in authorized_keys\n"));
    }
    Ok(())
}

/// The four checks; the number of problems (the original's exit code
/// for `--verify`; a failed `ssh localhost` is not counted).
fn verify(ctx: &mut Ctx, dir: &SshDir) -> i32 {
    let mut issues = 0;
    ctx.out(&expand("{BOLD}Verifying SSH Setup...{NC}\n\n"));
    for (name, what) in [(PRIVATE, "Private key"), (PUBLIC, "Public key")] {
        let path = dir.path_of(name).display().to_string();
        if dir.has_file(name) {
            ctx.out(&expand(&format!(
                "  {{GREEN}}✓{{NC}} {what} exists: {path}\n"
            )));
        } else {
            ctx.out(&expand(&format!(
                "  {{RED}}✗{{NC}} {what} missing: {path}\n"
            )));
            issues += 1;
        }
    }
    let public = dir.read(PUBLIC).unwrap_or_default();
    if dir.authorized(&public) {
        ctx.out(&expand("  {GREEN}✓{NC} Public key in authorized_keys\n"));
    } else {
        ctx.out(&expand(
            "  {YELLOW}○{NC} Public key not in authorized_keys\n",
        ));
        issues += 1;
    }
    if keys::ssh_localhost_works() {
        ctx.out(&expand("  {GREEN}✓{NC} SSH localhost connection works\n"));
    } else {
        ctx.out(&expand(
            "  {YELLOW}○{NC} SSH localhost test skipped (may need password)\n",
        ));
    }
    ctx.out("\n");
    issues
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pair {
    New,
    Existing,
}

/// The keys shown, then where the private key goes, then what was done,
/// with a pause between the parts.
fn guided_flow(ctx: &mut Ctx, dir: &SshDir, pair: Pair) -> Result<(), Failure> {
    let atomic = ctx.mode.context != "orchestration";
    let (banner, intro) = match pair {
        Pair::New => (KEYS_GENERATED_BANNER, KEYS_GENERATED_INTRO),
        Pair::Existing => (EXISTING_KEYS_BANNER, "\n"),
    };
    if atomic {
        ctx.out(&expand(banner));
    }
    ctx.out(&expand(intro));
    show_keys(ctx, dir)?;
    flush_type_ahead(ctx);
    term::pause(ctx, "Press Enter to continue to save your Private Key...")?;
    if atomic {
        ctx.out(&expand(STEP1_BANNER));
    }
    let (user, address) = (whoami(ctx), server_address());
    ctx.out(
        &expand(STEP1)
            .replace("@USER@", &user)
            .replace("@IP@", &address),
    );
    flush_type_ahead(ctx);
    term::pause(ctx, "Press Enter when you've saved your private key...")?;
    if atomic {
        ctx.out(&expand(STEP2_BANNER));
    }
    ctx.out(&expand(STEP2));
    flush_type_ahead(ctx);
    term::pause(ctx, "Press Enter to continue...")?;
    if atomic {
        ctx.out(&expand(SUMMARY_BANNER));
    }
    ctx.out(&expand(SUMMARY));
    Ok(())
}

/// Both keys as they are in their files (the private one to copy).
fn show_keys(ctx: &mut Ctx, dir: &SshDir) -> Result<(), Failure> {
    ctx.out(&expand(
        "{BOLD}Your Private Key:{NC}\n\n{DIM}━━━━━━━ COPY THIS ENTIRE BLOCK ━━━━━━━{NC}\n",
    ));
    let private = dir.read(PRIVATE).map_err(fatal)?;
    ctx.out(&private);
    ctx.out(&expand(
        "{DIM}━━━━━━━ END OF PRIVATE KEY ━━━━━━━━━━{NC}\n\n{BOLD}Your Public Key:{NC}\n\n",
    ));
    // `$(cat FILE)`: without its trailing newlines; a missing file is
    // said on stderr and shows as an empty line.
    let public = dir.read(PUBLIC).unwrap_or_else(|e| {
        ctx.err(&format!("{e}\n"));
        String::new()
    });
    let public = public.trim_end_matches('\n');
    ctx.out(&expand(&format!("{{BLUE}}{public}{{NC}}\n\n")));
    Ok(())
}

/// The name of the account the process runs as (the original's `whoami`).
pub(crate) fn whoami(ctx: &Ctx) -> String {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    crate::identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name)
}

/// A file that cannot be made or read: said, exit 1 (where the
/// original's `set -e` stopped).
fn fatal(text: String) -> Failure {
    Failure::stderr(1, format!("{RED}✗ {text}{}\n", term::NC))
}

const OPTIONS_MENU: &str = "{BOLD}Options:{NC}
  1) View keys and setup instructions
  2) Regenerate keys (creates new pair)
  3) Continue (skip)\n\n";

const REPLACE_WARNING: &str = "\n{YELLOW}⚠{NC} This will replace your existing SSH keys.
   Any devices using the old key will need to be updated.\n\n";

const KEYS_GENERATED_BANNER: &str = "
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{GREEN}{BOLD}✓ SSH Keys Generated!{NC}
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const KEYS_GENERATED_INTRO: &str = "
{BOLD}What we just did:{NC}
  We generated a pair of cryptographic keys for you:
  • {CYAN}Private key{NC} - YOUR secret identity (like a password)
  • {CYAN}Public key{NC}  - Can be shared (like a username)\n\n";

const EXISTING_KEYS_BANNER: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Your SSH Keys{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const STEP1_BANNER: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Step 1: Save Private Key to LOCAL Machine{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const STEP1: &str = "
The private key needs to be on your {BOLD}LOCAL{NC} computer.

{BOLD}Option A: Copy-paste method{NC}
  1. Copy the private key block shown above
  2. On your LOCAL machine, create file: {CYAN}~/.ssh/ds01_id_ed25519{NC}
  3. Paste the key and save

{BOLD}Option B: Run this on your LOCAL terminal{NC}
{CYAN}┌────────────────────────────────────────────────────────────────┐{NC}
{CYAN}│{NC} scp @USER@@@IP@:~/.ssh/id_ed25519 ~/.ssh/ds01_id_ed25519
{CYAN}│{NC} chmod 600 ~/.ssh/ds01_id_ed25519
{CYAN}└────────────────────────────────────────────────────────────────┘{NC}\n\n";

const STEP2_BANNER: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Step 2: Public Key (Already Configured!){NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const STEP2: &str = "
{BOLD}What we did automatically:{NC}
  {GREEN}✓{NC} Added your public key to ~/.ssh/authorized_keys on the server

This allows the server to recognize your private key.
{DIM}You don't need to do anything - this is just for reference.{NC}\n\n";

const SUMMARY_BANNER: &str = "
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{GREEN}{BOLD}✓ SSH Keys Ready!{NC}
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

const SUMMARY: &str = "
{BOLD}What we accomplished:{NC}
  {GREEN}✓{NC} Generated private/public key pair on the server
  {GREEN}✓{NC} Added public key to server's authorized_keys
  {GREEN}✓{NC} You saved private key to your local machine\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scp_line_names_user_and_address() {
        let text = expand(STEP1)
            .replace("@USER@", "bob")
            .replace("@IP@", "192.0.2.2");
        assert!(text.contains(
            "\x1b[0;36m│\x1b[0m scp bob@192.0.2.2:~/.ssh/id_ed25519 ~/.ssh/ds01_id_ed25519\n"
        ));
        let box_top = text.lines().find(|l| l.contains('┌')).unwrap_or_default();
        assert_eq!(box_top.matches('─').count(), 64);
    }

    #[test]
    fn rules_are_47_wide() {
        for page in [
            KEYS_GENERATED_BANNER,
            EXISTING_KEYS_BANNER,
            STEP1_BANNER,
            STEP2_BANNER,
            SUMMARY_BANNER,
        ] {
            for line in page.lines().filter(|l| l.contains('━')) {
                assert_eq!(line.matches('━').count(), 47, "{line}");
            }
        }
    }
}
