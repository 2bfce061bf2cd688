//! `ds01-lifecycle run [--dry-run] [--json]`: lifecycle enforcement, run
//! by the package's systemd timer every five minutes (issue 13).  Stops
//! GPU containers idle past `idle_timeout_h` or running past
//! `max_runtime_h`, removes stopped containers past their GPU or container
//! hold and created ones never started, honouring exemptions and keep
//! markers.  It fails closed: when the engine, the configuration, the GPU
//! inventory, the utilization or its own state cannot be read, it does
//! nothing, says why and exits 1.  A dry run makes the same plan and
//! changes nothing.

mod apply;
mod gather;
mod log;
mod plan;
mod render;
mod rules;
mod state;

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::gpus::Inventory;
use crate::policy::utilization::{self, UtilSources, Utilization};
use plan::{Decision, Facts, Gpus, Inputs, Phase};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

const NAME: &str = "ds01-lifecycle";

/// The file in a container whose presence means its owner asked to keep
/// it: it is never removed while the marker is there.
pub const KEEP_MARKER: &str = "/.ds01-keep";

/// Leave the keep marker in container `id` (`container-stop
/// --keep-container`); it stays until the container is removed.
pub fn mark_kept(
    engine: &crate::engine::Engine,
    id: &str,
) -> Result<(), crate::engine::EngineError> {
    let (dir, file) = KEEP_MARKER.rsplit_once('/').unwrap_or(("", KEEP_MARKER));
    let dir = if dir.is_empty() { "/" } else { dir };
    engine.put_empty_file(id, dir, file)
}

struct Options {
    dry_run: bool,
    json: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool(NAME).map_err(|e| Failure::stderr(70, e))?;
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    match m.positionals.as_slice() {
        [Some(word)] if word == "run" => {}
        [] => return Err(parse::refusal(&spec, "Missing command (run)")),
        [Some(word)] => return Err(parse::refusal(&spec, &format!("Unknown command: {word}"))),
        _ => return Err(parse::refusal(&spec, "Too many arguments")),
    }
    let opts = Options {
        dry_run: m.flag("dry_run"),
        json: m.flag("json"),
    };
    if crate::policy::fd::euid() != 0 && ctx.settings.system_configured {
        return Err(Failure::stderr(
            1,
            format!("{NAME}: must be run as root (it acts on every user's containers)\n"),
        ));
    }
    run(ctx, &opts)
}

/// The enforcement's clock: `DS01_NOW` (tests), else the real one.
fn now(ctx: &Ctx) -> Result<u64, String> {
    match &ctx.settings.now {
        Some(set) => set.clone(),
        None => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())),
    }
}

/// Everything the plan is made of.
struct Picture {
    decisions: Vec<Decision>,
    /// Streak records found (container ids).
    known: Vec<String>,
    store: Option<state::StreakStore>,
    /// Lines for stderr and the log: dropped streak records, an ignored
    /// GPU snapshot.
    notices: Vec<String>,
}

fn run(ctx: &mut Ctx, opts: &Options) -> Outcome {
    let now =
        now(ctx).map_err(|e| Failure::stderr(1, format!("{NAME}: {e}: nothing was done\n")))?;
    let picture = match picture(ctx, opts, now) {
        Ok(p) => p,
        Err(why) => return refuse(ctx, opts, now, &why),
    };
    for line in &picture.notices {
        ctx.err(&format!("{NAME}: {line}\n"));
    }
    let mut code = 0;
    let attempts = if opts.dry_run {
        vec![None; picture.decisions.len()]
    } else {
        let mut log = match log::Log::open(&ctx.settings.lifecycle_log) {
            Ok(log) => log,
            Err(why) => return refuse(ctx, opts, now, &format!("the log: {why}")),
        };
        for line in &picture.notices {
            let _ = log.line(now, line);
        }
        let engine = ctx.engine()?;
        let attempts = apply::actions(&engine, &picture.decisions, &mut log, now);
        if let Some(store) = &picture.store {
            for e in apply::streaks(store, &picture.decisions, &picture.known) {
                ctx.err(&format!("{NAME}: {e}\n"));
                code = 1;
            }
        }
        attempts
    };
    let failed = attempts.iter().any(|a| matches!(a, Some(Err(_))));
    let problems = picture
        .decisions
        .iter()
        .any(|d| d.notes.iter().any(|n| matches!(n, plan::Note::Problem(_))));
    if failed || problems {
        code = 1;
    }
    let text = if opts.json {
        render::json(&picture.decisions, &attempts, opts.dry_run, now)
    } else {
        render::human(&picture.decisions, &attempts, opts.dry_run)
    };
    ctx.out(&text);
    Ok(code)
}

