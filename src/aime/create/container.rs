//! The Docker side of `mlc create`: what the setup and final containers
//! look like (AIME's exact options, or DS01's unprivileged variant with
//! limits), and the steps that make them, undone on failure.

use super::request::{Gpus, Request};
use super::Choice;
use crate::context::Ctx;
use crate::engine::{split_reference, Engine};
use crate::error::Failure;
use crate::identity::Identity;
use crate::model::{labels, ContainerTag};
use crate::ui::colour;
use bollard::models::{
    ContainerCreateBody, DeviceMapping, DeviceRequest, HostConfig, ResourcesUlimits, RestartPolicy,
    RestartPolicyNameEnum,
};
use std::collections::HashMap;

/// The docker CLI's `--gpus` value (`all`, `2`, `device=0`, `count=1`,
/// `capabilities=...`, `driver=...`), as a device request.
pub fn parse_gpus(value: &str) -> Result<DeviceRequest, String> {
    let count = |v: &str| -> Result<i64, String> {
        if v == "all" {
            Ok(-1)
        } else {
            v.parse::<i64>()
                .map_err(|_| format!("strconv.Atoi: parsing \"{v}\": invalid syntax"))
        }
    };
    let mut req = DeviceRequest {
        driver: Some(String::new()),
        ..Default::default()
    };
    let mut seen: Vec<String> = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(value.as_bytes());
    let fields: Vec<String> = match reader.records().next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    for field in fields {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (field.clone(), None),
        };
        if seen.contains(&key) {
            return Err(format!(
                "gpu request key '{key}' can be specified only once"
            ));
        }
        seen.push(key.clone());
        let Some(val) = val else {
            seen.push("count".into());
            req.count = Some(count(&key)?);
            continue;
        };
        match key.as_str() {
            "driver" => req.driver = Some(val),
            "count" => req.count = Some(count(&val)?),
            "device" => req.device_ids = Some(val.split(',').map(str::to_string).collect()),
            "capabilities" => {
                req.capabilities = Some(vec![val.split(',').map(str::to_string).collect()])
            }
            "options" => {
                let options = val
                    .split(' ')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                req.options = Some(options);
            }
            _ => return Err(format!("unexpected key '{key}' in '{field}'")),
        }
    }
    if !seen.iter().any(|k| k == "count") && req.device_ids.is_none() {
        req.count = Some(1);
    }
    if req.count.is_none() {
        req.count = Some(0);
    }
    req.options.get_or_insert_with(HashMap::new);
    req.capabilities
        .get_or_insert_with(|| vec![vec!["gpu".to_string()]]);
    Ok(req)
}

/// The setup script of AIME 2.2.0, byte for byte: the images it produces
/// (and what users find in them) depend on it.
fn setup_script(user: &str, uid: u32, gid: u32, name: &str, rocm: bool) -> String {
    let mut s = format!(
        "echo \"export PATH=\\\"/home/{user}/.local/bin:\\$PATH\\\"\" >> /etc/skel/.bashrc;echo \"export PS1='[{name}] \\$(whoami)@\\$(hostname):\\${{PWD#*}}$ '\" >> /etc/skel/.bashrc; apt-get update -y > /dev/null; apt-get install sudo git -q -y > /dev/null; addgroup --gid {gid} {user} > /dev/null; adduser --uid {uid} --gid {gid} {user} --disabled-password --gecos aime > /dev/null; passwd -d {user}; echo \"{user} ALL=(ALL) NOPASSWD: ALL\" > /etc/sudoers.d/{user}_no_password; "
    );
    if rocm {
        s.push_str("echo \"export ROCM_PATH=/opt/rocm\" >> ~/.bashrc; ");
    }
    s.push_str(&format!(
        "chmod 440 /etc/sudoers.d/${user}_no_password; exit"
    ));
    s
}

fn device(path: &str) -> DeviceMapping {
    DeviceMapping {
        path_on_host: Some(path.into()),
        path_in_container: Some(path.into()),
        cgroup_permissions: Some("rwm".into()),
    }
}

fn ulimit(name: &str, value: i64) -> ResourcesUlimits {
    ResourcesUlimits {
        name: Some(name.into()),
        soft: Some(value),
        hard: Some(value),
    }
}

