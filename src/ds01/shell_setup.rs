//! `shell-setup [--check|--force|--guided]` (reference §6): make sure the
//! caller's shells have /usr/local/bin on PATH by appending DS01's marked
//! block to `~/.bashrc` (and `~/.zshrc` when there is one).
//!
//! The files are the caller's own, but they are opened without following
//! a symbolic link (`O_NOFOLLOW`) and changed through that one descriptor:
//! a link is reported and left alone, never written through, and nothing
//! is ever chmod-ed or replaced by path.

use crate::cli::ds01 as parse;
use crate::cli::spec::{self, Action, ToolSpec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The directory DS01's commands are linked in.
const LOCAL_BIN: &str = "/usr/local/bin";

/// What marks the block (the original's `grep` pattern: its first line).
const MARKER: &str = "# DS01: Ensure /usr/local/bin is in PATH";
/// The marker of an older version of the block, removed by `--force` too.
const OLD_MARKER: &str = "# DS01: Add /usr/local/bin to PATH";

/// The block appended to a shell file, exactly as the original wrote it
/// (a blank line first).
pub(crate) const BLOCK: &str = r#"
# DS01: Ensure /usr/local/bin is in PATH for DS01 commands
# Required for: container-*, image-*, ds01-dashboard, etc.
case ":${PATH}:" in
    *:/usr/local/bin:*)
        # Already in PATH, do nothing
        ;;
    *)
        export PATH="/usr/local/bin:${PATH}"
        ;;
esac
"#;

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    guided: bool,
    force: bool,
    check: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("shell-setup").map_err(|e| Failure::stderr(70, e))?;
    match options(&spec, args)? {
        Some(opts) => run(ctx, &opts),
        None => {
            ctx.out(&parse::help(&spec));
            Ok(0)
        }
    }
}

/// The options, or None for the help page.  Like the original's loop,
/// every other argument (a word too) is an unknown option, and the first
/// help option reached wins.
fn options(spec: &ToolSpec, args: &[String]) -> Result<Option<Options>, Failure> {
    let mut opts = Options::default();
    for arg in args {
        let Some(option) = crate::cli::ds01::find(spec, arg) else {
            let text = format!("{}{}", term::unknown_option(arg), parse::help(spec));
            return Err(Failure::stdout(1, text));
        };
        match option.dest.as_str() {
            _ if option.action == Action::Help => return Ok(None),
            "guided" => opts.guided = true,
            "force" => opts.force = true,
            _ => opts.check = true,
        }
    }
    Ok(Some(opts))
}

fn run(ctx: &mut Ctx, opts: &Options) -> Outcome {
    if opts.guided {
        ctx.out(&expand(GUIDED_INTRO));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    let path = ctx.env.get("PATH").unwrap_or_default().to_string();
    if has_local_bin(&path) {
        ctx.out(&expand(PATH_RIGHT));
        if opts.check {
            return Ok(0);
        }
        if !opts.force {
            ctx.out(&expand(NOTHING_TO_DO));
            return Ok(0);
        }
        ctx.out(&expand(RECONFIGURING));
    } else if opts.check {
        ctx.out(&expand(&path_wrong(&path)));
        return Ok(1);
    }
    let home = ctx.caller.home.clone();
    set_up(ctx, &home, ".bashrc", opts.force, true)?;
    let zsh = set_up(ctx, &home, ".zshrc", opts.force, false)?;
    ctx.out(&expand(COMPLETE));
    if opts.guided {
        ctx.out(&expand(&guided_summary(zsh != Change::Missing)));
    }
    ctx.out(&expand(DOCUMENTATION));
    Ok(0)
}

/// Whether `path` (a PATH value) lists /usr/local/bin.
fn has_local_bin(path: &str) -> bool {
    path.split(':').any(|dir| dir == LOCAL_BIN)
}

/// `--check` with /usr/local/bin missing; the fix names this program by
/// its absolute path, since the shell cannot find it by name.
fn path_wrong(path: &str) -> String {
    let exe = std::env::current_exe()
        .map(|p| format!("{} shell-setup", p.display()))
        .unwrap_or_else(|_| "/usr/bin/shell-setup".to_string());
    format!(
        "{{RED}}✗{{NC}} PATH is not configured correctly\n\n\
         Current PATH: {path}\n\n\
         To fix, run:\n  {{GREEN}}{exe}{{NC}}\n\n"
    )
}

/// What was done to one shell file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// No such regular file.
    Missing,
    /// A symbolic link: left unchanged.
    Link,
    /// It has the block already (and no --force).
    Configured,
    /// The block was appended (after removing old ones with --force).
    Added,
}

