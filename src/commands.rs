//! The `ds01` front door: `ds01 --list`, `ds01 install-links DIR`,
//! `ds01 generate-assets DIR` and `ds01 <command> ...`.

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::registry;
use std::path::{Path, PathBuf};

const DS01_USAGE: &str = "\
usage: ds01 <command> [args...]
       ds01 --list
       ds01 install-links DIR
       ds01 prepare-state DIR
       ds01 --version

ds01 is one program with many names.  Called through a link named after a
command (mlc, mlc-list, ...) it is that command; `ds01 <command>` does the
same.  `ds01 --list` prints every command name; `ds01 install-links DIR`
creates the links in DIR, keeping a backup of any file it replaces.
`ds01 prepare-state DIR` (root) makes the GPU allocator's shared state
directory (what the package makes as /run/ds01).
";

/// `ds01 ...` and names we do not know.
pub fn ds01_main(ctx: &mut Ctx, invoked: &str, args: &[String]) -> Outcome {
    if invoked != "ds01" {
        return Err(Failure::stderr(
            127,
            format!("ds01: no command is called '{invoked}' (see `ds01 --list`)\n"),
        ));
    }
    let Some(first) = args.first() else {
        return Err(Failure::stderr(2, DS01_USAGE));
    };
    match first.as_str() {
        "-h" | "--help" => {
            ctx.out(DS01_USAGE);
            Ok(0)
        }
        "-V" | "--version" => {
            ctx.println(&format!("ds01 {}", env!("CARGO_PKG_VERSION")));
            Ok(0)
        }
        "--list" => {
            let names: String = registry::names().iter().map(|n| format!("{n}\n")).collect();
            ctx.out(&names);
            Ok(0)
        }
        "install-links" => with_dir(ctx, args, "install-links", |ctx, dir| {
            let names = registry::names_to_link(ctx.settings.ds01_installed);
            let report = install_links(dir, &names).map_err(|e| e.to_string())?;
            ctx.out(&report);
            Ok(())
        }),
        "generate-assets" => with_dir(ctx, args, "generate-assets", |_, dir| {
            crate::cli::generate::write_all(dir)
        }),
        // What the package's tmpfiles.d entry makes: the allocator's shared
        // state directory, root's, for a directory other than /run/ds01
        // (tests, a second instance).
        "prepare-state" => with_dir(ctx, args, "prepare-state", |_, dir| {
            // SAFETY: geteuid has no preconditions.
            if unsafe { libc::geteuid() } != 0 {
                return Err("only root prepares a shared state directory".into());
            }
            crate::policy::state_dir::prepare(dir)
        }),
        name => match registry::find(name, ctx.settings.ds01_installed) {
            Some(found) => found.run(ctx, &args[1..]),
            None => Err(Failure::stderr(
                2,
                format!("ds01: unknown command '{name}' (see `ds01 --list`)\n"),
            )),
        },
    }
}

/// `ds01 WHAT DIR`: run `f` on DIR; exit 1 with its error, 2 on misuse.
fn with_dir(
    ctx: &mut Ctx,
    args: &[String],
    what: &str,
    f: impl FnOnce(&mut Ctx, &Path) -> Result<(), String>,
) -> Outcome {
    match args.get(1) {
        Some(dir) if args.len() == 2 => f(ctx, Path::new(dir))
            .map(|()| 0)
            .map_err(|e| Failure::stderr(1, format!("ds01: {what}: {e}\n"))),
        _ => Err(Failure::stderr(2, format!("usage: ds01 {what} DIR\n"))),
    }
}

/// Link each of `names` in `dir` to this executable.  A file already
/// there that is not such a link is renamed to `NAME.ds01-backup` first.
fn install_links(dir: &Path, names: &[String]) -> std::io::Result<String> {
    let exe = std::env::current_exe()?.canonicalize()?;
    std::fs::create_dir_all(dir)?;
    let mut report = String::new();
    for name in names {
        let link = dir.join(name);
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
