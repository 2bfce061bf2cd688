//! `image-list [--guided] [-a|--all] [-s|--size] [-d|--detailed]`: the
//! caller's images (reference §3.11).  Also the image table and command
//! line conventions that `image-delete` and `image-update` share: the rows
//! `docker images` prints, its table layout, the ages and dates it
//! writes, and the `--info`/`--concepts` pages.
//!
//! Only the caller's images are shown as theirs (`ds01-UID/...`, exact
//! uid).  `--all` adds the shared images (base images, catalog images)
//! but never another user's `ds01-UID/` repositories, which the
//! original's unfiltered `docker images` listed.

use crate::cli::argparse::Matches;
use crate::cli::ds01::{self as parse, Parsed};
use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::engine::{decimal_size, Engine, EngineError, ImageSummary};
use crate::error::{Failure, Outcome};
use crate::model::tag::ContainerTag;
use crate::ui::ds01::{self as term, expand, BLUE, BOLD, CYAN, GREEN, NC};
use std::path::{Path, PathBuf};

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("image-list").map_err(|e| Failure::stderr(70, e))?;
    let pages = Pages {
        info: &|s| reference_page(s, INFO_TITLE, INFO_USAGE, INFO_BODY),
        concepts: &|_| expand(CONCEPTS),
    };
    // RED was never defined in the original: its error line is plain.
    let unknown = |arg: &str| format!("Unknown option: {arg}{NC}\n");
    let m = match parse_command(&spec, args, &pages, &unknown, None)? {
        Request::Page(page) => {
            ctx.out(&page);
            return Ok(0);
        }
        Request::Run(m) => m,
    };
    let view = View {
        all: m.flag("all"),
        size: m.flag("size"),
        guided: m.flag("guided"),
    };
    let engine = ctx.engine()?;
    let table = ImageTable::read(&engine, ctx.caller.uid)?;
    if m.flag("detailed") {
        show_detailed(ctx, &engine, &table, view.all)?;
    } else {
        show_simple(ctx, &table, view);
    }
    Ok(0)
}

/// How the simple listing is asked for.
#[derive(Debug, Clone, Copy)]
struct View {
    all: bool,
    size: bool,
    guided: bool,
}

/// The table, the count and the hints (the original's `show_simple`).
fn show_simple(ctx: &mut Ctx, table: &ImageTable, view: View) {
    if view.guided {
        ctx.out(&expand(GUIDED_INTRO));
    }
    if view.all {
        ctx.out(&table.render(table.visible(), view.size));
        return;
    }
    term::banner(ctx, "Your Docker Images");
    ctx.out(&table.render(table.own(), view.size));
    ctx.out("\n");
    let count = table.own().count();
    if count == 0 {
        ctx.out(&expand(NO_IMAGES));
        return;
    }
    ctx.out(&format!("{BOLD}Total:{NC} {count} image(s)\n\n"));
    if view.guided {
        ctx.out(&expand(GUIDED_TIPS));
    }
}

/// One block per image row (the original's `show_detailed`).
fn show_detailed(
    ctx: &mut Ctx,
    engine: &Engine,
    table: &ImageTable,
    all: bool,
) -> Result<(), Failure> {
    term::banner(ctx, "Your Docker Images");
    let repos: Vec<&str> = if all {
        table
            .visible()
            .map(|r| r.repository.as_str())
            .filter(|r| *r != "<none>")
            .collect()
    } else {
        table.own().map(|r| r.repository.as_str()).collect()
    };
    if repos.is_empty() {
        ctx.out(&expand(NO_IMAGES));
        return Ok(());
    }
    let home = home(ctx);
    for (n, repo) in repos.iter().enumerate() {
        let Some(row) = table.first(repo) else {
            continue;
        };
        let mine = own_containers_from(engine, ctx.caller.uid, &row.id)?.len();
        ctx.out(&detail_block(n + 1, row, &info_lines(&home, repo), mine));
    }
    ctx.out(&format!("{BOLD}Total:{NC} {} image(s)\n", repos.len()));
    Ok(())
}

/// `N. repo` with size, date, id, what the image's `.info` file says and
/// how many of the caller's containers use it.
fn detail_block(n: usize, row: &ImageRow, info: &str, containers: usize) -> String {
    let mut text = format!(
        "{BOLD}{n}. {CYAN}{}{NC}\n   Size:    {}\n   Created: {}\n   ID:      {}\n",
        row.repository,
        row.size_text(),
        go_time(row.created),
        row.short_id()
    );
    text.push_str(info);
    if containers > 0 {
        text.push_str(&format!("   Containers: {GREEN}{containers}{NC}\n"));
    }
    text.push('\n');
    text
}

