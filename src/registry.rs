//! The one table of commands.  Every name the binary answers to, the spec
//! each one's command line comes from, and the function that runs it.
//! Dispatch, `ds01 --list`, `ds01 install-links`, completions and man
//! pages all read this table; adding a command is one line here, its spec
//! file and its module.

use crate::cli::spec::{self, Spec};
use crate::context::Ctx;
use crate::error::Outcome;

/// A command's entry function: the arguments after its name.
pub type Run = fn(&mut Ctx, &[String]) -> Outcome;

pub struct Entry {
    /// The command's own name.
    pub name: &'static str,
    /// Other names it is also called by.
    pub aliases: &'static [&'static str],
    /// Names it answers to *instead of another command* on a DS01 server
    /// (DS01's `mlc-create` replaces AIME's there, as DS01 linked it).
    pub on_ds01: &'static [&'static str],
    /// Its command spec (under `spec/`).
    pub spec: Spec,
    pub run: Run,
}

/// A spec file of `spec/`, embedded as the JSON that `build.rs` makes of it.
macro_rules! spec_file {
    ($kind:ident, $file:literal) => {
        Spec::$kind {
            path: concat!("spec/", $file),
            json: include_str!(concat!(env!("OUT_DIR"), "/spec/", $file, ".json")),
        }
    };
}

