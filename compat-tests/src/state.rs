//! Putting the engine into the state a session assumed, incrementally: containers that already
//! match (made by us, same name/image/labels, compatible state, right creation order) are kept;
//! the rest is removed and created anew; running state and process counts are then fixed.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::docker::Docker;
use crate::error::{Context, Error, Result};
use crate::session::{ContainerSpec, WantStatus};

/// Command of every container we create: exits with the code in `/.compat-exit` when that file
/// exists (consuming it), otherwise becomes one `sleep` (a single process, as `docker top` must
/// show). This gives `Exited (N)` states and restartable containers alike.
const CONTAINER_SCRIPT: &str =
    "if [ -e /.compat-exit ]; then c=$(cat /.compat-exit); rm -f /.compat-exit; exit $c; fi; exec sleep 1000000";

pub struct Engine {
    pub docker: Docker,
    /// Image committed under a container's `repo:tag` when neither that nor `repo:latest` exists.
    pub base_image: String,
    /// Scratch files (exit-code markers).
    pub scratch: PathBuf,
    /// Containers we made: name → (id, spec hash).
    made: Mutex<HashMap<String, (String, u64)>>,
}

/// Users of the recordings: containers `<name>._.<uid>` of these uids, or labelled
/// `aime.mlc=<user>` for these names, belong to the replay (others on the engine are left
/// alone).
pub const TEST_UIDS: [u32; 5] = [1000, 1001, 1002, 2001, 2002];
pub const TEST_USERS: [&str; 6] = ["alice", "bob", "carol", "john", "jane", "ds01admin"];

#[derive(Clone, Debug)]
struct Existing {
    id: String,
    name: String,
    /// created, running, paused, exited, …
    state: String,
    /// `Exited (N) …` code, when exited.
    exit_code: Option<i32>,
    managed: bool,
}

impl Engine {
    pub fn new(docker: Docker, base_image: String, scratch: PathBuf) -> Self {
        Engine {
            docker,
            base_image,
            scratch,
            made: Mutex::new(HashMap::new()),
        }
    }

    fn made(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, u64)>> {
        self.made.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Containers on the engine, newest first.
    fn list(&self) -> Result<Vec<Existing>> {
        let out = self.docker.run(&[
            "ps",
            "-a",
            "--no-trunc",
            "--format",
            "{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Status}}\t{{.Label \"aime.mlc\"}}",
        ])?;
        let mut v = Vec::new();
        for line in out.lines().filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 {
                continue;
            }
            let name = f[1].to_owned();
            let exit_code = f[3]
                .strip_prefix("Exited (")
                .and_then(|r| r.split(')').next())
                .and_then(|c| c.parse().ok());
            let managed = is_test_name(&name) || TEST_USERS.contains(&f[4]);
            v.push(Existing {
                id: f[0].to_owned(),
                name,
                state: f[2].to_owned(),
                exit_code,
                managed,
            });
        }
        Ok(v)
    }