/// The framework, use case and Dockerfile recorded by image-create.  The
/// original looked for `ds01-UID/NAME.info` (a subdirectory nobody
/// writes) and never found it; image-create writes `ds01-UID_NAME.info`.
fn info_lines(home: &Path, repo: &str) -> String {
    let path = info_file(home, repo);
    let mut text = String::new();
    if let Some(framework) = info_field(&path, "Framework") {
        text.push_str(&format!("   Framework: {framework}\n"));
    }
    if let Some(usecase) = info_field(&path, "Use Case") {
        text.push_str(&format!("   Use case: {usecase}\n"));
    }
    if let Some(dockerfile) = info_field(&path, "Dockerfile") {
        if Path::new(&dockerfile).is_file() {
            text.push_str(&format!("   Dockerfile: {BLUE}{dockerfile}{NC}\n"));
        }
    }
    text
}

const NO_IMAGES: &str = "{YELLOW}No images found{NC}\n
Create your first image with: {GREEN}image-create my-project{NC}\n";

const GUIDED_INTRO: &str = "
{CYAN}ℹ {NC}{BOLD}What an image is:{NC}
  An image is the frozen starting point of a container: the
  operating system, Python, the framework (PyTorch, TensorFlow, ...)
  and every package you asked for when it was built.

{CYAN}ℹ {NC}{BOLD}Reading the table:{NC}
  • {BOLD}Repository{NC} - the image's name, ds01-<your uid>/<project>
  • {BOLD}Tag{NC} - its version label, normally 'latest'
  • {BOLD}Size{NC} - the disk space it takes (shown with --size)
  • {BOLD}Created{NC} - how long ago it was built

{CYAN}ℹ {NC}Containers start from images; one image can serve several
  containers at once.\n\n";

const GUIDED_TIPS: &str = "{YELLOW}💡 Tips:{NC}
  • Start a container from one: {GREEN}container-deploy <image-name>{NC}
  • Add packages to one: {GREEN}image-update <image-name>{NC}
  • Remove one: {GREEN}image-delete <image-name>{NC}
  • More about each: {GREEN}image-list --detailed{NC}\n";

const INFO_TITLE: &str = "ds01: image-list, the full reference";

const INFO_USAGE: &str = "{BOLD}Usage:{NC}\n  image-list [options]\n";

const INFO_BODY: &str = "\
Lists the images you built on this server: their repository
(ds01-<your uid>/<project>), tag, age and, with --size, disk use.

With --detailed each image gets a block: size, build date, id, the
framework and Dockerfile image-create recorded, and how many of your
containers were made from it.  With --all the shared base images of
the server are listed too (never other users' images).

Related: image-create builds an image, image-update changes and
rebuilds one, image-delete removes one.";

const CONCEPTS: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Images on ds01, in short{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}An image{NC} is a read-only template for containers: the system,
  Python, a framework and your packages, fixed at build time.

{BOLD}A container{NC} is a running copy of an image with your workspace
  mounted into it.  Many containers can start from one image.

{BOLD}Names:{NC} your images are called ds01-<your uid>/<project>, with
  the tag 'latest'; that is how ds01 tells them from anyone else's.

{BOLD}The image commands:{NC}
  {GREEN}image-create{NC}    build a new image
  {GREEN}image-list{NC}      see the ones you have
  {GREEN}image-update{NC}    add packages and rebuild
  {GREEN}image-delete{NC}    remove one you no longer need

Try {GREEN}image-list{NC} or {GREEN}image-list --detailed{NC}.\n\n";

// ---------------------------------------------------------------------
// What the three image commands share.
// ---------------------------------------------------------------------

/// One row of `docker images`: a repository and tag of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageRow {
    pub repository: String,
    pub tag: String,
    /// The full id (`sha256:...`).
    pub id: String,
    pub size: i64,
    /// Seconds since the epoch.
    pub created: i64,
}

impl ImageRow {
    /// `{{.ID}}`: the first 12 hex digits.
    pub fn short_id(&self) -> String {
        let hex = self.id.strip_prefix("sha256:").unwrap_or(&self.id);
        hex.chars().take(12).collect()
    }

    /// `{{.Size}}`: `1.98MB`.
    pub fn size_text(&self) -> String {
        decimal_size(self.size as f64)
    }
}

