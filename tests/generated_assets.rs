//! Completions and man pages are generated from the spec and committed; this
//! test fails when the committed copies are stale.  Regenerate with
//! `cargo run -p ds01 -- generate-assets .`.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let assets = ds01::cli::generate::assets().expect("assets generate");
    assert!(!assets.is_empty());
    let mut stale = Vec::new();
    for (rel, bytes) in &assets {
        match std::fs::read(root.join(rel)) {
            Ok(committed) if &committed == bytes => {}
            Ok(_) => stale.push(format!("{rel} (differs)")),
            Err(_) => stale.push(format!("{rel} (missing)")),
        }
    }
    // Files no generator writes any more must go too.
    for dir in ["completions", "man"] {
        for entry in walk(&root.join(dir)) {
            let rel = entry
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            if !assets.iter().any(|(r, _)| *r == rel) {
                stale.push(format!("{rel} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files, run `cargo run -p ds01 -- generate-assets .`:\n  {}",
        stale.join("\n  ")
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files.extend(walk(&p));
            } else {
                files.push(p);
            }
        }
    }
    files
}
