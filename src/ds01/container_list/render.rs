//! The pages of `container-list`: the simple list and the detailed one,
//! byte for byte as the original printed them (pure: text in, text out).

use super::mine::{self, Mine};
use crate::ui::ds01::{expand, BLUE, BOLD, CYAN, DIM, GREEN, NC, YELLOW};
use bollard::models::ContainerInspectResponse;

/// One container and its inspect record.
pub type Entry = (Mine, ContainerInspectResponse);

fn rule() -> String {
    format!("{CYAN}{}{NC}\n", "━".repeat(47))
}

/// The banner with a blank line after it.
fn banner(title: &str) -> String {
    format!("{}{CYAN}{BOLD}    {title}{NC}\n{}\n", rule(), rule())
}

/// The status word with its dot.  A paused container is `● Paused` (the
/// original's `docker ps` STATUS starts with `Up`, so it said Running).
pub fn status_mark(m: &Mine) -> String {
    let status = m.status.as_str();
    if m.state == "paused" {
        format!("{YELLOW}●{NC} Paused")
    } else if status.starts_with("Up") {
        format!("{GREEN}●{NC} Running")
    } else if status.starts_with("Exited") {
        format!("{DIM}○{NC} Stopped")
    } else if status == "Created" {
        format!("{BLUE}○{NC} Created")
    } else {
        format!("{DIM}{status}{NC}")
    }
}

/// The STATUS column without its first `Up `, and `stopped` from
/// `Exited` on (the original's two `sed`s).
pub fn uptime(status: &str) -> String {
    let up = status.replacen("Up ", "", 1);
    match up.find("Exited") {
        Some(i) => format!("{}stopped", &up[..i]),
        None => up,
    }
}

/// The image reference up to its first `:` (`cut -d: -f1`).
fn image_without_tag(image: &str) -> &str {
    image.split(':').next().unwrap_or("")
}

/// ` (dev container)` and the like from `ds01.container_type`; DS01's own
/// kinds (and none) show nothing.
fn type_suffix(c: &ContainerInspectResponse) -> String {
    let word = match mine::label(c, "ds01.container_type") {
        "devcontainer" => "(dev container)",
        "compose" => "(compose)",
        "docker" => "(docker)",
        _ => return String::new(),
    };
    format!(" {DIM}{word}{NC}")
}

/// The simple list.  `all`: every state (else running ones only);
/// `running`/`paused`: how many of the caller's containers are so.
pub struct Simple<'a> {
    pub entries: &'a [Entry],
    pub all: bool,
    pub guided: bool,
    pub running: usize,
    pub paused: usize,
}

impl Simple<'_> {
    pub fn page(&self) -> String {
        let mut text = banner("Your Containers");
        if self.guided {
            text.push_str(&expand(GUIDED_INTRO));
        }
        if self.entries.is_empty() {
            text.push_str(&self.nothing());
            return text;
        }
        for (i, (m, c)) in self.entries.iter().enumerate() {
            text.push_str(&block(i + 1, m, c));
        }
        text.push_str(&self.footer());
        text
    }

    fn nothing(&self) -> String {
        let mut text = if self.all {
            format!("{YELLOW}No containers found{NC}\n\n")
        } else {
            format!(
                "{YELLOW}No running containers{NC}\n\n\
                 {DIM}Show all containers: {GREEN}container-list --all{NC}\n\n"
            )
        };
        text.push_str(&format!(
            "{BOLD}Deploy a container:{NC}\n  {GREEN}container-deploy my-project{NC}\n\n"
        ));
        text
    }

    fn footer(&self) -> String {
        let total = self.entries.len();
        let mut text = rule();
        text.push_str(&format!(
            "{BOLD}Total:{NC} {total} container(s)  •  {GREEN}{} running{NC}\n",
            self.running
        ));
        if self.all {
            let stopped = total.saturating_sub(self.running + self.paused);
            if self.paused > 0 {
                text.push_str(&format!("       {YELLOW}{} paused{NC}\n", self.paused));
            }
            if stopped > 0 {
                text.push_str(&format!("       {DIM}{stopped} stopped{NC}\n"));
            }
        }
        text.push_str(&format!(
            "\n{YELLOW}💡 For More Info:{NC}\n\
             \x20  Also stopped:           {GREEN}container list --all{NC}\n\
             \x20  Detailed metadata:      {GREEN}container list --detailed{NC}\n\
             \x20  With walkthrough:       {GREEN}container list --guided{NC}\n\n"
        ));
        if self.guided {
            text.push_str(&expand(GUIDED_COMMANDS));
        }
        text
    }
}

