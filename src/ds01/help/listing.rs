//! The command lists of `help`, made from the command table
//! ([`crate::registry::COMMANDS`]): each command of the table is placed in
//! one of the original's sections (by name, or by its name's prefix), its
//! line says what its spec's summary says, and its other names follow as
//! `also:`.  A name the table lacks is never shown; a command the table
//! gains shows up in its prefix's section, or under "More:".

use crate::cli::spec::{self, Loaded};
use crate::registry::{Entry, COMMANDS};

/// How a section names its commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// `container-create` (the dispatcher form is the footer's business).
    Hyphen,
    /// `project-init`, with `also: project init`.
    HyphenAndDispatched,
    /// `container deploy` (the hyphenated name works too).
    Dispatched,
}

pub(super) struct Section {
    pub(super) title: &'static str,
    /// Its commands, in the order shown.
    pub(super) names: &'static [&'static str],
    /// Further commands of the table whose names start so.
    pub(super) prefix: Option<&'static str>,
    pub(super) form: Form,
}

/// The user's sections (the original's, without the ones whose commands
/// ds01 does not have, plus `Help:`).
pub(super) const USER: &[Section] = &[
    Section {
        title: "Setup & Configuration:",
        names: &[
            "user-setup",
            "project-init",
            "project-launch",
            "ssh-setup",
            "vscode-setup",
            "shell-setup",
            "check-limits",
            "devcontainer-init",
            "devcontainer-check",
        ],
        prefix: Some("devcontainer-"),
        form: Form::HyphenAndDispatched,
    },
    Section {
        title: "Container Orchestrators (Recommended):",
        names: &["container-deploy", "container-retire"],
        prefix: None,
        form: Form::Dispatched,
    },
    ATOMIC_CONTAINERS,
    Section {
        title: "Image Management:",
        names: IMAGE_NAMES,
        prefix: Some("image-"),
        form: Form::Dispatched,
    },
    Section {
        title: "Help:",
        names: &["help", "version"],
        prefix: None,
        form: Form::Hyphen,
    },
];

/// `help --atomic`: the single-step (L2) commands.
pub(super) const ATOMIC: &[Section] = &[
    ATOMIC_CONTAINERS,
    Section {
        title: "Image Management:",
        names: IMAGE_NAMES,
        prefix: Some("image-"),
        form: Form::Hyphen,
    },
];

const ATOMIC_CONTAINERS: Section = Section {
    title: "Container Operations (Atomic):",
    names: &[
        "container-create",
        "container-start",
        "container-run",
        "container-attach",
        "container-stop",
        "container-pause",
        "container-unpause",
        "container-remove",
        "container-list",
        "container-stats",
        "container-exit",
    ],
    prefix: Some("container-"),
    form: Form::Hyphen,
};

const IMAGE_NAMES: &[&str] = &[
    "image-create",
    "image-list",
    "image-update",
    "image-delete",
    "image-install",
];

/// `help --admin`: what DS01's own tools call, and AIME's layer.
pub(super) const ADMIN: &[Section] = &[
    Section {
        title: "GPU Allocation:",
        names: &[
            "gpu_allocator_v2",
            "gpu-state-reader",
            "gpu-availability-checker",
        ],
        prefix: Some("gpu"),
        form: Form::Hyphen,
    },
    Section {
        title: "Resource Limits:",
        names: &["get_resource_limits"],
        prefix: None,
        form: Form::Hyphen,
    },
    Section {
        title: "Containers (AIME layer):",
        names: &["mlc-create-wrapper", "mlc-stats-wrapper", "mlc"],
        prefix: Some("mlc"),
        form: Form::Hyphen,
    },
    Section {
        title: "Docker (DS01's wrapper in front of the CLI):",
        names: &["docker"],
        prefix: None,
        form: Form::Hyphen,
    },
    Section {
        title: "Lifecycle (run by a systemd timer):",
        names: &["ds01-lifecycle"],
        prefix: None,
        form: Form::Hyphen,
    },
];

