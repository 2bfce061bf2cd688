//! ds01-compat: replays the recorded sessions of the original AIME MLC and DS01 tools against
//! the ds01 binary and reports how many behave the same. See compat-tests/README.md.

mod casefile;
mod checkout;
mod compare;
mod deviations;
mod docker;
mod error;
mod formats;
mod host;
mod normalise;
mod pty;
mod replay;
mod report;
mod runner;
mod session;
mod snapshot;
mod state;
mod users;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use error::{Context, Error, Result};
use report::Detail;

const USAGE: &str = "\
usage: ds01-compat [OPTIONS] [DIR...]

Replays recorded sessions (DIRs in the aime-v2, aime-v2-real or ds01 format; default: every
scored set under ../shared/compat) against the ds01 binary and reports the differences.
Needs root (users, loginuid) and an engine on DOCKER_HOST.

options:
  --bin PATH            ds01 binary (default target/x86_64-unknown-linux-gnu/release/ds01)
  --filter SUBSTR       only sessions whose id (set/name) contains SUBSTR
  --list-passing        print the passing ids on stdout (the report goes to stderr)
  --write-passing FILE  write the passing ids to FILE
  --ratchet FILE        exit 1 when a session listed in FILE did not pass (FILE must exist)
  --update-deviations   write the deviation snapshots from this run (instead of failing on
                        a changed one) and remove those of sessions no longer deviations
  --deviation-snapshots DIR
                        the deviation snapshots (default compat-tests/deviations)
  -q, --quiet           no diffs
  -v, --verbose         whole diffs, every not-implemented session
  --work-dir DIR        case files and scratch (default /tmp/ds01-compat; cleared first)
  --shared DIR          the shared/ directory (default: ../shared beside the repository)
  --engine-dir DIR      engine scripts (default compat-tests/engine)
  --deviations FILE     sessions that differ on purpose (default docs/deviations.md)
  --base-image REF      image to commit state images from (default $DS01_COMPAT_BASE_IMAGE
                        or ds01-test/busybox:latest)
  --no-ds01-config      do not set DS01_CONFIG_DIR for DS01 sessions (by default it names
                        <work>/ds01-config, a copy of the recording host's configuration)
  --timeout SECS        time limit of one session (default 30)
  --jobs N              workers for sessions that need no containers (default 2)
  -h, --help            this help
";

struct Args {
    bin: Option<PathBuf>,
    dirs: Vec<PathBuf>,
    filter: Option<String>,
    list_passing: bool,
    write_passing: Option<PathBuf>,
    ratchet: Option<PathBuf>,
    update_deviations: bool,
    deviation_snapshots: Option<PathBuf>,
    detail: Detail,
    work_dir: PathBuf,
    shared: Option<PathBuf>,
    engine_dir: Option<PathBuf>,
    deviations: Option<PathBuf>,
    base_image: String,
    timeout: u64,
    jobs: usize,
    ds01_config_dir: bool,
}

fn parse_args(argv: &[String]) -> Result<Option<Args>> {
    let mut a = Args {
        bin: None,
        dirs: Vec::new(),
        filter: None,
        list_passing: false,
        write_passing: None,
        ratchet: None,
        update_deviations: false,
        deviation_snapshots: None,
        detail: Detail::Short,
        work_dir: PathBuf::from("/tmp/ds01-compat"),
        shared: None,
        engine_dir: None,
        deviations: None,
        base_image: std::env::var("DS01_COMPAT_BASE_IMAGE")
            .unwrap_or_else(|_| "ds01-test/busybox:latest".into()),
        timeout: 30,
        jobs: 2,
        ds01_config_dir: true,
    };
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| Error::msg(format!("{name} needs a value")))
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--bin" => a.bin = Some(value(flag)?.into()),
            "--filter" => a.filter = Some(value(flag)?),
            "--list-passing" => a.list_passing = true,
            "--no-ds01-config" => a.ds01_config_dir = false,
            "--write-passing" => a.write_passing = Some(value(flag)?.into()),
            "--ratchet" => a.ratchet = Some(value(flag)?.into()),
            "--update-deviations" => a.update_deviations = true,
            "--deviation-snapshots" => a.deviation_snapshots = Some(value(flag)?.into()),
            "-q" | "--quiet" => a.detail = Detail::Quiet,
            "-v" | "--verbose" => a.detail = Detail::Full,
            "--work-dir" => a.work_dir = value(flag)?.into(),
            "--shared" => a.shared = Some(value(flag)?.into()),
            "--engine-dir" => a.engine_dir = Some(value(flag)?.into()),
            "--deviations" => a.deviations = Some(value(flag)?.into()),
            "--base-image" => a.base_image = value(flag)?,
            "--timeout" => {
                a.timeout = value(flag)?
                    .parse()
                    .map_err(|_| Error::msg("--timeout needs a number of seconds"))?
            }
            "--jobs" => {
                a.jobs = value(flag)?
                    .parse()
                    .map_err(|_| Error::msg("--jobs needs a number"))?
            }
            f if f.starts_with('-') => return Err(Error::msg(format!("unknown option {f}"))),
            dir => a.dirs.push(dir.into()),
        }
    }
    Ok(Some(a))
}

