//! `devcontainer-check [path] [--fix] [--json]` (also `devcontainer
//! check`): looks a devcontainer.json over for use on a ds01 server (base
//! image, GPU request, shutdown action, home mount).  A missing image is
//! an error (exit 1), the rest warnings; `--fix` adds the shutdown action.
//!
//! The original stopped under `set -e` at the first warning (`((n++))`
//! from 0) or missing field (a failed `$(...)`), so only a file that
//! passed everything got the whole report, and it ignored `--json`.  Here
//! every check is reported, the fix can happen, and `--json` prints the
//! results as JSON.

mod json;
mod rules;

use crate::cli::ds01::help;
use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::devcontainer_init::{pyjson, write};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use json::Json;
use rules::{ImageSource, Shutdown};
use serde::Serialize;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The command line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Request {
    target: String,
    fix: bool,
    json: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("devcontainer-check").map_err(|e| Failure::stderr(70, e))?;
    let request = match parse(args) {
        Args::Help => {
            ctx.out(&help(&spec));
            return Ok(0);
        }
        Args::Unknown(option) => return Err(unknown(&option)),
        Args::Run(r) => r,
    };
    let file = locate(&request.target)?;
    let mut doc = read(&file)?;
    let catalog = fs::read(&ctx.settings.mlc_catalog).ok();
    let mut report = check(&file, &doc, catalog.as_deref());
    if request.fix && report.shutdown == Shutdown::NotSet {
        report.fix = Some(fix(&file, &mut doc));
    }
    let text = if request.json {
        json_report(&report)
    } else {
        text_report(&report, request.fix)
    };
    ctx.out(&text);
    Ok(if report.errors() > 0 { 1 } else { 0 })
}

enum Args {
    Help,
    Unknown(String),
    Run(Request),
}

/// The original's loop: a help option ends it, any other `-x` is unknown,
/// the last other word is the path.
fn parse(args: &[String]) -> Args {
    let mut r = Request {
        target: ".".to_string(),
        ..Request::default()
    };
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => return Args::Help,
            "--fix" => r.fix = true,
            "--json" => r.json = true,
            a if a.starts_with('-') => return Args::Unknown(a.to_string()),
            a => r.target = a.to_string(),
        }
    }
    Args::Run(r)
}

fn unknown(option: &str) -> Failure {
    Failure::stdout(
        1,
        format!(
            "{RED}Error:{NC} Unknown option: {option}\nRun 'devcontainer check --help' for usage\n"
        ),
    )
}

/// The file itself, `PATH/.devcontainer/devcontainer.json` or
/// `PATH/devcontainer.json` (regular files, links followed, as `test -f`).
fn locate(target: &str) -> Result<String, Failure> {
    let nested = format!("{target}/.devcontainer/devcontainer.json");
    let flat = format!("{target}/devcontainer.json");
    [target.to_string(), nested.clone(), flat.clone()]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .ok_or_else(|| {
            Failure::stdout(
                1,
                format!(
                    "\n{RED}Error:{NC} No devcontainer.json found\n\nSearched:\n  - {nested}\n  - {flat}\n\nCreate one with: {CYAN}devcontainer init{NC}\n\n"
                ),
            )
        })
}

/// The document, or the original's invalid-JSON message.
fn read(file: &str) -> Result<Json, Failure> {
    fs::read(file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            Failure::stdout(
                1,
                format!(
                    "\n{RED}Error:{NC} Invalid JSON in {file}\n\nValidate with: python3 -m json.tool {file}\n\n"
                ),
            )
        })
}

/// What the checks found.
#[derive(Debug, Clone, PartialEq)]
struct Report {
    file: String,
    /// The image and where it comes from; `None`: not given.
    image: Option<(String, ImageSource)>,
    gpu: bool,
    shutdown: Shutdown,
    /// `--fix` on a missing shutdown action: whether it was added.
    fix: Option<bool>,
    home: bool,
}

impl Report {
    fn errors(&self) -> usize {
        usize::from(self.image.is_none())
    }