/// Set up `~/NAME` and say so; `say_missing`: whether a missing file is
/// worth a warning (`.bashrc` is, `.zshrc` is not).
fn set_up(
    ctx: &mut Ctx,
    home: &str,
    name: &str,
    force: bool,
    say_missing: bool,
) -> Result<Change, Failure> {
    let path = format!("{home}/{name}");
    let change = configure(Path::new(&path), force)
        .map_err(|e| Failure::stderr(1, format!("shell-setup: {path}: {}\n", os_text(&e))))?;
    let text = match change {
        Change::Missing if say_missing => {
            format!("{{YELLOW}}⚠{{NC}} No ~/{name} found (will be created on next login)\n")
        }
        Change::Missing => String::new(),
        Change::Link => {
            format!("{{YELLOW}}⚠{{NC}} ~/{name} is a symbolic link: left unchanged\n")
        }
        Change::Configured => format!("{{GREEN}}✓{{NC}} ~/{name} already configured\n"),
        Change::Added => format!("{{GREEN}}✓{{NC}} Added PATH configuration to {path}\n"),
    };
    ctx.out(&expand(&text));
    Ok(change)
}

/// Give the file at `path` the block.  With `force`, blocks already there
/// are removed first (the original's `sed -i` ranges) and the file is
/// rewritten through the same descriptor; otherwise the block is appended.
fn configure(path: &Path, force: bool) -> io::Result<Change> {
    let (mut file, writable) = match open(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Change::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(Change::Link),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        // The original's `[ -f FILE ]`: a directory or device is no rc file.
        return Ok(Change::Missing);
    }
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    let configured = contains(&text, MARKER);
    if configured && !force {
        return Ok(Change::Configured);
    }
    if !writable {
        return Err(io::Error::from_raw_os_error(libc::EACCES));
    }
    if configured {
        let mut kept = remove_blocks(&remove_blocks(&text, MARKER), OLD_MARKER);
        kept.extend_from_slice(BLOCK.as_bytes());
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&kept)?;
        file.set_len(kept.len() as u64)?;
    } else {
        file.seek(SeekFrom::End(0))?;
        file.write_all(BLOCK.as_bytes())?;
    }
    Ok(Change::Added)
}

/// The file for reading and writing (or, when it may only be read, for
/// reading: a file that is already set up needs no writing), never
/// through a symbolic link, never blocking on a FIFO.
fn open(path: &Path) -> io::Result<(File, bool)> {
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK;
    let rw = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(flags)
        .open(path);
    match rw {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(path)
            .map(|f| (f, false)),
        other => other.map(|f| (f, true)),
    }
}

fn contains(text: &[u8], needle: &str) -> bool {
    text.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// `sed '/MARKER/,/^esac$/d'`: every line holding `marker` up to and
/// including the next line that is exactly `esac` (or to the end).
fn remove_blocks(text: &[u8], marker: &str) -> Vec<u8> {
    let mut kept = Vec::with_capacity(text.len());
    let mut in_block = false;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        if in_block {
            in_block = content != b"esac";
        } else if contains(content, marker) {
            in_block = true;
        } else {
            kept.extend_from_slice(line);
        }
    }
    kept
}

/// The system's words for an error, without Rust's `(os error N)`.
fn os_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The guided wrap-up (in our words); `zsh`: ~/.zshrc exists.
fn guided_summary(zsh: bool) -> String {
    let zsh_line = if zsh {
        "  • ~/.zshrc has the same lines\n"
    } else {
        ""
    };
    format!(
        "{{CYAN}}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{{NC}}\n\
         {{BOLD}}What changed:{{NC}}\n\n\
         \x20 • ~/.bashrc now puts /usr/local/bin on PATH in every new shell\n\
         {zsh_line}\
         \x20 • The lines look before they add, so PATH never lists it twice\n\n\
         {{BOLD}}Where to go from here:{{NC}}\n\n\
         \x20 {{CYAN}}help{{NC}}                 # every ds01 command, by topic\n\
         \x20 {{CYAN}}container-list{{NC}}       # your containers\n\
         \x20 {{CYAN}}image-list{{NC}}           # your images\n\
         \x20 {{CYAN}}check-limits{{NC}}         # what you may use\n\
         \x20 {{CYAN}}user-setup{{NC}}           # the onboarding wizard\n\n"
    )
}

