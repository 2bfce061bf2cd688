//! What a docker command line asks for, read without running anything:
//! the subcommand (after the CLI's global options), the containers it
//! targets, and for `run`/`create` the options that matter to DS01
//! (labels, `--gpus`, `--memory`, `--name`).  Pure functions; the wrapper
//! decides with them.

/// Global options of the docker CLI that take a separate value.
const GLOBAL_WITH_VALUE: [&str; 10] = [
    "--config",
    "-c",
    "--context",
    "-H",
    "--host",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
];

/// What the wrapper does with a subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `ps`, `container ls|list|ps`: the list is filtered.
    List,
    /// `container prune`: filtered to the caller's containers too.
    Prune,
    /// One container, named by the first operand that is one (`exec`,
    /// `logs`, ...).
    One,
    /// Every operand is a container (`stop a b`, `inspect a b`, ...).
    Many,
    /// Like `Many`, and `ds01.protected` containers are admin-only.
    Write,
    /// `cp`: operands `CONTAINER:PATH`.
    Copy,
    /// `run`, `create`: labels, slice and GPUs injected.
    Create,
    /// Everything else: passed on as it is.
    Other,
}

/// A docker command line, split where the wrapper may insert arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub verb: Verb,
    /// The subcommand's last word (`ls` in `container ls`).
    pub sub: String,
    /// Index of the first argument after the subcommand word(s).
    pub at: usize,
}

/// The subcommand of `args` (global options skipped).
pub fn classify(args: &[String]) -> Invocation {
    let other = |at| Invocation {
        verb: Verb::Other,
        sub: String::new(),
        at,
    };
    let Some(first) = subcommand_index(args) else {
        return other(args.len());
    };
    let word = args[first].as_str();
    if word == "container" {
        let Some(sub) = args.get(first + 1) else {
            return other(args.len());
        };
        let verb = match sub.as_str() {
            "ls" | "list" | "ps" => Verb::List,
            "prune" => Verb::Prune,
            s => verb_of(s),
        };
        return Invocation {
            verb,
            sub: sub.clone(),
            at: first + 2,
        };
    }
    let verb = match word {
        "ps" => Verb::List,
        // `docker inspect` and `docker stats` name containers (and, for
        // inspect, images or networks, which the engine will not find as
        // containers and which are passed on).
        s => verb_of(s),
    };
    Invocation {
        verb,
        sub: word.to_string(),
        at: first + 1,
    }
}

fn verb_of(word: &str) -> Verb {
    match word {
        "exec" | "logs" | "attach" | "top" | "port" | "diff" | "export" | "commit" | "rename" => {
            Verb::One
        }
        "inspect" | "stats" | "wait" => Verb::Many,
        "stop" | "start" | "restart" | "pause" | "unpause" | "kill" | "rm" | "remove"
        | "update" => Verb::Write,
        "cp" => Verb::Copy,
        "run" | "create" => Verb::Create,
        _ => Verb::Other,
    }
}

/// Index of the subcommand word: the first argument that is neither a
/// global option nor a global option's value.
fn subcommand_index(args: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') || a == "-" {
            return Some(i);
        }
        if a == "--" {
            return (i + 1 < args.len()).then_some(i + 1);
        }
        i += if GLOBAL_WITH_VALUE.contains(&a) { 2 } else { 1 };
    }
    None
}

/// Options of `sub` that take a separate value (so that the value is not
/// taken for a container).
fn value_options(sub: &str) -> &'static [&'static str] {
    match sub {
        "exec" => &[
            "-e",
            "--env",
            "--env-file",
            "-u",
            "--user",
            "-w",
            "--workdir",
            "--detach-keys",
        ],
        "logs" => &["--since", "--until", "-n", "--tail"],
        "inspect" => &["-f", "--format", "--type"],
        "stats" => &["--format"],
        "attach" | "start" => &["--detach-keys"],
        "export" => &["-o", "--output"],
        "commit" => &["-a", "--author", "-c", "--change", "-m", "--message"],
        "stop" | "restart" => &["-t", "--time", "-s", "--signal"],
        "kill" => &["-s", "--signal"],
        "update" => &[
            "--blkio-weight",
            "--cpu-period",
            "--cpu-quota",
            "--cpu-rt-period",
            "--cpu-rt-runtime",
            "-c",
            "--cpu-shares",
            "--cpus",
            "--cpuset-cpus",
            "--cpuset-mems",
            "-m",
            "--memory",
            "--memory-reservation",
            "--memory-swap",
            "--pids-limit",
            "--restart",
            "--kernel-memory",
        ],
        _ => &[],
    }
}