/// The repository root: `git rev-parse --show-toplevel`, else the nearest ancestor of the
/// current directory holding `compat-tests/`.
fn repo_root() -> PathBuf {
    let git = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output();
    if let Ok(out) = git {
        if out.status.success() {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !p.is_empty() {
                return PathBuf::from(p);
            }
        }
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| d.join("compat-tests").is_dir())
        .map(Path::to_path_buf)
        .unwrap_or(cwd)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match real_main(&argv) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ds01-compat: {e}");
            ExitCode::from(2)
        }
    }
}

fn real_main(argv: &[String]) -> Result<ExitCode> {
    let Some(args) = parse_args(argv)? else {
        print!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    };
    if args.write_passing.is_some() && args.filter.is_some() {
        return Err(Error::msg(
            "--write-passing with --filter would drop every session the filter leaves out",
        ));
    }
    // Read before the replay: a ratchet that cannot be read is an error, not an empty one.
    let ratchet_list = match &args.ratchet {
        Some(file) => Some(report::parse_ratchet(
            &std::fs::read_to_string(file).ctx(format!("the ratchet {}", file.display()))?,
        )),
        None => None,
    };
    let root = repo_root();
    let shared = args
        .shared
        .clone()
        .unwrap_or_else(|| root.join("../shared"));
    let shared = shared.canonicalize().unwrap_or(shared);
    let dirs = if args.dirs.is_empty() {
        ["aime-v2", "aime-v2-real", "ds01"]
            .iter()
            .map(|s| shared.join("compat").join(s))
            .collect()
    } else {
        args.dirs.clone()
    };
    let bin = args
        .bin
        .clone()
        .unwrap_or_else(|| root.join("target/x86_64-unknown-linux-gnu/release/ds01"));
    let deviations_file = args
        .deviations
        .clone()
        .unwrap_or_else(|| root.join("docs/deviations.md"));
    let cfg = replay::Config {
        bin: bin.clone(),
        filter: args.filter.clone(),
        work_dir: args.work_dir.clone(),
        shared_dir: shared,
        repo_dir: root.clone(),
        engine_dir: args
            .engine_dir
            .clone()
            .unwrap_or_else(|| root.join("compat-tests/engine")),
        deviations: deviations::load(&deviations_file)?,
        snapshots: args
            .deviation_snapshots
            .clone()
            .unwrap_or_else(|| root.join("compat-tests/deviations")),
        update_snapshots: args.update_deviations,
        base_image: args.base_image.clone(),
        limit: Duration::from_secs(args.timeout.max(1)),
        ds01_config_env: args.ds01_config_dir,
        jobs: args.jobs,
    };
    let replay = replay::Replay::new(cfg)?;
    let mut report_out: Box<dyn Write> = if args.list_passing {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    if replay.commands.is_empty() {
        let _ = writeln!(
            report_out,
            "warning: {} --list named no commands (missing or not built?): every session fails",
            bin.display()
        );
    }
    let mut sets = Vec::new();
    for dir in &dirs {
        let summary = replay.run_set(dir).ctx(dir.display())?;
        sets.push(summary);
    }
    let passing = report::passing_ids(&sets);
    // Snapshots whose session is no longer a deviation: removed when updating a whole run,
    // otherwise named.
    for set in &sets {
        let is_deviation = |id: &str| replay.cfg.deviations.contains(id);
        for (id, path) in snapshot::orphans(&replay.cfg.snapshots, &set.name, is_deviation) {
            if args.update_deviations && args.filter.is_none() {
                std::fs::remove_file(&path).ctx(path.display())?;
                let _ = writeln!(report_out, "snapshot removed: {id} is not a deviation");
            } else {
                let _ = writeln!(
                    report_out,
                    "warning: {} is the snapshot of {id}, which is not a deviation \
                     (--update-deviations removes it)",
                    path.display()
                );
            }
        }
    }
    let ratchet_failures = report::ratchet_failures(
        &report::Ratchet {
            passing: ratchet_list.as_deref(),
            deviations: &replay.cfg.deviations,
            filter: args.filter.as_deref(),
        },
        &sets,
    );
    let timings = replay.cfg.work_dir.join("timings.txt");
    std::fs::write(&timings, report::timings(&sets)).ctx(timings.display())?;
    let text = report::render(
        &sets,
        args.detail,
        &ratchet_failures,
        &replay.cfg.work_dir.join("cases").display().to_string(),
    );
    let _ = report_out.write_all(text.as_bytes());
    let _ = report_out.flush();
    if args.list_passing {
        let mut out = std::io::stdout();
        for id in &passing {
            let _ = writeln!(out, "{id}");
        }
    }
    if let Some(file) = &args.write_passing {
        let mut text = String::from(
            "# Sessions that pass the compat replay (compat-tests/run --update-passing).\n\
             # compat-tests/run fails when one of them stops passing.\n",
        );
        for id in &passing {
            text.push_str(id);
            text.push('\n');
        }
        std::fs::write(file, text).ctx(file.display())?;
    }
    Ok(if ratchet_failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
