//! `container-exit [--guided] [--info] [-h|--help]`: the page on leaving a
//! container (reference §3.9).  Read only: the caller's lifecycle limits
//! are the one thing it looks up.

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::limits::Config;
use crate::ui::ds01::{self as term, expand};

/// A user's lifecycle limits as `get_resource_limits USER --FLAG` prints
/// them (`None` where they cannot be read).
pub(crate) struct Lifecycle {
    pub(crate) idle_timeout: String,
    pub(crate) max_runtime: String,
    pub(crate) gpu_hold: String,
}

impl Lifecycle {
    /// The limits of the account `uid` (the caller's login name when no
    /// account has that uid).
    pub(crate) fn of_user(ctx: &mut Ctx, uid: u32) -> Lifecycle {
        let user =
            crate::identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name);
        let config = ctx.config().ok();
        let ask = |flag: &str| ask_limit(config.as_deref(), &user, flag);
        Lifecycle {
            idle_timeout: ask("--idle-timeout"),
            max_runtime: ask("--max-runtime"),
            gpu_hold: ask("--gpu-hold-time"),
        }
    }
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("container-exit").map_err(|e| Failure::stderr(70, e))?;
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    let guided = m.flag("guided");
    if guided {
        ctx.out(&expand(GUIDED_INTRO));
        term::pause(ctx, "Press Enter to see exit options...")?;
    }
    let limits = lifecycle(ctx);
    ctx.out(&page(&limits, guided));
    Ok(0)
}

/// The limits of the user the process runs as (the original's `whoami`).
fn lifecycle(ctx: &mut Ctx) -> Lifecycle {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    Lifecycle::of_user(ctx, uid)
}

fn ask_limit(config: Option<&Config>, user: &str, flag: &str) -> String {
    let Some(config) = config else {
        return "None".into();
    };
    let args = [user.to_string(), flag.to_string()];
    match crate::ds01::get_resource_limits::answer(config, user, &args) {
        Ok(a) if a.code == 0 => a.stdout.trim_end_matches('\n').to_string(),
        _ => "None".into(),
    }
}

/// Whether a limit is set (the original's `!= None && != null`).
pub(crate) fn set(value: &str) -> bool {
    value != "None" && value != "null"
}

/// The page; `guided` adds the explanations.
fn page(l: &Lifecycle, guided: bool) -> String {
    let mut text = expand(BANNER_AND_EXIT);
    if guided {
        text.push_str(&expand(GUIDED_WHAT_HAPPENS));
    }
    text.push_str(&expand(STATUS_AFTER_EXIT));
    text.push_str(&limit_lines(l));
    text.push_str(&expand(COMMANDS));
    if guided {
        text.push_str(&expand(&guided_difference(l)));
    }
    text.push_str(&expand(PRACTICES_AND_REMINDERS));
    if guided {
        text.push_str(&expand(GUIDED_MISCONCEPTIONS));
    }
    text.push_str(&expand(CLOSING_RULE));
    text
}

fn limit_lines(l: &Lifecycle) -> String {
    let mut text = expand("{BOLD}Your Resource Limits:{NC}\n");
    if set(&l.idle_timeout) {
        text.push_str(&expand(&format!(
            "  • Idle timeout: {{CYAN}}{}{{NC}} (auto-stop after GPU idle)\n",
            l.idle_timeout
        )));
    }
    if set(&l.max_runtime) {
        text.push_str(&expand(&format!(
            "  • Max runtime: {{CYAN}}{}{{NC}}\n",
            l.max_runtime
        )));
    }
    match l.gpu_hold.as_str() {
        "indefinite" => text.push_str("  • GPU hold after stop: Indefinite\n"),
        hold if set(hold) => {
            text.push_str(&expand(&format!(
                "  • GPU hold after stop: {{CYAN}}{hold}{{NC}}\n"
            )));
        }
        _ => {}
    }
    text.push('\n');
    text
}

/// The guided comparison of exit, stop and remove (in our words).
fn guided_difference(l: &Lifecycle) -> String {
    let hold = match l.gpu_hold.as_str() {
        "indefinite" => {
            "    • Its GPU stays reserved until the container is cleaned up\n".to_string()
        }
        h if set(h) => {
            format!("    • Its GPU stays reserved for {{CYAN}}{h}{{NC}}, then is freed\n")
        }
        _ => String::new(),
    };
    format!(
        "{RULE}\n{{BOLD}}Leaving, stopping and removing{{NC}}\n\n\
         \x20 {{CYAN}}exit{{NC}} (inside the container):\n\
         \x20   • Only your shell ends; the container and its jobs keep running\n\n\
         \x20 {{CYAN}}container-stop <name>{{NC}} (on the server):\n\
         \x20   • Every process in the container ends; its files are kept for a restart\n\
         {hold}\n\
         \x20 {{CYAN}}container-remove <name>{{NC}} (on the server):\n\
         \x20   • The container is deleted and its GPU freed at once\n\
         \x20   • Make a new one any time with container-deploy\n\n"
    )
}