    /// Make the managed containers exactly `want` (newest first, as `docker ps` lists them).
    pub fn reconcile(&self, want: &[ContainerSpec]) -> Result<()> {
        let existing = self.list().ctx("listing containers")?;
        let by_name: HashMap<&str, &Existing> =
            existing.iter().map(|e| (e.name.as_str(), e)).collect();
        // The oldest part of `want` that can stay: ours, unchanged, state-compatible, and in
        // the same relative order on the engine.
        let order: HashMap<&str, usize> = existing
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        let mut keep_from = want.len();
        {
            let made = self.made();
            let mut last_pos: Option<usize> = None;
            for (i, spec) in want.iter().enumerate().rev() {
                let Some(cur) = by_name.get(spec.name.as_str()) else {
                    break;
                };
                let ours = made
                    .get(&spec.name)
                    .is_some_and(|(id, h)| *id == cur.id && *h == spec_hash(spec));
                let compatible = spec.status != WantStatus::Created || cur.state == "created";
                let pos = order[spec.name.as_str()];
                let in_order = match last_pos {
                    Some(p) => pos < p,
                    None => true,
                };
                if !(ours && compatible && in_order) {
                    break;
                }
                last_pos = Some(pos);
                keep_from = i;
            }
        }
        let kept: BTreeSet<&str> = want[keep_from..].iter().map(|s| s.name.as_str()).collect();
        let remove: Vec<&str> = existing
            .iter()
            .filter(|e| !kept.contains(e.name.as_str()))
            .filter(|e| e.managed || want.iter().any(|w| w.name == e.name))
            .map(|e| e.name.as_str())
            .collect();
        if !remove.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(remove.iter().copied());
            self.docker.run(&args).ctx("removing containers")?;
            let mut made = self.made();
            for n in &remove {
                made.remove(*n);
            }
        }
        let mut images: BTreeSet<String> = self.docker.image_refs()?.into_iter().collect();
        // Oldest first, so that `docker ps` lists them in the recorded order.
        for spec in want[..keep_from].iter().rev() {
            self.create(spec, &mut images)
                .ctx(format!("creating {}", spec.name))?;
        }
        let existing = self.list()?;
        for spec in want {
            let cur = existing
                .iter()
                .find(|e| e.name == spec.name)
                .ok_or_else(|| Error::msg(format!("{} vanished", spec.name)))?;
            self.fix_status(spec, cur)
                .ctx(format!("setting the state of {}", spec.name))?;
        }
        self.remove_stale_images(want)?;
        Ok(())
    }

    fn create(&self, spec: &ContainerSpec, images: &mut BTreeSet<String>) -> Result<()> {
        let image = image_ref(&spec.image);
        if !images.contains(&image) {
            self.make_image(&image, spec.account.as_ref(), images)?;
        }
        let labels: Vec<String> = spec
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        // `docker stop` without -t waits StopTimeout (10 s) before killing the `sleep` (which
        // ignores SIGTERM): 1 s gives the same `Exited (137)`, sooner.
        let mut args = vec![
            "create",
            "--name",
            spec.name.as_str(),
            "--stop-timeout",
            "1",
        ];
        for l in &labels {
            args.push("--label");
            args.push(l);
        }
        for g in &spec.group_add {
            args.push("--group-add");
            args.push(g);
        }
        args.extend([image.as_str(), "sh", "-c", CONTAINER_SCRIPT]);
        let id = self.docker.run(&args)?.trim().to_owned();
        self.made().insert(spec.name.clone(), (id, spec_hash(spec)));
        Ok(())
    }

    /// Commit a fresh image under `image` (so that removing it deletes layers, as with the
    /// images `mlc create` commits) from `repo:latest` or the base image, with the account
    /// mlc's setup added, where it ran.
    fn make_image(
        &self,
        image: &str,
        account: Option<&(String, u32, u32)>,
        images: &mut BTreeSet<String>,
    ) -> Result<()> {
        let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
        let latest = format!("{repo}:latest");
        let source = if images.contains(&latest) {
            latest
        } else if images.contains(&image_ref(&self.base_image)) {
            image_ref(&self.base_image)
        } else {
            return Err(Error::msg(format!(
                "neither {latest} nor the base image {} exists (run compat-tests/engine/images)",
                self.base_image
            )));
        };
        let tmp = format!("ds01-compat-tmp-{}", std::process::id());
        self.docker.run_quiet(&["rm", "-f", &tmp]);
        match account {
            None => {
                self.docker
                    .run(&["create", "--name", &tmp, &source, "true"])?;
            }
            Some((name, uid, gid)) => {
                let script = add_account_script(name, *uid, *gid);
                self.docker.run(&[
                    "run", "--name", &tmp, "--user", "0", &source, "sh", "-c", &script,
                ])?;
            }
        }
        let committed = self.docker.run(&["commit", &tmp, image]);
        self.docker.run_quiet(&["rm", "-f", &tmp]);
        committed?;
        images.insert(image.to_owned());
        Ok(())
    }

    fn fix_status(&self, spec: &ContainerSpec, cur: &Existing) -> Result<()> {
        let name = spec.name.as_str();
        match spec.status {
            WantStatus::Created => {
                if cur.state != "created" {
                    return Err(Error::msg(format!(
                        "is {} and cannot be 'created'",
                        cur.state
                    )));
                }
            }
            WantStatus::Running => {
                match cur.state.as_str() {
                    "running" => {}
                    "paused" => {
                        self.docker.run(&["unpause", name])?;
                    }
                    _ => {
                        self.docker.run(&["start", name])?;
                    }
                }
                self.fix_procs(name, spec.procs.max(1))?;
            }
            WantStatus::Exited(code) => {
                let running = matches!(cur.state.as_str(), "running" | "paused" | "restarting");
                if running {
                    if cur.state == "paused" {
                        self.docker.run(&["unpause", name])?;
                    }
                    self.docker.run(&["kill", name])?;
                    self.docker.run(&["wait", name])?;
                    if code == 137 {
                        return Ok(());
                    }
                } else if cur.state == "exited" && cur.exit_code == Some(code) {
                    return Ok(());
                }
                if code == 137 {
                    self.docker.run(&["start", name])?;
                    self.docker.run(&["kill", name])?;
                    self.docker.run(&["wait", name])?;
                } else {
                    let marker = self.scratch.join(format!("exit-{code}"));
                    std::fs::create_dir_all(&self.scratch).ctx(self.scratch.display())?;
                    std::fs::write(&marker, format!("{code}\n")).ctx(marker.display())?;
                    let marker = marker.to_string_lossy().into_owned();
                    self.docker
                        .run(&["cp", &marker, &format!("{name}:/.compat-exit")])?;
                    self.docker.run(&["start", name])?;
                    self.docker.run(&["wait", name])?;
                }
            }
        }
        Ok(())
    }

    /// `docker top` must list `procs` processes.
    fn fix_procs(&self, name: &str, procs: u32) -> Result<()> {
        let count = |d: &Docker| -> Result<u32> {
            let out = d.run(&["top", name, "-o", "pid"])?;
            Ok(out.lines().count().saturating_sub(1) as u32)
        };
        let mut n = count(&self.docker)?;
        if n > procs {
            self.docker.run(&["restart", "-t", "0", name])?;
            n = count(&self.docker)?;
        }
        while n < procs {
            self.docker.run(&["exec", "-d", name, "sleep", "1000000"])?;
            n += 1;
        }
        Ok(())
    }

    /// Remove images tagged `…:<name>._.<uid>` that no wanted container uses (a session's
    /// `mlc create` commits such images; `mlc remove` deletes them).
    fn remove_stale_images(&self, want: &[ContainerSpec]) -> Result<()> {
        let wanted: BTreeSet<String> = want.iter().map(|w| image_ref(&w.image)).collect();
        let stale: Vec<String> = self
            .docker
            .image_refs()?
            .into_iter()
            .filter(|r| r.rsplit_once(':').is_some_and(|(_, tag)| is_test_name(tag)))
            .filter(|r| !wanted.contains(r))
            .collect();
        for r in stale {
            self.docker.run_quiet(&["image", "rm", &r]);
        }
        Ok(())
    }

    /// Remove every managed container and every `…:<name>._.<uid>` image, plus images in the
    /// given repository namespaces (e.g. `ds01-2001/`).
    pub fn clean(&self, namespaces: &[String]) -> Result<()> {
        self.reconcile(&[])?;
        for r in self.docker.image_refs()? {
            if namespaces.iter().any(|ns| r.starts_with(ns.as_str())) {
                self.docker.run_quiet(&["image", "rm", "-f", &r]);
            }
        }
        Ok(())
    }
}

