//! A project's name: typed (bash `read` rules), normalised as the
//! original did it (spaces to dashes, capitals to small letters), then
//! checked.  The original checked nothing, so `../x` or `a/b` made
//! directories outside `~/workspace` and names docker refuses as images;
//! ds01 accepts only what docker accepts as an image name component.

/// The longest name accepted (the image reference `ds01-UID/NAME:latest`
/// must stay well within docker's 255 characters).
const MAX_LEN: usize = 128;

/// A line as bash's `read VAR` (without `-r`) keeps it: a backslash makes
/// the next character literal and goes, unescaped blanks at both ends go.
pub fn as_read(line: &str) -> String {
    let mut chars: Vec<(char, bool)> = Vec::with_capacity(line.len());
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            chars.push((c, true));
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            chars.push((c, false));
        }
    }
    let blank = |&(c, escaped): &(char, bool)| !escaped && matches!(c, ' ' | '\t' | '\n');
    let start = chars.iter().position(|c| !blank(c)).unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|c| !blank(c))
        .map_or(start, |i| i + 1);
    chars[start..end].iter().map(|&(c, _)| c).collect()
}

/// `tr ' ' '-' | tr '[:upper:]' '[:lower:]'` (ASCII letters only, as `tr`
/// in the C.UTF-8 locale).
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c == ' ' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Whether docker accepts `name` as one component of an image name
/// (`[a-z0-9]+` runs joined by `.`, `_`, `__` or dashes), which also keeps
/// it a plain directory name under `~/workspace`.
pub fn is_valid(name: &str) -> bool {
    if name.is_empty() || name.len() > MAX_LEN {
        return false;
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return false;
    }
    name.split(alnum)
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.chars().all(|c| c == '-'))
}

/// What is said about a name that [`is_valid`] refuses.
pub fn invalid_message(name: &str) -> String {
    use crate::ui::ds01::{NC, RED};
    format!(
        "{RED}Invalid project name: '{name}'{NC}\n  \
         Use lowercase letters and digits, joined by '-', '_' or '.' (e.g. my-thesis)\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lines_read_as_bash_reads_them() {
        assert_eq!(as_read("  My Thesis \t"), "My Thesis");
        assert_eq!(as_read(r"a\ b\\c"), r"a b\c");
        assert_eq!(as_read(r"x\ "), "x ");
        assert_eq!(as_read("   "), "");
    }

    #[test]
    fn normalised_like_the_original() {
        assert_eq!(normalise("My Thesis"), "my-thesis");
        assert_eq!(normalise("CV_Exp.2"), "cv_exp.2");
        assert_eq!(normalise("Ünï"), "Ünï");
    }

    #[test]
    fn only_docker_image_components() {
        for ok in ["thesis", "my-thesis", "a--b", "cv_exp.2", "a__b", "x1", "0"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "", "../x", "a/b", "..", ".hidden", "-x", "x-", "a..b", "a._b", "a___b", "Ab", "ü",
            "a b", "a\nb",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
        assert!(!is_valid(&"a".repeat(MAX_LEN + 1)));
    }
}
