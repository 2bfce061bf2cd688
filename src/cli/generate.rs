//! Completions (bash, zsh, fish) and man pages, generated from the spec.
//! `ds01 generate-assets DIR` writes them; the committed copies under
//! `completions/` and `man/` are checked against this by the test suite.

use super::clap_model;
use super::spec::Loaded;
use clap_complete::Shell;
use std::path::Path;

/// Every generated file as (relative path, contents).
pub fn assets() -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for loaded in super::spec::all()? {
        match loaded {
            Loaded::Program(program) => {
                let mut commands = vec![clap_model::program(&program)];
                commands.extend(clap_model::links(&program));
                for cmd in commands {
                    command_assets(&cmd, &program.exit_codes, &mut files)?;
                }
            }
            Loaded::Tool(tool) => {
                command_assets(&clap_model::tool(&tool), &tool.exit_codes, &mut files)?
            }
        }
    }
    Ok(files)
}

/// Completions for three shells and the man page of one command.
fn command_assets(
    cmd: &clap::Command,
    exit_codes: &std::collections::BTreeMap<i32, String>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), String> {
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
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .map_err(|e| format!("man page of {name}: {e}"))?;
    page.extend_from_slice(exit_status_section(exit_codes).as_bytes());
    files.push((format!("man/man1/{name}.1"), page));
    Ok(())
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