    fn warnings(&self) -> usize {
        let image = matches!(self.image, Some((_, ImageSource::Other)));
        let shutdown = self.shutdown != Shutdown::StopContainer;
        [image, shutdown, !self.home].iter().filter(|&&w| w).count()
    }

    fn fixes(&self) -> usize {
        usize::from(self.fix == Some(true))
    }
}

fn check(file: &str, doc: &Json, catalog: Option<&[u8]>) -> Report {
    let image = rules::field_text(doc, "image")
        .filter(|i| !i.is_empty())
        .map(|i| {
            let source = rules::image_source(&i, catalog);
            (i, source)
        });
    Report {
        file: file.to_string(),
        image,
        gpu: rules::requests_gpu(doc),
        shutdown: rules::shutdown(doc),
        fix: None,
        home: rules::mounts_home(doc),
    }
}

/// Add `"shutdownAction": "stopContainer"` and write the file back as
/// `json.dump(indent=2)` did (same permissions, never through a link).
fn fix(file: &str, doc: &mut Json) -> bool {
    if !doc.set("shutdownAction", Json::Str("stopContainer".into())) {
        return false;
    }
    let path = Path::new(file);
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    let text = pyjson::to_string(doc, "  ");
    let mode = meta.permissions().mode() & 0o7777;
    write::replace_file(path, text.as_bytes(), Some(mode)).is_ok()
}

fn text_report(r: &Report, auto_fix: bool) -> String {
    let rule = format!("{CYAN}{}{NC}\n", "━".repeat(47));
    let mut out = format!(
        "\n{rule}{BOLD}DS01 Dev Container Check{NC}\n{rule}\nChecking: {BOLD}{}{NC}\n\n",
        r.file
    );
    out.push_str(&image_lines(r));
    out.push_str(&gpu_lines(r.gpu));
    out.push_str(&shutdown_lines(r));
    out.push_str(&home_lines(r.home));
    out.push_str(&summary_lines(r, auto_fix, &rule));
    out
}

fn image_lines(r: &Report) -> String {
    let text = match &r.image {
        Some((image, ImageSource::Aime)) => format!(
            "{GREEN}✓{NC} Base image: {BOLD}{image}{NC}\n  {DIM}From AIME ML catalog (optimised for DS01){NC}\n"
        ),
        Some((image, ImageSource::Ml)) => format!(
            "{GREEN}✓{NC} Base image: {BOLD}{image}{NC}\n  {DIM}ML framework image (compatible){NC}\n"
        ),
        Some((image, ImageSource::Other)) => format!(
            "{YELLOW}⚠{NC} Base image: {BOLD}{image}{NC}\n  {DIM}Not from AIME catalog - may lack DS01 optimisations{NC}\n  {DIM}Consider using: devcontainer init --framework=pytorch{NC}\n"
        ),
        None => format!(
            "{RED}✗{NC} Base image: Not specified\n  {DIM}Add \"image\": \"<image-name>\" to devcontainer.json{NC}\n"
        ),
    };
    text + "\n"
}

fn gpu_lines(gpu: bool) -> String {
    if gpu {
        format!("{GREEN}✓{NC} GPU access: {BOLD}Enabled{NC}\n  {DIM}Container will use MIG allocation via docker-wrapper{NC}\n\n")
    } else {
        format!("{YELLOW}ℹ{NC} GPU access: {BOLD}Not requested{NC}\n  {DIM}Add runArgs: [\"--gpus\", \"all\"] if GPU needed{NC}\n\n")
    }
}

fn shutdown_lines(r: &Report) -> String {
    let mut out = match &r.shutdown {
        Shutdown::StopContainer => format!(
            "{GREEN}✓{NC} shutdownAction: {BOLD}stopContainer{NC}\n  {DIM}GPU auto-released when VS Code closes{NC}\n"
        ),
        Shutdown::NotSet => format!(
            "{YELLOW}⚠{NC} shutdownAction: {BOLD}Not set{NC}\n  {DIM}Container may persist after VS Code closes{NC}\n  {DIM}This can waste GPU allocation{NC}\n"
        ),
        Shutdown::Other(action) => format!(
            "{YELLOW}⚠{NC} shutdownAction: {BOLD}{action}{NC}\n  {DIM}Recommend: \"stopContainer\" to auto-release GPU{NC}\n"
        ),
    };
    match r.fix {
        Some(true) => out.push_str(&format!(
            "\n  {GREEN}✓{NC} Added shutdownAction: \"stopContainer\"\n"
        )),
        Some(false) => out.push_str(&format!("\n  {RED}✗{NC} Failed to add shutdownAction\n")),
        None => {}
    }
    out + "\n"
}