/// The operands after the subcommand, in order (options and their values
/// skipped; everything after `--` is an operand).
pub fn operands(sub: &str, rest: &[String]) -> Vec<String> {
    let takes_value = value_options(sub);
    let mut out = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let a = rest[i].as_str();
        if a == "--" {
            out.extend(rest[i + 1..].iter().cloned());
            break;
        }
        if a.starts_with('-') && a != "-" {
            i += if takes_value.contains(&a) { 2 } else { 1 };
            continue;
        }
        out.push(a.to_string());
        i += 1;
    }
    out
}

/// `docker cp` operands that name a container: `CONTAINER:PATH` (a local
/// path with a colon must start with `/` or `.`, as docker reads them).
pub fn copy_containers(rest: &[String]) -> Vec<String> {
    operands("cp", rest)
        .into_iter()
        .filter(|a| !a.starts_with('/') && !a.starts_with('.'))
        .filter_map(|a| a.split_once(':').map(|(c, _)| c.to_string()))
        .filter(|c| !c.is_empty())
        .collect()
}

/// `args` with `extra` inserted at `at`.
pub fn insert_at(args: &[String], at: usize, extra: &[String]) -> Vec<String> {
    let at = at.min(args.len());
    let mut out = args[..at].to_vec();
    out.extend(extra.iter().cloned());
    out.extend(args[at..].iter().cloned());
    out
}

/// `run`/`create` options that take a separate value (docker CLI 28).
const RUN_WITH_VALUE: [&str; 96] = [
    "--add-host",
    "--annotation",
    "-a",
    "--attach",
    "--blkio-weight",
    "--blkio-weight-device",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "--cpu-count",
    "--cpu-percent",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "-c",
    "--cpu-shares",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--detach-keys",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-option",
    "--dns-opt",
    "--dns-search",
    "--domainname",
    "--entrypoint",
    "-e",
    "--env",
    "--env-file",
    "--expose",
    "--gpus",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-period",
    "--health-start-interval",
    "--health-timeout",
    "-h",
    "--hostname",
    "--io-maxbandwidth",
    "--io-maxiops",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "-l",
    "--label",
    "--label-file",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "-m",
    "--memory",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mount",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--net-alias",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--platform",
    "-p",
    "--publish",
    "--pull",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "-u",
    "--user",
    "--userns",
    "-v",
];

/// `run`/`create` boolean options (anything else unknown makes the scan
/// fall back to the whole command line, as the original scanned it).
const RUN_FLAGS: [&str; 22] = [
    "-d",
    "--detach",
    "-i",
    "--interactive",
    "-t",
    "--tty",
    "--init",
    "--privileged",
    "-P",
    "--publish-all",
    "--read-only",
    "--rm",
    "--sig-proxy",
    "--no-healthcheck",
    "--oom-kill-disable",
    "-q",
    "--quiet",
    "--disable-content-trust",
    "--use-api-socket",
    "-it",
    "-ti",
    "-dit",
];

const RUN_WITH_VALUE_MORE: [&str; 5] = [
    "--volume",
    "--volume-driver",
    "--volumes-from",
    "-w",
    "--workdir",
];

fn run_takes_value(a: &str) -> bool {
    RUN_WITH_VALUE.contains(&a) || RUN_WITH_VALUE_MORE.contains(&a)
}

/// How many arguments of a `run`/`create` (after the subcommand) are its
/// options: up to the image.  An option we do not know makes it all of
/// them (the container's own command is then scanned too, as the
/// original always did).
pub fn run_options_len(rest: &[String]) -> usize {
    let mut i = 0;
    while i < rest.len() {
        let a = rest[i].as_str();
        if a == "--" || !a.starts_with('-') || a == "-" {
            return i;
        }
        if a.contains('=') || RUN_FLAGS.contains(&a) {
            i += 1;
        } else if run_takes_value(a) {
            i += 2;
        } else if a.len() > 2 && !a.starts_with("--") && a[1..].chars().all(|c| "dit".contains(c)) {
            i += 1;
        } else {
            return rest.len();
        }
    }
    rest.len()
}

