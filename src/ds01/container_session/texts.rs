//! What container-start/run/attach print, as the original printed it, and
//! the lifecycle limits those texts quote.

use super::Mode;
use crate::context::Ctx;
use crate::ds01::container_exit::set;
use crate::ui::ds01::{expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};

/// The caller's lifecycle limits (container-exit's lookup).
pub(super) use crate::ds01::container_exit::Lifecycle;

impl Lifecycle {
    /// The limits of the user the process runs as (the original's
    /// `whoami`).
    pub(super) fn of(ctx: &mut Ctx) -> Lifecycle {
        let uid = ctx.caller.uid;
        Lifecycle::of_user(ctx, uid)
    }
}

/// `--guided` without a name: what the mode means.
pub(super) fn guided_intro(mode: Mode) -> String {
    let body = match mode {
        Mode::Start => {
            "{CYAN}i{NC} {BOLD}What does 'start' mean?{NC}\n\
             \x20 Starts a stopped container in the background.\n\
             \x20 Container will be running but you won't be attached to it.\n\
             \x20 To enter: {GREEN}container-run <name>{NC}\n\n"
        }
        Mode::Run => {
            "{CYAN}i{NC} {BOLD}What does 'run' mean?{NC}\n\
             \x20 Starts the container (if stopped) and opens a terminal inside.\n\
             \x20 When you exit, you can choose to keep it running or retire it.\n\n"
        }
        Mode::Attach => {
            "{CYAN}i{NC} {BOLD}What does 'attach' mean?{NC}\n\
             \x20 Connects you to an already running container.\n\
             \x20 When you exit, you can choose to keep it running or retire it.\n\n"
        }
    };
    expand(body)
}

pub(super) fn does_not_exist(name: &str) -> String {
    format!(
        "{RED}Container '{name}' does not exist{NC}\n\n\
         Create it first: {GREEN}container-create {name}{NC}\n\
         Or list containers: {GREEN}container-list{NC}\n"
    )
}

pub(super) fn already_running(name: &str) -> String {
    format!(
        "{YELLOW}Container '{name}' is already running{NC}\n\n\
         Enter it: {GREEN}container-run {name}{NC}\n"
    )
}

pub(super) fn not_running(name: &str, status: &str) -> String {
    format!(
        "{YELLOW}Container '{name}' is not running{NC} (status: {status})\n\n\
         Start and attach: {GREEN}container-run {name}{NC}\n\
         Start in background: {GREEN}container-start {name}{NC}\n"
    )
}

pub(super) fn gpu_gone(uuid: &str, name: &str) -> String {
    format!(
        "{RED}GPU {uuid} is no longer available{NC}\n\n\
         Recreate container: {GREEN}container-remove {name} && container-create {name}{NC}\n\
         Workspace files are safe in: {DIM}~/workspace/{name}/{NC}\n"
    )
}

/// The green "Container Started" block with the limits and next steps.
pub(super) fn start_success(name: &str, l: &Lifecycle) -> String {
    let rule = format!("{GREEN}{}{NC}", "━".repeat(47));
    let mut text = format!("\n{rule}\n{GREEN}{BOLD}    ✓ Container Started{NC}\n{rule}\n\n");
    text.push_str(&format!("{CYAN}i{NC} {BOLD}Your resource limits:{NC}\n"));
    if set(&l.max_runtime) {
        text.push_str(&format!("  - Max runtime: {CYAN}{}h{NC}\n", l.max_runtime));
    }
    if set(&l.idle_timeout) {
        text.push_str(&format!(
            "  - Idle timeout: {CYAN}{}h{NC} {DIM}(auto-stop after GPU idle){NC}\n",
            l.idle_timeout
        ));
    }
    if set(&l.gpu_hold) && l.gpu_hold != "indefinite" {
        text.push_str(&format!(
            "  - GPU hold after stop: {CYAN}{}h{NC}\n",
            l.gpu_hold
        ));
    }
    text.push_str(&format!(
        "\n{BOLD}Next Steps:{NC}\n\
         \x20 Enter container: {GREEN}container-run {name}{NC}\n\
         \x20 View status:     {GREEN}container-list{NC}\n\
         \x20 Stop container:  {GREEN}container-stop {name}{NC}\n\n"
    ));
    text
}

/// The banner after a shell.
pub(super) fn session_ended() -> String {
    let rule = format!("{CYAN}{}{NC}", "━".repeat(47));
    format!("\n{rule}\n{BOLD}Container Session Ended{NC}\n{rule}\n\n")
}

