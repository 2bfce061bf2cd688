//! `container-list [--guided] [-a|--all] [-d|--detailed] [--format X]
//! [--json]`: the caller's containers (reference §3.7).  Read only.
//!
//! Differences from the original, on purpose: only containers tagged with
//! exactly the caller's uid are listed (see [`mine`]); a paused container
//! says `● Paused` and counts as paused, not running (§12.15).  `--json`
//! (ds01's own) prints the same containers as a JSON array ([`json`]).

pub mod json;
pub mod mine;
mod render;

use crate::cli::ds01 as parse;
use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01 as term;
use mine::Mine;
use std::path::Path;

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("container-list").map_err(|e| Failure::stderr(70, e))?;
    if let Some(word) = stray_word(&spec, args) {
        return Err(Failure::stdout(
            1,
            format!("{}{}", term::unknown_option(word), parse::help(&spec)),
        ));
    }
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    let (all, guided) = (m.flag("all"), m.flag("guided"));
    let engine = ctx.engine()?;
    let mine = mine::containers(&engine, ctx.caller.uid)?;
    let count = |state: &str| mine.iter().filter(|c| c.state == state).count();
    let (running, paused) = (count("running"), count("paused"));
    let shown: Vec<Mine> = mine
        .into_iter()
        .filter(|c| all || c.state == "running")
        .collect();
    let plain = !m.flag("json") && !m.flag("detailed");
    let entries = mine::inspected(&engine, shown, plain)?;
    let page = if m.flag("json") {
        let login = ctx.caller.login.clone();
        json::document(
            entries
                .iter()
                .map(|(m, record)| json::container(&login, m, record))
                .collect(),
        )
    } else if m.flag("detailed") {
        let home = ctx.caller.home.clone();
        render::detailed(&entries, &|name| info_created(&home, name))
    } else {
        render::Simple {
            entries: &entries,
            all,
            guided,
            running,
            paused,
        }
        .page()
    };
    ctx.out(&page);
    Ok(0)
}

/// The first word that is not an option, when the original's loop met it
/// before any help option or unknown option (it said `✗ Unknown option:`
/// for it too).  `--format` takes the word after it.
fn stray_word<'a>(spec: &ToolSpec, args: &'a [String]) -> Option<&'a str> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let known = crate::cli::ds01::find(spec, arg);
        match known {
            Some(o) if o.action != spec::Action::Store => return None,
            Some(o) if o.takes_value() => {
                rest.next();
            }
            Some(_) => {}
            None if arg.starts_with('-') => return None,
            None => return Some(arg),
        }
    }
    None
}

/// The `Created:` line of the legacy `~/ds01-config/containers/NAME.info`
/// (read as the caller, from the caller's own home), words joined by one
/// space as `cut -d: -f2- | xargs` gave them.
fn info_created(home: &str, name: &str) -> Option<String> {
    let file = Path::new(home)
        .join("ds01-config/containers")
        .join(format!("{name}.info"));
    let text = std::fs::read_to_string(file).ok()?;
    let words: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Created:"))
        .flat_map(str::split_whitespace)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stray_words_as_the_loop_met_them() {
        let spec = spec::tool("container-list").expect("spec");
        assert_eq!(stray_word(&spec, &args(&["foo"])), Some("foo"));
        assert_eq!(
            stray_word(&spec, &args(&["-a", "foo", "--help"])),
            Some("foo")
        );
        assert_eq!(stray_word(&spec, &args(&["--format", "json", "-a"])), None);
        assert_eq!(stray_word(&spec, &args(&["--help", "foo"])), None);
        assert_eq!(stray_word(&spec, &args(&["--bogus", "foo"])), None);
    }

    #[test]
    fn legacy_info_file() {
        let dir = std::env::temp_dir().join(format!("ds01-list-info-{}", std::process::id()));
        let containers = dir.join("ds01-config/containers");
        std::fs::create_dir_all(&containers).expect("dir");
        std::fs::write(
            containers.join("demo.info"),
            "Name: demo\nCreated:  Mon  1 Jan\n",
        )
        .expect("write");
        let home = dir.to_string_lossy().to_string();
        assert_eq!(info_created(&home, "demo").as_deref(), Some("Mon 1 Jan"));
        assert_eq!(info_created(&home, "other"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
