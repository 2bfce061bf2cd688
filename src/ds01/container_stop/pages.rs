//! container-stop's own pages (`--info`, `--concepts`) and its guided
//! explanations, in ds01's words.  The `--info` page keeps the original's
//! synopsis and lists every option, the two page flags included.

use crate::cli::ds01 as parse;
use crate::cli::spec::ToolSpec;
use crate::ui::ds01::expand;

/// The page of `flag` (`--info` or `--concepts`).
pub(super) fn page(spec: &ToolSpec, flag: &str) -> String {
    match flag {
        "--concepts" => expand(CONCEPTS),
        _ => reference(spec),
    }
}

/// `--info`: every option (the hidden page flags too) and the details.
fn reference(spec: &ToolSpec) -> String {
    let mut full = spec.clone();
    full.title = "ds01: stopping a container (full reference)".into();
    full.help_usage = "{BOLD}Usage:{NC}\n  container-stop [name] [options]\n  \
                       container-stop                  # Interactive selection\n"
        .into();
    for option in &mut full.options {
        option.hidden = false;
    }
    full.description = REFERENCE.into();
    parse::help(&full)
}

const REFERENCE: &str = "\
Every process in the container is ended: first with SIGTERM, and after
the timeout (-t, 10 seconds unless you say otherwise) with SIGKILL.
Jupyter kernels, training runs and SSH sessions inside end with it.
What stays: the files in your workspace (always), the container itself
(container-run starts it again), and its GPU for your hold time.
Afterwards: container-run NAME to go on, container-remove NAME or
container-retire NAME to free the GPU at once, container-list to see
where things stand.  Leaving a shell with exit does not stop anything.";

const CONCEPTS: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}ds01: stop, exit and retire{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

  {GREEN}exit{NC} (in the container's shell)
    Ends your shell only.  Jobs you started go on running.

  {YELLOW}container-stop{NC}
    Ends every process in the container.  The container stays on
    disk, so container-run can start it again; its GPU stays reserved
    for a while, then goes back to the pool.

  {RED}container-retire{NC}
    Stops and removes the container: its GPU is free at once.

  Your workspace files survive all three.

  {GREEN}container-stop{NC}             pick a running container
  {GREEN}container-stop my-project{NC}  stop that one

";

/// `--guided` without a name: what stopping means, with the caller's
/// limits (`None`: not set).
pub(super) fn guided_intro(
    gpu_hold: Option<&str>,
    idle: Option<&str>,
    runtime: Option<&str>,
) -> String {
    let hold = match gpu_hold {
        Some(h) => format!(
            "  • Your GPU stays reserved for {{CYAN}}{h}{{NC}} after the stop; start the\n    \
             container again within that time and it is still yours\n"
        ),
        None => "  • Your GPU stays reserved until the container is removed\n".to_string(),
    };
    let idle = match idle {
        Some(i) => {
            format!("  • Idle containers are stopped after {{CYAN}}{i}{{NC}} without GPU use\n")
        }
        None => "  • Idle containers are not stopped automatically\n".to_string(),
    };
    let runtime = runtime
        .map(|r| format!("  • A container runs at most {{CYAN}}{r}{{NC}}\n"))
        .unwrap_or_default();
    expand(&format!(
        "{{CYAN}}ℹ {{NC}}{{BOLD}}Stopping, step by step{{NC}}\n  \
         Stopping ends the processes in a container.  Your workspace files,\n  \
         the container's settings and what you changed inside it are kept;\n  \
         {{GREEN}}container-run{{NC}} starts it again.\n\n\
         {{CYAN}}ℹ {{NC}}{{BOLD}}Your GPU after the stop:{{NC}}\n{hold}  \
         • {{GREEN}}container-remove{{NC}} frees it at once\n\n\
         {{CYAN}}ℹ {{NC}}{{BOLD}}Your limits:{{NC}}\n{idle}{runtime}\n"
    ))
}

/// `--guided`: why there are processes to worry about.
pub(super) const GUIDED_PROCESSES: &str =
    "{CYAN}ℹ {NC}Something still runs in there (a training job, a notebook, ...).\n  \
It ends with the container.\n";

/// `--guided`, before a forced stop.
pub(super) const GUIDED_FORCE: &str =
    "{CYAN}ℹ {NC}SIGKILL ends every process at once: nothing gets to save or clean up.\n";

/// `--guided`, before a graceful stop.
pub(super) const GUIDED_GRACEFUL: &str =
    "{CYAN}ℹ {NC}SIGTERM asks every process to finish: they can save their state first.\n";
