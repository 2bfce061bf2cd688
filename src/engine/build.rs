//! `docker build` through the API (`POST /build`, the legacy builder, as
//! the docker CLI without buildx ran it for DS01's `image-create`): the
//! build context goes up as a tar streamed from the directory, and the
//! daemon's log comes back rendered as the CLI prints it on a pipe:
//!
//! ```text
//! Sending build context to Docker daemon   7.68kB
//! Step 1/31 : FROM aimehub/pytorch-2.8.0-aime-cuda12.6.3
//!  ---> 36075ae14e4b
//! ...
//! Successfully built eabac21dc5f1
//! Successfully tagged ds01-2001/demo:latest
//! ```
//!
//! The context is what the CLI sends: every file under the directory
//! except what `.dockerignore` excludes (the Dockerfile and `.dockerignore`
//! themselves are always sent), symlinks as links (never followed),
//! owner 0:0.  Files are read as the tar streams, so a large workspace is
//! never held in memory.

use super::units::human_size;
use super::Engine;
use bollard::query_parameters::BuildImageOptions;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What docker CLI 28 prints on stderr before a legacy build (the
/// recordings show it: their host had no buildx either).
pub const LEGACY_BUILDER_NOTICE: &str =
    "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            Install the buildx component to build images with BuildKit:
            https://docs.docker.com/go/buildx/

";

/// One build: `docker build --build-arg K=V ... [--no-cache] -t TAG -f
/// CONTEXT/DOCKERFILE CONTEXT/`.
#[derive(Debug, Clone)]
pub struct BuildRequest<'a> {
    /// The context directory.
    pub context: &'a Path,
    /// The Dockerfile's path inside the context (`Dockerfile`).
    pub dockerfile: &'a str,
    pub tag: &'a str,
    pub build_args: &'a [(String, String)],
    /// `--no-cache`: every step built again, no layer reused.
    pub no_cache: bool,
}

impl Engine {
    /// Build `request`; `out` is given every line the CLI would print on
    /// stdout, newline included, as it arrives.  The error is what the CLI
    /// would print on stderr (without the newline).
    pub fn build_image(
        &self,
        request: &BuildRequest,
        out: &mut dyn FnMut(&str),
    ) -> Result<(), String> {
        let context = Context::collect(request.context, request.dockerfile)?;
        out(&format!(
            "Sending build context to Docker daemon {:>8}\r\r\n",
            human_size(context.tar_size() as f64)
        ));
        let options = BuildImageOptions {
            dockerfile: request.dockerfile.to_string(),
            t: Some(request.tag.to_string()),
            rm: true,
            nocache: request.no_cache,
            buildargs: Some(
                request
                    .build_args
                    .iter()
                    .cloned()
                    .collect::<HashMap<_, _>>(),
            ),
            ..Default::default()
        };
        self.trace("POST /build");
        let docker = self.docker();
        let body = bollard::body_try_stream(futures_util::stream::iter(
            context.into_tar().map(|chunk| chunk.map(Into::into)),
        ));
        let mut lines = LineBuffer::default();
        let result = self.runtime.block_on(async {
            let mut stream = docker.build_image(options, None, Some(body));
            while let Some(item) = stream.next().await {
                let info = item.map_err(|e| self.build_error(e))?;
                if let Some(text) = info.stream {
                    lines.push(&text, out);
                } else if let Some(status) = info.status {
                    // Progress bars are for terminals; the CLI skips them on a pipe.
                    let progress = info
                        .progress_detail
                        .is_some_and(|p| p.current.is_some() || p.total.is_some());
                    if !progress {
                        let id = info.id.map(|i| format!("{i}: ")).unwrap_or_default();
                        lines.push(&format!("{id}{status}\n"), out);
                    }
                }
            }
            Ok(())
        });
        lines.finish(out);
        result
    }

    /// The CLI's words for a failed build request.
    fn build_error(&self, e: bollard::errors::Error) -> String {
        match e {
            bollard::errors::Error::DockerStreamError { error } => error,
            e => self.classify(e).to_string(),
        }
    }
}

/// Text cut into whole lines (the daemon may split a line between
/// messages).
#[derive(Default)]
struct LineBuffer {
    pending: String,
}

impl LineBuffer {
    fn push(&mut self, text: &str, out: &mut dyn FnMut(&str)) {
        self.pending.push_str(text);
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            out(&line);
        }
    }

    fn finish(&mut self, out: &mut dyn FnMut(&str)) {
        if !self.pending.is_empty() {
            out(&std::mem::take(&mut self.pending));
        }
    }
}

// ---------------------------------------------------------------------------
// The build context

/// What one tar entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    File { size: u64 },
    Dir,
    Symlink { target: Vec<u8> },
}

