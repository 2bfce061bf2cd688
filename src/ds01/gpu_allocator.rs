//! `gpu_allocator_v2 <command> ...` (also `gpu_allocator`): DS01's GPU
//! allocator CLI (`scripts/docker/gpu_allocator_v2.py`, reference §8.4)
//! over [`crate::policy::allocator`].  Subcommands, stdout contract and exit codes
//! are the original's; argument errors are argparse's (exit 2).  Ours on
//! top: `status --json`, fractional `max_gpus`, and answers that stay
//! valid until the container is created (see the allocator's reservations).

use crate::context::Ctx;
use crate::error::Outcome;
use crate::policy::allocator::{Allocator, Grant, State};
use crate::policy::pyfmt::format_g;
use crate::policy::sources::Sources;

const NAME: &str = "gpu_allocator_v2";

const PROG: &str = "gpu_allocator_v2.py";
const CHOICES: [&str; 7] = [
    "allocate",
    "release",
    "status",
    "user-count",
    "release-stale",
    "allocate-multi",
    "allocate-external",
];

fn main_usage() -> String {
    let choices = format!("{{{}}}", CHOICES.join(","));
    format!("usage: {PROG} [-h]\n                           {choices}\n                           ...\n")
}

fn help() -> String {
    let choices = format!("{{{}}}", CHOICES.join(","));
    format!(
        "{}\nHands out GPUs and MIG slices to containers; who holds what is read from Docker.\n\n\
positional arguments:\n  {choices}\n                        what to do\n\
    allocate            pick one GPU/MIG slot for a container\n\
    release             forget a container's GPU (removing the container frees it)\n\
    status              show which slots are taken\n\
    user-count          print how many GPU containers a user has\n\
    release-stale       remove stopped containers whose GPU hold is over\n\
    allocate-multi      pick several slots for one container\n\
    allocate-external   pick a slot for a container made outside ds01\n\
                        (devcontainer, compose, docker run)\n\n\
options:\n  -h, --help            show this help and exit\n",
        main_usage()
    )
}

/// One subcommand's arguments: (name, positionals, optional positionals, flags).
struct Sub {
    name: &'static str,
    positionals: &'static [&'static str],
    optional: &'static [&'static str],
    flags: &'static [&'static str],
    usage: &'static str,
}

const SUBS: [Sub; 7] = [
    Sub {
        name: "allocate",
        positionals: &["user", "container", "max_gpus", "priority"],
        optional: &[],
        flags: &[],
        usage: "[-h] user container max_gpus priority",
    },
    Sub {
        name: "release",
        positionals: &["container"],
        optional: &[],
        flags: &[],
        usage: "[-h] container",
    },
    Sub {
        name: "status",
        positionals: &[],
        optional: &[],
        flags: &["--json"],
        usage: "[-h] [--json]",
    },
    Sub {
        name: "user-count",
        positionals: &["user"],
        optional: &[],
        flags: &[],
        usage: "[-h] user",
    },
    Sub {
        name: "release-stale",
        positionals: &[],
        optional: &["user"],
        flags: &[],
        usage: "[-h] [user]",
    },
    Sub {
        name: "allocate-multi",
        positionals: &["user", "container", "container_type", "num_gpus"],
        optional: &[],
        flags: &["--prefer-full"],
        usage: "[-h] [--prefer-full]\n                                          user container container_type\n                                          num_gpus",
    },
    Sub {
        name: "allocate-external",
        positionals: &["user", "container_type"],
        optional: &[],
        flags: &[],
        usage: "[-h] user container_type",
    },
];

/// Parsed subcommand arguments.
struct Args {
    values: Vec<String>,
    flags: Vec<&'static str>,
}

