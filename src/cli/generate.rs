//! Completions (bash, zsh, fish) and man pages, generated from the spec.
//! `ds01 generate-assets DIR` writes them; the committed copies under
//! `completions/` and `man/` are checked against this by the test suite.

use super::clap_model;
use super::spec::Loaded;
use clap_complete::Shell;
use std::path::Path;

/// Every generated file as (relative path, contents): for each command its
/// completions and man page, and for each other name it answers to
/// (aliases, link names) the completions of what it runs and a man page
/// that sources its command's (`.so`), as Debian writes alias pages.
pub fn assets() -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for entry in crate::registry::COMMANDS {
        let (main, exit_codes, links) = match super::spec::load(&entry.spec)? {
            Loaded::Program(program) => (
                clap_model::program(&program),
                program.exit_codes.clone(),
                clap_model::links(&program),
            ),
            Loaded::Tool(tool) => (clap_model::tool(&tool), tool.exit_codes.clone(), vec![]),
        };
        for cmd in std::iter::once(&main).chain(&links) {
            command_assets(cmd, &exit_codes, &mut files)?;
        }
        for alias in entry.aliases.iter().filter(|a| **a != main.get_name()) {
            completions(&main.clone().name(*alias), &mut files);
            files.push(man_alias(alias, main.get_name()));
        }
    }
    // Not the names that stand in front of another program's: `docker`'s
    // page is the docker CLI's (the wrapper's is `docker-wrapper`).
    let front = crate::registry::FRONT_OF_ANOTHER;
    for name in crate::registry::names()
        .into_iter()
        .filter(|n| !front.contains(&n.as_str()))
    {
        let page = format!("man/man1/{name}.1");
        if !files.iter().any(|(path, _)| *path == page) {
            let owner = program_of(&name).ok_or_else(|| format!("no man page for {name}"))?;
            files.push(man_alias(&name, owner));
        }
    }
    Ok(files)
}

/// The command whose link name `name` is (`mlc-export`: `mlc`).
fn program_of(name: &str) -> Option<&'static str> {
    crate::registry::COMMANDS.iter().map(|e| e.name).find(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// A man page for `name` that is the page of `owner`.
fn man_alias(name: &str, owner: &str) -> (String, Vec<u8>) {
    let page = format!(".so man1/{owner}.1\n");
    (format!("man/man1/{name}.1"), page.into_bytes())
}

/// Completions for three shells and the man page of one command.
fn command_assets(
    cmd: &clap::Command,
    exit_codes: &std::collections::BTreeMap<i32, String>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), String> {
    let name = cmd.get_name().to_string();
    completions(cmd, files);
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .map_err(|e| format!("man page of {name}: {e}"))?;
    page.extend_from_slice(exit_status_section(exit_codes).as_bytes());
    files.push((format!("man/man1/{name}.1"), page));
    Ok(())
}

/// Completions of `cmd` for three shells.
fn completions(cmd: &clap::Command, files: &mut Vec<(String, Vec<u8>)>) {
    let name = cmd.get_name().to_string();
    for (shell, dir, file) in [
        (Shell::Bash, "bash", name.clone()),
        (Shell::Zsh, "zsh", format!("_{name}")),
        (Shell::Fish, "fish", format!("{name}.fish")),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), name.clone(), &mut buf);
        files.push((format!("completions/{dir}/{file}"), buf));
    }
}

pub fn write_all(root: &Path) -> Result<(), String> {
    for (rel, bytes) in assets()? {
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The spec's exit codes as a roff `EXIT STATUS` section.
fn exit_status_section(codes: &std::collections::BTreeMap<i32, String>) -> String {
    if codes.is_empty() {
        return String::new();
    }
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in codes {
        roff.push_str(&format!(".TP\n{code}\n{}\n", meaning.replace('\\', "\\\\")));
    }
    roff
}