/// Each value given to option `names` (`--opt V`, `--opt=V`).
pub fn values_of(opts: &[String], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let a = opts[i].as_str();
        if names.contains(&a) {
            if let Some(v) = opts.get(i + 1) {
                out.push(v.clone());
            }
            i += 2;
            continue;
        }
        if let Some((name, v)) = a.split_once('=') {
            if names.contains(&name) {
                out.push(v.to_string());
            }
        }
        i += 1;
    }
    out
}

/// The labels given (`--label K=V`, `-l K=V`, `--label=K=V`).
pub fn labels(opts: &[String]) -> Vec<String> {
    values_of(opts, &["--label", "-l"])
}

/// The value of label `key` among `labels`, if given.
pub fn label_value<'a>(labels: &'a [String], key: &str) -> Option<&'a str> {
    labels
        .iter()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}

/// The container type (§8.3 step 4): `ds01.interface`, devcontainer,
/// compose, `ds01.managed` (atomic), else `docker`.
pub fn container_type(labels: &[String]) -> String {
    if let Some(v) = label_value(labels, "ds01.interface") {
        return v.to_string();
    }
    let has = |pattern: &str| labels.iter().any(|l| l.contains(pattern));
    let kind = if has("devcontainer.") {
        "devcontainer"
    } else if has("com.docker.compose") {
        "compose"
    } else if has("ds01.managed") {
        "atomic"
    } else {
        "docker"
    };
    kind.to_string()
}

/// The owner a VS Code dev container names: the user of
/// `devcontainer.local_folder=/home/<user>/...`.
pub fn devcontainer_owner(labels: &[String]) -> Option<String> {
    let path = label_value(labels, "devcontainer.local_folder")?;
    let rest = path.strip_prefix("/home/")?;
    Some(rest.split('/').next().unwrap_or("").to_string()).filter(|u| !u.is_empty())
}

/// Whether the options ask for GPUs: `--gpus`, `--runtime=nvidia` or an
/// nvidia `--device`.
pub fn wants_gpu(opts: &[String]) -> bool {
    let gpus = opts
        .iter()
        .any(|a| a == "--gpus" || a.starts_with("--gpus="));
    let runtime = values_of(opts, &["--runtime"])
        .iter()
        .any(|v| v == "nvidia");
    let device = values_of(opts, &["--device"])
        .iter()
        .any(|v| v.contains("nvidia"));
    gpus || runtime || device
}

/// What `--gpus` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuAsk {
    /// Devices named already (`device=GPU-…`/`device=MIG-…`).
    Named,
    /// No GPU (`--gpus 0`).
    None,
    /// This many (`all`, an absent value and anything else count 1).
    Count(i64),
}

pub fn gpu_ask(opts: &[String]) -> GpuAsk {
    let value = values_of(opts, &["--gpus"]).into_iter().next();
    let value = value.unwrap_or_default();
    let bare = value.trim_matches('"');
    if bare.starts_with("device=GPU-") || bare.starts_with("device=MIG-") {
        return GpuAsk::Named;
    }
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        return match value.parse::<i64>() {
            Ok(0) => GpuAsk::None,
            Ok(n) => GpuAsk::Count(n),
            // More digits than any machine has GPUs: the allocator refuses.
            Err(_) => GpuAsk::Count(i64::MAX),
        };
    }
    GpuAsk::Count(1)
}

/// The `--gpus` value that names `uuids`: one argument, quoted for
/// docker's CSV reading when there are several (`"device=A,B"`).
pub fn device_value(uuids: &[String]) -> String {
    let list = uuids.join(",");
    if uuids.len() > 1 {
        format!("\"device={list}\"")
    } else {
        format!("device={list}")
    }
}

/// `opts` with every `--gpus` replaced by `--gpus <value>`; whether one
/// was there.
pub fn rewrite_gpus(opts: &[String], value: &str) -> (Vec<String>, bool) {
    let mut out = Vec::with_capacity(opts.len());
    let mut found = false;
    let mut i = 0;
    while i < opts.len() {
        let a = opts[i].as_str();
        if a == "--gpus" || a.starts_with("--gpus=") {
            out.push("--gpus".to_string());
            out.push(value.to_string());
            found = true;
            i += if a == "--gpus" { 2 } else { 1 };
            continue;
        }
        out.push(opts[i].clone());
        i += 1;
    }
    (out, found)
}