#[derive(Debug, Clone)]
struct Entry {
    /// Path in the tar (`sub/file`, `sub/` for a directory).
    name: Vec<u8>,
    /// Where it is on disk.
    path: PathBuf,
    kind: Kind,
    mode: u32,
    mtime: u64,
}

/// The files of a build context, in the order they are sent.
struct Context {
    entries: Vec<Entry>,
}

impl Context {
    /// Walk `dir` (no symlink followed), leaving out what its
    /// `.dockerignore` excludes; refuse, as the CLI does, a context that
    /// is not a directory or holds a file the caller cannot read.
    fn collect(dir: &Path, dockerfile: &str) -> Result<Context, String> {
        let meta = std::fs::metadata(dir).map_err(|_| {
            format!(
                "unable to prepare context: path {:?} not found",
                dir.display().to_string()
            )
        })?;
        if !meta.is_dir() {
            return Err(format!(
                "unable to prepare context: context must be a directory: {}",
                dir.display()
            ));
        }
        let ignore = Ignore::read(&dir.join(".dockerignore"), dockerfile);
        let mut entries = Vec::new();
        walk(dir, "", &ignore, &mut entries)?;
        Ok(Context { entries })
    }

    /// The number of bytes the tar stream will have.
    fn tar_size(&self) -> u64 {
        let data: u64 = self
            .entries
            .iter()
            .map(|e| header_bytes(e).len() as u64 + padded(data_size(e)))
            .sum();
        data + END_OF_ARCHIVE as u64
    }

    fn into_tar(self) -> TarStream {
        TarStream {
            entries: self.entries.into_iter(),
            file: None,
            ended: false,
        }
    }
}

/// Add the entries under `dir` (tar names prefixed by `prefix`), sorted by
/// name as the CLI's walk sends them.
fn walk(dir: &Path, prefix: &str, ignore: &Ignore, out: &mut Vec<Entry>) -> Result<(), String> {
    let unreadable = |p: &Path| {
        format!(
            "error checking context: no permission to read from '{}'",
            p.display()
        )
    };
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|_| unreadable(dir))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for name in names {
        let path = dir.join(&name);
        let rel = format!("{prefix}{}", name.to_string_lossy());
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue; // gone meanwhile
        };
        let excluded = ignore.excludes(&rel);
        if excluded && !(meta.is_dir() && ignore.has_exceptions) {
            continue;
        }
        let mut tar_name = prefix.as_bytes().to_vec();
        tar_name.extend_from_slice(name.as_bytes());
        let kind = if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|_| unreadable(&path))?;
            Kind::Symlink {
                target: target.as_os_str().as_bytes().to_vec(),
            }
        } else if meta.is_dir() {
            tar_name.push(b'/');
            Kind::Dir
        } else if meta.is_file() {
            File::open(&path).map_err(|_| unreadable(&path))?;
            Kind::File { size: meta.len() }
        } else {
            continue; // sockets, pipes and devices have no place in an image build
        };
        let is_dir = kind == Kind::Dir;
        if !excluded {
            out.push(Entry {
                name: tar_name,
                path: path.clone(),
                kind,
                mode: meta.permissions().mode() & 0o7777,
                mtime: u64::try_from(meta.mtime()).unwrap_or(0),
            });
        }
        if is_dir {
            walk(&path, &format!("{rel}/"), ignore, out)?;
        }
    }
    Ok(())
}

/// `.dockerignore`: patterns (`*`, `?`, `[...]`, `**`) matched against
/// paths relative to the context and their parents; `!` re-includes; the
/// last matching pattern decides.
#[derive(Debug, Default)]
struct Ignore {
    patterns: Vec<(bool, Vec<String>)>,
    has_exceptions: bool,
}

impl Ignore {
    fn read(path: &Path, dockerfile: &str) -> Ignore {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut ignore = Ignore::parse(&text);
        // The CLI always sends these two, whatever the file says.
        for keep in [".dockerignore", dockerfile] {
            ignore.patterns.push((true, segments(keep)));
        }
        ignore
    }

    fn parse(text: &str) -> Ignore {
        let mut ignore = Ignore::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, pattern) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let parts = segments(pattern);
            if parts.is_empty() {
                continue;
            }
            ignore.has_exceptions |= exception;
            ignore.patterns.push((exception, parts));
        }
        ignore
    }

    fn excludes(&self, rel: &str) -> bool {
        let path: Vec<&str> = rel.split('/').collect();
        let mut excluded = false;
        for (exception, pattern) in &self.patterns {
            let hit = (1..=path.len()).any(|n| match_path(pattern, &path[..n]));
            if hit {
                excluded = !exception;
            }
        }
        excluded
    }
}

/// A pattern cleaned as `filepath.Clean` would, in segments.
fn segments(pattern: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p.to_string()),
        }
    }
    out
}

