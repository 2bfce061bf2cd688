//! Help pages in the layout of Python argparse's `HelpFormatter`.
//!
//! The original's help was argparse output; we keep its layout, usage lines
//! and flag names (scripts and habits depend on them) while the sentences
//! come from our spec.

use super::spec::{CommandSpec, Formatter, OptionSpec, PositionalSpec, ProgramSpec};
use crate::ui::colour;

/// argparse's width: `$COLUMNS` (as the caller read it), else the
/// terminal's width, else 80; minus 2.
pub fn help_width(columns: Option<&str>) -> usize {
    let columns = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(crate::ui::terminal_columns)
        .unwrap_or(80);
    columns.saturating_sub(2)
}

struct Entry {
    invocation: String,
    help: String,
    /// Sub-entries are indented one more step (subcommand choices).
    indent: usize,
}

fn option_invocation(o: &OptionSpec) -> String {
    if o.takes_value() {
        let metavar = o.metavar.clone().unwrap_or_else(|| o.dest.to_uppercase());
        o.names
            .iter()
            .map(|n| format!("{n} {metavar}"))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        o.names.join(", ")
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn split_lines(text: &str, formatter: Formatter, width: usize) -> Vec<String> {
    match formatter {
        Formatter::Raw => text.lines().map(str::to_string).collect(),
        Formatter::Wrap => wrap(text, width),
    }
}

struct Page<'a> {
    usage: &'a str,
    description: &'a str,
    formatter: Formatter,
    sections: Vec<(&'static str, Vec<Entry>)>,
}

impl Page<'_> {
    fn render(&self, width: usize) -> String {
        let max_help_position = 24usize.min(width.saturating_sub(20).max(4));
        let longest = self
            .sections
            .iter()
            .flat_map(|(_, es)| es.iter())
            .map(|e| e.invocation.chars().count() + 2 + 2 * e.indent)
            .max()
            .unwrap_or(0);
        let help_position = (longest + 2).min(max_help_position);
        let help_width = width.saturating_sub(help_position).max(11);

        let mut out = format!("usage: {}\n\n", colour::expand(self.usage));
        let description = split_lines(self.description, self.formatter, width).join("\n");
        out.push_str(&description);
        out.push_str("\n\n");
        let mut sections = Vec::new();
        for (title, entries) in &self.sections {
            if entries.is_empty() {
                continue;
            }
            let mut s = format!("{title}:\n");
            for e in entries {
                let indent = 2 + 2 * e.indent;
                let action_width = help_position.saturating_sub(indent + 2);
                let help = split_lines(&e.help, self.formatter, help_width);
                let inv_len = e.invocation.chars().count();
                let mut help_iter = help.iter();
                if e.help.is_empty() {
                    s.push_str(&format!("{:indent$}{}\n", "", e.invocation));
                } else if inv_len <= action_width {
                    let first = help_iter.next().map(String::as_str).unwrap_or("");
                    s.push_str(&format!(
                        "{:indent$}{:<action_width$}  {first}\n",
                        "", e.invocation
                    ));
                } else {
                    s.push_str(&format!("{:indent$}{}\n", "", e.invocation));
                }
                for line in help_iter {
                    s.push_str(&format!("{:help_position$}{line}\n", ""));
                }
            }
            sections.push(s);
        }
        out.push_str(&sections.join("\n"));
        out
    }
}

fn positional_entries(ps: &[PositionalSpec]) -> Vec<Entry> {
    ps.iter()
        .map(|p| Entry {
            invocation: p.name.clone(),
            help: p.help.clone(),
            indent: 0,
        })
        .collect()
}

fn option_entries(os: &[OptionSpec]) -> Vec<Entry> {
    os.iter()
        .filter(|o| !o.hidden)
        .map(|o| Entry {
            invocation: option_invocation(o),
            help: o.help.clone(),
            indent: 0,
        })
        .collect()
}

/// The help of a whole program (`mlc -h`).
pub fn program_help(p: &ProgramSpec, width: usize) -> String {
    let names: Vec<&str> = p.commands.iter().map(|c| c.name.as_str()).collect();
    let mut commands = vec![Entry {
        invocation: format!("{{{}}}", names.join(",")),
        help: p.commands_help.clone(),
        indent: 0,
    }];
    commands.extend(p.commands.iter().map(|c| Entry {
        invocation: c.name.clone(),
        help: c.summary.clone(),
        indent: 1,
    }));
    Page {
        usage: &p.usage,
        description: &p.description,
        formatter: p.formatter,
        sections: vec![
            ("positional arguments", commands),
            ("options", option_entries(&p.options)),
        ],
    }
    .render(width)
}

/// The help of one subcommand (`mlc list -h`).
pub fn command_help(c: &CommandSpec, width: usize) -> String {
    let options = super::with_help(&c.options);
    Page {
        usage: &c.usage,
        description: &c.description,
        formatter: c.formatter,
        sections: vec![
            ("positional arguments", positional_entries(&c.positionals)),
            ("options", option_entries(&options)),
        ],
    }
    .render(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_help_keeps_usage_and_flag_layout() {
        let spec = super::super::spec::mlc().unwrap();
        let text = command_help(spec.command("list").unwrap(), 78);
        assert!(text.starts_with("usage: \n\x1b[38;5;214mmlc list [-a|--all]\x1b[0m\n\n"));
        assert!(text.contains("\noptions:\n  -h, --help  "));
        assert!(text.contains("\n  -arch, --architecture\n"));
        let create = command_help(spec.command("create").unwrap(), 78);
        assert!(create.contains("\n  -arch , --architecture \n"), "{create}");
        assert!(create.contains("\n  -d , --data_dir       "), "{create}");
    }
}
