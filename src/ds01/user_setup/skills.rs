//! The quick experience check (the original's `skill-assessment.sh`):
//! three yes/no questions, each line rewritten in place with its answer.

use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{self as term, expand, GREEN, NC, RED};

/// Where the user said they are comfortable (the original's level 2;
/// otherwise level 0, a beginner who gets the explanations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Skills {
    pub remote: bool,
    pub git: bool,
    pub hpc: bool,
}

impl Skills {
    /// `--quick`: comfortable with everything.
    pub(super) fn expert() -> Skills {
        Skills {
            remote: true,
            git: true,
            hpc: true,
        }
    }
}

/// Ask the three questions.
pub(super) fn ask(ctx: &mut Ctx) -> Result<Skills, Failure> {
    ctx.out(&expand(
        "{BOLD}Quick Experience Check{NC}\n{DIM}We'll tailor the setup based on your experience.{NC}\n\n",
    ));
    let remote = ask_one(ctx, "Remote servers (SSH, VS Code Remote)")?;
    let git = ask_one(ctx, "Version control (Git)")?;
    let hpc = ask_one(ctx, "Containerized ML/HPC (Docker, GPUs)")?;
    ctx.out("\n");
    Ok(Skills { remote, git, hpc })
}

/// One question on stdout, the answer from the terminal (an answer
/// starting with y or Y is yes), then the line replaced by the result.
fn ask_one(ctx: &mut Ctx, area: &str) -> Result<bool, Failure> {
    ctx.out(&format!("  [ ] {area} - comfortable? [y/N]: "));
    let answer = term::ask(ctx, "")?;
    let yes = answer
        .trim_start_matches([' ', '\t'])
        .starts_with(['y', 'Y']);
    ctx.out(&result_line(area, yes));
    Ok(yes)
}

/// Cursor up one line, clear it, and the answered line.
fn result_line(area: &str, yes: bool) -> String {
    let (colour, mark) = if yes { (GREEN, '✓') } else { (RED, '✗') };
    format!("\x1b[1A\x1b[2K  {colour}[{mark}] {area}{NC}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Env, Prompter};
    use crate::identity::Identity;

    #[test]
    fn answers_rewrite_their_lines() {
        let caller = Identity {
            uid: 1000,
            gid: 1000,
            login: "bob".into(),
            home: "/home/bob".into(),
        };
        let mut c = Ctx::new(caller, Env::default());
        c.prompter = Prompter::Scripted(["yes", "n", " Y"].iter().map(|s| s.to_string()).collect());
        let (skills, got) = c.capture(ask);
        assert_eq!(
            skills,
            Ok(Skills {
                remote: true,
                git: false,
                hpc: true
            })
        );
        assert!(got.stdout.contains(
            "  [ ] Version control (Git) - comfortable? [y/N]: \x1b[1A\x1b[2K  \x1b[0;31m[✗] Version control (Git)\x1b[0m\n"
        ));
    }
}
