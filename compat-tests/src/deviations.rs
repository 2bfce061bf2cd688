//! `docs/deviations.md`: sessions where ds01 differs from the original on purpose. Any
//! `` `set/name` `` in it marks that session.

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;

use crate::error::{Context, Result};

/// Session ids written as `` `set/name` `` in the text.
pub fn parse(text: &str) -> BTreeSet<String> {
    let Ok(re) = Regex::new(r"`([A-Za-z0-9_.-]+/[A-Za-z0-9_.#@+-]+)`") else {
        return BTreeSet::new();
    };
    re.captures_iter(text).map(|c| c[1].to_owned()).collect()
}

/// The marked ids of the file; a file that cannot be read is an error (not "no deviations").
pub fn load(path: &Path) -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path).ctx(format!("the deviations {}", path.display()))?;
    Ok(parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_backticks() {
        let t = "- `aime-v2-real/164-start-no-command-crash`: crash fixed\n\
                 - `aime-v2/list_label_with_comma_crash` and `src/main.rs` (a path)\n\
                 - not an id: `mlc`\n";
        let ids = parse(t);
        assert!(ids.contains("aime-v2-real/164-start-no-command-crash"));
        assert!(ids.contains("aime-v2/list_label_with_comma_crash"));
        assert!(!ids.contains("mlc"));
        // Paths match the pattern too; they simply name no session.
        assert!(ids.contains("src/main.rs"));
    }
}
