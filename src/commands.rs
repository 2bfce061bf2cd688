//! The multi-call table: every command name the binary answers to, and the
//! `ds01` front door (`ds01 --list`, `ds01 install-links DIR`, ...).

use crate::cli::spec;
use std::path::{Path, PathBuf};

/// A command the binary can be called as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `mlc [args]`.
    Mlc,
    /// `mlc-<sub> [args]`, the same as `mlc <sub> [args]`.
    MlcLink(String),
    /// A DS01 command (`get_resource_limits`, ...), see `crate::ds01`.
    Ds01(&'static str),
}

impl Command {
    pub fn run(&self, args: &[String]) -> i32 {
        match self {
            Command::Mlc => crate::aime::main(args),
            Command::MlcLink(sub) => {
                let mut full = vec![sub.clone()];
                full.extend(args.iter().cloned());
                crate::aime::main(&full)
            }
            Command::Ds01(name) => crate::ds01::main(name, args),
        }
    }
}

/// The command called `name`, if there is one.
pub fn find(name: &str) -> Option<Command> {
    if name == "mlc" {
        return Some(Command::Mlc);
    }
    // On a DS01 server `mlc-create` is DS01's wrapper (limits, GPU
    // allocation), as the original installation linked it.
    if name == "mlc-create" && crate::ds01::limits::installed() {
        return Some(Command::Ds01(crate::ds01::mlc_create::NAME));
    }
    if let Some(ds01) = crate::ds01::COMMANDS.iter().find(|c| **c == name) {
        return Some(Command::Ds01(ds01));
    }
    let mlc = spec::mlc().ok()?;
    mlc.links.get(name).map(|sub| Command::MlcLink(sub.clone()))
}

/// Every command name, in a stable order.
pub fn names() -> Vec<String> {
    let mut names = vec!["mlc".to_string()];
    if let Ok(mlc) = spec::mlc() {
        names.extend(mlc.links.keys().cloned());
    }
    names.extend(crate::ds01::COMMANDS.iter().map(|c| c.to_string()));
    names
}

const DS01_USAGE: &str = "\
usage: ds01 <command> [args...]
       ds01 --list
       ds01 install-links DIR
       ds01 --version

ds01 is one program with many names.  Called through a link named after a
command (mlc, mlc-list, ...) it is that command; `ds01 <command>` does the
same.  `ds01 --list` prints every command name; `ds01 install-links DIR`
creates the links in DIR, keeping a backup of any file it replaces.
";

/// `ds01 ...` and names we do not know.
pub fn ds01_main(invoked: &str, args: &[String]) -> i32 {
    if invoked != "ds01" {
        crate::ui::err(&format!(
            "ds01: no command is called '{invoked}' (see `ds01 --list`)\n"
        ));
        return 127;
    }
    let Some(first) = args.first() else {
        crate::ui::err(DS01_USAGE);
        return 2;
    };
    match first.as_str() {
        "-h" | "--help" => {
            crate::ui::out(DS01_USAGE);
            0
        }
        "-V" | "--version" => {
            crate::ui::println(&format!("ds01 {}", env!("CARGO_PKG_VERSION")));
            0
        }
        "--list" => {
            crate::ui::out(&names().iter().map(|n| format!("{n}\n")).collect::<String>());
            0
        }
        "install-links" => match args.get(1) {
            Some(dir) if args.len() == 2 => match install_links(Path::new(dir)) {
                Ok(report) => {
                    crate::ui::out(&report);
                    0
                }
                Err(e) => {
                    crate::ui::err(&format!("ds01: install-links: {e}\n"));
                    1
                }
            },
            _ => {
                crate::ui::err("usage: ds01 install-links DIR\n");
                2
            }
        },
        "generate-assets" => match args.get(1) {
            Some(dir) if args.len() == 2 => match crate::cli::generate::write_all(Path::new(dir)) {
                Ok(()) => 0,
                Err(e) => {
                    crate::ui::err(&format!("ds01: generate-assets: {e}\n"));
                    1
                }
            },
            _ => {
                crate::ui::err("usage: ds01 generate-assets DIR\n");
                2
            }
        },
        name => match find(name) {
            Some(command) => command.run(&args[1..]),
            None => {
                crate::ui::err(&format!(
                    "ds01: unknown command '{name}' (see `ds01 --list`)\n"
                ));
                2
            }
        },
    }
}

/// Link every command name in `dir` to this executable.  A file already
/// there that is not such a link is renamed to `NAME.ds01-backup` first.
fn install_links(dir: &Path) -> std::io::Result<String> {
    let exe = std::env::current_exe()?.canonicalize()?;
    std::fs::create_dir_all(dir)?;
    let mut report = String::new();
    for name in names() {
        let link = dir.join(&name);
        if let Ok(meta) = link.symlink_metadata() {
            let ours = meta.file_type().is_symlink()
                && link.canonicalize().ok().as_deref() == Some(exe.as_path());
            if ours {
                continue;
            }
            let backup = backup_path(&link);
            std::fs::rename(&link, &backup)?;
            report.push_str(&format!(
                "{}: kept as {}\n",
                link.display(),
                backup.display()
            ));
        }
        std::os::unix::fs::symlink(&exe, &link)?;
        report.push_str(&format!("{} -> {}\n", link.display(), exe.display()));
    }
    Ok(report)
}

fn backup_path(path: &Path) -> PathBuf {
    let mut candidate = PathBuf::from(format!("{}.ds01-backup", path.display()));
    let mut n = 1;
    while candidate.symlink_metadata().is_ok() {
        candidate = PathBuf::from(format!("{}.ds01-backup.{n}", path.display()));
        n += 1;
    }
    candidate
}