pub static COMMANDS: &[Entry] = &[
    Entry {
        name: "mlc",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Program, "mlc.yaml"),
        run: crate::aime::main,
    },
    Entry {
        name: "get_resource_limits",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/get_resource_limits.yaml"),
        run: crate::ds01::get_resource_limits::main,
    },
    Entry {
        name: "gpu-state-reader",
        aliases: &["gpu_state_reader"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/gpu_state_reader.yaml"),
        run: crate::ds01::gpu_state_reader::main,
    },
    Entry {
        name: "gpu_allocator_v2",
        aliases: &["gpu_allocator"],
        on_ds01: &[],
        spec: spec_file!(Program, "ds01/gpu_allocator_v2.yaml"),
        run: crate::ds01::gpu_allocator::main,
    },
    Entry {
        name: "gpu-availability-checker",
        aliases: &["gpu_availability_checker"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/gpu_availability_checker.yaml"),
        run: crate::ds01::gpu_availability_checker::main,
    },
    Entry {
        name: "check-limits",
        aliases: &["get-limits"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/check_limits.yaml"),
        run: crate::ds01::check_limits::main,
    },
    Entry {
        name: "container-exit",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_exit.yaml"),
        run: crate::ds01::container_exit::main,
    },
    Entry {
        name: "container-list",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_list.yaml"),
        run: crate::ds01::container_list::main,
    },
    Entry {
        name: "container-stats",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_stats.yaml"),
        run: crate::ds01::container_stats::main,
    },
    Entry {
        name: "container-pause",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_pause.yaml"),
        run: crate::ds01::container_pause::main,
    },
    Entry {
        name: "container-unpause",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_unpause.yaml"),
        run: crate::ds01::container_unpause::main,
    },
    Entry {
        name: "container-stop",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_stop.yaml"),
        run: crate::ds01::container_stop::main,
    },
    Entry {
        name: "container-remove",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_remove.yaml"),
        run: crate::ds01::container_remove::main,
    },
    Entry {
        name: "container-start",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_start.yaml"),
        run: crate::ds01::container_start::main,
    },
    Entry {
        name: "container-run",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_run.yaml"),
        run: crate::ds01::container_run::main,
    },
    Entry {
        name: "container-attach",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_attach.yaml"),
        run: crate::ds01::container_attach::main,
    },
    Entry {
        name: "container-create",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_create.yaml"),
        run: crate::ds01::container_create::main,
    },
    Entry {
        name: "image-create",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/image_create.yaml"),
        run: crate::ds01::image_create::main,
    },
    Entry {
        name: "image-list",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/image_list.yaml"),
        run: crate::ds01::image_list::main,
    },
    Entry {
        name: "image-delete",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/image_delete.yaml"),
        run: crate::ds01::image_delete::main,
    },
    Entry {
        name: "image-update",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/image_update.yaml"),
        run: crate::ds01::image_update::main,
    },
    Entry {
        name: "container-deploy",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_deploy.yaml"),
        run: crate::ds01::container_deploy::main,
    },
    Entry {
        name: "container-retire",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/container_retire.yaml"),
        run: crate::ds01::container_retire::main,
    },
    Entry {
        name: "container",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_container.yaml"),
        run: crate::ds01::dispatch::container,
    },
    Entry {
        name: "image",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_image.yaml"),
        run: crate::ds01::dispatch::image,
    },
    Entry {
        name: "project",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_project.yaml"),
        run: crate::ds01::dispatch::project,
    },
    Entry {
        name: "user",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_user.yaml"),
        run: crate::ds01::dispatch::user,
    },
    Entry {
        name: "check",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_check.yaml"),
        run: crate::ds01::dispatch::check,
    },
    Entry {
        name: "get",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_get.yaml"),
        run: crate::ds01::dispatch::get,
    },
    Entry {
        name: "devcontainer",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/dispatch_devcontainer.yaml"),
        run: crate::ds01::dispatch::devcontainer,
    },
    Entry {
        name: "image-install",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/image_install.yaml"),
        run: crate::ds01::image_install::main,
    },
    Entry {
        name: "mlc-stats-wrapper",
        aliases: &[],
        on_ds01: &["mlc-stats"],
        spec: spec_file!(Tool, "ds01/mlc_stats_wrapper.yaml"),
        run: crate::ds01::mlc_stats::main,
    },
    Entry {
        name: "mlc-create-wrapper",
        aliases: &[],
        on_ds01: &["mlc-create"],
        spec: spec_file!(Tool, "ds01/mlc_create_wrapper.yaml"),
        run: crate::ds01::mlc_create::main,
    },
    Entry {
        name: "project-init",
        aliases: &["new-project"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/project_init.yaml"),
        run: crate::ds01::project_init::main,
    },
    Entry {
        name: "project-launch",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/project_launch.yaml"),
        run: crate::ds01::project_launch::main,
    },
    Entry {
        name: "user-setup",
        aliases: &["new-user"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/user_setup.yaml"),
        run: crate::ds01::user_setup::main,
    },
    Entry {
        name: "devcontainer-init",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/devcontainer_init.yaml"),
        run: crate::ds01::devcontainer_init::main,
    },
    Entry {
        name: "devcontainer-check",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/devcontainer_check.yaml"),
        run: crate::ds01::devcontainer_check::main,
    },
    Entry {
        name: "ssh-setup",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/ssh_setup.yaml"),
        run: crate::ds01::ssh_setup::main,
    },
    Entry {
        name: "shell-setup",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/shell_setup.yaml"),
        run: crate::ds01::shell_setup::main,
    },
    Entry {
        name: "vscode-setup",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/vscode_setup.yaml"),
        run: crate::ds01::vscode_setup::main,
    },
    Entry {
        name: "help",
        aliases: &["commands", "aliases", "alias-list"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/help.yaml"),
        run: crate::ds01::help::main,
    },
    Entry {
        name: "version",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/version.yaml"),
        run: crate::ds01::version::main,
    },
    Entry {
        name: "docker",
        aliases: &["docker-wrapper"],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/docker_wrapper.yaml"),
        run: crate::ds01::docker_wrapper::main,
    },
    Entry {
        name: "ds01-lifecycle",
        aliases: &[],
        on_ds01: &[],
        spec: spec_file!(Tool, "ds01/lifecycle.yaml"),
        run: crate::ds01::lifecycle::main,
    },
];

/// What a name stands for.
pub struct Found {
    pub entry: &'static Entry,
    /// For a program's link name (`mlc-list`): the subcommand it means.
    pub subcommand: Option<String>,
}

impl Found {
    /// Run it with the arguments that followed the name.
    pub fn run(&self, ctx: &mut Ctx, args: &[String]) -> Outcome {
        match &self.subcommand {
            None => (self.entry.run)(ctx, args),
            Some(sub) => {
                let mut full = vec![sub.clone()];
                full.extend(args.iter().cloned());
                (self.entry.run)(ctx, &full)
            }
        }
    }
}

/// The command called `name`; `ds01_server`: whether this host runs DS01.
pub fn find(name: &str, ds01_server: bool) -> Option<Found> {
    let found = |entry, subcommand| Some(Found { entry, subcommand });
    if ds01_server {
        if let Some(e) = COMMANDS.iter().find(|e| e.on_ds01.contains(&name)) {
            return found(e, None);
        }
    }
    for e in COMMANDS {
        if e.name == name || e.aliases.contains(&name) {
            return found(e, None);
        }
        if let Some(sub) = link_target(e, name) {
            return found(e, Some(sub));
        }
    }
    None
}

/// The subcommand a program's link name stands for (`mlc-list` → `list`).
/// Every link is named `<program>-<word>` (a test holds that), so other
/// names are answered without reading the spec: start-up time is mostly
/// spec reading.
fn link_target(e: &Entry, name: &str) -> Option<String> {
    let is_program = matches!(e.spec, Spec::Program { .. });
    if !is_program || !is_link_name(e.name, name) {
        return None;
    }
    match spec::load(&e.spec).ok()? {
        spec::Loaded::Program(p) => p.links.get(name).cloned(),
        spec::Loaded::Tool(_) => None,
    }
}

/// Whether `name` has the form of a link of program `program`.
fn is_link_name(program: &str, name: &str) -> bool {
    name.strip_prefix(program)
        .is_some_and(|rest| rest.starts_with('-'))
}

/// Names that stand in front of another program of the same name (the
/// docker wrapper before the docker CLI): linked on a DS01 server only,
/// where the originals put them, and never beside that program in the
/// package's own directory.
pub const FRONT_OF_ANOTHER: &[&str] = &["docker"];

/// The names `install-links` makes: every name, but those of
/// [`FRONT_OF_ANOTHER`] only on a DS01 server.
pub fn names_to_link(ds01_server: bool) -> Vec<String> {
    names()
        .into_iter()
        .filter(|n| ds01_server || !FRONT_OF_ANOTHER.contains(&n.as_str()))
        .collect()
}

/// Every command name, in table order: a command, then its aliases and
/// link names.
pub fn names() -> Vec<String> {
    let mut names = Vec::new();
    for e in COMMANDS {
        names.push(e.name.to_string());
        let is_program = matches!(e.spec, Spec::Program { .. });
        if let Some(Ok(spec::Loaded::Program(p))) = is_program.then(|| spec::load(&e.spec)) {
            names.extend(p.links.keys().cloned());
        }
        names.extend(e.aliases.iter().map(|a| a.to_string()));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docker_wrapper_is_linked_on_a_ds01_server_only() {
        assert!(names_to_link(true).iter().any(|n| n == "docker"));
        assert!(!names_to_link(false).iter().any(|n| n == "docker"));
        assert_eq!(names_to_link(true).len(), names().len());
    }

    #[test]
    fn every_spec_loads_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for name in names() {
            assert!(seen.insert(name.clone()), "{name} is listed twice");
        }
        for e in COMMANDS {
            spec::load(&e.spec).unwrap_or_else(|err| panic!("{}: {err}", e.name));
        }
    }

    #[test]
    fn every_link_is_named_after_its_program() {
        for e in COMMANDS {
            if let Ok(spec::Loaded::Program(p)) = spec::load(&e.spec) {
                for link in p.links.keys() {
                    assert!(is_link_name(e.name, link), "{link} of {}", e.name);
                }
            }
        }
    }

    #[test]
    fn names_resolve() {
        assert_eq!(find("mlc", false).map(|f| f.entry.name), Some("mlc"));
        let link = find("mlc-list", false).expect("mlc-list");
        assert_eq!(link.subcommand.as_deref(), Some("list"));
        let create = find("mlc-create", false).expect("mlc-create");
        assert_eq!(create.entry.name, "mlc");
        let ds01 = find("mlc-create", true).expect("mlc-create on DS01");
        assert_eq!(ds01.entry.name, "mlc-create-wrapper");
        assert_eq!(
            find("get-limits", false).map(|f| f.entry.name),
            Some("check-limits")
        );
        assert!(find("nope", true).is_none());
    }
}
