//! AIME MLC's colour palette.  The original always emits these escapes,
//! terminal or not, and scripts that scrape its output expect them.

pub const ERROR: &str = "\x1b[91m";
pub const NEUTRAL: &str = "\x1b[37m";
pub const INFO: &str = "\x1b[32m";
pub const INFO_HEADER: &str = "\x1b[92m";
pub const REQUEST: &str = "\x1b[96m";
pub const WARNING: &str = "\x1b[38;5;208m";
pub const INPUT: &str = "\x1b[38;5;214m";
pub const HINT: &str = "\x1b[93m";
pub const RESET: &str = "\x1b[0m";

const TOKENS: [(&str, &str); 9] = [
    ("{ERROR}", ERROR),
    ("{NEUTRAL}", NEUTRAL),
    ("{INFO_HEADER}", INFO_HEADER),
    ("{INFO}", INFO),
    ("{REQUEST}", REQUEST),
    ("{WARNING}", WARNING),
    ("{INPUT}", INPUT),
    ("{HINT}", HINT),
    ("{RESET}", RESET),
];

/// Replace `{NAME}` colour tokens (as used in the spec files) by escapes.
pub fn expand(text: &str) -> String {
    super::replace_tokens(text, &TOKENS)
}

/// Remove the escapes again (for completions and man pages).
pub fn strip_tokens(text: &str) -> String {
    let empty: Vec<(&str, &str)> = TOKENS.iter().map(|(t, _)| (*t, "")).collect();
    super::replace_tokens(text, &empty)
}

#[cfg(test)]
mod tests {
    #[test]
    fn expands_tokens() {
        assert_eq!(super::expand("{ERROR}x{RESET}"), "\x1b[91mx\x1b[0m");
        assert_eq!(super::strip_tokens("{INFO_HEADER}Info{RESET}"), "Info");
    }
}
