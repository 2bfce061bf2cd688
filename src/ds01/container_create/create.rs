//! The create itself: the workspace directory, the summary, the dry run,
//! and DS01's mlc-create run in this process with the arguments the
//! original passed to `mlc-create-wrapper.sh`.

use super::pages;
use super::plan::Source;
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{self as term, BOLD, CYAN, GREEN, NC, YELLOW};

/// The wrapper as the original named it (in the dry run's command line).
const WRAPPER: &str = "/opt/ds01-infra/scripts/docker/mlc-create-wrapper.sh";

/// Everything the create needs, decided.
pub struct Request {
    pub name: String,
    pub source: Source,
    pub workspace: String,
    pub data: String,
    pub cpu_only: bool,
    /// GPUs asked for (1 for a CPU-only container, which gets none).
    pub gpus: u64,
    pub prefer_full: bool,
    pub guided: bool,
    pub dry_run: bool,
}

/// Make the workspace directory unless it exists (not in a dry run).
pub fn workspace(ctx: &mut Ctx, r: &Request) -> Result<(), Failure> {
    if r.dry_run || std::path::Path::new(&r.workspace).is_dir() {
        return Ok(());
    }
    if r.guided {
        ctx.out(&pages::guided_workspace(&r.workspace));
    }
    if let Err(e) = std::fs::create_dir_all(&r.workspace) {
        return Err(Failure::stderr(
            1,
            format!(
                "mkdir: cannot create directory ‘{}’: {}\n",
                r.workspace,
                os_reason(&e)
            ),
        ));
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Workspace directory created: {}\n\n",
        r.workspace
    ));
    Ok(())
}

/// The system's words for an error, without Rust's `(os error N)`.
fn os_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The summary before the create.
pub fn summary(ctx: &mut Ctx, r: &Request) {
    let mut text = format!(
        "\n{BOLD}Name:{NC}       {}\n{BOLD}Framework:{NC}  {}\n",
        r.name, r.source.framework
    );
    if !r.source.image.is_empty() {
        text.push_str(&format!("{BOLD}Image:{NC}      {}\n", r.source.image));
    }
    text.push_str(&format!("{BOLD}Workspace:{NC}  {}\n", r.workspace));
    let gpu = if r.cpu_only {
        format!("{YELLOW}CPU only{NC}")
    } else if r.gpus > 1 {
        format!("{GREEN}{} GPUs{NC}", r.gpus)
    } else {
        format!("{GREEN}Enabled (1 GPU){NC}")
    };
    text.push_str(&format!("{BOLD}GPU:{NC}        {gpu}\n\n"));
    ctx.out(&text);
}

/// `--dry-run`: the wrapper's command line as the original showed it.
pub fn dry_run(ctx: &mut Ctx, r: &Request) {
    let mut text = format!(
        "{YELLOW}[DRY RUN] Would create container with mlc-create-wrapper{NC}\n\n\
         Command that would be executed:\n\
         \x20 {CYAN}bash {WRAPPER} {} {} -w=\"{}\"{NC}\n",
        r.name, r.source.framework, r.workspace
    );
    if r.cpu_only {
        text.push_str(&format!("  {CYAN}--cpu-only{NC}\n"));
    }
    text.push('\n');
    ctx.out(&text);
}

/// mlc-create's arguments, as the original passed them to the wrapper.
pub fn wrapper_args(r: &Request) -> Vec<String> {
    let mut args = vec![
        r.name.clone(),
        r.source.framework.clone(),
        format!("-w={}", r.workspace),
    ];
    if !r.data.is_empty() {
        args.push(format!("-d={}", r.data));
    }
    if r.cpu_only {
        args.push("--cpu-only".into());
    }
    if !r.source.image.is_empty() {
        args.push(format!("--image={}", r.source.image));
    }
    if !r.cpu_only && r.gpus > 1 {
        args.push(format!("--num-gpus={}", r.gpus));
    }
    if r.prefer_full {
        args.push("--prefer-full".into());
    }
    args
}

/// Run mlc-create in this process for the caller `uid`; its failure (and
/// exit code) passed on.
pub fn make(ctx: &mut Ctx, uid: u32, r: &Request) -> Result<(), Failure> {
    if r.guided {
        ctx.out(&pages::guided_next(&r.source.framework));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    ctx.out(&format!(
        "{CYAN}Creating container via mlc-create-wrapper...{NC}\n"
    ));
    match crate::ds01::mlc_create::main(ctx, &wrapper_args(r))? {
        // A name typed as `--help` makes mlc-create show its usage and
        // exit 0: success only for a container that exists.
        0 if super::existing::exists(ctx, uid, &r.name) => {
            created(ctx, r);
            Ok(())
        }
        0 => Err(Failure::exit(1)),
        // mlc-create said what went wrong; its code is ours.
        code => Err(Failure::exit(code)),
    }
}

/// The success banner and next steps; one line under an orchestrator.
fn created(ctx: &mut Ctx, r: &Request) {
    if ctx.mode.silenced() {
        ctx.out(&format!("{GREEN}✓{NC} Container created\n"));
        return;
    }
    let rule = format!("{CYAN}{}{NC}", "━".repeat(47));
    ctx.out(&format!(
        "\n{rule}\n{GREEN}{BOLD}✓ Container Created Successfully!{NC}\n{rule}\n"
    ));
    if r.guided {
        ctx.out(&pages::guided_done(&r.name));
        return;
    }
    let n = &r.name;
    ctx.out(&format!(
        "{BOLD}Next steps:{NC}\n\
         \x20 • Start container: {GREEN}container-start {n}{NC}\n\
         \x20 • Run container (enter): {GREEN}container-run {n}{NC}\n\
         \x20 • View containers: {GREEN}container-list{NC}\n\
         \x20 • Check resources: {GREEN}container-stats{NC}\n\n"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            name: "demo".into(),
            source: Source {
                framework: "Pytorch".into(),
                image: "ds01-2001/demo:latest".into(),
            },
            workspace: "/home/alice/workspace/demo".into(),
            data: String::new(),
            cpu_only: false,
            gpus: 2,
            prefer_full: false,
            guided: false,
            dry_run: false,
        }
    }

    #[test]
    fn the_wrapper_gets_the_original_arguments() {
        let mut r = request();
        assert_eq!(
            wrapper_args(&r),
            [
                "demo",
                "Pytorch",
                "-w=/home/alice/workspace/demo",
                "--image=ds01-2001/demo:latest",
                "--num-gpus=2"
            ]
        );
        r.cpu_only = true;
        r.data = "/data".into();
        assert_eq!(
            wrapper_args(&r)[3..],
            ["-d=/data", "--cpu-only", "--image=ds01-2001/demo:latest"]
        );
    }
}