/// Keep or retire: the choices, before the question.
pub(super) fn keep_or_retire(name: &str, l: &Lifecycle) -> String {
    let mut text = format!(
        "{GREEN}✓{NC} Container is still running with resources allocated\n\n\
         {BOLD}What would you like to do?{NC}\n\n\
         {CYAN}1){NC} {BOLD}Keep running{NC} (exit session, container stays active)\n\
         \x20  - You can reconnect anytime\n\
         \x20  - GPU remains allocated to this container\n"
    );
    if set(&l.idle_timeout) {
        text.push_str(&format!(
            "   - Will auto-stop after {CYAN}{}h{NC} of GPU inactivity\n",
            l.idle_timeout
        ));
    }
    if set(&l.max_runtime) {
        text.push_str(&format!("   - Max runtime: {CYAN}{}h{NC}\n", l.max_runtime));
    }
    text.push_str(&format!(
        "\n{CYAN}2){NC} {BOLD}Retire container{NC} (stop + remove, free GPU immediately)\n\
         \x20  - Removes container instance\n\
         \x20  - GPU freed immediately for others\n\
         \x20  - Workspace files remain safe\n\
         \x20  - Can recreate anytime with: {GREEN}container-deploy {name}{NC}\n\n"
    ));
    text
}

pub(super) const CHOOSE: &str = "Choose [1=keep, 2=retire] (default: 1): ";

/// Choice 1.
pub(super) fn kept(name: &str, l: &Lifecycle) -> String {
    let mut text = format!(
        "\n{GREEN}✓{NC} Container kept running\n\n\
         {BOLD}Next steps:{NC}\n\
         \x20 Reconnect: {GREEN}container-run {name}{NC}\n\
         \x20 Status:    {GREEN}container-list{NC}\n\n"
    );
    if set(&l.max_runtime) {
        text.push_str(&format!(
            "{CYAN}i{NC} {DIM}Container will auto-retire at max runtime ({}h){NC}\n\n",
            l.max_runtime
        ));
    }
    text.push_str(&format!(
        "{YELLOW}Tip:{NC} When done, {GREEN}container-retire {name}{NC} (frees GPU)\n\n"
    ));
    text
}

/// Neither 1 nor 2.
pub(super) fn invalid_choice(name: &str) -> String {
    format!(
        "\n{YELLOW}Invalid choice. Keeping container running.{NC}\n\
         To retire later: {GREEN}container-retire {name}{NC}\n\n"
    )
}

pub(super) fn retiring() -> String {
    format!("\n{YELLOW}Retiring container...{NC}\n\n")
}

pub(super) fn retire_missing(name: &str) -> String {
    format!(
        "{RED}✗{NC} container-retire not found\n\
         Manual cleanup: {GREEN}container-retire {name}{NC}\n"
    )
}

/// The container stopped while the shell ran.
pub(super) fn was_stopped() -> String {
    format!(
        "{YELLOW}Container was stopped{NC}\n\n\
         {BOLD}Retiring to avoid ambiguous stopped state...{NC}\n\n"
    )
}

pub(super) fn type_exit() -> String {
    format!("{DIM}Type 'exit' to exit the container{NC}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(idle: &str, max: &str, hold: &str) -> Lifecycle {
        Lifecycle {
            idle_timeout: idle.into(),
            max_runtime: max.into(),
            gpu_hold: hold.into(),
        }
    }

    #[test]
    fn start_success_as_recorded() {
        let text = start_success("demo", &limits("0.5", "24", "0.25"));
        let want = "\n\x1b[0;32m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m\n\
            \x1b[0;32m\x1b[1m    ✓ Container Started\x1b[0m\n\
            \x1b[0;32m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m\n\n\
            \x1b[0;36mi\x1b[0m \x1b[1mYour resource limits:\x1b[0m\n\
            \x20 - Max runtime: \x1b[0;36m24h\x1b[0m\n\
            \x20 - Idle timeout: \x1b[0;36m0.5h\x1b[0m \x1b[2m(auto-stop after GPU idle)\x1b[0m\n\
            \x20 - GPU hold after stop: \x1b[0;36m0.25h\x1b[0m\n\n\
            \x1b[1mNext Steps:\x1b[0m\n\
            \x20 Enter container: \x1b[0;32mcontainer-run demo\x1b[0m\n\
            \x20 View status:     \x1b[0;32mcontainer-list\x1b[0m\n\
            \x20 Stop container:  \x1b[0;32mcontainer-stop demo\x1b[0m\n\n";
        assert_eq!(text, want);
    }

    #[test]
    fn unset_limits_are_left_out() {
        let l = limits("None", "null", "indefinite");
        let text = start_success("d", &l);
        assert!(!text.contains("Max runtime") && !text.contains("Idle") && !text.contains("hold"));
        assert!(!keep_or_retire("d", &l).contains("auto-stop"));
        assert!(!kept("d", &l).contains("auto-retire"));
    }

    #[test]
    fn menu_quotes_the_limits() {
        let l = limits("0.5", "24", "0.25");
        let text = keep_or_retire("demo", &l);
        assert!(
            text.contains("   - Will auto-stop after \x1b[0;36m0.5h\x1b[0m of GPU inactivity\n")
        );
        assert!(text.ends_with("container-deploy demo\x1b[0m\n\n"));
        assert!(kept("demo", &l).contains("(24h)"));
    }
}