/// One container of the simple list.
fn block(n: usize, m: &Mine, c: &ContainerInspectResponse) -> String {
    let image = mine::image(c);
    let mut text = format!(
        "{BOLD}{n}. {CYAN}{}{NC}{}\n   Status: {}\n   Image:  {DIM}{}{NC}\n   Time:   {DIM}{}{NC}\n",
        m.name,
        type_suffix(c),
        status_mark(m),
        image_without_tag(&image),
        uptime(&m.status)
    );
    if m.status.starts_with("Up") && mine::requests_devices(c) {
        text.push_str(&format!("   GPU:    {GREEN}Allocated{NC}\n"));
    }
    text.push('\n');
    text
}

/// The detailed page; `info_created` gives the `Created:` line of a
/// legacy `~/ds01-config/containers/NAME.info` file, if there is one.
pub fn detailed(entries: &[Entry], info_created: &dyn Fn(&str) -> Option<String>) -> String {
    let mut text = banner("Detailed Container Information");
    if entries.is_empty() {
        text.push_str(&format!("{YELLOW}No containers found{NC}\n\n"));
        return text;
    }
    for (i, (m, c)) in entries.iter().enumerate() {
        text.push_str(&format!(
            "{BOLD}━━━ Container #{}: {CYAN}{}{NC} {BOLD}━━━{NC}\n\n",
            i + 1,
            m.name
        ));
        text.push_str(&general(m, c));
        text.push_str(&resources(c));
        text.push_str(&mounts(c));
        text.push_str(&ports(c));
        if let Some(created) = info_created(&m.name) {
            text.push_str(&format!(
                "\n{BOLD}Metadata:{NC}\n  Created:    {DIM}{created}{NC}\n"
            ));
        }
        text.push('\n');
    }
    text
}

/// `{{.Created}}` up to its first `.`, with its first `T` a space.
fn created(c: &ContainerInspectResponse) -> String {
    let raw = c.created.clone().unwrap_or_default();
    let cut = raw.split('.').next().unwrap_or("");
    cut.replacen('T', " ", 1)
}

fn general(m: &Mine, c: &ContainerInspectResponse) -> String {
    let id: String = m.id.chars().take(12).collect();
    let mut text = format!(
        "{BOLD}General:{NC}\n  Name:       {}\n  Full Name:  {DIM}{}{NC}\n  ID:         {DIM}{id}{NC}\n  Status:     {}\n  Created:    {DIM}{}{NC}\n  Image:      {}\n",
        m.name,
        m.tag,
        status_mark(m),
        created(c),
        mine::image(c)
    );
    let framework = mine::label(c, "ds01.framework");
    if !framework.is_empty() {
        text.push_str(&format!("  Framework:  {GREEN}{framework}{NC}\n"));
    }
    text
}

fn resources(c: &ContainerInspectResponse) -> String {
    let mut text = format!("\n{BOLD}Resources:{NC}\n");
    let (nano_cpus, memory) = mine::cpu_and_memory(c);
    if nano_cpus != 0 {
        text.push_str(&format!(
            "  CPUs:       {GREEN}{} cores{NC}\n",
            nano_cpus / 1_000_000_000
        ));
    }
    if memory != 0 {
        text.push_str(&format!(
            "  Memory:     {GREEN}{}GB{NC}\n",
            memory / 1024 / 1024 / 1024
        ));
    }
    if mine::requests_devices(c) {
        text.push_str(&format!("  GPU:        {GREEN}Enabled{NC}\n"));
    } else {
        text.push_str(&format!("  GPU:        {DIM}CPU-only{NC}\n"));
    }
    text
}

/// Workspace, data and models mounts; nothing without a workspace.
fn mounts(c: &ContainerInspectResponse) -> String {
    let workspace = mine::mount_source(c, "/workspace");
    if workspace.is_empty() {
        return String::new();
    }
    let mut text = format!("\n{BOLD}Mounts:{NC}\n  Workspace:  {BLUE}{workspace}{NC}\n");
    let data = mine::mount_source(c, "/data");
    if !data.is_empty() {
        text.push_str(&format!("  Data:       {BLUE}{data}{NC}\n"));
    }
    let models = mine::mount_source(c, "/models");
    if !models.is_empty() {
        text.push_str(&format!(
            "  Models:     {BLUE}{models}{NC} {DIM}(AIME v2){NC}\n"
        ));
    }
    text
}

fn ports(c: &ContainerInspectResponse) -> String {
    let lines = mine::ports(c);
    if lines.is_empty() {
        return String::new();
    }
    let mut text = format!("\n{BOLD}Ports:{NC}\n");
    for line in lines {
        text.push_str(&format!("  {GREEN}{line}{NC}\n"));
    }
    text
}

/// `--guided`: what the list shows (our words).
const GUIDED_INTRO: &str = "{CYAN}ℹ {NC}{BOLD}Reading this list:{NC}
  • {GREEN}Running{NC} - the container is up; container-run opens a shell in it
  • {DIM}Stopped{NC} - it ended; its files are kept and it can be started again
  • {YELLOW}Paused{NC} - frozen by container-pause; container-unpause resumes it
  • {BLUE}Created{NC} - made but never started yet