fn match_path(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| match_path(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((name, tail)) => glob(first.as_bytes(), name.as_bytes()) && match_path(rest, tail),
            None => false,
        },
    }
}

/// `filepath.Match` for one path segment.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && glob(rest, &name[1..]),
        Some((b'[', rest)) => match (name.split_first(), class(rest)) {
            (Some((&c, tail)), Some((matches, after))) => matches(c) && glob(after, tail),
            _ => false,
        },
        Some((b'\\', rest)) if !rest.is_empty() => {
            name.first() == rest.first() && glob(&rest[1..], &name[1..])
        }
        Some((&p, rest)) => name.first() == Some(&p) && glob(rest, &name[1..]),
    }
}

/// A `[...]` class (after the `[`): the test and the pattern after `]`.
fn class(pattern: &[u8]) -> Option<(impl Fn(u8) -> bool, &[u8])> {
    let (negated, body) = match pattern.first() {
        Some(b'^') => (true, &pattern[1..]),
        _ => (false, pattern),
    };
    let end = body.iter().skip(1).position(|&b| b == b']')? + 1;
    let ranges: Vec<(u8, u8)> = {
        let set = &body[..end];
        let mut ranges = Vec::new();
        let mut i = 0;
        while i < set.len() {
            if i + 2 < set.len() && set[i + 1] == b'-' {
                ranges.push((set[i], set[i + 2]));
                i += 3;
            } else {
                ranges.push((set[i], set[i]));
                i += 1;
            }
        }
        ranges
    };
    let test = move |c: u8| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != negated;
    Some((test, &body[end + 1..]))
}

// ---------------------------------------------------------------------------
// The tar stream (POSIX ustar, with a PAX header where a name or size does
// not fit)

const BLOCK: u64 = 512;
const END_OF_ARCHIVE: usize = 1024;
const CHUNK: usize = 64 * 1024;
/// The largest value an 11-digit octal field holds.
const MAX_OCTAL_11: u64 = 0o77_777_777_777;

fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK) * BLOCK
}

fn data_size(e: &Entry) -> u64 {
    match e.kind {
        Kind::File { size } => size,
        _ => 0,
    }
}

/// The header blocks of an entry (a PAX header first where needed).
fn header_bytes(e: &Entry) -> Vec<u8> {
    let (typeflag, link): (u8, &[u8]) = match &e.kind {
        Kind::File { .. } => (b'0', b""),
        Kind::Dir => (b'5', b""),
        Kind::Symlink { target } => (b'2', target),
    };
    let size = data_size(e);
    let mut records = Vec::new();
    if e.name.len() > 100 {
        records.extend(pax_record("path", &e.name));
    }
    if link.len() > 100 {
        records.extend(pax_record("linkpath", link));
    }
    if size > MAX_OCTAL_11 {
        records.extend(pax_record("size", size.to_string().as_bytes()));
    }
    let mut out = Vec::new();
    if !records.is_empty() {
        let pax_name = [b"PaxHeaders.0/".as_slice(), short(&e.name)].concat();
        out.extend(ustar(
            &pax_name,
            0o644,
            records.len() as u64,
            e.mtime,
            b'x',
            b"",
        ));
        let len = records.len() as u64;
        out.extend(records);
        out.resize(out.len() + (padded(len) - len) as usize, 0);
    }
    out.extend(ustar(&e.name, e.mode, size, e.mtime, typeflag, link));
    out
}

/// The last 100 bytes of a long name (what a plain tar reader shows).
fn short(name: &[u8]) -> &[u8] {
    &name[name.len().saturating_sub(100 - 13)..]
}

/// `LEN key=value\n`, LEN counting itself.
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    while len.to_string().len() + body != len {
        len = len.to_string().len() + body;
    }
    let mut record = format!("{len} {key}=").into_bytes();
    record.extend_from_slice(value);
    record.push(b'\n');
    record
}

fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{:0digits$o}", value.min(8u64.pow(digits as u32) - 1));
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

fn put(field: &mut [u8], text: &[u8]) {
    let n = text.len().min(field.len());
    field[..n].copy_from_slice(&text[..n]);
}

/// A tar holding one empty regular file `name` (owner 0:0, `mode`).
pub(super) fn one_empty_file(name: &str, mode: u32, mtime: u64) -> Vec<u8> {
    let mut tar = ustar(name.as_bytes(), mode, 0, mtime, b'0', b"").to_vec();
    tar.resize(tar.len() + END_OF_ARCHIVE, 0);
    tar
}

/// One ustar header block, owner 0:0 as the CLI sends it.
fn ustar(name: &[u8], mode: u32, size: u64, mtime: u64, typeflag: u8, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    put(&mut h[0..100], name);
    octal(&mut h[100..108], u64::from(mode));
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[148..156].fill(b' ');
    h[156] = typeflag;
    put(&mut h[157..257], link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], 0);
    octal(&mut h[337..345], 0);
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// The tar, produced chunk by chunk as the request body is sent.
struct TarStream {
    entries: std::vec::IntoIter<Entry>,
    /// The file being sent: its reader, bytes still owed, padding after.
    file: Option<(std::io::Take<File>, u64, u64)>,
    ended: bool,
}

