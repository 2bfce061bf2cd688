//! Records the commit ds01 is built from, for `version`: `DS01_COMMIT`
//! (`git rev-parse --short HEAD`), `DS01_BRANCH` and `DS01_COMMIT_DATE`
//! (`YYYY-MM-DD`).  Only when this package's directory is the top of a git
//! checkout and git answers; otherwise (a source tarball, a .deb build, a
//! checkout of some other project around us) nothing is set and `version`
//! says `unknown`.
//!
//! Cheap on purpose: it runs again only when HEAD or the branch it names
//! moves (or this file changes), not on every edit of the sources.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    compile_specs();
    record_commit();
}

/// The command specs (`spec/**/*.yaml`) as JSON under `$OUT_DIR/spec/`,
/// where the registry embeds them.  Every process reads its command's spec
/// when it starts, and JSON reads many times faster than YAML: this keeps
/// spec reading out of start-up time.  A spec that is not YAML fails the
/// build (the tests check that each one also fits its command).
fn compile_specs() {
    println!("cargo:rerun-if-changed=spec");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    compile_dir(Path::new("spec"), &Path::new(&out).join("spec"));
}

fn compile_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", from.display()))
            .path();
        let name = path.file_name().expect("a directory entry has a name");
        if path.is_dir() {
            compile_dir(&path, &to.join(name));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let value: serde_yaml::Value =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let json =
                serde_json::to_string(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut target = name.to_os_string();
            target.push(".json");
            std::fs::write(to.join(target), json)
                .unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        }
    }
}

/// `DS01_COMMIT`, `DS01_BRANCH` and `DS01_COMMIT_DATE` for `version`.
fn record_commit() {
    let Some(top) = git(&["rev-parse", "--show-toplevel"]) else {
        return;
    };
    let here = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    if !same_dir(Path::new(&top), here.as_deref()) {
        return;
    }
    watch_head();
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return;
    };
    println!("cargo:rustc-env=DS01_COMMIT={commit}");
    if let Some(branch) = git(&["branch", "--show-current"]) {
        println!("cargo:rustc-env=DS01_BRANCH={branch}");
    }
    if let Some(date) = git(&["log", "-1", "--format=%cd", "--date=short"]) {
        println!("cargo:rustc-env=DS01_COMMIT_DATE={date}");
    }
}

/// Ask cargo to run this again when HEAD moves: the HEAD file (a checkout
/// of another branch), the branch's ref file (a commit) or, when the ref
/// is packed or not yet written, `packed-refs` and the refs directory.
/// Only paths that exist are named: a missing one would make cargo run
/// the script, and rebuild ds01, every time.
fn watch_head() {
    watch(git(&["rev-parse", "--git-path", "HEAD"]));
    let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) else {
        return;
    };
    let ref_file = git(&["rev-parse", "--git-path", &reference]);
    if ref_file.as_deref().is_some_and(|p| Path::new(p).is_file()) {
        watch(ref_file);
    } else if let Some(dir) = ref_file.as_deref().and_then(|p| Path::new(p).parent()) {
        watch(Some(dir.display().to_string()));
    }
    watch(git(&["rev-parse", "--git-path", "packed-refs"]));
}

fn watch(path: Option<String>) {
    if let Some(p) = path.filter(|p| Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={p}");
    }
}

fn same_dir(a: &Path, b: Option<&Path>) -> bool {
    let canonical = |p: &Path| p.canonicalize().ok();
    b.is_some_and(|b| canonical(a).is_some() && canonical(a) == canonical(b))
}

/// git's answer (trimmed, one line), or None when git is missing, fails,
/// or says nothing usable.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.trim();
    let usable = !line.is_empty() && !line.contains('\n') && !line.contains(char::is_control);
    usable.then(|| line.to_string())
}
