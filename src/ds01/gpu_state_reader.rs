//! `gpu-state-reader <command> [args]`: who holds which GPU/MIG slot
//! (DS01's `scripts/docker/gpu-state-reader.py`, reference spec §8.4), as
//! [`crate::policy::gpu_state`] reads it.  Outputs are the original's byte for byte (Python `print`, `repr` of dicts, `json.dumps`
//! with `indent=2`), with these deliberate differences (reference §12):
//! - `user-gpu-equiv` counts a MIG slot as its real compute fraction
//!   (`3g.20gb` = 3/7) from the inventory; the original never passed the
//!   profile and counted every MIG slot as 0.0, so MIG use consumed no quota.
//! - `json` shows a MIG slot's real profile where the inventory knows it
//!   (the original always wrote `1g.10gb`).
//! - a container labelled `ds01.interface=api` is listed under its own
//!   `api` heading by `by-interface`/`json-by-interface` (the original died
//!   with a `KeyError` traceback).
//! - an engine that does not answer is an error (the docker CLI's message,
//!   exit 1); the original's failed `docker ps` read as "no containers".

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::gpu_state::{ContainerInfo, GpuInfo, Num, Reader, Unmanaged, INTERFACES};
use crate::policy::pyfmt;
use crate::policy::sources::Sources;
use serde_yaml::{Mapping, Value};

const USAGE: &str = "\
Usage: gpu-state-reader.py <command> [args]

Commands:
  all                    - Show all GPU allocations
  by-interface           - Show containers grouped by interface
  container <name>       - Show GPU for specific container
  user <username>        - Show user's GPU allocations (with MIG-equiv)
  user-mig-total <user>  - Get total MIG-equivalents for user
  user-gpu-count <user>  - Get GPU/MIG slot count for display
  user-gpu-equiv <user>  - Get total GPU-equivalents (gpueq, float) for user
  unmanaged              - Show containers with GPU access outside DS01 tracking
  json                   - Output all allocations as JSON
  json-by-interface      - Output containers by interface as JSON
  json-unmanaged         - Output unmanaged GPU containers as JSON
";

/// `gpu-state-reader ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let mut reader = Reader::new(Sources::of(ctx));
    // Engine errors are errors (the original showed an empty state).
    let result = match args.first() {
        Some(_) => reader
            .load()
            .map_err(Failure::from)
            .and_then(|()| run(&mut reader, args)),
        None => run(&mut reader, args),
    };
    // What the reader noticed (an unreadable configuration, ...) may be
    // why the answer is wrong or missing, so it is told even on failure.
    for note in reader.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    ctx.out(&result?);
    Ok(0)
}

/// What one invocation prints on stdout; a failure carries its message on
/// stdout and exit code 1, as the original printed everything there.
pub fn run(reader: &mut Reader, args: &[String]) -> Result<String, Failure> {
    let Some(command) = args.first() else {
        return Err(Failure::stdout(1, USAGE));
    };
    match (command.as_str(), args.get(1)) {
        ("all", _) => Ok(all(reader)),
        ("by-interface", _) => Ok(by_interface(reader)),
        ("json", _) => Ok(json_all(reader)),
        ("json-by-interface", _) => Ok(json_by_interface(reader)),
        ("container", Some(name)) => container(reader, name),
        ("user", Some(user)) => Ok(user_report(reader, user)),
        ("user-mig-total", Some(user)) => Ok(user_mig_total(reader, user)),
        ("user-gpu-count", Some(user)) => Ok(user_gpu_count(reader, user)),
        ("user-gpu-equiv", Some(user)) => Ok(user_gpu_equiv(reader, user)),
        ("unmanaged", _) => Ok(unmanaged(reader)),
        ("json-unmanaged", _) => Ok(json_unmanaged(reader)),
        // A command that needs an argument and lacks it is "unknown", as
        // the original's dispatch fell through to its last branch.
        (other, _) => Err(Failure::stdout(1, format!("Unknown command: {other}\n"))),
    }
}

