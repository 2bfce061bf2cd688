//! project-init's command line, read as the original's `for arg in "$@"`
//! loop read it: `--type=` and `--desc=` take their value attached only,
//! the first word that is not an option is the name (later ones are
//! ignored), a help option or an unknown option ends the loop where it
//! stands.  The option names and pages are in `spec/ds01/project_init.yaml`.

use crate::cli::ds01::{help, spec_page};
use crate::cli::spec::ToolSpec;
use crate::error::Failure;
use crate::ui::ds01::{NC, RED};

/// What the command line asks for.  Empty text means "not given", as the
/// original's `[ -n "$X" ]` tests read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub kind: String,
    pub desc: String,
    pub guided: bool,
    pub quick: bool,
    pub no_git: bool,
    pub blank: bool,
}

/// A page to print (exit 0), or the run.
pub type Parsed = crate::cli::ds01::Parsed<Request>;

/// Parse `args`; a refusal carries what the original printed and exit 1.
pub fn parse(spec: &ToolSpec, args: &[String]) -> Result<Parsed, Failure> {
    let mut r = Request::default();
    for arg in args {
        match arg.as_str() {
            "--guided" => r.guided = true,
            "--quick" => r.quick = true,
            "--no-git" => r.no_git = true,
            "--blank" => r.blank = true,
            "-h" | "--help" => return Ok(Parsed::Help(help(spec))),
            "--info" | "--concepts" => return Ok(Parsed::Help(spec_page(spec, &arg[2..]))),
            a if a.starts_with("--type=") => r.kind = a["--type=".len()..].to_string(),
            a if a.starts_with("--desc=") => r.desc = a["--desc=".len()..].to_string(),
            a if a.starts_with('-') => {
                return Err(Failure::stdout(
                    1,
                    format!("{RED}Unknown option: {a}{NC}\n{}", help(spec)),
                ))
            }
            a if r.name.is_empty() => r.name = a.to_string(),
            _ => {}
        }
    }
    if r.quick && r.name.is_empty() {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}Error: --quick requires a project name{NC}\n  Usage: project init my-project --quick\n"
            ),
        ));
    }
    Ok(Parsed::Run(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ToolSpec {
        crate::cli::spec::tool("project-init").expect("spec")
    }

    fn run(args: &[&str]) -> Result<Parsed, Failure> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&spec(), &args)
    }

    #[test]
    fn values_attached_and_first_name_wins() {
        let Ok(Parsed::Run(r)) = run(&["a", "--type=cv", "b", "--desc=x y", "--no-git"]) else {
            panic!("run");
        };
        assert_eq!((r.name.as_str(), r.kind.as_str()), ("a", "cv"));
        assert_eq!(r.desc, "x y");
        assert!(r.no_git && !r.quick);
    }

    #[test]
    fn refusals_and_pages() {
        let refused = run(&["--type", "cv"]).expect_err("--type needs =");
        assert!(refused
            .stdout
            .starts_with("\x1b[0;31mUnknown option: --type\x1b[0m\n\n"));
        assert_eq!(refused.code, 1);
        let quick = run(&["--quick"]).expect_err("no name");
        assert!(quick.stdout.contains("--quick requires a project name"));
        assert!(matches!(run(&["--quick", "-h"]), Ok(Parsed::Help(_))));
        assert!(run(&["--bogus", "-h"]).is_err());
        let Ok(Parsed::Help(info)) = run(&["--info"]) else {
            panic!("info");
        };
        assert!(
            info.contains("\x1b[0;36mUsage:\x1b[0m\n  project init [project-name] [options]\n\n")
        );
    }
}