/// Everything needed to make the container, decided before any change.
pub struct Plan {
    tag: String,
    /// The image to pull (catalog or custom).
    image: String,
    pull: bool,
    /// DS01's mlc-patched stops at a failed pull (exit 1); AIME 2.2.0 goes
    /// on with whatever image the host has.
    stop_on_failed_pull: bool,
    /// `(repo, tag)` the setup container is committed to; `None` when the
    /// image already has the user (DS01 images built for this uid/gid).
    commit_to: Option<(String, String)>,
    setup: ContainerCreateBody,
    final_body: ContainerCreateBody,
}

/// A step that failed before anything was made.
fn failure(step: &str, e: String) -> Failure {
    Failure::stdout(
        1,
        colour::expand(&format!(
            "\n{{ERROR}}Container not created: {step}: {e}{{RESET}}\n\n"
        )),
    )
}

/// The device request and the environment that goes with it.
fn gpu_request(gpus: &Gpus, rocm: bool) -> Result<(Option<DeviceRequest>, Vec<String>), Failure> {
    match gpus {
        _ if rocm => Ok((None, Vec::new())),
        // A CPU-only container sees no GPU at all, even where the image
        // asks the NVIDIA runtime for every one.
        Gpus::None => Ok((None, vec!["NVIDIA_VISIBLE_DEVICES=void".to_string()])),
        // DS01 hands over explicit devices (GPU or MIG UUIDs), all of them.
        Gpus::Devices(ids) => Ok((
            Some(DeviceRequest {
                driver: Some(String::new()),
                count: Some(0),
                device_ids: Some(ids.clone()),
                capabilities: Some(vec![vec!["gpu".into()]]),
                options: Some(HashMap::new()),
            }),
            vec![format!("CUDA_VISIBLE_DEVICES={}", ids.join(","))],
        )),
        Gpus::Docker(value) => {
            let request = parse_gpus(value).map_err(|e| {
                failure(
                    "invalid GPU request",
                    format!("invalid argument \"{value}\" for \"--gpus\" flag: {e}"),
                )
            })?;
            Ok((Some(request), Vec::new()))
        }
    }
}

/// The host configuration both containers share: AIME's exact options, or
/// DS01's unprivileged variant.
fn base_host(ds01: bool, rocm: bool, device_request: Option<DeviceRequest>) -> HostConfig {
    let mut devices = vec![device("/dev/snd")];
    if rocm {
        devices.push(device("/dev/kfd"));
        devices.push(device("/dev/dri"));
    } else if !ds01 {
        devices.push(device("/dev/video0"));
    }
    let (cap_add, security_opt) = if rocm {
        (vec!["SYS_PTRACE"], vec!["seccomp=unconfined"])
    } else if ds01 {
        (vec!["SYS_PTRACE", "SYS_ADMIN"], vec!["seccomp=unconfined"])
    } else {
        (Vec::new(), Vec::new())
    };
    let strings = |v: Vec<&str>| (!v.is_empty()).then(|| v.into_iter().map(String::from).collect());
    HostConfig {
        privileged: Some(!ds01),
        network_mode: Some("host".into()),
        devices: Some(devices),
        ulimits: Some(vec![ulimit("memlock", -1), ulimit("stack", 67108864)]),
        device_requests: device_request.map(|r| vec![r]),
        cap_add: strings(cap_add),
        security_opt: strings(security_opt),
        shm_size: rocm.then_some(8 * 1024 * 1024 * 1024),
        ..cli_defaults()
    }
}

/// What the docker CLI sends when nothing is asked for: the engine keeps
/// these as given, `docker inspect` shows them.
fn cli_defaults() -> HostConfig {
    HostConfig {
        port_bindings: Some(HashMap::new()),
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::NO),
            maximum_retry_count: Some(0),
        }),
        dns: Some(Vec::new()),
        dns_options: Some(Vec::new()),
        dns_search: Some(Vec::new()),
        blkio_weight_device: Some(Vec::new()),
        blkio_device_read_bps: Some(Vec::new()),
        blkio_device_write_bps: Some(Vec::new()),
        blkio_device_read_iops: Some(Vec::new()),
        blkio_device_write_iops: Some(Vec::new()),
        ..Default::default()
    }
}