/// `all`: every occupied slot, in slot order, with its holders.
fn all(reader: &mut Reader) -> String {
    let mut allocations = reader.allocations();
    allocations.sort_by(|a, b| a.slot.cmp(&b.slot));
    let mut out = String::new();
    for a in allocations {
        let containers = if a.containers.is_empty() {
            "none".to_string()
        } else {
            a.containers.join(", ")
        };
        out.push_str(&format!(
            "\nGPU/MIG {}:\n  UUID: {}\n  Containers: {containers}\n  Users: {}\n",
            a.slot,
            a.uuid,
            dict_repr(&a.users)
        ));
        if !a.interfaces.is_empty() {
            out.push_str(&format!("  Interfaces: {}\n", dict_repr(&a.interfaces)));
        }
    }
    out
}

/// `by-interface`: one heading per interface, each container under it.
fn by_interface(reader: &mut Reader) -> String {
    let mut out = String::new();
    for (interface, containers) in reader.by_interface() {
        out.push_str(&format!(
            "\n{} ({}):\n",
            interface_title(&interface),
            containers.len()
        ));
        if containers.is_empty() {
            out.push_str("  (none)\n");
        }
        for c in containers {
            let gpu = c.gpu.map_or("no GPU".to_string(), |g| format!("GPU:{g}"));
            out.push_str(&format!(
                "  {} {} [{}] {gpu}\n",
                status_mark(c.running),
                c.name,
                c.user
            ));
        }
    }
    out
}

/// The heading of an interface; one the original did not know (`api`) is
/// shown by its own name rather than failing.
fn interface_title(interface: &str) -> &str {
    INTERFACES
        .iter()
        .find(|(k, _)| *k == interface)
        .map_or(interface, |(_, t)| t)
}

/// `json`: every occupied slot, keyed by slot, in the order first seen.
fn json_all(reader: &mut Reader) -> String {
    let map: Mapping = reader
        .allocations()
        .into_iter()
        .map(|a| (Value::from(a.slot.clone()), a.to_value()))
        .collect();
    json_line(&Value::Mapping(map))
}

/// `json-by-interface`: the containers of each interface.
fn json_by_interface(reader: &mut Reader) -> String {
    let map: Mapping = reader
        .by_interface()
        .into_iter()
        .map(|(k, cs)| {
            let list = cs.iter().map(ContainerInfo::to_value).collect();
            (Value::from(k), Value::Sequence(list))
        })
        .collect();
    json_line(&Value::Mapping(map))
}

/// `container NAME`: its GPU as JSON; exit 1 when it has none.
fn container(reader: &mut Reader, name: &str) -> Result<String, Failure> {
    match reader.container_gpu(name) {
        Some(info) => Ok(json_line(&info.to_value())),
        None => Err(Failure::stdout(
            1,
            format!("Container {name} has no GPU or not found\n"),
        )),
    }
}

/// `user USER`: the user's containers with their slots and MIG-equivalents.
fn user_report(reader: &mut Reader, user: &str) -> String {
    let allocations = reader.user_allocations(user);
    let mut out = format!(
        "GPU allocations for {user} (total: {} MIG-equiv):\n",
        mig_equiv_total(&allocations)
    );
    for a in allocations {
        let mig_info = if a.mig_equiv.value() > 1.0 {
            format!("({} MIG-equiv)", a.mig_equiv)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {} {}: GPU {} {mig_info} [{}]\n",
            status_mark(a.running),
            a.name,
            a.slots.join(","),
            a.interface
        ));
    }
    out
}

/// The MIG-equivalents of these containers together.
fn mig_equiv_total(allocations: &[GpuInfo]) -> Num {
    allocations.iter().fold(Num::Int(0), |t, a| t + a.mig_equiv)
}

/// `user-mig-total USER`: the user's MIG-equivalents.
fn user_mig_total(reader: &mut Reader, user: &str) -> String {
    format!("{}\n", mig_equiv_total(&reader.user_allocations(user)))
}