/// The dispatchers: not listed one by one (the footer says that
/// `container create` works as well as `container-create`).
pub(super) const DISPATCHERS: &[&str] = &[
    "container",
    "image",
    "project",
    "user",
    "check",
    "get",
    "devcontainer",
];

/// Dispatchers whose every subcommand `WORD` is the command `NAME-WORD`.
const PREFIX_DISPATCHERS: &[&str] = &["container", "image", "project", "devcontainer"];

/// Dispatcher routes that are not `NAME-WORD` (see `ds01::dispatch`).
const OTHER_ROUTES: &[(&str, &[&str])] = &[
    ("user-setup", &["user setup", "user new"]),
    (
        "check-limits",
        &["check limits", "get limits", "user limits"],
    ),
    ("container-attach", &["container open"]),
    ("image-delete", &["image remove"]),
];

/// One command's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// The command's table name (what `registry::find` knows).
    pub(super) name: &'static str,
    /// How the section shows it.
    pub(super) shown: String,
    pub(super) also: Vec<String>,
    pub(super) summary: String,
}

/// The lines of `section`.  A command is placed by `placement` (the
/// sections `section`'s title is one of): in the first section naming it,
/// else in the first whose prefix fits.
pub(super) fn lines(section: &Section, placement: &[Section]) -> Vec<Line> {
    let mut placed: Vec<&'static Entry> = section
        .names
        .iter()
        .filter_map(|n| COMMANDS.iter().find(|e| e.name == *n))
        .collect();
    for e in COMMANDS {
        let by_prefix = home_of(e.name, placement).is_some_and(|s| s.title == section.title);
        if by_prefix && !placed.iter().any(|p| p.name == e.name) {
            placed.push(e);
        }
    }
    placed.into_iter().map(|e| line(e, section.form)).collect()
}

/// The commands no section of `sections` (nor the dispatcher list)
/// places: shown under "More:" so that none goes missing.
pub(super) fn unplaced(sections: &[&[Section]]) -> Vec<Line> {
    COMMANDS
        .iter()
        .filter(|e| !DISPATCHERS.contains(&e.name))
        .filter(|e| sections.iter().all(|s| home_of(e.name, s).is_none()))
        .map(|e| line(e, Form::Hyphen))
        .collect()
}

/// The section of `sections` that holds `name`.
fn home_of<'s>(name: &str, sections: &'s [Section]) -> Option<&'s Section> {
    sections
        .iter()
        .find(|s| s.names.contains(&name))
        .or_else(|| {
            sections
                .iter()
                .find(|s| s.prefix.is_some_and(|p| name.starts_with(p)))
        })
}

fn line(e: &'static Entry, form: Form) -> Line {
    let dispatched = dispatched(e.name);
    let shown = match (form, &dispatched) {
        (Form::Dispatched, Some(d)) => d.clone(),
        _ => e.name.to_string(),
    };
    let mut also: Vec<String> = Vec::new();
    if let (Form::HyphenAndDispatched, Some(d)) = (form, &dispatched) {
        also.push(d.clone());
    }
    also.extend(other_routes(e.name));
    also.extend(e.aliases.iter().chain(e.on_ds01).map(|a| a.to_string()));
    Line {
        name: e.name,
        shown,
        also,
        summary: summary(e),
    }
}

/// `container deploy` for `container-deploy`, when that dispatcher exists.
fn dispatched(name: &str) -> Option<String> {
    let (prefix, word) = name.split_once('-')?;
    let known = PREFIX_DISPATCHERS.contains(&prefix) && exists(prefix);
    known.then(|| format!("{prefix} {word}"))
}

/// The other dispatcher words that reach `name`.
fn other_routes(name: &str) -> Vec<String> {
    OTHER_ROUTES
        .iter()
        .filter(|(target, _)| *target == name)
        .flat_map(|(_, forms)| forms.iter())
        .filter(|form| form.split(' ').next().is_some_and(exists))
        .map(|form| form.to_string())
        .collect()
}