/// Nothing is done: say why (and log it on a real run), exit 1.
fn refuse(ctx: &mut Ctx, opts: &Options, now: u64, why: &str) -> Outcome {
    let line = format!("{NAME}: {why}: nothing was done");
    if !opts.dry_run {
        if let Ok(mut log) = log::Log::open(&ctx.settings.lifecycle_log) {
            let _ = log.line(now, &line);
        }
    }
    if opts.json {
        ctx.out(&render::json_error(opts.dry_run, now, why));
    }
    Err(Failure::stderr(1, format!("{line}\n")))
}

/// Read everything and make the plan; any source that cannot be read
/// ends the run before anything is done.
fn picture(ctx: &mut Ctx, opts: &Options, now: u64) -> Result<Picture, String> {
    let config = ctx
        .config()
        .map_err(|e| format!("cannot read DS01's configuration: {e}"))?;
    let engine = ctx
        .engine()
        .map_err(|e| format!("cannot reach the engine: {e}"))?;
    let listed =
        gather::containers(&engine).map_err(|e| format!("cannot read the containers: {e}"))?;
    let mut notices = Vec::new();
    let inventory = inventory(ctx, gather::any_devices(&listed), &mut notices)?;
    let facts: Vec<Facts> = listed
        .iter()
        .map(|r| gather::facts(&engine, r, &inventory))
        .collect();
    let store = state::StreakStore::open(&ctx.settings.state_dir, !opts.dry_run)
        .map_err(|e| format!("the idle records: {e}"))?;
    let streaks = match &store {
        Some(s) => s
            .load(!opts.dry_run, &mut notices)
            .map_err(|e| format!("the idle records: {e}"))?,
        None => BTreeMap::new(),
    };
    let utilization = utilization_if_needed(ctx, &facts, &inventory)?;
    let decisions = facts
        .iter()
        .map(|f| {
            let limits = rules::resolve(&config, &f.owner, &f.kind, now);
            let input = Inputs {
                limits: limits.as_ref().map_err(String::as_str),
                streak: streaks.get(&f.id).copied(),
                utilization: utilization.as_ref(),
                now,
            };
            plan::decide(f, &input)
        })
        .collect();
    Ok(Picture {
        decisions,
        known: streaks.into_keys().collect(),
        store,
        notices,
    })
}

/// The GPU inventory, when some container names devices.
/// An unreadable fixture ends the run; an ignored snapshot (stale, or one
/// a user planted) is only a notice, since nvidia-smi answered instead:
/// otherwise any user could stop enforcement by planting one.
fn inventory(ctx: &Ctx, needed: bool, notices: &mut Vec<String>) -> Result<Inventory, String> {
    if !needed {
        return Ok(Inventory::default());
    }
    let fixture = ctx.settings.gpu_fixture.as_deref();
    // The companion's snapshot is judged fresh by the real clock.
    let (inventory, warning) =
        Inventory::detect(fixture, Some(&ctx.settings.state_dir), SystemTime::now());
    match warning {
        Some(w) if fixture.is_some() => Err(format!("cannot read the GPU inventory: {w}")),
        Some(w) => {
            notices.push(w);
            Ok(inventory)
        }
        None => Ok(inventory),
    }
}

/// The utilization, when a running container holds GPU slots.
fn utilization_if_needed(
    ctx: &Ctx,
    facts: &[Facts],
    inventory: &Inventory,
) -> Result<Option<Utilization>, String> {
    let needed = facts
        .iter()
        .any(|f| matches!(f.phase, Phase::Running { .. }) && matches!(f.gpus, Gpus::Slots(_)));
    if !needed {
        return Ok(None);
    }
    let src = UtilSources {
        fixture: ctx.settings.gpu_util_fixture.as_deref(),
        state_dir: &ctx.settings.state_dir,
        now: SystemTime::now(),
        inventory,
    };
    utilization::read(&src)
        .map(Some)
        .map_err(|e| format!("cannot read the GPUs' utilization: {e}"))
}