/// A docker memory size (`32g`, `2048m`, `1073741824`) in bytes.
pub fn memory_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 'b'),
    };
    let shift = match unit {
        'b' => 0,
        'k' => 10,
        'm' => 20,
        'g' => 30,
        't' => 40,
        _ => return None,
    };
    let n: f64 = digits
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let bytes = n * (1u64 << shift) as f64;
    (bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subcommands_after_global_options() {
        let i = classify(&v(&["-H", "unix:///x", "--debug", "stop", "c"]));
        assert_eq!((i.verb, i.sub.as_str(), i.at), (Verb::Write, "stop", 4));
        let i = classify(&v(&["container", "ls", "-a"]));
        assert_eq!((i.verb, i.at), (Verb::List, 2));
        assert_eq!(classify(&v(&["container", "run", "x"])).verb, Verb::Create);
        assert_eq!(classify(&v(&["--help"])).verb, Verb::Other);
        assert_eq!(classify(&v(&["images"])).verb, Verb::Other);
    }

    #[test]
    fn operands_skip_option_values() {
        let ops = operands("logs", &v(&["-f", "--tail", "10", "mine"]));
        assert_eq!(ops, v(&["mine"]));
        let ops = operands("stop", &v(&["-t", "5", "a", "b", "--", "-c"]));
        assert_eq!(ops, v(&["a", "b", "-c"]));
        assert_eq!(
            copy_containers(&v(&["bob:/etc/x", "./a:b", "/tmp/y"])),
            v(&["bob"])
        );
    }

    #[test]
    fn run_options_end_at_the_image() {
        let rest = v(&[
            "--rm", "-e", "A=1", "--gpus", "2", "img", "cmd", "--gpus", "9",
        ]);
        assert_eq!(run_options_len(&rest), 5);
        let unknown = v(&["--brand-new", "x", "img"]);
        assert_eq!(run_options_len(&unknown), 3);
        assert_eq!(run_options_len(&v(&["-dit", "img"])), 1);
    }

    #[test]
    fn labels_type_and_owner() {
        let opts = v(&[
            "--label",
            "devcontainer.local_folder=/home/alice/p",
            "-l=x=y",
        ]);
        let l = labels(&opts);
        assert_eq!(container_type(&l), "devcontainer");
        assert_eq!(devcontainer_owner(&l).as_deref(), Some("alice"));
        let l = labels(&v(&[
            "--label=ds01.interface=api",
            "--label",
            "ds01.managed=true",
        ]));
        assert_eq!(container_type(&l), "api");
        assert_eq!(
            container_type(&labels(&v(&["-l", "ds01.managed=true"]))),
            "atomic"
        );
        assert_eq!(container_type(&[]), "docker");
    }

    #[test]
    fn gpu_requests() {
        assert_eq!(gpu_ask(&v(&["--gpus", "all"])), GpuAsk::Count(1));
        assert_eq!(gpu_ask(&v(&["--gpus=2"])), GpuAsk::Count(2));
        assert_eq!(gpu_ask(&v(&["--gpus", "0"])), GpuAsk::None);
        assert_eq!(gpu_ask(&v(&["--gpus", "device=GPU-1"])), GpuAsk::Named);
        assert!(wants_gpu(&v(&["--runtime=nvidia"])));
        assert!(wants_gpu(&v(&["--device", "/dev/nvidia0"])));
        assert!(!wants_gpu(&v(&["--device", "/dev/snd"])));
        let uuids = v(&["GPU-a", "GPU-b"]);
        let (out, found) = rewrite_gpus(&v(&["--gpus=all", "-it"]), &device_value(&uuids));
        assert!(found);
        assert_eq!(out, v(&["--gpus", "\"device=GPU-a,GPU-b\"", "-it"]));
        assert_eq!(device_value(&uuids[..1]), "device=GPU-a");
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(memory_bytes("32g"), Some(32 << 30));
        assert_eq!(memory_bytes("2048M"), Some(2048 << 20));
        assert_eq!(memory_bytes("1073741824"), Some(1 << 30));
        assert_eq!(memory_bytes("lots"), None);
        assert_eq!(memory_bytes("-1g"), None);
    }
}