const X11: &str = "/tmp/.X11-unix:/tmp/.X11-unix";

/// The setup container (AIME's `docker run ... bash -c SETUP`), labelled
/// as the container it becomes but for `aime.mlc` itself, which marks a
/// finished one.  AIME's had no labels, so an interrupted create left it
/// invisible and uncounted; with these, the allocator counts its devices
/// for its user, and a rerun or `mlc remove` finds it.  (The committed
/// image inherits these labels; the final container sets the same values.)
fn setup_body(
    who: &Identity,
    c: &Choice,
    rocm: bool,
    base: &HostConfig,
    labels: HashMap<String, String>,
) -> ContainerCreateBody {
    let mut labels = labels;
    labels.remove(labels::AIME);
    ContainerCreateBody {
        labels: Some(labels),
        image: Some(c.image.clone()),
        cmd: Some(vec![
            "bash".into(),
            "-c".into(),
            setup_script(&who.login, who.uid, who.gid, &c.name, rocm),
        ]),
        working_dir: Some("/workspace".into()),
        user: rocm.then(|| "root".to_string()),
        tty: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        host_config: Some(HostConfig {
            binds: Some(vec![format!("{}:/workspace", c.workspace), X11.to_string()]),
            ipc_mode: Some("host".into()),
            ..base.clone()
        }),
        ..Default::default()
    }
}

/// AIME's label set; on a DS01 container the same values under
/// `ds01.<key>` in lower case (its monitoring reads those) and DS01's own.
fn container_labels(who: &Identity, c: &Choice, request: &Request) -> HashMap<String, String> {
    let values = [
        c.name.clone(),
        who.login.clone(),
        c.arch.clone(),
        "4".into(),
        c.workspace.clone(),
        c.data.clone(),
        c.models.clone(),
        format!("{}-{}", c.framework, c.version),
        request.gpus.label(),
    ];
    let aime = labels::AIME_KEYS.iter().zip(values.iter());
    let mut out: Vec<(String, String)> = vec![(labels::AIME.into(), who.login.clone())];
    out.extend(aime.clone().map(|(k, v)| (labels::aime(k), v.clone())));
    if let Some(ds01) = &request.ds01 {
        let custom = if c.image.starts_with("aimehub/") {
            String::new()
        } else {
            c.image.clone()
        };
        out.push((labels::MANAGED.into(), "true".into()));
        out.extend(aime.map(|(k, v)| (labels::ds01_mirror(k), v.clone())));
        out.push((labels::CUSTOM_IMAGE.into(), custom));
        out.push((labels::DEVCONTAINER_WORKSPACE.into(), "/workspace".into()));
        out.extend(ds01.labels.iter().cloned());
        // The devices it holds, so that one container listing tells the
        // allocator (last: nobody else's value stands).
        match &request.gpus {
            Gpus::Devices(ids) => out.push((labels::GPU_UUIDS.into(), ids.join(","))),
            Gpus::None => out.push((labels::GPU_UUIDS.into(), String::new())),
            Gpus::Docker(_) => {}
        }
    }
    out.into_iter().collect()
}

/// The final container: AIME's, plus DS01's limits.
fn final_body(
    who: &Identity,
    c: &Choice,
    request: &Request,
    image: String,
    env: Vec<String>,
    base: HostConfig,
) -> ContainerCreateBody {
    let rocm = c.arch.contains("ROCM");
    let mut binds = vec![format!("{}:/workspace", c.workspace)];
    if c.data != "-" {
        binds.push(format!("{}:/data", c.data));
    }
    if c.models != "-" {
        binds.push(format!("{}:/models", c.models));
    }
    binds.push(X11.to_string());
    let limits = request
        .ds01
        .as_ref()
        .map(|d| d.limits.clone())
        .unwrap_or_default();
    let cmd = if rocm {
        "sudo chown root:video /dev/kfd; sudo chown -R root:video /dev/dri; bash"
    } else {
        "bash"
    };
    ContainerCreateBody {
        image: Some(image),
        cmd: Some(vec!["bash".into(), "-c".into(), cmd.into()]),
        working_dir: Some("/workspace".into()),
        user: Some(format!("{}:{}", who.uid, who.gid)),
        labels: Some(container_labels(who, c, request)),
        env: (!env.is_empty()).then_some(env),
        tty: Some(true),
        open_stdin: Some(true),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        // `docker create -it` (without -d) sets it.
        stdin_once: Some(true),
        host_config: Some(HostConfig {
            binds: Some(binds),
            // A private /dev/shm of the asked size replaces the host's IPC.
            ipc_mode: limits.shm_size.is_none().then(|| "host".into()),
            shm_size: limits.shm_size.or(base.shm_size),
            group_add: Some(vec!["video".into(), "sudo".into()]),
            cgroup_parent: limits.cgroup_parent,
            nano_cpus: limits.nano_cpus,
            memory: limits.memory,
            memory_swap: limits.memory_swap,
            pids_limit: limits.pids_limit,
            ..base
        }),
        ..Default::default()
    }
}