/// `user-gpu-count USER`: how many distinct slots the user holds.
fn user_gpu_count(reader: &mut Reader, user: &str) -> String {
    format!("{}\n", reader.user_slots(user).len())
}

/// `user-gpu-equiv USER`: GPU-equivalents as a Python float.
fn user_gpu_equiv(reader: &mut Reader, user: &str) -> String {
    format!("{}\n", pyfmt::float_repr(reader.user_gpu_equivalents(user)))
}

/// `unmanaged`: containers with GPU access that DS01 does not track.
fn unmanaged(reader: &mut Reader) -> String {
    let unmanaged = reader.unmanaged();
    if unmanaged.is_empty() {
        return "No unmanaged GPU containers detected.\n".to_string();
    }
    let mut out = format!(
        "\n⚠️  UNMANAGED GPU CONTAINERS ({}):\n   (These containers bypass DS01 tracking and resource limits)\n\n",
        unmanaged.len()
    );
    for u in &unmanaged {
        out.push_str(&unmanaged_entry(u));
    }
    out
}

/// One container of `unmanaged`, with where it came from when known.
fn unmanaged_entry(u: &Unmanaged) -> String {
    let gpus = if u.access.count == -1 {
        "all GPUs".to_string()
    } else {
        format!("{} GPU(s)", u.access.count)
    };
    let warning = if u.access.kind == "all" {
        " ⚠️ UNRESTRICTED"
    } else {
        ""
    };
    let mut out = format!(
        "  {} {}\n      User: {}\n      GPUs: {gpus}{warning}\n",
        status_mark(u.container.running),
        u.container.name,
        u.user
    );
    let project = u.container.label("com.docker.compose.project");
    if !project.is_empty() {
        out.push_str(&format!(
            "      Compose: {project}/{}\n",
            u.container.label("com.docker.compose.service")
        ));
    }
    let folder = u.container.label("devcontainer.local_folder");
    if !folder.is_empty() {
        out.push_str(&format!("      DevContainer: {folder}\n"));
    }
    out.push('\n');
    out
}

/// `json-unmanaged`: the unmanaged containers as a JSON list.
fn json_unmanaged(reader: &mut Reader) -> String {
    let list = reader.unmanaged().iter().map(Unmanaged::to_value).collect();
    json_line(&Value::Sequence(list))
}

/// `print(json.dumps(v, indent=2))`.
fn json_line(v: &Value) -> String {
    let mut out = json_indent(v);
    out.push('\n');
    out
}

fn status_mark(running: bool) -> &'static str {
    if running {
        "🟢"
    } else {
        "○"
    }
}