const RULE: &str = "{DIM}────────────────────────────────────────────────{NC}\n";

const GUIDED_INTRO: &str = "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Leaving a container, step by step{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n
  ds01 opens your shell in a running container with {CYAN}docker exec{NC}.
  When that shell ends, only the shell ends: the container keeps
  running, and so does everything you started in it.\n
  {DIM}Ctrl+P, Ctrl+Q is for docker attach; it does nothing here.{NC}\n\n";

const BANNER_AND_EXIT: &str = "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{CYAN}{BOLD}    How to Exit Containers{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n
{BOLD}When inside a container:{NC}\n
  {GREEN}{BOLD}exit{NC} or {GREEN}{BOLD}Ctrl+D{NC}
  → Exit your session
  → Container {BOLD}keeps running{NC} in the background
  → All processes continue (training, Jupyter, etc.)\n\n";

const GUIDED_WHAT_HAPPENS: &str = "{BOLD}What happens then:{NC}\n
  1. Your shell in the container ends
  2. The container goes on running
  3. Background jobs (scripts, Jupyter) go on too
  4. {GREEN}container-run <name>{NC} brings you back in\n\n";

const STATUS_AFTER_EXIT: &str = "{DIM}────────────────────────────────────────────────{NC}\n
{BOLD}Container Status After Exit:{NC}\n
  {GREEN}✓{NC} Container keeps running
  {GREEN}✓{NC} All processes continue
  {GREEN}✓{NC} GPU allocation remains
  {GREEN}✓{NC} You can reconnect anytime\n\n";

const COMMANDS: &str = "{DIM}────────────────────────────────────────────────{NC}\n
{BOLD}Essential Commands:{NC}\n
  {GREEN}container-run <name>{NC}      Reconnect to running container
  {GREEN}container-stop <name>{NC}     Stop a running container
  {GREEN}container-list{NC}            See all your containers
  {GREEN}container-stats{NC}           Check resource usage\n\n";

const PRACTICES_AND_REMINDERS: &str = "{DIM}────────────────────────────────────────────────{NC}\n
{YELLOW}💡 Best Practices:{NC}\n
  • {BOLD}Long training jobs:{NC} Just {GREEN}exit{NC} - job continues running
    Reconnect later to check progress\n
  • {BOLD}Quick tasks:{NC} Use {GREEN}container-remove{NC} when done
    Frees resources for others\n
  • {BOLD}Before logging off:{NC} Check {GREEN}container-list{NC}
    See what's still running and consuming resources\n
{DIM}────────────────────────────────────────────────{NC}\n
{BOLD}Example Workflows:{NC}\n
  {DIM}# Scenario 1: Long training job{NC}
  container-run my-project
  {DIM}(inside container){NC} python train.py --epochs 100 &  {DIM}# Run in background{NC}
  {GREEN}exit{NC}  {DIM}# Leave container, training continues{NC}\n
  {DIM}# Later: Check on it{NC}
  container-run my-project  {DIM}# Reconnect{NC}
  tail -f outputs/logs/training.log  {DIM}# Check progress{NC}\n
  {DIM}# Scenario 2: Quick debugging{NC}
  container-run my-project
  {DIM}(test some code, fix bugs){NC}
  {GREEN}exit{NC}
  container-remove my-project  {DIM}# Stop to free resources{NC}\n
{DIM}────────────────────────────────────────────────{NC}\n
{RED}⚠ Important Reminders:{NC}\n
  • Containers share server GPU resources
  • Idle containers will auto-stop to free resources
  • Please stop containers when not actively using them
  • Use {GREEN}container-stats{NC} to monitor your resource usage\n\n";

const GUIDED_MISCONCEPTIONS: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Two common mix-ups{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n
  {RED}✗{NC} Ctrl+P, Ctrl+Q {BOLD}does not detach{NC} here (that is docker attach)
  {RED}✗{NC} exit {BOLD}does not stop{NC} the container (it ends your shell)\n
  {GREEN}✓{NC} {GREEN}exit{NC} to leave it running, {GREEN}container-stop{NC} to stop it\n\n";

const CLOSING_RULE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_shown_only_when_set() {
        let l = Lifecycle {
            idle_timeout: "0.5".into(),
            max_runtime: "None".into(),
            gpu_hold: "indefinite".into(),
        };
        let text = limit_lines(&l);
        assert!(text.contains("Idle timeout: \x1b[0;36m0.5\x1b[0m (auto-stop after GPU idle)"));
        assert!(!text.contains("Max runtime"));
        assert!(text.contains("GPU hold after stop: Indefinite\n"));
    }
}