/// The rows of one image, as the docker CLI makes them: a row per
/// repository and tag (repositories sorted: the CLI's order was a Go
/// map's), a digest-only repository as tag `<none>`, and `<none>
/// <none>` for an untagged image.
fn image_rows(image: &ImageSummary) -> Vec<ImageRow> {
    let row = |repository: &str, tag: &str| ImageRow {
        repository: repository.to_string(),
        tag: tag.to_string(),
        id: image.id.clone(),
        size: image.size,
        created: image.created,
    };
    let mut tagged: Vec<(&str, &str)> = image
        .repo_tags
        .iter()
        .filter(|t| t.as_str() != "<none>:<none>")
        .filter_map(|t| match crate::engine::split_reference(t) {
            (repo, Some(tag)) => Some((repo, tag)),
            _ => None,
        })
        .collect();
    tagged.sort_by(|a, b| a.0.cmp(b.0));
    if tagged.is_empty() {
        let mut digested: Vec<&str> = image
            .repo_digests
            .iter()
            .filter(|d| d.as_str() != "<none>@<none>")
            .filter_map(|d| d.split_once('@').map(|(repo, _)| repo))
            .collect();
        digested.sort_unstable();
        digested.dedup();
        tagged = digested.into_iter().map(|repo| (repo, "<none>")).collect();
    }
    if tagged.is_empty() {
        return vec![row("<none>", "<none>")];
    }
    tagged
        .into_iter()
        .map(|(repo, tag)| row(repo, tag))
        .collect()
}

/// `docker images` as the caller may see it.
pub(crate) struct ImageTable {
    rows: Vec<ImageRow>,
    uid: u32,
}

impl ImageTable {
    /// The engine's images (newest first, as it lists them).
    pub fn read(engine: &Engine, uid: u32) -> Result<ImageTable, EngineError> {
        let rows = engine
            .list_images(false)?
            .iter()
            .flat_map(image_rows)
            .collect();
        Ok(ImageTable { rows, uid })
    }

    #[cfg(test)]
    fn from_rows(rows: Vec<ImageRow>, uid: u32) -> ImageTable {
        ImageTable { rows, uid }
    }

    /// The caller's rows (`ds01-UID/...`).
    pub fn own(&self) -> impl Iterator<Item = &ImageRow> + '_ {
        self.rows
            .iter()
            .filter(move |r| is_own(&r.repository, self.uid))
    }

    /// The rows `--all` shows: all but other users' `ds01-UID/` ones.
    pub fn visible(&self) -> impl Iterator<Item = &ImageRow> + '_ {
        self.rows
            .iter()
            .filter(move |r| !is_others(&r.repository, self.uid))
    }

    /// The caller's repositories, sorted and unique (`sort -u`).
    pub fn own_repositories(&self) -> Vec<String> {
        let mut repos: Vec<String> = self.own().map(|r| r.repository.clone()).collect();
        repos.sort();
        repos.dedup();
        repos
    }

    /// `docker images REPO | head -1`: the newest row of a repository.
    pub fn first(&self, repository: &str) -> Option<&ImageRow> {
        self.rows.iter().find(|r| r.repository == repository)
    }

    /// The `table {{.Repository}}\t{{.Tag}}[\t{{.Size}}]\t{{.CreatedSince}}`
    /// of `rows`.  Column widths come from every visible row, as the
    /// original's awk filtered a table formatted for all images.
    pub fn render<'a>(&self, rows: impl Iterator<Item = &'a ImageRow>, size: bool) -> String {
        let now = crate::model::time::now_unix();
        let cells = |r: &ImageRow| {
            let mut c = vec![r.repository.clone(), r.tag.clone()];
            if size {
                c.push(r.size_text());
            }
            c.push(format!("{} ago", human_duration(now - r.created as f64)));
            c
        };
        let mut header = vec!["REPOSITORY".to_string(), "TAG".to_string()];
        if size {
            header.push("SIZE".to_string());
        }
        header.push("CREATED".to_string());
        let all: Vec<Vec<String>> = std::iter::once(header.clone())
            .chain(self.visible().map(cells))
            .collect();
        let widths = tab_widths(&all);
        let shown: Vec<Vec<String>> = std::iter::once(header).chain(rows.map(cells)).collect();
        tab_render(&shown, &widths)
    }
}