/// What the process prints and its exit code.
struct Out {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Out {
    fn ok(stdout: String) -> Out {
        Out {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }
    fn fail(stdout: String) -> Out {
        Out {
            stdout,
            stderr: String::new(),
            code: 1,
        }
    }
    fn usage_error(usage: String, prog: &str, message: &str) -> Out {
        Out {
            stdout: String::new(),
            stderr: format!("{usage}{prog}: error: {message}\n"),
            code: 2,
        }
    }
}

fn sub_usage(s: &Sub) -> String {
    format!("usage: {PROG} {} {}\n", s.name, s.usage)
}

fn parse_sub(s: &Sub, rest: &[String]) -> Result<Args, Out> {
    let mut values = Vec::new();
    let mut flags = Vec::new();
    let mut unknown = Vec::new();
    let mut only_positionals = false;
    for a in rest {
        if !only_positionals && a == "--" {
            only_positionals = true;
        } else if !only_positionals && (a == "-h" || a == "--help") {
            let text = format!(
                "{}\npositional and optional arguments are described in `gpu_allocator_v2 -h`.\n",
                sub_usage(s)
            );
            return Err(Out::ok(text));
        } else if !only_positionals
            && a.starts_with('-')
            && a.len() > 1
            && a.parse::<f64>().is_err()
        {
            match s.flags.iter().find(|f| **f == a) {
                Some(f) => flags.push(*f),
                None => unknown.push(a.clone()),
            }
        } else if values.len() < s.positionals.len() + s.optional.len() {
            values.push(a.clone());
        } else {
            unknown.push(a.clone());
        }
    }
    if values.len() < s.positionals.len() {
        let missing = s.positionals[values.len()..].join(", ");
        return Err(Out::usage_error(
            sub_usage(s),
            &format!("{PROG} {}", s.name),
            &format!("the following arguments are required: {missing}"),
        ));
    }
    if !unknown.is_empty() {
        return Err(Out::usage_error(
            main_usage(),
            PROG,
            &format!("unrecognized arguments: {}", unknown.join(" ")),
        ));
    }
    Ok(Args { values, flags })
}

fn number<T: std::str::FromStr>(s: &Sub, name: &str, kind: &str, v: &str) -> Result<T, Out> {
    v.trim().parse().map_err(|_| {
        Out::usage_error(
            sub_usage(s),
            &format!("{PROG} {}", s.name),
            &format!("argument {name}: invalid {kind} value: '{v}'"),
        )
    })
}

/// `gpu_allocator_v2 ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let sources = Sources::of(ctx);
    let out = run(&sources, args);
    for note in sources.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    ctx.out(&out.stdout);
    ctx.err(&out.stderr);
    Ok(out.code)
}

fn run(sources: &Sources, args: &[String]) -> Out {
    let Some(command) = args.first() else {
        return Out::fail(help());
    };
    if command == "-h" || command == "--help" {
        return Out::ok(help());
    }
    let Some(sub) = SUBS.iter().find(|s| s.name == command) else {
        if command.starts_with('-') {
            return Out::usage_error(
                main_usage(),
                PROG,
                "the following arguments are required: command",
            );
        }
        let choices: Vec<String> = CHOICES.iter().map(|c| format!("'{c}'")).collect();
        return Out::usage_error(
            main_usage(),
            PROG,
            &format!(
                "argument command: invalid choice: '{command}' (choose from {})",
                choices.join(", ")
            ),
        );
    };
    let a = match parse_sub(sub, &args[1..]) {
        Ok(a) => a,
        Err(out) => return out,
    };
    match dispatch(sources, sub, &a) {
        Ok(out) | Err(out) => out,
    }
}

/// The allocator, waiting in turn with `priority` (None: the user's
/// configured one, or the default when there is no user).
fn open(sources: &Sources, user: Option<&str>, priority: Option<i64>) -> Result<Allocator, Out> {
    let config = sources.config.clone().map_err(|e| {
        let f = e.failure(NAME);
        Out {
            stdout: f.stdout,
            stderr: f.stderr,
            code: f.code,
        }
    })?;
    let priority = priority.unwrap_or_else(|| {
        user.map_or(crate::policy::allocator::DEFAULT_PRIORITY, |u| {
            Allocator::priority_of(&config, u)
        })
    });
    Allocator::open(sources, config, priority).map_err(|e| Out {
        stdout: format!("✗ Allocation failed: {e}\n"),
        stderr: format!("Error: GPU allocation failed: {e}\n"),
        code: 1,
    })
}

fn dispatch(sources: &Sources, sub: &Sub, a: &Args) -> Result<Out, Out> {
    let v = |i: usize| a.values.get(i).map_or("", String::as_str);
    Ok(match sub.name {
        "allocate" => {
            let max: f64 = number(sub, "max_gpus", "float", v(2))?;
            let priority: i64 = number(sub, "priority", "int", v(3))?;
            let (user, container) = (v(0), v(1));
            let mut alloc = open(sources, Some(user), Some(priority))?;
            match alloc.allocate(user, container, Some(max)) {
                Ok(g) if g.already => Out::ok(format!(
                    "⚠ Container {container} already has GPU/MIG {} allocated\nDOCKER_ID={}\n",
                    g.slots[0], g.uuids[0]
                )),
                Ok(g) => {
                    reserve(&mut alloc, container, user, &g)?;
                    Out::ok(format!(
                        "✓ Allocated GPU/MIG {} to {container}\nDOCKER_ID={}\n",
                        g.slots[0], g.uuids[0]
                    ))
                }
                Err(reason) => Out::fail(format!("✗ Allocation failed: {reason}\n")),
            }
        }
        "allocate-multi" => {
            let n: i64 = number(sub, "num_gpus", "int", v(3))?;
            let (user, container) = (v(0), v(1));
            let mut alloc = open(sources, Some(user), None)?;
            match alloc.allocate_multi(user, container, n) {
                Ok(g) => {
                    let keys = multi_keys(&g);
                    if g.already {
                        Out::ok(format!(
                            "⚠ Container {container} already has GPU(s) {} allocated\n{keys}",
                            g.slots.join(",")
                        ))
                    } else {
                        reserve(&mut alloc, container, user, &g)?;
                        Out::ok(format!(
                            "✓ Allocated {} GPU slot(s) to {container}\n{keys}",
                            g.slots.len()
                        ))
                    }
                }
                Err(reason) => Out::fail(format!("✗ Allocation failed: {reason}\n")),
            }
        }
        "allocate-external" => {
            let (user, kind) = (v(0), v(1));
            let mut alloc = open(sources, Some(user), None)?;
            match alloc.allocate_external(user) {
                Ok(g) => {
                    let name = format!("external-{kind}-{user}-{}", std::process::id());
                    reserve(&mut alloc, &name, user, &g)?;
                    Out::ok(format!("DOCKER_ID={}\nSTATUS=SUCCESS\n", g.uuids[0]))
                }
                Err(reason) if reason.starts_with("QUOTA_EXCEEDED") => {
                    Out::fail(format!("STATUS=QUOTA_EXCEEDED\nREASON={reason}\n"))
                }
                Err(reason) => Out::fail(format!("STATUS=FAILED\nREASON={reason}\n")),
            }
        }
        "release" => {
            let container = v(0);
            let mut alloc = open(sources, None, None)?;
            let held = alloc.holding(container);
            let reserved = alloc.unreserve(container).map_err(Out::fail)?;
            match (held, reserved) {
                (Some(g), _) => Out::ok(format!(
                    "✓ Released GPU/MIG {} from {container}\n",
                    g.slots[0]
                )),
                (None, Some(r)) if !r.uuids.is_empty() => {
                    let slot = alloc.state.reader.inventory().slot_of(&r.uuids[0]);
                    Out::ok(format!(
                        "✓ Released GPU/MIG {} from {container}\n",
                        slot.unwrap_or_else(|| r.uuids[0].clone())
                    ))
                }
                _ => Out::ok(format!("✗ No GPU allocated to {container}\n")),
            }
        }
        "status" => status(sources, a.flags.contains(&"--json")),
        "user-count" => {
            let mut state = State::read_for_report(sources);
            Out::ok(format!("{}\n", state.user_container_count(v(0))))
        }
        "release-stale" => {
            let user = a.values.first().map(String::as_str);
            let mut alloc = open(sources, user, None)?;
            let removed = alloc.release_stale(user);
            if removed.is_empty() {
                Out::ok("✓ No stale containers found\n".to_string())
            } else {
                let mut text: String = removed
                    .iter()
                    .map(|(c, r)| format!("✓ Removed {c}: {r}\n"))
                    .collect();
                text.push_str(&format!(
                    "\n✓ Removed {} stale container(s) (GPUs freed automatically)\n",
                    removed.len()
                ));
                Out::ok(text)
            }
        }
        _ => Out::fail(help()),
    })
}

/// Hold the answer for the caller until it creates the container.
fn reserve(alloc: &mut Allocator, container: &str, user: &str, g: &Grant) -> Result<(), Out> {
    let reservation = alloc.reservation_for_a_while(container, user, g.uuids.clone());
    alloc
        .reserve(reservation)
        .map_err(|e| Out::fail(format!("✗ Allocation failed: INTERNAL_ERROR: {e}\n")))
}

fn multi_keys(g: &Grant) -> String {
    format!(
        "GPU_SLOTS={}\nDOCKER_IDS={}\nSLOT_COUNT={}\nGPU_EQUIV={}\n",
        g.slots.join(","),
        g.uuids.join(","),
        g.slots.len(),
        format_g(g.gpueq)
    )
}

/// Slots held, by slot: (slot, uuid, containers, users).
type Holdings = Vec<(String, String, Vec<String>, Vec<String>)>;

fn holdings(state: &mut State) -> Holdings {
    let mut out: Holdings = state
        .reader
        .allocations()
        .into_iter()
        .map(|a| {
            let users = a.users.into_iter().map(|(u, _)| u).collect();
            (a.slot, a.uuid, a.containers, users)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn status(sources: &Sources, json: bool) -> Out {
    let mut state = State::read_for_report(sources);
    let (total, allocated, percent) = state.utilization();
    let rows = holdings(&mut state);
    if json {
        let allocations: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(slot, uuid, containers, users)| {
                (
                    slot.clone(),
                    serde_json::json!({"uuid": uuid, "containers": containers, "users": users}),
                )
            })
            .collect();
        let reservations: Vec<serde_json::Value> = state
            .reservations
            .iter()
            .map(|r| {
                serde_json::json!({
                    "container": r.container, "user": r.user, "uuids": r.uuids,
                    "pid": (r.pid != 0).then_some(r.pid), "expires": r.expires,
                })
            })
            .collect();
        let value = serde_json::json!({
            "total_gpus": total,
            "allocated": allocated,
            "available": total - allocated,
            "utilization_percent": (percent * 10.0).round() / 10.0,
            "allocations": allocations,
            "reservations": reservations,
        });
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        return Out::ok(format!("{text}\n"));
    }
    let mut text =
        format!("\nGPU Status: {allocated}/{total} allocated ({percent:.1}% utilization)\n\n");
    for (slot, uuid, containers, _) in rows {
        let containers = if containers.is_empty() {
            "none".to_string()
        } else {
            containers.join(", ")
        };
        text.push_str(&format!(
            "GPU/MIG {slot}:\n  UUID: {uuid}\n  Containers: {containers}\n\n"
        ));
    }
    Out::ok(text)
}