fn home_lines(home: bool) -> String {
    if home {
        format!("{GREEN}✓{NC} Home directory mount: {BOLD}Configured{NC}\n  {DIM}Workspace files persist between sessions{NC}\n\n")
    } else {
        format!(
            "{YELLOW}⚠{NC} Home directory mount: {BOLD}Not configured{NC}\n  {DIM}Add to mounts: \"source=${{localEnv:HOME}},target=/home/${{localEnv:USER}},type=bind\"{NC}\n  {DIM}Without this, changes outside /workspaces won't persist{NC}\n\n"
        )
    }
}

fn summary_lines(r: &Report, auto_fix: bool, rule: &str) -> String {
    let (errors, warnings, fixes) = (r.errors(), r.warnings(), r.fixes());
    let mut out = rule.to_string();
    let fixed = format!("{GREEN}✓{NC} {fixes} fix(es) applied\n");
    if errors == 0 && warnings == 0 {
        out.push_str(&format!(
            "{GREEN}✓{NC} All checks passed - ready for VS Code\n"
        ));
    } else if errors > 0 {
        out.push_str(&format!(
            "{RED}✗{NC} {errors} error(s), {warnings} warning(s)\n"
        ));
        if fixes > 0 {
            out.push_str(&fixed);
        }
    } else {
        out.push_str(&format!("{YELLOW}⚠{NC} {warnings} warning(s)\n"));
        if fixes > 0 {
            out.push_str(&fixed);
        } else if !auto_fix {
            out.push_str(&format!("{DIM}Run with --fix to auto-fix issues{NC}\n"));
        }
    }
    out.push('\n');
    out
}

/// `--json`: one object, the checks in the text report's order.
#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    passed: bool,
    errors: usize,
    warnings: usize,
    fixes_applied: usize,
    checks: [JsonCheck; 4],
}

#[derive(Serialize)]
struct JsonCheck {
    check: &'static str,
    /// `ok`, `info`, `warning` or `error`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// The image's source: `aime`, `ml` or `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<bool>,
}

impl JsonCheck {
    fn new(check: &'static str, status: &'static str) -> JsonCheck {
        JsonCheck {
            check,
            status,
            value: None,
            source: None,
            fixed: None,
        }
    }
}

fn json_report(r: &Report) -> String {
    let ok_or = |good: bool, bad: &'static str| if good { "ok" } else { bad };
    let image = match &r.image {
        Some((image, source)) => JsonCheck {
            value: Some(image.clone()),
            source: Some(source.word()),
            ..JsonCheck::new("image", ok_or(*source != ImageSource::Other, "warning"))
        },
        None => JsonCheck::new("image", "error"),
    };
    let shutdown = JsonCheck {
        value: match &r.shutdown {
            Shutdown::StopContainer => Some("stopContainer".into()),
            Shutdown::NotSet => None,
            Shutdown::Other(a) => Some(a.clone()),
        },
        fixed: r.fix,
        ..JsonCheck::new(
            "shutdownAction",
            ok_or(r.shutdown == Shutdown::StopContainer, "warning"),
        )
    };
    let report = JsonReport {
        file: &r.file,
        passed: r.errors() == 0 && r.warnings() == 0,
        errors: r.errors(),
        warnings: r.warnings(),
        fixes_applied: r.fixes(),
        checks: [
            image,
            JsonCheck::new("gpu", ok_or(r.gpu, "info")),
            shutdown,
            JsonCheck::new("homeMount", ok_or(r.home, "warning")),
        ],
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