/// Whether `repository` is the caller's (`ds01-UID/NAME`).
pub(crate) fn is_own(repository: &str, uid: u32) -> bool {
    repository
        .strip_prefix(&format!("ds01-{uid}/"))
        .is_some_and(|name| !name.is_empty())
}

/// Whether `repository` is in another user's namespace (`ds01-N/` with a
/// uid N that is not the caller's).
pub(crate) fn is_others(repository: &str, uid: u32) -> bool {
    let Some((owner, _)) = repository
        .strip_prefix("ds01-")
        .and_then(|r| r.split_once('/'))
    else {
        return false;
    };
    !owner.is_empty() && owner.chars().all(|c| c.is_ascii_digit()) && owner != uid.to_string()
}

/// The caller's containers made from `image` (an id or reference), by
/// exact uid in the tag: another user's container is never listed, nor
/// stopped or removed on the caller's behalf.
pub(crate) fn own_containers_from(
    engine: &Engine,
    uid: u32,
    image: &str,
) -> Result<Vec<crate::engine::ContainerSummary>, EngineError> {
    Ok(engine
        .containers_from_image(image)?
        .into_iter()
        .filter(|c| {
            c.names
                .as_ref()
                .and_then(|n| n.first())
                .is_some_and(|n| ContainerTag::parse(n).belongs_to(uid))
        })
        .collect())
}

/// `docker ps --format {{.Names}}` of a container: its names without the
/// leading `/`, joined by commas.
pub(crate) fn container_name(c: &crate::engine::ContainerSummary) -> String {
    c.names
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|n| n.strip_prefix('/').unwrap_or(n))
        .collect::<Vec<_>>()
        .join(",")
}

// Go's text/tabwriter as the docker CLI sets it up: minimum width 10,
// padding 3, blanks; the last cell of a line is not aligned.
const TAB_MIN_WIDTH: usize = 10;
const TAB_PADDING: usize = 3;

fn tab_widths(lines: &[Vec<String>]) -> Vec<usize> {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns.saturating_sub(1))
        .map(|c| {
            lines
                .iter()
                .filter(|l| c + 1 < l.len())
                .map(|l| l[c].chars().count() + TAB_PADDING)
                .fold(TAB_MIN_WIDTH, usize::max)
        })
        .collect()
}