impl Iterator for TarStream {
    type Item = std::io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(chunk) = self.file_chunk() {
            return Some(Ok(chunk));
        }
        match self.entries.next() {
            Some(entry) => Some(self.start(entry)),
            None if !self.ended => {
                self.ended = true;
                Some(Ok(vec![0; END_OF_ARCHIVE]))
            }
            None => None,
        }
    }
}

impl TarStream {
    /// The header of `entry`, its file opened for the chunks that follow.
    fn start(&mut self, entry: Entry) -> std::io::Result<Vec<u8>> {
        let header = header_bytes(&entry);
        if let Kind::File { size } = entry.kind {
            let file = File::open(&entry.path)?.take(size);
            self.file = Some((file, size, padded(size) - size));
        }
        Ok(header)
    }

    /// The next piece of the current file: data as the header promised
    /// (zeros where the file shrank meanwhile), then its padding.
    fn file_chunk(&mut self) -> Option<Vec<u8>> {
        let (reader, owed, padding) = self.file.as_mut()?;
        if *owed == 0 {
            let pad = vec![0; *padding as usize];
            self.file = None;
            return (!pad.is_empty()).then_some(pad);
        }
        let want = (*owed).min(CHUNK as u64) as usize;
        let mut chunk = vec![0; want];
        let got = reader.read(&mut chunk).unwrap_or(0);
        if got > 0 {
            chunk.truncate(got);
        }
        *owed -= chunk.len() as u64;
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_size_like_the_cli() {
        assert_eq!(
            format!(
                "Sending build context to Docker daemon {:>8}",
                human_size(7680.0)
            ),
            "Sending build context to Docker daemon   7.68kB"
        );
    }

    #[test]
    fn ustar_header_checksum_and_fields() {
        let h = ustar(b"Dockerfile", 0o644, 7000, 1_700_000_000, b'0', b"");
        assert_eq!(&h[0..10], b"Dockerfile");
        assert_eq!(&h[100..108], b"0000644\0");
        assert_eq!(&h[124..136], b"00000015530\0");
        assert_eq!(&h[257..263], b"ustar\0");
        let stored = std::str::from_utf8(&h[148..154]).unwrap();
        let mut blank = h;
        blank[148..156].fill(b' ');
        let sum: u32 = blank.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(u32::from_str_radix(stored, 8).unwrap(), sum);
    }

    #[test]
    fn pax_records_count_their_own_length() {
        let r = pax_record("path", b"a");
        assert_eq!(r, b"9 path=a\n");
        let long = vec![b'x'; 200];
        let r = pax_record("path", &long);
        let len: usize = std::str::from_utf8(&r[..3]).unwrap().parse().unwrap();
        assert_eq!(len, r.len());
    }

    #[test]
    fn dockerignore_patterns() {
        let i = Ignore::parse("# c\ndata\n*.ckpt\n**/cache\n!data/keep.txt\n/logs/*.log\n");
        assert!(i.excludes("data"));
        assert!(i.excludes("data/big.bin"));
        assert!(!i.excludes("data/keep.txt"));
        assert!(i.excludes("model.ckpt"));
        assert!(!i.excludes("sub/model.ckpt"));
        assert!(i.excludes("a/b/cache/x"));
        assert!(i.excludes("logs/run.log"));
        assert!(!i.excludes("Dockerfile"));
        assert!(i.has_exceptions);
        assert!(glob(b"[a-c]?.txt", b"bx.txt"));
        assert!(!glob(b"[^a-c]?.txt", b"bx.txt"));
    }

    #[test]
    fn the_tar_of_a_directory() {
        let dir = std::env::temp_dir().join(format!("ds01-build-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM x\n").unwrap();
        std::fs::write(dir.join("sub/a.txt"), vec![b'a'; 600]).unwrap();
        std::fs::write(dir.join("skip.log"), "x").unwrap();
        std::fs::write(dir.join(".dockerignore"), "*.log\nDockerfile\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link")).unwrap();
        let context = Context::collect(&dir, "Dockerfile").unwrap();
        let names: Vec<String> = context
            .entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.name).into_owned())
            .collect();
        assert_eq!(
            names,
            [".dockerignore", "Dockerfile", "link", "sub/", "sub/a.txt"]
        );
        let size = context.tar_size();
        let tar: Vec<u8> = context.into_tar().flat_map(|c| c.unwrap()).collect();
        assert_eq!(tar.len() as u64, size);
        assert_eq!(size % 512, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
