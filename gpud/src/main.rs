//! ds01-gpud: the GPU companion of ds01.  It loads NVML (the one program
//! of the package that does: see `src/policy/gpus.rs` for why ds01 itself
//! never does), samples the GPUs, MIG devices and their utilization, and
//! publishes the snapshot `<state_dir>/gpud/snapshot.json` that the ds01
//! commands read instead of running `nvidia-smi`.  Run as root by
//! `ds01-gpud.service`; on SIGTERM/SIGINT it removes its snapshot and
//! exits 0, so that a stopped companion leaves nothing stale behind.
//!
//! Exit codes: 0 done, 1 NVML or the snapshot directory failed, 2 usage.

mod args;
mod nvml;
mod sample;

use args::{Mode, Options};
use ds01::policy::gpu_snapshot::{epoch_seconds, Publisher, Snapshot};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Failed samples in a row after which the companion exits (and systemd
/// starts it again, with NVML loaded afresh).
const MAX_FAILURES: u32 = 3;

/// Set by SIGTERM/SIGINT.
static STOP: AtomicBool = AtomicBool::new(false);

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match args::parse(&argv) {
        Ok(options) => run(&options),
        Err(why) => {
            eprint!("ds01-gpud: {why}\n\n{}", args::USAGE);
            2
        }
    };
    std::process::exit(code);
}

fn run(options: &Options) -> i32 {
    let result = match options.mode {
        Mode::Help => {
            print!("{}", args::USAGE);
            Ok(())
        }
        Mode::List => list(),
        Mode::Serve { once, interval_s } => serve(options, once, interval_s),
    };
    match result {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("ds01-gpud: {why}");
            1
        }
    }
}

/// One sample, printed as `nvidia-smi -L` prints the inventory.
fn list() -> Result<(), String> {
    let nvml = nvml::load()?;
    print!("{}", take_snapshot(&nvml)?.inventory.to_list());
    Ok(())
}

fn take_snapshot(nvml: &nvml_wrapper::Nvml) -> Result<Snapshot, String> {
    let host = nvml::read(nvml)?;
    sample::assemble(&host, epoch_seconds(SystemTime::now()))
}

/// Load NVML first (nothing is written when it cannot be), then publish
/// every `interval_s` until stopped.
fn serve(options: &Options, once: bool, interval_s: u64) -> Result<(), String> {
    let nvml = nvml::load()?;
    let publisher = Publisher::open(&options.state_dir)?;
    install_stop_handlers();
    let mut failures = 0;
    let mut last_error = String::new();
    loop {
        match take_snapshot(&nvml) {
            Ok(snapshot) => {
                publisher.publish(&snapshot)?;
                failures = 0;
                last_error.clear();
            }
            Err(why) if once => return Err(why),
            Err(why) => {
                failures += 1;
                if failures >= MAX_FAILURES {
                    return Err(format!("{why} ({failures} samples in a row failed)"));
                }
                // Said once, not every interval.
                if why != last_error {
                    eprintln!("ds01-gpud: cannot sample the GPUs: {why}");
                    last_error = why;
                }
            }
        }
        if once {
            return Ok(());
        }
        if wait_or_stop(Duration::from_secs(interval_s)) {
            return publisher.withdraw();
        }
    }
}

/// Sleep `interval`, waking early on a stop signal; true when stopped.
fn wait_or_stop(interval: Duration) -> bool {
    let until = Instant::now() + interval;
    while Instant::now() < until {
        if STOP.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    STOP.load(Ordering::SeqCst)
}

extern "C" fn on_stop(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

fn install_stop_handlers() {
    let handler = on_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, handler) };
    }
}