fn tab_render(lines: &[Vec<String>], widths: &[usize]) -> String {
    let mut out = String::new();
    for line in lines {
        for (c, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < line.len() {
                let width = widths.get(c).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

/// go-units' `HumanDuration`, as `{{.CreatedSince}}` words an age.
pub(crate) fn human_duration(seconds: f64) -> String {
    let secs = seconds.trunc() as i64;
    if secs < 1 {
        return "Less than a second".into();
    }
    if secs == 1 {
        return "1 second".into();
    }
    if secs < 60 {
        return format!("{secs} seconds");
    }
    let minutes = secs / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    // Go rounds to the nearest hour here (halves away from zero).
    let hours = (seconds / 3600.0).round() as i64;
    match hours {
        1 => "About an hour".into(),
        h if h < 48 => format!("{h} hours"),
        h if h < 24 * 7 * 2 => format!("{} days", h / 24),
        h if h < 24 * 30 * 2 => format!("{} weeks", h / 24 / 7),
        h if h < 24 * 365 * 2 => format!("{} months", h / 24 / 30),
        _ => format!("{} years", secs / 3600 / 24 / 365),
    }
}

/// The local broken-down time of `secs` (libc reads the zone: `TZ` or
/// /etc/localtime, as the docker CLI's Go runtime did).
fn local_tm(secs: i64) -> Option<libc::tm> {
    let t: libc::time_t = secs;
    // SAFETY: tm is plain data; localtime_r writes it and returns it, or
    // null on failure; both pointers are valid for the call.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        (!libc::localtime_r(&t, &mut tm).is_null()).then_some(tm)
    }
}

/// The zone abbreviation of `tm` (`UTC`), or the numeric offset.
fn zone_name(tm: &libc::tm, offset: &str) -> String {
    if tm.tm_zone.is_null() {
        return offset.to_string();
    }
    // SAFETY: localtime_r set tm_zone to a NUL-terminated static string.
    unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
        .to_string_lossy()
        .into_owned()
}

/// Go's `time.Unix(secs, 0).String()` in the local zone, as
/// `{{.CreatedAt}}` writes it: `2026-11-28 12:49:55 +0000 UTC`.
pub(crate) fn go_time(secs: i64) -> String {
    let Some(tm) = local_tm(secs) else {
        return crate::model::time::format_utc(secs);
    };
    let off = tm.tm_gmtoff;
    let sign = if off < 0 { '-' } else { '+' };
    let offset = format!("{sign}{:02}{:02}", off.abs() / 3600, off.abs() % 3600 / 60);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {offset} {}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        zone_name(&tm, &offset)
    )
}

/// `date` in the C locale: `Sat Nov 28 12:49:56 UTC 2026`.
pub(crate) fn date_now() -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = crate::model::time::now_unix() as i64;
    let Some(tm) = local_tm(now) else {
        return crate::model::time::format_utc(now);
    };
    let day = DAYS.get(tm.tm_wday as usize).copied().unwrap_or("");
    let month = MONTHS.get(tm.tm_mon as usize).copied().unwrap_or("");
    format!(
        "{day} {month} {:>2} {:02}:{:02}:{:02} {} {}",
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        zone_name(&tm, "UTC"),
        tm.tm_year + 1900
    )
}

/// `$HOME` as the originals used it (the account's home without one).
pub(crate) fn home(ctx: &Ctx) -> PathBuf {
    ctx.env
        .get("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(&ctx.caller.home))
}

/// `~/ds01-config/images/ds01-UID_NAME.info`, image-create's record.
pub(crate) fn info_file(home: &Path, repository: &str) -> PathBuf {
    home.join("ds01-config/images")
        .join(format!("{}.info", repository.replace('/', "_")))
}

/// The value of `KEY:` in an info file (`grep "^KEY:" | cut -d: -f2- |
/// xargs`: the first such line, blanks squeezed), if any.
pub(crate) fn info_field(path: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let prefix = format!("{key}:");
    let line = text.lines().find(|l| l.starts_with(&prefix))?;
    let value = line[prefix.len()..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!value.is_empty()).then_some(value)
}

/// `~/...` for a path under `home`, as `${p/#$HOME/~}` wrote it.
pub(crate) fn tilde(home: &Path, path: &str) -> String {
    let home = home.to_string_lossy();
    match path.strip_prefix(home.as_ref()) {
        Some(rest) if !home.is_empty() => format!("~{rest}"),
        _ => path.to_string(),
    }
}

// ---------------------------------------------------------------------
// Command lines.
// ---------------------------------------------------------------------

/// What the command line of an image command asks for.
pub(crate) enum Request {
    /// A page to print (stdout, exit 0).
    Page(String),
    Run(Matches),
}

/// The extra pages of an image command.
pub(crate) struct Pages<'a> {
    pub info: &'a dyn Fn(&ToolSpec) -> String,
    pub concepts: &'a dyn Fn(&ToolSpec) -> String,
}

/// Parse an image command's arguments as its original loop did: the
/// first of `-h`/`--help`, `--info`, `--concepts`, an unknown option or
/// (when `max_names` is given) one image name too many ends the loop
/// there; `unknown` words the unknown-option line and `too_many` comes
/// with `max_names`.  Values of options are skipped, as `shift 2` did.
pub(crate) fn parse_command(
    spec: &ToolSpec,
    args: &[String],
    pages: &Pages,
    unknown: &dyn Fn(&str) -> String,
    max_names: Option<(usize, &str)>,
) -> Result<Request, Failure> {
    let mut names = 0;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--info" => return Ok(Request::Page((pages.info)(spec))),
            "--concepts" => return Ok(Request::Page((pages.concepts)(spec))),
            _ => {}
        }
        // `--opt=VALUE` as the parser reads it (long options only).
        let (name, attached) = match arg.split_once('=') {
            Some((n, _)) if n.starts_with("--") => (n, true),
            _ => (arg.as_str(), false),
        };
        let option = crate::cli::ds01::find(spec, name);
        match option {
            Some(o) if o.action == spec::Action::Help => break,
            Some(o) if o.takes_value() && !attached => {
                rest.next();
            }
            Some(_) => {}
            None if arg.starts_with('-') && arg.len() > 1 => {
                return Err(refusal(spec, &unknown(arg)));
            }
            None => {
                names += 1;
                if let Some((max, message)) = max_names {
                    if names > max {
                        return Err(refusal(spec, message));
                    }
                }
            }
        }
    }
    match parse::parse(spec, args)? {
        Parsed::Help(page) => Ok(Request::Page(page)),
        Parsed::Run(m) => Ok(Request::Run(m)),
    }
}