impl Plan {
    pub fn new(ctx: &mut Ctx, request: &Request, c: &Choice) -> Result<Plan, Failure> {
        let who = ctx.caller.clone();
        let tag = ContainerTag::new(&c.name, who.uid).to_string();
        let rocm = c.arch.contains("ROCM");
        let (device_request, env) = gpu_request(&request.gpus, rocm)?;
        let base = base_host(request.ds01.is_some(), rocm, device_request);
        let image_info = ctx
            .engine()
            .and_then(|e| e.inspect_image(&c.image))
            .map_err(|e| failure("inspecting the image", e.to_string()))?;
        if c.custom_image && image_info.is_none() {
            return Err(Failure::stdout(
                1,
                colour::expand(&format!(
                    "\n{{ERROR}}Custom image not found: {}{{RESET}}\n{{HINT}}HINT: Build it first with: image-create{{RESET}}\n\n",
                    c.image
                )),
            ));
        }
        // Skip the setup when a DS01 image already carries this user.
        let image_labels = image_info
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .and_then(|c| c.labels.clone())
            .unwrap_or_default();
        let label = |k: &str| image_labels.get(k).map(String::as_str);
        let has_user = label(labels::IMAGE_HAS_USER) == Some("true")
            && label(labels::IMAGE_USER_ID) == Some(&who.uid.to_string())
            && label(labels::IMAGE_GROUP_ID) == Some(&who.gid.to_string());
        let (repo, _) = split_reference(&c.image);
        let commit_to = (!has_user).then(|| (repo.to_string(), tag.clone()));
        let final_image = match &commit_to {
            Some((r, t)) => format!("{r}:{t}"),
            None => c.image.clone(),
        };
        Ok(Plan {
            setup: setup_body(&who, c, rocm, &base, container_labels(&who, c, request)),
            final_body: final_body(&who, c, request, final_image, env, base),
            tag,
            image: c.image.clone(),
            pull: !(c.custom_image && image_info.is_some()),
            stop_on_failed_pull: request.ds01.is_some(),
            commit_to,
        })
    }

    /// Pull, set up, commit and create; on a failed step remove what this
    /// run made and report the step.
    pub fn execute(&self, ctx: &mut Ctx) -> Result<(), Failure> {
        if self.pull {
            self.pull(ctx)?;
        }
        ctx.println(&colour::expand(
            "\n{NEUTRAL}Setting up container ... {RESET}",
        ));
        let engine = ctx
            .engine()
            .map_err(|e| step_failed("connecting to Docker", e.to_string()))?;
        self.clean_leftovers(&engine)?;
        if let Some((repo, tag)) = &self.commit_to {
            if let Err(f) = self.set_up(&engine, repo, tag) {
                let _ = engine.remove_container_force(&self.tag);
                let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
                return Err(f);
            }
        }
        if let Err(e) = engine.create_container(&self.tag, &self.final_body) {
            if let Some((repo, tag)) = &self.commit_to {
                let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
            }
            return Err(step_failed("creating the container", e.to_string()));
        }
        Ok(())
    }