const GUIDED_INTRO: &str = "\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}ds01: setting up your shell{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n
{BOLD}What PATH is for{NC}\n
  When you type a command such as container-list, your shell looks
  for a program of that name in each directory that PATH lists.\n
{BOLD}What this changes{NC}\n
  ds01's commands are linked in /usr/local/bin.  If PATH lacks that
  directory, a few lines at the end of ~/.bashrc (and ~/.zshrc) add
  it in every new shell.\n\n";

const PATH_RIGHT: &str = "{GREEN}✓{NC} PATH is already configured correctly

Current PATH includes: /usr/local/bin\n";

const NOTHING_TO_DO: &str = "
{YELLOW}💡 Tip:{NC} Your PATH is already correct. No changes needed.

To reconfigure anyway, run:
  {GREEN}shell-setup --force{NC}\n\n";

const RECONFIGURING: &str = "\n{YELLOW}⚠{NC} Reconfiguring (--force mode)\n\n";

const COMPLETE: &str = "
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{GREEN}{BOLD}✓ Shell Configuration Complete!{NC}
{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}Next Steps:{NC}

  1. {BOLD}Reload your shell configuration:{NC}
     {GREEN}source ~/.bashrc{NC}

  2. {BOLD}Test a DS01 command:{NC}
     {GREEN}container-list{NC}
     {GREEN}check-limits{NC}\n\n";

/// The original pointed at a site-specific guide; ds01's is its manual.
const DOCUMENTATION: &str = "{YELLOW}📖 Documentation:{NC}\n   man shell-setup\n\n";

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ds01-shell-setup-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn options_like_the_original_loop() {
        let spec = spec::tool("shell-setup").expect("spec");
        let opts = options(&spec, &args(&["--force", "--check"])).expect("parsed");
        assert_eq!(
            opts,
            Some(Options {
                guided: false,
                force: true,
                check: true
            })
        );
        assert_eq!(options(&spec, &args(&["--info"])).expect("help"), None);
        let refused = options(&spec, &args(&["word", "-h"])).expect_err("refused");
        assert_eq!(refused.code, 1);
        assert!(refused
            .stdout
            .starts_with("\x1b[0;31m✗ Unknown option: word\x1b[0m\n"));
    }

    #[test]
    fn path_check_is_by_whole_entry() {
        assert!(has_local_bin("/usr/bin:/usr/local/bin"));
        assert!(!has_local_bin("/usr/local/bin/x:/usr/bin"));
        assert!(!has_local_bin(""));
    }

    #[test]
    fn the_block_is_the_originals() {
        assert!(BLOCK.starts_with("\n# DS01: Ensure /usr/local/bin is in PATH for DS01 commands\n"));
        assert!(BLOCK.contains("        export PATH=\"/usr/local/bin:${PATH}\"\n"));
        assert!(BLOCK.ends_with("\nesac\n"));
        assert!(contains(BLOCK.as_bytes(), MARKER));
    }

    #[test]
    fn force_removes_old_blocks_like_sed() {
        let text = format!("a\n{BLOCK}b\n# DS01: Add /usr/local/bin to PATH\nx\nesac\nc\n");
        let kept = remove_blocks(&remove_blocks(text.as_bytes(), MARKER), OLD_MARKER);
        assert_eq!(String::from_utf8_lossy(&kept), "a\n\nb\nc\n");
        // No closing esac: everything to the end goes, as with sed.
        let open_ended = remove_blocks(b"a\n# DS01: Ensure /usr/local/bin is in PATH\nb\n", MARKER);
        assert_eq!(open_ended, b"a\n");
    }

    #[test]
    fn files_are_appended_once_and_links_left_alone() {
        let dir = scratch("files");
        let rc = dir.join(".bashrc");
        assert_eq!(configure(&rc, false).expect("missing"), Change::Missing);
        std::fs::write(&rc, "alias ll='ls -l'\n").expect("write");
        assert_eq!(configure(&rc, false).expect("add"), Change::Added);
        assert_eq!(configure(&rc, false).expect("again"), Change::Configured);
        assert_eq!(configure(&rc, true).expect("force"), Change::Added);
        let text = std::fs::read_to_string(&rc).expect("read");
        assert_eq!(text, format!("alias ll='ls -l'\n\n{BLOCK}"));
        let target = dir.join("elsewhere");
        std::fs::write(&target, "x\n").expect("write");
        let link = dir.join(".zshrc");
        symlink(&target, &link).expect("symlink");
        assert_eq!(configure(&link, false).expect("link"), Change::Link);
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "x\n");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
