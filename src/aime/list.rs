//! `mlc list`: the user's containers as a table.

use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::engine::{decimal_size, ContainerSummary};
use crate::error::{Failure, Outcome};
use crate::model::labels;
use crate::ui::{colour, table::Table};

/// Optional columns in the order the original adds them (its parser's
/// definition order, not the command line's).
const OPTIONAL: [(&str, &str); 6] = [
    ("all_users", "USER"),
    ("architecture", "ARCHITECTURE"),
    ("data", "DATA"),
    ("models", "MODELS"),
    ("size", "SIZE"),
    ("workspace", "WORKSPACE"),
];
const ALL: [&str; 6] = [
    "USER",
    "SIZE",
    "ARCHITECTURE",
    "WORKSPACE",
    "DATA",
    "MODELS",
];

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    let columns: Vec<&str> = if m.flag("all") {
        ALL.to_vec()
    } else {
        OPTIONAL
            .iter()
            .filter(|(dest, _)| m.flag(dest))
            .map(|&(_, title)| title)
            .collect()
    };
    show(ctx, m.flag("all_users"), &columns)
}

/// Print the table.  `all_users` lists every user's mlc containers (also
/// what other commands show after an error).
pub fn show(ctx: &mut Ctx, all_users: bool, extra: &[&str]) -> Outcome {
    let filter = if all_users {
        labels::AIME.to_string()
    } else {
        format!("{}={}", labels::AIME, ctx.caller.login)
    };
    let with_size = extra.contains(&"SIZE");
    let home = ctx.caller.home.clone();
    let containers = ctx
        .engine()
        .and_then(|e| e.list_containers(true, &[filter], with_size))
        .map_err(|e| {
            Failure::stdout(
                1,
                format!("{}Error:{}\n{e}\n\n", colour::ERROR, colour::RESET),
            )
        })?;
    if containers.is_empty() {
        ctx.out(&format!(
            "\n{}There are no containers. Create the first one using:{}\n{}mlc create container_name{}\n\n",
            colour::ERROR,
            colour::RESET,
            colour::HINT,
            colour::RESET
        ));
        return Ok(0);
    }
    let mut titles = vec!["CONTAINER", "FRAMEWORK", "STATUS"];
    titles.extend_from_slice(extra);
    let mut t = Table::new(titles.iter().copied());
    for c in &containers {
        t.push(titles.iter().map(|col| cell(c, col, &home)).collect());
    }
    ctx.out(&format!("\n{}\n", t.render()));
    Ok(0)
}

fn label<'a>(c: &'a ContainerSummary, key: &str) -> &'a str {
    c.labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .unwrap_or("")
}

/// `~` for the caller's home, as the original shows it: the first
/// occurrence anywhere in the path, and never for the home itself.
fn shorten(path: &str, home: &str) -> String {
    if path == "-" || path == home || home.is_empty() {
        path.to_string()
    } else {
        path.replacen(home, "~", 1)
    }
}

fn size(c: &ContainerSummary) -> String {
    let rw = decimal_size(c.size_rw.unwrap_or(0) as f64);
    match c.size_root_fs {
        Some(v) if v > 0 => format!("{rw} (virtual {})", decimal_size(v as f64)),
        _ => rw,
    }
}

fn cell(c: &ContainerSummary, column: &str, home: &str) -> String {
    match column {
        // Legacy (v1) containers without a NAME label show an empty cell.
        "CONTAINER" => match label(c, labels::AIME_NAME) {
            "" => String::new(),
            name => format!("[{name}]"),
        },
        "FRAMEWORK" => label(c, labels::AIME_FRAMEWORK).to_string(),
        "STATUS" => c.status.clone().unwrap_or_default(),
        "USER" => label(c, labels::AIME_USER).to_string(),
        "SIZE" => size(c),
        "ARCHITECTURE" => label(c, labels::AIME_ARCH).to_string(),
        "WORKSPACE" => shorten(label(c, labels::AIME_WORK_MOUNT), home),
        "DATA" => shorten(label(c, labels::AIME_DATA_MOUNT), home),
        "MODELS" => shorten(label(c, labels::AIME_MODELS_MOUNT), home),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn home_becomes_tilde_like_the_original() {
        assert_eq!(shorten("/home/a/ws", "/home/a"), "~/ws");
        assert_eq!(shorten("/home/a", "/home/a"), "/home/a");
        assert_eq!(shorten("-", "/home/a"), "-");
        assert_eq!(shorten("/x/home/a/y", "/home/a"), "/x~/y");
        assert_eq!(shorten("/home/b/ws", "/home/a"), "/home/b/ws");
    }
}