/// What mlc's setup leaves in the image (`addgroup`, `adduser`): the user's group, account
/// and home, so that `id` in the container names them. `name` is a recorded login name.
fn add_account_script(name: &str, uid: u32, gid: u32) -> String {
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    format!(
        "echo '{name}:x:{gid}:' >>/etc/group && \
         echo '{name}:x:{uid}:{gid}:aime:/home/{name}:/bin/bash' >>/etc/passwd && \
         mkdir -p '/home/{name}' && chown {uid}:{gid} '/home/{name}'"
    )
}

/// `name` or `repo` → `repo:latest`; `repo:tag` as is.
pub fn image_ref(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') {
        image.to_owned()
    } else {
        format!("{image}:latest")
    }
}

/// AIME's container naming `<name>._.<uid>`, for one of the recordings' uids.
pub fn is_test_name(name: &str) -> bool {
    name.rsplit_once("._.").is_some_and(|(n, uid)| {
        !n.is_empty() && uid.parse::<u32>().is_ok_and(|u| TEST_UIDS.contains(&u))
    })
}

fn spec_hash(spec: &ContainerSpec) -> u64 {
    let mut h = DefaultHasher::new();
    spec.name.hash(&mut h);
    image_ref(&spec.image).hash(&mut h);
    spec.labels.hash(&mut h);
    spec.group_add.hash(&mut h);
    spec.account.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refs() {
        assert!(is_test_name("pt231._.1000"));
        assert!(!is_test_name("x1"));
        assert!(!is_test_name("._.1000"));
        assert!(!is_test_name("pt._.0"));
        assert_eq!(image_ref("aimehub/pytorch"), "aimehub/pytorch:latest");
        assert_eq!(image_ref("localhost:5000/x"), "localhost:5000/x:latest");
        assert_eq!(image_ref("x:dup._.1000"), "x:dup._.1000");
    }
}