    /// `docker pull`, its lines shown as they come.  As the original: a
    /// failed pull is reported and creation goes on with the image already
    /// on the host, if any (DS01's mlc-patched stops there instead).
    fn pull(&self, ctx: &mut Ctx) -> Result<(), Failure> {
        ctx.println(&colour::expand(
            "\n{NEUTRAL}Acquiring container image ... {RESET}\n",
        ));
        let engine = ctx
            .engine()
            .map_err(|e| step_failed("connecting to Docker", e.to_string()))?;
        let pulled = engine.pull(&self.image, &mut |line| ctx.println(line));
        match pulled {
            Ok(()) => ctx.println(&colour::expand(
                "\n{INFO}Docker image pulled successfully.{RESET}",
            )),
            Err(message) => {
                ctx.err(&format!("Error response from daemon: {message}\n"));
                ctx.println(&colour::expand(
                    "\n{ERROR}Docker pull image failed. Try mlc create again.{RESET}",
                ));
                if self.stop_on_failed_pull {
                    return Err(Failure::exit(1));
                }
            }
        }
        Ok(())
    }

    /// What an interrupted create of the same name left behind.
    fn clean_leftovers(&self, engine: &Engine) -> Result<(), Failure> {
        // A container of this name without AIME's labels is a setup
        // container left by an interrupted create: start over.
        let leftover = engine
            .find_container(&self.tag)
            .map_err(|e| step_failed("looking for a leftover setup container", e.to_string()))?
            .is_some_and(|c| !super::is_made(&c));
        if leftover {
            engine
                .remove_container_force(&self.tag)
                .map_err(|e| step_failed("removing a leftover setup container", e.to_string()))?;
        }
        // An image `IMAGE:NAME._.UID` without its container was committed
        // by an interrupted create: untag it now, or the new commit would
        // leave it behind as an untagged image.  Not forced: an image that
        // some container still uses stays (409), as does a missing one.
        if let Some((repo, tag)) = &self.commit_to {
            let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
        }
        Ok(())
    }

    /// Run the setup container, commit it to `repo:tag`, remove it.
    fn set_up(&self, engine: &Engine, repo: &str, tag: &str) -> Result<(), Failure> {
        engine
            .create_container(&self.tag, &self.setup)
            .map_err(|e| step_failed("creating the setup container", e.to_string()))?;
        // Its exit status is not a verdict: AIME's script ends with a
        // `chmod` of `$USER_no_password` (its typo) that fails for every
        // login containing `-`, after the user is made.  The original did
        // not look either; an engine error still stops the create.
        engine
            .run_to_completion(&self.tag)
            .map_err(|e| step_failed("running the setup container", e.to_string()))?;
        engine
            .commit(&self.tag, repo, tag)
            .map_err(|e| step_failed("committing the image", e.to_string()))?;
        engine
            .remove_container_force(&self.tag)
            .map_err(|e| step_failed("removing the setup container", e.to_string()))?;
        Ok(())
    }
}

/// A step that failed while making the container.
fn step_failed(step: &str, e: String) -> Failure {
    failure(&format!("{step} failed"), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpus_like_the_docker_cli() {
        let all = parse_gpus("all").unwrap();
        assert_eq!(all.count, Some(-1));
        assert_eq!(all.capabilities, Some(vec![vec!["gpu".to_string()]]));
        assert_eq!(parse_gpus("1").unwrap().count, Some(1));
        let dev = parse_gpus("device=0").unwrap();
        assert_eq!(dev.device_ids, Some(vec!["0".to_string()]));
        assert_eq!(dev.count, Some(0));
        assert!(parse_gpus("two").is_err());
        assert!(parse_gpus("foo=1").is_err());
    }

    #[test]
    fn setup_script_is_aimes() {
        let s = setup_script("alice", 1000, 1000, "myc", false);
        assert_eq!(
            s,
            r#"echo "export PATH=\"/home/alice/.local/bin:\$PATH\"" >> /etc/skel/.bashrc;echo "export PS1='[myc] \$(whoami)@\$(hostname):\${PWD#*}$ '" >> /etc/skel/.bashrc; apt-get update -y > /dev/null; apt-get install sudo git -q -y > /dev/null; addgroup --gid 1000 alice > /dev/null; adduser --uid 1000 --gid 1000 alice --disabled-password --gecos aime > /dev/null; passwd -d alice; echo "alice ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/alice_no_password; chmod 440 /etc/sudoers.d/$alice_no_password; exit"#
        );
    }
}
