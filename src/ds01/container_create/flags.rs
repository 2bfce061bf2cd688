//! The command line, read as the original's `while/case` loop read it:
//! options in any order, `--num-gpus=N` or `--num-gpus N`, `-w DIR` and
//! `-d DIR` in the space form only, the first page option reached wins,
//! any other word starting with `-` (even `-` alone) is unknown, and up to
//! two positionals (an empty one fills nothing).

use super::pages;
use crate::error::Failure;
use crate::ui::ds01::{NC, RED};

/// What the command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// The container name as typed (empty: the wizard asks).
    pub name: String,
    /// The second positional: an image or a framework (empty: none).
    pub image: String,
    pub guided: bool,
    pub cpu_only: bool,
    /// `-w`; empty means `~/workspace/<name>`.
    pub workspace: String,
    /// `-d`; empty means none.
    pub data: String,
    pub dry_run: bool,
    /// `--num-gpus` exactly as given, when given (validated later, and
    /// only for a GPU container, as the original did).
    pub num_gpus: Option<String>,
    pub prefer_full: bool,
}

/// A page to show (exit 0), or the create to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Help,
    Info,
    Concepts,
    Run(Flags),
}

/// Read `args`; a refusal is the failure to report (exit 1).
pub fn parse(args: &[String]) -> Result<Parsed, Failure> {
    let mut f = Flags::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--guided" => f.guided = true,
            "--cpu-only" => f.cpu_only = true,
            "--dry-run" => f.dry_run = true,
            "--prefer-full" => f.prefer_full = true,
            "-w" | "--workspace" => f.workspace = value(arg, rest.next())?,
            "-d" | "--data" => f.data = value(arg, rest.next())?,
            "--num-gpus" => f.num_gpus = Some(value(arg, rest.next())?),
            "-h" | "--help" => return Ok(Parsed::Help),
            "--info" => return Ok(Parsed::Info),
            "--concepts" => return Ok(Parsed::Concepts),
            a => {
                if let Some(n) = a.strip_prefix("--num-gpus=") {
                    f.num_gpus = Some(n.to_string());
                } else if a.starts_with('-') {
                    return Err(pages::refusal(&format!("✗ Unknown option: {a}")));
                } else {
                    positional(&mut f, a)?;
                }
            }
        }
    }
    Ok(Parsed::Run(f))
}

/// The value after an option.  (The original's `shift 2` past the end
/// ended the script silently under `set -e`; ds01 says what is missing.)
fn value(option: &str, next: Option<&String>) -> Result<String, Failure> {
    next.cloned().ok_or_else(|| {
        let help = pages::help().unwrap_or_default();
        Failure::stdout(1, format!("{RED}✗ {option} needs a value{NC}\n{help}"))
    })
}

fn positional(f: &mut Flags, word: &str) -> Result<(), Failure> {
    if f.name.is_empty() {
        f.name = word.to_string();
    } else if f.image.is_empty() {
        f.image = word.to_string();
    } else {
        return Err(pages::refusal("✗ Too many arguments"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &[&str]) -> Result<Parsed, Failure> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn flags(a: &[&str]) -> Flags {
        match run(a) {
            Ok(Parsed::Run(f)) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn both_num_gpus_forms_and_positionals() {
        let f = flags(&["demo", "--num-gpus=abc", "img", "-w", "/x"]);
        assert_eq!(f.name, "demo");
        assert_eq!(f.image, "img");
        assert_eq!(f.num_gpus.as_deref(), Some("abc"));
        assert_eq!(f.workspace, "/x");
        assert_eq!(flags(&["--num-gpus", "0"]).num_gpus.as_deref(), Some("0"));
        // An empty positional fills nothing, as `[ -z "$NAME" ]` saw it.
        assert_eq!(flags(&["", "demo"]).name, "demo");
    }

    #[test]
    fn first_page_or_refusal_wins() {
        assert_eq!(run(&["--info", "--bogus"]), Ok(Parsed::Info));
        let refused = run(&["--bogus", "--info"]).expect_err("unknown first");
        assert!(refused
            .stdout
            .starts_with("\x1b[0;31m✗ Unknown option: --bogus\x1b[0m\n\n\n"));
        assert_eq!(refused.code, 1);
        assert!(run(&["--gpu", "1"]).is_err());
        assert!(run(&["--workspace=/x"]).is_err());
        assert!(run(&["-"]).is_err());
        let many = run(&["a", "b", "c"]).expect_err("too many");
        assert!(many
            .stdout
            .starts_with("\x1b[0;31m✗ Too many arguments\x1b[0m\n\n\n"));
        assert!(run(&["demo", "-w"]).is_err());
    }
}