{CYAN}ℹ {NC}{BOLD}For each container:{NC}
  • Status - one of the states above
  • Image - the image it was made from (your software and libraries)
  • Time - how long it has been up, or that it is stopped
  • GPU - shown when it runs with a GPU

{CYAN}ℹ {NC}{BOLD}Which containers:{NC}
  • Only yours: ds01 names them NAME._.UID after your user id

";

/// `--guided`: the commands that act on what was listed (our words).
const GUIDED_COMMANDS: &str = "
{YELLOW}💡 What next:{NC}
   Open a shell:  {GREEN}container-run <name>{NC}
   Stop one:      {GREEN}container-stop <name>{NC}
   Usage figures: {GREEN}container-stats{NC}
   Clean up:      {GREEN}container-remove{NC}

";

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, DeviceRequest, HostConfig, MountPoint};
    use std::collections::HashMap;

    fn mine(name: &str, state: &str, status: &str) -> Mine {
        Mine {
            name: name.into(),
            tag: format!("{name}._.2001"),
            id: "f91c82cdd2601234567890".into(),
            state: state.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    fn record(gpu: bool, workspace: Option<&str>) -> ContainerInspectResponse {
        let labels: HashMap<String, String> =
            [("ds01.framework".to_string(), "Pytorch-2.5.1".to_string())].into();
        ContainerInspectResponse {
            created: Some("2026-11-28T12:50:14.123456789Z".into()),
            config: Some(ContainerConfig {
                image: Some("ds01-2001/demo:latest".into()),
                labels: Some(labels),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                device_requests: gpu.then(|| vec![DeviceRequest::default()]),
                nano_cpus: Some(0),
                memory: Some(0),
                ..Default::default()
            }),
            mounts: workspace.map(|w| {
                vec![MountPoint {
                    source: Some(w.into()),
                    destination: Some("/workspace".into()),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        }
    }

    #[test]
    fn created_containers_listed_as_recorded() {
        let entries = vec![(mine("wgpu3", "created", "Created"), record(true, None))];
        let page = Simple {
            entries: &entries,
            all: true,
            guided: false,
            running: 0,
            paused: 0,
        }
        .page();
        let expected = "\x1b[1m1. \x1b[0;36mwgpu3\x1b[0m\n   Status: \x1b[0;34m○\x1b[0m Created\n   Image:  \x1b[2mds01-2001/demo\x1b[0m\n   Time:   \x1b[2mCreated\x1b[0m\n\n";
        assert!(page.contains(expected), "{page}");
        assert!(page.contains("\x1b[1mTotal:\x1b[0m 1 container(s)  •  \x1b[0;32m0 running\x1b[0m\n       \x1b[2m1 stopped\x1b[0m\n\n"));
    }

    #[test]
    fn running_with_gpu_and_paused() {
        let up = mine("demo", "running", "Up Less than a second");
        assert!(block(1, &up, &record(true, None)).contains(
            "   Time:   \x1b[2mLess than a second\x1b[0m\n   GPU:    \x1b[0;32mAllocated\x1b[0m\n"
        ));
        let paused = mine("demo", "paused", "Up 5 minutes (Paused)");
        assert_eq!(status_mark(&paused), "\x1b[1;33m●\x1b[0m Paused");
        assert_eq!(uptime(&paused.status), "5 minutes (Paused)");
        assert_eq!(uptime("Exited (137) 2 hours ago"), "stopped");
    }

    #[test]
    fn detailed_as_recorded() {
        let entries = vec![(
            mine("demo", "created", "Created"),
            record(true, Some("/home/alice/workspace/demo")),
        )];
        let page = detailed(&entries, &|_| None);
        let expected = "\x1b[1m━━━ Container #1: \x1b[0;36mdemo\x1b[0m \x1b[1m━━━\x1b[0m\n\n\x1b[1mGeneral:\x1b[0m\n  Name:       demo\n  Full Name:  \x1b[2mdemo._.2001\x1b[0m\n  ID:         \x1b[2mf91c82cdd260\x1b[0m\n  Status:     \x1b[0;34m○\x1b[0m Created\n  Created:    \x1b[2m2026-11-28 12:50:14\x1b[0m\n  Image:      ds01-2001/demo:latest\n  Framework:  \x1b[0;32mPytorch-2.5.1\x1b[0m\n\n\x1b[1mResources:\x1b[0m\n  GPU:        \x1b[0;32mEnabled\x1b[0m\n\n\x1b[1mMounts:\x1b[0m\n  Workspace:  \x1b[0;34m/home/alice/workspace/demo\x1b[0m\n\n";
        assert!(page.ends_with(expected), "{page}");
    }
}
