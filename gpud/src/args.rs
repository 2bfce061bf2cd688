//! The command line: `ds01-gpud [--once] [--interval SECS] [--state-dir DIR]`
//! or `ds01-gpud --list`.  Every number is checked; anything unknown is a
//! usage error.

use std::path::PathBuf;

pub const USAGE: &str = "\
Usage: ds01-gpud [--once] [--interval SECS] [--state-dir DIR]
       ds01-gpud --list

Samples the GPUs through NVML and publishes the snapshot the ds01
commands read (DIR/gpud/snapshot.json), every SECS seconds.

  --once            publish one snapshot and exit
  --interval SECS   seconds between samples, 1 to 30 (default 10)
  --state-dir DIR   the ds01 state directory (default /run/ds01)
  --list            print what NVML sees, as `nvidia-smi -L` lists it,
                    and exit (writes nothing)
  -h, --help        this help
";

/// Default seconds between samples: well inside the snapshot's lifetime.
pub const DEFAULT_INTERVAL_S: u64 = 10;

/// The longest interval: half the snapshot's lifetime, so one late sample
/// never leaves the commands without a fresh snapshot.
pub fn max_interval_s() -> u64 {
    ds01::policy::gpu_snapshot::SNAPSHOT_MAX_AGE.as_secs() / 2
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Serve { once: bool, interval_s: u64 },
    List,
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub mode: Mode,
    pub state_dir: PathBuf,
}

/// Parse the arguments after the program name; the error is the line to
/// print before the usage.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let (mut once, mut list, mut interval_s) = (false, false, None);
    let mut state_dir = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| rest.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag {
            "-h" | "--help" if inline.is_none() => return Ok(help()),
            "--once" if inline.is_none() => once = true,
            "--list" if inline.is_none() => list = true,
            "--interval" => interval_s = Some(parse_interval(&value("--interval")?)?),
            "--state-dir" => state_dir = Some(parse_state_dir(&value("--state-dir")?)?),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if list && (once || interval_s.is_some()) {
        return Err("--list takes no --once or --interval".into());
    }
    let mode = if list {
        Mode::List
    } else {
        Mode::Serve {
            once,
            interval_s: interval_s.unwrap_or(DEFAULT_INTERVAL_S),
        }
    };
    let state_dir = state_dir.unwrap_or_else(|| PathBuf::from(ds01::settings::DEFAULT_STATE_DIR));
    Ok(Options { mode, state_dir })
}

fn help() -> Options {
    Options {
        mode: Mode::Help,
        state_dir: PathBuf::from(ds01::settings::DEFAULT_STATE_DIR),
    }
}

/// Whole seconds, 1 to [`max_interval_s`], digits only.
fn parse_interval(text: &str) -> Result<u64, String> {
    let max = max_interval_s();
    let bad =
        || format!("--interval must be a whole number of seconds from 1 to {max}, not {text:?}");
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(bad()),
    }
}

/// An absolute path (the service never depends on its working directory).
fn parse_state_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if !path.is_absolute() || text.contains('\0') {
        return Err(format!(
            "--state-dir must be an absolute path, not {text:?}"
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn defaults_and_forms() {
        let o = parse(&[]).expect("defaults");
        assert_eq!(
            o.mode,
            Mode::Serve {
                once: false,
                interval_s: 10
            }
        );
        assert_eq!(o.state_dir, PathBuf::from("/run/ds01"));
        let o = parse(&args("--once --interval=30 --state-dir /tmp/s")).expect("forms");
        assert_eq!(
            o.mode,
            Mode::Serve {
                once: true,
                interval_s: 30
            }
        );
        assert_eq!(o.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(
            parse(&args("--interval 1")).map(|o| o.mode),
            Ok(Mode::Serve {
                once: false,
                interval_s: 1
            })
        );
        assert_eq!(parse(&args("--list")).map(|o| o.mode), Ok(Mode::List));
        assert_eq!(parse(&args("-h --bogus")).map(|o| o.mode), Ok(Mode::Help));
    }

    #[test]
    fn bad_numbers_and_words_are_refused() {
        for line in [
            "--interval 0",
            "--interval 31",
            "--interval -5",
            "--interval +5",
            "--interval 5s",
            "--interval 1e1",
            "--interval 99999999999999999999999",
            "--interval",
            "--interval=",
            "--state-dir run/ds01",
            "--state-dir",
            "--once=yes",
            "--bogus",
            "--list --once",
            "extra",
        ] {
            assert!(parse(&args(line)).is_err(), "{line}");
        }
    }
}