fn exists(name: &str) -> bool {
    COMMANDS.iter().any(|e| e.name == name)
}

/// What the command's spec says it is for: a tool's summary, or the first
/// sentence of a program's description.
fn summary(e: &Entry) -> String {
    match spec::load(&e.spec) {
        Ok(Loaded::Tool(t)) => one_line(&t.summary),
        Ok(Loaded::Program(p)) => first_sentence(&p.description),
        Err(_) => String::new(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first sentence; a long one without its parenthesis.
fn first_sentence(text: &str) -> String {
    let flat = one_line(text);
    let sentence = match flat.find(". ") {
        Some(i) => &flat[..=i],
        None => flat.as_str(),
    };
    match sentence.find(" (") {
        Some(i) if sentence.chars().count() > LONG_SUMMARY => format!("{}.", &sentence[..i]),
        _ => sentence.to_string(),
    }
}

/// A summary longer than this loses its parenthesis.
const LONG_SUMMARY: usize = 72;

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(sections: &[Section], placement: &[Section]) -> Vec<Line> {
        sections.iter().flat_map(|s| lines(s, placement)).collect()
    }

    #[test]
    fn every_listed_name_exists_in_the_table() {
        for (sections, placement) in [(USER, USER), (ATOMIC, USER), (ADMIN, ADMIN)] {
            for l in all_lines(sections, placement) {
                assert!(
                    crate::registry::find(l.name, true).is_some(),
                    "{} is listed but not a command",
                    l.name
                );
                for other in &l.also {
                    let first = other.split(' ').next().unwrap_or_default();
                    assert!(
                        exists(first) || crate::registry::find(first, true).is_some(),
                        "{other}"
                    );
                }
            }
        }
        for d in DISPATCHERS {
            assert!(exists(d), "dispatcher {d} is not a command");
        }
    }

    #[test]
    fn every_command_is_placed_once() {
        let mut seen = std::collections::HashSet::new();
        for sections in [USER, ADMIN] {
            for l in all_lines(sections, sections) {
                assert!(seen.insert(l.name), "{} is listed twice", l.name);
            }
        }
        assert_eq!(
            unplaced(&[USER, ADMIN]),
            Vec::new(),
            "commands without a section"
        );
        for e in COMMANDS {
            assert!(
                seen.contains(e.name) || DISPATCHERS.contains(&e.name),
                "{} is not listed",
                e.name
            );
        }
    }

    #[test]
    fn forms_and_other_names() {
        let user = all_lines(USER, USER);
        let by = |name: &str| user.iter().find(|l| l.name == name).cloned().expect(name);
        assert_eq!(by("container-deploy").shown, "container deploy");
        assert_eq!(by("container-create").shown, "container-create");
        assert!(by("container-create").also.is_empty());
        assert_eq!(by("container-attach").also, vec!["container open"]);
        assert_eq!(by("project-init").also, vec!["project init", "new-project"]);
        assert_eq!(
            by("user-setup").also,
            vec!["user setup", "user new", "new-user"]
        );
        assert_eq!(by("help").also, vec!["commands", "aliases", "alias-list"]);
        let atomic = all_lines(ATOMIC, USER);
        assert!(atomic.iter().all(|l| l.shown == l.name));
        assert!(atomic.iter().any(|l| l.name == "image-install"));
        assert!(!atomic.iter().any(|l| l.name == "container-deploy"));
    }

    #[test]
    fn summaries_are_one_line() {
        assert_eq!(first_sentence("A b\n c. D e."), "A b c.");
        let long = format!("Hands out GPUs {} (quotas, limits). More.", "x".repeat(70));
        assert_eq!(
            first_sentence(&long),
            format!("Hands out GPUs {}.", "x".repeat(70))
        );
        assert_eq!(one_line("x\n  y"), "x y");
    }
}
