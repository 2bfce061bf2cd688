//! The Docker side of `mlc create`: what the setup and final containers
//! look like (AIME's exact options, or DS01's unprivileged variant with
//! limits), and the steps that make them, undone on failure.

use super::Choice;
use crate::aime::Context;
use crate::cli::argparse::Matches;
use crate::engine::split_reference;
use crate::error::Failure;
use crate::ui::{self, colour};
use bollard::models::{
    ContainerCreateBody, DeviceMapping, DeviceRequest, HostConfig, ResourcesUlimits, RestartPolicy,
    RestartPolicyNameEnum,
};
use std::collections::HashMap;

/// With a DS01 installation on the host, no container is created
/// privileged.
fn ds01_installed() -> bool {
    crate::ds01::limits::installed()
}

/// Docker's `RAMInBytes`: `512m`, `32g`, `1.5GB` (binary units).
pub fn parse_size(text: &str) -> Option<i64> {
    let t = text.trim().to_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let unit = unit.trim_end_matches('b').trim_end_matches('i');
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return None,
    };
    Some((value * mult) as i64)
}

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
    name: String,
    tag: String,
    /// The image to pull (catalog or custom).
    image: String,
    pull: bool,
    /// `(repo, tag)` the setup container is committed to; `None` when the
    /// image already has the user (DS01 images built for this uid/gid).
    commit_to: Option<(String, String)>,
    setup: ContainerCreateBody,
    final_body: ContainerCreateBody,
}

