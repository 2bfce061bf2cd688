//! `image-create`'s command line, parsed as the original's loop parsed it
//! (the option names and their order are in `spec/ds01/image_create.yaml`),
//! and its pages: `-h`/`--help`, `--info` (the help and every option by
//! purpose) and `--concepts`, in ds01's words.

use crate::cli::ds01::help;
use crate::cli::spec::ToolSpec;
use crate::error::Failure;
use crate::ui::ds01::{expand, NC, RED};

/// The command line.  Empty text means "not given", as the original's
/// `[ -z "$X" ]` tests read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub name: String,
    pub framework: String,
    pub usecase: String,
    /// `-p`: more pip packages, space-separated.
    pub packages: String,
    /// `-s`: apt packages, space-separated.
    pub system: String,
    /// `-r`: a requirements file.
    pub requirements: String,
    /// `--dockerfile`: build this file instead of writing one.
    pub dockerfile: String,
    pub project_dockerfile: bool,
    pub no_build: bool,
    pub guided: bool,
}

/// What the command line asks for: a page, or the request.
pub type Parsed = crate::cli::ds01::Parsed<Request>;

/// Parse `args`; a refusal carries the message and the help page.
pub fn parse(spec: &ToolSpec, args: &[String]) -> Result<Parsed, Failure> {
    let mut r = Request::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |option: &str| {
            rest.next().cloned().ok_or_else(|| {
                Failure::stdout(1, format!("{RED}Error: {option} needs a value{NC}\n"))
            })
        };
        match arg.as_str() {
            "-f" | "--framework" => r.framework = value(arg)?,
            "-t" | "--type" => r.usecase = value(arg)?,
            "-p" | "--packages" => r.packages = value(arg)?,
            "-s" | "--system" => r.system = value(arg)?,
            "-r" | "--requirements" => r.requirements = value(arg)?,
            "--dockerfile" => r.dockerfile = value(arg)?,
            "--project-dockerfile" => r.project_dockerfile = true,
            "--no-build" => r.no_build = true,
            "--guided" => r.guided = true,
            "-h" | "--help" => return Ok(Parsed::Help(help(spec))),
            "--info" => return Ok(Parsed::Help(info(spec))),
            "--concepts" => return Ok(Parsed::Help(expand(CONCEPTS))),
            a if a.starts_with("--type=") => r.usecase = a["--type=".len()..].to_string(),
            a if a.starts_with("--dockerfile=") => {
                r.dockerfile = a["--dockerfile=".len()..].to_string()
            }
            a if a.starts_with('-') => return Err(refused(spec, &format!("Unknown option: {a}"))),
            a if r.name.is_empty() => r.name = a.to_string(),
            _ => return Err(refused(spec, "Multiple image names specified")),
        }
    }
    Ok(Parsed::Run(r))
}

/// The message in red, a blank line, the help page; exit 1.
fn refused(spec: &ToolSpec, message: &str) -> Failure {
    Failure::stdout(1, format!("{RED}{message}{NC}\n\n{}", help(spec)))
}

/// `--info`: the help page, then every option again, grouped by what it
/// is for (the original's order).
pub fn info(spec: &ToolSpec) -> String {
    let groups: [(&str, &[&str]); 3] = [
        ("The base image", &["-f", "-t"]),
        ("What gets installed", &["-r", "-p", "-s"]),
        (
            "The Dockerfile and the build",
            &["--no-build", "--dockerfile", "--project-dockerfile"],
        ),
    ];
    let mut page = help(spec);
    page.push_str(&expand("{CYAN}Every option, by purpose{NC}\n\n"));
    for (title, names) in groups {
        page.push_str(&expand(&format!("{{BOLD}}{title}:{{NC}}\n")));
        for name in names {
            let Some(o) = crate::cli::ds01::find(spec, name) else {
                continue;
            };
            let mut invocation = o.names.join(", ");
            if let Some(m) = &o.metavar {
                invocation = format!("{invocation} {m}");
            }
            page.push_str(&format!("  {invocation:<28}  {}\n", o.help));
        }
        page.push('\n');
    }
    page
}

const CONCEPTS: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Images, Dockerfiles and containers on ds01{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}The three pieces{NC}
  • {CYAN}Dockerfile{NC}: a text file listing how to make your software
    environment (~/workspace/NAME/Dockerfile)
  • {CYAN}Image{NC}: that environment, built once and stored by Docker as
    ds01-UID/NAME:latest
  • {CYAN}Container{NC}: a running copy of an image, where you work
  Your files live in ~/workspace, outside any container: removing or
  rebuilding a container never touches them.

{CYAN}────────────────────────────────────────────────{NC}

{BOLD}What image-create puts in an image{NC}
  1. A base image for your framework and this server's GPUs
     (PyTorch unless you need TensorFlow or JAX)
  2. Jupyter Lab and the data-science essentials, if you want them
  3. The packages of a use case (cv, nlp, rl, ...) or of your
     requirements.txt
  4. Anything else you name, from pip or apt

{CYAN}────────────────────────────────────────────────{NC}

{BOLD}Creating versus updating{NC}
  • {GREEN}image-create{NC} writes a new Dockerfile and builds it
  • {GREEN}image-update{NC} changes an existing image and rebuilds it

{BOLD}Try it{NC}
  {GREEN}image-create{NC}            answers a few questions
  {GREEN}image-create --guided{NC}   explains each step on the way

";

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ToolSpec {
        crate::cli::spec::tool("image-create").expect("spec")
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_as_the_original_read_them() {
        let Ok(Parsed::Run(r)) = parse(
            &spec(),
            &args(&[
                "demo",
                "-f",
                "pytorch",
                "--type=cv",
                "-p",
                "a b",
                "--dockerfile=/x",
                "--no-build",
            ]),
        ) else {
            panic!("parsed");
        };
        assert_eq!(
            (r.name.as_str(), r.framework.as_str(), r.usecase.as_str()),
            ("demo", "pytorch", "cv")
        );
        assert_eq!((r.packages.as_str(), r.dockerfile.as_str()), ("a b", "/x"));
        assert!(r.no_build && !r.guided);
    }

    #[test]
    fn refusals_and_pages() {
        let e = parse(&spec(), &args(&["--bogus-flag"])).unwrap_err();
        assert_eq!(e.code, 1);
        assert!(e
            .stdout
            .starts_with("\x1b[0;31mUnknown option: --bogus-flag\x1b[0m\n\n\n"));
        assert!(e
            .stdout
            .contains("\x1b[0;36mUsage:\x1b[0m\n  image-create [image-name] [options]\n\n"));
        let e = parse(&spec(), &args(&["a", "b"])).unwrap_err();
        assert!(e
            .stdout
            .starts_with("\x1b[0;31mMultiple image names specified\x1b[0m\n\n"));
        // `--framework=X` was never a form the original knew.
        assert!(parse(&spec(), &args(&["--framework=x"])).is_err());
        let Ok(Parsed::Help(page)) = parse(&spec(), &args(&["--info"])) else {
            panic!("page");
        };
        let flags: Vec<&str> = page
            .lines()
            .filter_map(|l| l.strip_prefix("  -"))
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(
            flags,
            [
                "f,",
                "t,",
                "p,",
                "s,",
                "r,",
                "-dockerfile",
                "-project-dockerfile",
                "-no-build",
                "-guided",
                "h,",
                "f,",
                "t,",
                "r,",
                "p,",
                "s,",
                "-no-build",
                "-dockerfile",
                "-project-dockerfile"
            ]
        );
    }
}
