//! The spec as a clap `Command` tree, for clap_complete and clap_mangen.
//!
//! Parsing does not go through clap (it cannot express argparse's rules);
//! this model only feeds the generated completions and man pages, so both
//! stay in step with the parser.

use super::spec::{Action, OptionSpec, ProgramSpec, ToolSpec};
use crate::ui::colour::strip_tokens;
use clap::{Arg, ArgAction, Command};

fn leak(s: &str) -> &'static str {
    // The generators run once per process; the model lives until exit.
    Box::leak(s.to_string().into_boxed_str())
}

fn option_arg(o: &OptionSpec) -> Arg {
    let id = if o.dest.is_empty() {
        o.names.last().cloned().unwrap_or_default()
    } else {
        o.dest.clone()
    };
    // argparse-style single-dash long options (`-arch`) have no clap form;
    // the help line names them so the man page still shows them.
    let single_dash_long: Vec<&str> = o
        .names
        .iter()
        .filter(|n| !n.starts_with("--") && n.chars().count() > 2)
        .map(String::as_str)
        .collect();
    let mut help = o.help.replace('\n', " ");
    if !single_dash_long.is_empty() {
        help = format!("{help} (also: {})", single_dash_long.join(", "));
    }
    let mut arg = Arg::new(leak(&id)).help(leak(&help));
    let mut long_set = false;
    for n in &o.names {
        if let Some(long) = n.strip_prefix("--") {
            arg = if long_set {
                arg.visible_alias(leak(long))
            } else {
                long_set = true;
                arg.long(leak(long))
            };
        } else if let Some(short) = n.strip_prefix('-') {
            let mut chars = short.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                arg = arg.short(c);
            }
        }
    }
    match o.action {
        Action::Help => arg.action(ArgAction::Help),
        Action::Version => arg.action(ArgAction::Version),
        Action::Store if o.takes_value() => {
            let hint = match o.value.as_deref() {
                Some("dir") => clap::ValueHint::DirPath,
                _ => clap::ValueHint::Other,
            };
            arg.action(ArgAction::Set)
                .value_name(leak(&o.dest.to_uppercase()))
                .value_hint(hint)
        }
        Action::Store => arg.action(ArgAction::SetTrue),
        Action::Append => arg
            .action(ArgAction::Append)
            .value_name(leak(&o.dest.to_uppercase())),
    }
}

fn subcommand(c: &super::spec::CommandSpec, bin: &str) -> Command {
    let mut cmd = Command::new(leak(bin))
        .about(leak(&c.summary))
        .long_about(leak(&c.description))
        .override_usage(leak(strip_tokens(&c.usage).trim()))
        .disable_help_flag(true);
    for p in &c.positionals {
        cmd = cmd.arg(Arg::new(leak(&p.name)).help(leak(&p.help)).required(false));
    }
    for o in super::with_help(&c.options) {
        cmd = cmd.arg(option_arg(&o));
    }
    cmd
}

/// The program (`mlc`) with its subcommands.
pub fn program(spec: &ProgramSpec) -> Command {
    let mut cmd = Command::new(leak(&spec.name))
        .about(leak(spec.description.lines().next().unwrap_or("")))
        .long_about(leak(&spec.description))
        .override_usage(leak(strip_tokens(&spec.usage).trim()))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true);
    let version = strip_tokens(&spec.version_line);
    cmd = cmd.version(leak(version.rsplit(' ').next().unwrap_or("")));
    for o in &spec.options {
        cmd = cmd.arg(option_arg(o));
    }
    for c in &spec.commands {
        cmd = cmd.subcommand(subcommand(c, &c.name));
    }
    cmd
}

/// One stand-alone command per link name (`mlc-list`), for its own
/// completion and man page.
pub fn links(spec: &ProgramSpec) -> Vec<Command> {
    spec.links
        .iter()
        .filter_map(|(link, target)| spec.command(target).map(|c| subcommand(c, link)))
        .collect()
}

/// A stand-alone command (`get_resource_limits`): no subcommands, and no
/// `-h` unless its spec lists one (the original had none).
pub fn tool(spec: &ToolSpec) -> Command {
    // Generated files go under the assets name where the command's own
    // belongs to another package.
    let name = match spec.assets_name.as_str() {
        "" => &spec.name,
        other => other,
    };
    let mut cmd = Command::new(leak(name))
        .about(leak(&spec.summary))
        .long_about(leak(&spec.description))
        .override_usage(leak(strip_tokens(&spec.usage).trim()))
        .disable_help_flag(true)
        .disable_version_flag(true);
    for p in &spec.positionals {
        cmd = cmd.arg(Arg::new(leak(&p.name)).help(leak(&p.help)).required(false));
    }
    for o in &spec.options {
        cmd = cmd.arg(option_arg(o));
    }
    cmd
}