/// Python's `repr` of a `{str: int}` dict.
fn dict_repr(counts: &[(String, i64)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{}: {n}", pyfmt::repr(&Value::from(k.clone()))))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// `json.dumps(v, indent=2)`.
pub fn json_indent(v: &Value) -> String {
    let mut out = String::new();
    write_indented(v, 0, &mut out);
    out
}

fn write_indented(v: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match v {
        Value::Sequence(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad(depth + 1));
                write_indented(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Mapping(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad(depth + 1));
                out.push_str(&pyfmt::json_str(&pyfmt::str_of(k)));
                out.push_str(": ");
                write_indented(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push('}');
        }
        other => out.push_str(&pyfmt::json(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::gpu_state::Container;
    use crate::policy::gpus::Inventory;
    use bollard::models::DeviceRequest;

    const FAKE_LIST: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-0a0a0a0a-1111-2222-3333-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-1b1b1b1b-1111-2222-3333-111111111111)
GPU 2: NVIDIA A100-SXM4-40GB (UUID: GPU-2c2c2c2c-1111-2222-3333-222222222222)
  MIG 3g.20gb     Device  0: (UUID: MIG-2c000000-aaaa-bbbb-cccc-000000000000)
  MIG 3g.20gb     Device  1: (UUID: MIG-2c000001-aaaa-bbbb-cccc-000000000001)
GPU 3: NVIDIA A100-SXM4-40GB (UUID: GPU-3d3d3d3d-1111-2222-3333-333333333333)
  MIG 2g.10gb     Device  0: (UUID: MIG-3d000000-aaaa-bbbb-cccc-000000000000)
";

    fn container(name: &str, labels: &[(&str, &str)], ids: &[&str], running: bool) -> Container {
        Container {
            name: name.to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            cgroup_parent: String::new(),
            device_requests: if ids.is_empty() {
                Vec::new()
            } else {
                vec![DeviceRequest {
                    driver: Some(String::new()),
                    count: Some(0),
                    device_ids: Some(ids.iter().map(|s| s.to_string()).collect()),
                    capabilities: Some(vec![vec!["gpu".to_string()]]),
                    options: None,
                }]
            },
            running,
            status: if running { "running" } else { "created" }.to_string(),
            ..Default::default()
        }
    }

    fn reader() -> Reader {
        let mut compose = container("web_1", &[("com.docker.compose.project", "p")], &[], true);
        compose.device_requests = vec![DeviceRequest {
            count: Some(-1),
            capabilities: Some(vec![vec!["gpu".to_string()]]),
            ..Default::default()
        }];
        let mut slice = container("plain", &[], &[], false);
        slice.cgroup_parent = "ds01-student-carol.slice".to_string();
        let containers = vec![
            container(
                "wgpu._.2001",
                &[("ds01.user", "alice"), ("ds01.interface", "atomic")],
                &["GPU-0a0a0a0a-1111-2222-3333-000000000000"],
                false,
            ),
            container(
                "multi._.2001",
                &[
                    ("aime.mlc.USER", "alice"),
                    (
                        "ds01.gpu.uuids",
                        "MIG-2c000000-aaaa-bbbb-cccc-000000000000, MIG-3d000000-aaaa-bbbb-cccc-000000000000",
                    ),
                ],
                &[],
                true,
            ),
            container(
                "job",
                &[("ds01.user", "bob"), ("ds01.interface", "orchestration")],
                &["MIG-2c000001-aaaa-bbbb-cccc-000000000001"],
                true,
            ),
            slice,
            compose,
        ];
        Reader::with(containers, Inventory::parse_list(FAKE_LIST), Num::Int(1))
    }

    fn run_args(args: &[&str]) -> Result<String, Failure> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run(&mut reader(), &args)
    }

    /// The text of a successful run.
    fn ok(args: &[&str]) -> String {
        match run_args(args) {
            Ok(out) => out,
            Err(f) => panic!("{args:?} failed: {f:?}"),
        }
    }

    #[test]
    fn usage_and_unknown() {
        assert_eq!(run_args(&[]), Err(Failure::stdout(1, USAGE)));
        assert_eq!(
            run_args(&["bogus"]),
            Err(Failure::stdout(1, "Unknown command: bogus\n"))
        );
        assert_eq!(
            run_args(&["user"]),
            Err(Failure::stdout(1, "Unknown command: user\n"))
        );
    }

    #[test]
    fn empty_host() {
        let mut r = Reader::with(Vec::new(), Inventory::default(), Num::Int(1));
        let mut go = |a: &[&str]| {
            let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            run(&mut r, &args)
        };
        assert_eq!(go(&["all"]), Ok(String::new()));
        assert_eq!(go(&["json"]), Ok("{}\n".into()));
        assert_eq!(go(&["json-unmanaged"]), Ok("[]\n".into()));
        assert_eq!(
            go(&["json-by-interface"]),
            Ok("{\n  \"orchestration\": [],\n  \"atomic\": [],\n  \"docker\": [],\n  \"other\": []\n}\n".into())
        );
        assert_eq!(
            go(&["user", "alice"]),
            Ok("GPU allocations for alice (total: 0 MIG-equiv):\n".into())
        );
        assert_eq!(go(&["user-mig-total", "alice"]), Ok("0\n".into()));
        assert_eq!(go(&["user-gpu-equiv", "alice"]), Ok("0.0\n".into()));
        assert_eq!(
            go(&["container", "demo._.2001"]),
            Err(Failure::stdout(
                1,
                "Container demo._.2001 has no GPU or not found\n"
            ))
        );
        assert_eq!(
            go(&["unmanaged"]),
            Ok("No unmanaged GPU containers detected.\n".into())
        );
    }

    #[test]
    fn allocations() {
        assert_eq!(
            ok(&["all"]),
            "\nGPU/MIG 0:\n  UUID: GPU-0a0a0a0a-1111-2222-3333-000000000000\n  Containers: wgpu._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n\
             \nGPU/MIG 2.0:\n  UUID: MIG-2c000000-aaaa-bbbb-cccc-000000000000\n  Containers: multi._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n\
             \nGPU/MIG 2.1:\n  UUID: MIG-2c000001-aaaa-bbbb-cccc-000000000001\n  Containers: job\n  Users: {'bob': 1}\n  Interfaces: {'orchestration': 1}\n\
             \nGPU/MIG 3.0:\n  UUID: MIG-3d000000-aaaa-bbbb-cccc-000000000000\n  Containers: multi._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n"
        );
        let json = ok(&["json"]);
        assert!(json.starts_with("{\n  \"0\": {\n    \"type\": \"mig_instance\",\n    \"containers\": [\n      \"wgpu._.2001\"\n    ],\n    \"users\": {\n      \"alice\": 1\n    },\n"));
        assert!(json.contains("\"profile\": \"3g.20gb\""));
        assert_eq!(
            ok(&["user", "alice"]),
            "GPU allocations for alice (total: 3 MIG-equiv):\n  ○ wgpu._.2001: GPU 0  [atomic]\n  🟢 multi._.2001: GPU 2.0,3.0 (2 MIG-equiv) [atomic]\n"
        );
        assert_eq!(ok(&["user-mig-total", "alice"]), "3\n");
        assert_eq!(ok(&["user-gpu-count", "alice"]), "3\n");
        assert_eq!(ok(&["user-gpu-count", "bob"]), "1\n");
        // 1 + 3/7 + 2/7
        assert_eq!(
            ok(&["user-gpu-equiv", "alice"]),
            format!("{}\n", pyfmt::float_repr(1.0 + 3.0 / 7.0 + 2.0 / 7.0))
        );
        let one = ok(&["container", "job"]);
        assert!(one.contains("  \"gpu_slots\": [\n    \"2.1\"\n  ],\n  \"mig_equiv\": 1,\n"));
        assert!(one.ends_with("  \"user\": \"bob\",\n  \"interface\": \"orchestration\"\n}\n"));
    }

    #[test]
    fn interfaces_and_unmanaged() {
        assert_eq!(
            ok(&["by-interface"]),
            "\nDS01 ORCHESTRATION (1):\n  🟢 job [bob] GPU:2.1\n\
             \nDS01 ATOMIC (2):\n  ○ wgpu._.2001 [alice] GPU:0\n  🟢 multi._.2001 [alice] GPU:2.0\n\
             \nDOCKER DIRECT (1):\n  ○ plain [carol] no GPU\n\
             \nOTHER (VS Code, Compose, etc.) (0):\n  (none)\n"
        );
        assert_eq!(
            ok(&["unmanaged"]),
            "\n⚠️  UNMANAGED GPU CONTAINERS (1):\n   (These containers bypass DS01 tracking and resource limits)\n\n  🟢 web_1\n      User: unknown\n      GPUs: all GPUs ⚠️ UNRESTRICTED\n      Compose: p/\n\n"
        );
        assert!(ok(&["json-unmanaged"])
            .contains("\"gpu_count\": -1,\n    \"gpu_uuids\": [],\n    \"access_type\": \"all\","));
    }
}
