//! `devcontainer-init`'s command line, read as the original's loop read
//! it (the option names and their order are in
//! `spec/ds01/devcontainer_init.yaml`): long options take their value only
//! attached (`--framework=NAME`; a bare `--framework` is unknown), `-p`
//! and `-s` take the next word, the first other word is the project, later
//! ones are dropped, and a page option ends the loop where it stands.

use crate::cli::ds01::{help, spec_page};
use crate::cli::spec::ToolSpec;
use crate::error::Failure;
use crate::ui::ds01::{NC, RED};

/// The GPU the dev container asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuMode {
    None,
    /// A MIG slice: the default, and the one answer the menu asks about.
    Mig,
    Full,
}

/// The command line.  Empty text means "not given", as the original's
/// `[ -z "$X" ]` tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub project: String,
    pub framework: String,
    pub gpu: GpuMode,
    pub extensions: String,
    pub requirements: String,
    /// `-p`: more pip packages, space-separated.
    pub packages: String,
    /// `-s`: apt packages, space-separated.
    pub system: String,
    pub output: String,
    pub guided: bool,
    pub quick: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            project: String::new(),
            framework: String::new(),
            gpu: GpuMode::Mig,
            extensions: String::new(),
            requirements: String::new(),
            packages: String::new(),
            system: String::new(),
            output: String::new(),
            guided: false,
            quick: false,
        }
    }
}

/// What the command line asks for: a page, or the request.
pub type Parsed = crate::cli::ds01::Parsed<Request>;

/// Parse `args`; a refusal carries what to print and the exit code.
pub fn parse(spec: &ToolSpec, args: &[String]) -> Result<Parsed, Failure> {
    let mut r = Request::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        // `-p` as the last word: the original's second `shift` failed
        // under `set -e`, ending it silently.
        let mut next = || rest.next().cloned().ok_or_else(|| Failure::exit(1));
        match arg.as_str() {
            "--guided" => r.guided = true,
            "--quick" => r.quick = true,
            "--no-gpu" => r.gpu = GpuMode::None,
            "--full-gpu" => r.gpu = GpuMode::Full,
            "-p" => r.packages = next()?,
            "-s" => r.system = next()?,
            "-h" | "--help" => return Ok(Parsed::Help(help(spec))),
            "--info" | "--concepts" => return Ok(Parsed::Help(spec_page(spec, &arg[2..]))),
            a => {
                if let Some((name, value)) = attached(a) {
                    store(&mut r, name, value);
                } else if a.starts_with('-') {
                    return Err(unknown(spec, a));
                } else if r.project.is_empty() {
                    r.project = a.to_string();
                }
            }
        }
    }
    Ok(Parsed::Run(r))
}

/// `--NAME=VALUE` of an option that takes its value attached.
fn attached(arg: &str) -> Option<(&str, &str)> {
    const NAMES: [&str; 6] = [
        "--framework",
        "--extensions",
        "--requirements",
        "--packages",
        "--system",
        "--output",
    ];
    let (name, value) = arg.split_once('=')?;
    NAMES.contains(&name).then_some((name, value))
}

fn store(r: &mut Request, name: &str, value: &str) {
    let field = match name {
        "--framework" => &mut r.framework,
        "--extensions" => &mut r.extensions,
        "--requirements" => &mut r.requirements,
        "--packages" => &mut r.packages,
        "--system" => &mut r.system,
        _ => &mut r.output,
    };
    *field = value.to_string();
}

/// `Unknown option: X` in red (no `✗`, as this original wrote it), then
/// the help; exit 1.
fn unknown(spec: &ToolSpec, arg: &str) -> Failure {
    Failure::stdout(1, format!("{RED}Unknown option: {arg}{NC}\n{}", help(spec)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ToolSpec {
        crate::cli::spec::tool("devcontainer-init").expect("spec")
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn run(a: &[&str]) -> Request {
        match parse(&spec(), &args(a)) {
            Ok(Parsed::Run(r)) => r,
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn options_as_the_original_read_them() {
        let r = run(&[
            "My Proj",
            "other",
            "--framework=jax",
            "--full-gpu",
            "-p",
            "wandb optuna",
            "--system=ffmpeg",
            "--extensions=a,b",
            "--requirements=req.txt",
            "--output=~/x.json",
            "--quick",
        ]);
        assert_eq!(r.project, "My Proj");
        assert_eq!((r.framework.as_str(), r.gpu), ("jax", GpuMode::Full));
        assert_eq!(
            (r.packages.as_str(), r.system.as_str()),
            ("wandb optuna", "ffmpeg")
        );
        assert_eq!(
            (r.extensions.as_str(), r.requirements.as_str()),
            ("a,b", "req.txt")
        );
        assert_eq!(r.output, "~/x.json");
        assert!(r.quick && !r.guided);
        assert_eq!(run(&["--no-gpu", "--packages=x"]).gpu, GpuMode::None);
        assert_eq!(run(&[]).gpu, GpuMode::Mig);
    }

    #[test]
    fn refusals_and_pages() {
        // The value only attached: the bare option is unknown.
        let e = parse(&spec(), &args(&["--framework", "jax"])).expect_err("refused");
        assert_eq!(e.code, 1);
        assert!(e
            .stdout
            .starts_with("\x1b[0;31mUnknown option: --framework\x1b[0m\n\n"));
        assert!(e
            .stdout
            .contains("\x1b[0;36mUsage:\x1b[0m\n  devcontainer init [project-name] [options]\n\n"));
        assert_eq!(
            parse(&spec(), &args(&["-p"])).expect_err("silent"),
            Failure::exit(1)
        );
        let Ok(Parsed::Help(info)) = parse(&spec(), &args(&["--info", "--bogus"])) else {
            panic!("info page");
        };
        assert!(info.contains("ds01: devcontainer init, the full reference"));
        let Ok(Parsed::Help(concepts)) = parse(&spec(), &args(&["--concepts"])) else {
            panic!("concepts page");
        };
        assert!(concepts.contains("what a dev container is"));
    }

    #[test]
    fn help_lists_the_options_in_the_original_order() {
        let page = help(&spec());
        let order = [
            "--framework=NAME",
            "--no-gpu",
            "--full-gpu",
            "--extensions=LIST",
            "--requirements=FILE",
            "-p, --packages=LIST",
            "-s, --system=LIST",
            "--output=PATH",
            "--guided",
            "--quick",
            "-h, --help",
            "--info",
            "--concepts",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|o| page.find(&format!("\n  {o} ")).expect(o))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{page}");
    }
}