impl Plan {
    pub fn new(ctx: &mut Context, m: &Matches, c: &Choice) -> Result<Plan, Failure> {
        let who = ctx.who.clone();
        let tag = format!("{}._.{}", c.name, who.uid);
        let rocm = c.arch.contains("ROCM");
        let extensions = [
            "image",
            "cpus",
            "memory",
            "memory_swap",
            "shm_size",
            "pids_limit",
            "cgroup_parent",
        ];
        let ds01 = extensions.iter().any(|e| m.value(e).is_some())
            || !m.values("ds01_label").is_empty()
            || ds01_installed();
        let gpus = m.value("num_gpus").unwrap_or("all").to_string();
        let failure = |step: &str, e: String| {
            Failure::stdout(
                1,
                colour::expand(&format!(
                    "\n{{ERROR}}Container not created: {step}: {e}{{RESET}}\n\n"
                )),
            )
        };

        let mut env = Vec::new();
        let gpu_request = if rocm {
            None
        } else if ds01 && gpus == "none" {
            // A CPU-only container sees no GPU at all, even where the
            // image asks the NVIDIA runtime for every one.
            env.push("NVIDIA_VISIBLE_DEVICES=void".to_string());
            None
        } else if ds01 && gpus.starts_with("device=") {
            // DS01 hands over explicit devices (GPU or MIG UUIDs), all of them.
            let ids: Vec<String> = gpus["device=".len()..]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            env.push(format!("CUDA_VISIBLE_DEVICES={}", ids.join(",")));
            Some(DeviceRequest {
                driver: Some(String::new()),
                count: Some(0),
                device_ids: Some(ids),
                capabilities: Some(vec![vec!["gpu".into()]]),
                options: Some(HashMap::new()),
            })
        } else {
            Some(parse_gpus(&gpus).map_err(|e| {
                failure(
                    "invalid GPU request",
                    format!("invalid argument \"{gpus}\" for \"--gpus\" flag: {e}"),
                )
            })?)
        };

        let mut devices = vec![device("/dev/snd")];
        if rocm {
            devices.push(device("/dev/kfd"));
            devices.push(device("/dev/dri"));
        } else if !ds01 {
            devices.push(device("/dev/video0"));
        }
        let (cap_add, security_opt) = if rocm {
            (
                vec!["SYS_PTRACE".to_string()],
                vec!["seccomp=unconfined".to_string()],
            )
        } else if ds01 {
            (
                vec!["SYS_PTRACE".to_string(), "SYS_ADMIN".to_string()],
                vec!["seccomp=unconfined".to_string()],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let ulimits = vec![ulimit("memlock", -1), ulimit("stack", 67108864)];
        let x11 = "/tmp/.X11-unix:/tmp/.X11-unix".to_string();
        let workspace_bind = format!("{}:/workspace", c.workspace);

        let base_host = HostConfig {
            privileged: Some(!ds01),
            network_mode: Some("host".into()),
            devices: Some(devices),
            ulimits: Some(ulimits),
            device_requests: gpu_request.map(|r| vec![r]),
            cap_add: (!cap_add.is_empty()).then_some(cap_add),
            security_opt: (!security_opt.is_empty()).then_some(security_opt),
            shm_size: rocm.then_some(8 * 1024 * 1024 * 1024),
            // What the docker CLI sends when nothing is asked for: the
            // engine keeps these as given, `docker inspect` shows them.
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
        };

        // The setup container (AIME's `docker run ... bash -c SETUP`).
        let setup = ContainerCreateBody {
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
                binds: Some(vec![workspace_bind.clone(), x11.clone()]),
                ipc_mode: Some("host".into()),
                ..base_host.clone()
            }),
            ..Default::default()
        };

        // Skip the setup when a DS01 image already carries this user.
        let (repo, _) = split_reference(&c.image);
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
        let image_labels = image_info
            .as_ref()
            .and_then(|i| i.config.as_ref())
            .and_then(|c| c.labels.clone())
            .unwrap_or_default();
        let has_user = image_labels.get("ds01.has_user_setup").map(String::as_str) == Some("true")
            && image_labels.get("ds01.user_id") == Some(&who.uid.to_string())
            && image_labels.get("ds01.group_id") == Some(&who.gid.to_string());
        let commit_to = (!has_user).then(|| (repo.to_string(), tag.clone()));
        let final_image = match &commit_to {
            Some((r, t)) => format!("{r}:{t}"),
            None => c.image.clone(),
        };

        // AIME's label set; DS01 writes the same values under `ds01.<key>`
        // in lower case (its monitoring reads those), so both see the
        // container.
        let common: [(&str, String); 9] = [
            ("NAME", c.name.clone()),
            ("USER", who.login.clone()),
            ("ARCH", c.arch.clone()),
            ("MLC_VERSION", "4".into()),
            ("WORK_MOUNT", c.workspace.clone()),
            ("DATA_MOUNT", c.data.clone()),
            ("MODELS_MOUNT", c.models.clone()),
            ("FRAMEWORK", format!("{}-{}", c.framework, c.version)),
            ("GPUS", gpus.clone()),
        ];
        let mut labels: Vec<(String, String)> = vec![("aime.mlc".into(), who.login.clone())];
        labels.extend(
            common
                .iter()
                .map(|(k, v)| (format!("aime.mlc.{k}"), v.clone())),
        );
        if ds01 {
            let custom = if c.image.starts_with("aimehub/") {
                String::new()
            } else {
                c.image.clone()
            };
            labels.push(("ds01.managed".into(), "true".into()));
            labels.extend(
                common
                    .iter()
                    .map(|(k, v)| (format!("ds01.{}", k.to_lowercase()), v.clone())),
            );
            labels.push(("ds01.custom_image".into(), custom));
            labels.push(("devcontainer.workspaceFolder".into(), "/workspace".into()));
            for extra in m.values("ds01_label") {
                match extra.split_once('=') {
                    Some((k, v)) => labels.push((k.into(), v.into())),
                    None => labels.push((extra.clone(), String::new())),
                }
            }
        }

        let mut binds = vec![workspace_bind];
        if c.data != "-" {
            binds.push(format!("{}:/data", c.data));
        }
        if c.models != "-" {
            binds.push(format!("{}:/models", c.models));
        }
        binds.push(x11);
        let shm = m
            .value("shm_size")
            .map(|s| parse_size(s).ok_or_else(|| failure("invalid --shm-size", s.to_string())))
            .transpose()?;
        let memory = m
            .value("memory")
            .map(|s| parse_size(s).ok_or_else(|| failure("invalid --memory", s.to_string())))
            .transpose()?;
        let memory_swap = m
            .value("memory_swap")
            .map(|s| {
                if s.trim() == "-1" {
                    Some(-1)
                } else {
                    parse_size(s)
                }
                .ok_or_else(|| failure("invalid --memory-swap", s.to_string()))
            })
            .transpose()?;
        let nano_cpus = m
            .value("cpus")
            .map(|s| {
                s.trim()
                    .parse::<f64>()
                    .map(|v| (v * 1e9) as i64)
                    .map_err(|_| failure("invalid --cpus", s.to_string()))
            })
            .transpose()?;
        let pids_limit = m
            .value("pids_limit")
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| failure("invalid --pids-limit", s.to_string()))
            })
            .transpose()?;
        let cmd = if rocm {
            "sudo chown root:video /dev/kfd; sudo chown -R root:video /dev/dri; bash"
        } else {
            "bash"
        };
        let final_body = ContainerCreateBody {
            image: Some(final_image),
            cmd: Some(vec!["bash".into(), "-c".into(), cmd.into()]),
            working_dir: Some("/workspace".into()),
            user: Some(format!("{}:{}", who.uid, who.gid)),
            labels: Some(labels.into_iter().collect()),
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
                ipc_mode: if shm.is_some() {
                    None
                } else {
                    Some("host".into())
                },
                shm_size: shm.or(base_host.shm_size),
                group_add: Some(vec!["video".into(), "sudo".into()]),
                cgroup_parent: m.value("cgroup_parent").map(str::to_string),
                nano_cpus,
                memory,
                memory_swap,
                pids_limit,
                ..base_host
            }),
            ..Default::default()
        };
        Ok(Plan {
            name: c.name.clone(),
            tag,
            image: c.image.clone(),
            pull: !(c.custom_image && image_info.is_some()),
            commit_to,
            setup,
            final_body,
        })
    }

    /// Pull, set up, commit and create; on a failed step remove what this
    /// run made and report the step.
    pub fn execute(&self, ctx: &mut Context) -> Result<(), Failure> {
        let fail = |step: &str, e: String| {
            Failure::stdout(
                1,
                colour::expand(&format!(
                    "\n{{ERROR}}Container not created: {step} failed: {e}{{RESET}}\n\n"
                )),
            )
        };
        let engine = ctx
            .engine()
            .map_err(|e| fail("connecting to Docker", e.to_string()))?;
        if self.pull {
            ui::println(&colour::expand(
                "\n{NEUTRAL}Acquiring container image ... {RESET}\n",
            ));
            if engine.pull(&self.image) {
                ui::println(&colour::expand(
                    "\n{INFO}Docker image pulled successfully.{RESET}",
                ));
            } else {
                // As the original: a failed pull is reported and creation
                // goes on with the image already on the host, if any.
                ui::println(&colour::expand(
                    "\n{ERROR}Docker pull image failed. Try mlc create again.{RESET}",
                ));
            }
        }
        ui::println(&colour::expand(
            "\n{NEUTRAL}Setting up container ... {RESET}",
        ));

        // A container of this name without AIME's labels is a setup
        // container left by an interrupted create: start over.
        let leftover = engine
            .find_container(&self.tag)
            .map_err(|e| fail("looking for a leftover setup container", e.to_string()))?
            .is_some_and(|c| !super::has_aime_label(&c));
        if leftover {
            engine
                .remove_container_force(&self.tag)
                .map_err(|e| fail("removing a leftover setup container", e.to_string()))?;
        }
        // An image `IMAGE:NAME._.UID` without its container was committed
        // by an interrupted create: untag it now, or the new commit would
        // leave it behind as an untagged image.  Not forced: an image that
        // some container still uses stays (409), as does a missing one.
        if let Some((repo, tag)) = &self.commit_to {
            let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
        }

        if let Some((repo, tag)) = &self.commit_to {
            let step = |engine: &mut crate::engine::Engine| -> Result<(), Failure> {
                engine
                    .create_container(&self.tag, &self.setup)
                    .map_err(|e| fail("creating the setup container", e.to_string()))?;
                let code = engine
                    .run_to_completion(&self.tag)
                    .map_err(|e| fail("running the setup container", e.to_string()))?;
                if code != 0 {
                    return Err(fail(
                        "running the setup container",
                        format!("it exited with code {code}"),
                    ));
                }
                engine
                    .commit(&self.tag, repo, tag)
                    .map_err(|e| fail("committing the image", e.to_string()))?;
                engine
                    .remove_container_force(&self.tag)
                    .map_err(|e| fail("removing the setup container", e.to_string()))?;
                Ok(())
            };
            if let Err(f) = step(engine) {
                let _ = engine.remove_container_force(&self.tag);
                let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
                return Err(f);
            }
        }
        if let Err(e) = engine.create_container(&self.tag, &self.final_body) {
            if let Some((repo, tag)) = &self.commit_to {
                let _ = engine.remove_image(&format!("{repo}:{tag}"), false);
            }
            return Err(fail("creating the container", e.to_string()));
        }
        let _ = &self.name;
        Ok(())
    }
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
    fn sizes_like_docker() {
        assert_eq!(parse_size("512m"), Some(512 * 1024 * 1024));
        assert_eq!(parse_size("32g"), Some(32 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("1GB"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_size("x"), None);
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