/// `echo -e "<line>\n"; usage; exit 1`.
fn refusal(spec: &ToolSpec, line: &str) -> Failure {
    Failure::stdout(1, format!("{line}\n{}", parse::help(spec)))
}

/// The `--info` page: the help page with every option (those the quick
/// help leaves out too), the reference's usage block and a longer text.
pub(crate) fn reference_page(spec: &ToolSpec, title: &str, usage: &str, body: &str) -> String {
    let mut full = spec.clone();
    full.title = title.to_string();
    full.help_usage = usage.to_string();
    full.description = body.to_string();
    for option in &mut full.options {
        option.hidden = false;
    }
    parse::help(&full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(repo: &str, tag: &str, created: i64) -> ImageRow {
        ImageRow {
            repository: repo.into(),
            tag: tag.into(),
            id: "sha256:eabac21dc5f19b254559f5804a6a304b4ffd4a2d5889ea6ce9fe4b037ac9f941".into(),
            size: 1_980_000,
            created,
        }
    }

    #[test]
    fn widths_come_from_every_visible_row() {
        let now = crate::model::time::now_unix() as i64;
        let table = ImageTable::from_rows(
            vec![
                row("ds01-2001/demo", "latest", now - 1),
                row("aimehub/pytorch-2.8.0-aime-cuda12.6.3", "latest", now - 100),
                row(
                    "ds01-2002/secret-project-of-bob-with-long-name",
                    "latest",
                    now,
                ),
            ],
            2001,
        );
        let text = table.render(table.own(), false);
        assert_eq!(
            text,
            "REPOSITORY                              TAG       CREATED\n\
             ds01-2001/demo                          latest    1 second ago\n"
        );
        assert!(!table.render(table.visible(), true).contains("ds01-2002"));
        let empty = ImageTable::from_rows(vec![], 2002);
        assert_eq!(
            empty.render(empty.own(), false),
            "REPOSITORY   TAG       CREATED\n"
        );
    }

    #[test]
    fn ownership_is_by_exact_uid() {
        assert!(is_own("ds01-2001/demo", 2001));
        assert!(!is_own("ds01-20011/demo", 2001));
        assert!(!is_own("ds01-2001/", 2001));
        assert!(is_others("ds01-2002/x", 2001));
        assert!(!is_others("ds01-2001/x", 2001));
        assert!(!is_others("aimehub/pytorch", 2001));
    }

    #[test]
    fn ages_like_go_units() {
        assert_eq!(human_duration(0.5), "Less than a second");
        assert_eq!(human_duration(1.2), "1 second");
        assert_eq!(human_duration(31.0), "31 seconds");
        assert_eq!(human_duration(61.0), "About a minute");
        assert_eq!(human_duration(59.0 * 60.0), "59 minutes");
        assert_eq!(human_duration(89.0 * 60.0), "About an hour");
        assert_eq!(human_duration(91.0 * 60.0), "2 hours");
        assert_eq!(human_duration(3.0 * 86_400.0), "3 days");
        assert_eq!(human_duration(20.0 * 86_400.0), "2 weeks");
        assert_eq!(human_duration(90.0 * 86_400.0), "3 months");
        assert_eq!(human_duration(800.0 * 86_400.0), "2 years");
    }

    #[test]
    fn rows_of_an_image() {
        let image = ImageSummary {
            id: "sha256:abc".into(),
            repo_tags: vec!["b/x:1".into(), "a/y:latest".into()],
            ..Default::default()
        };
        let rows = image_rows(&image);
        assert_eq!(rows[0].repository, "a/y");
        assert_eq!(rows[1].tag, "1");
        let dangling = ImageSummary {
            repo_tags: vec!["<none>:<none>".into()],
            repo_digests: vec!["<none>@<none>".into()],
            ..Default::default()
        };
        assert_eq!(image_rows(&dangling)[0].tag, "<none>");
    }

    #[test]
    fn info_fields_and_tilde() {
        let dir = std::env::temp_dir().join(format!("ds01-il-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("x.info");
        std::fs::write(&f, "Image: a\nFramework:  pytorch \nUse Case: cv\n").unwrap();
        assert_eq!(info_field(&f, "Framework").as_deref(), Some("pytorch"));
        assert_eq!(info_field(&f, "Dockerfile"), None);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(tilde(Path::new("/home/a"), "/home/a/w/r.txt"), "~/w/r.txt");
        assert_eq!(
            info_file(Path::new("/h"), "ds01-1/p"),
            PathBuf::from("/h/ds01-config/images/ds01-1_p.info")
        );
    }
}
