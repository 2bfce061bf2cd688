//! Quoting as the recorders wrote it: bash words (`printf %q` style, `$'…'`), Python string
//! literals (`repr()`), and a rough split of a shell command line into its simple commands.

use crate::error::{Error, Result};

/// Split a bash word list: `'…'`, `"…"`, `$'…'` (ANSI-C escapes), backslash escapes, blanks.
pub fn bash_words(s: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err(Error::msg(format!("unterminated ' in {s:?}"))),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => cur.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => return Err(Error::msg(format!("unterminated \" in {s:?}"))),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err(Error::msg(format!("unterminated \" in {s:?}"))),
                    }
                }
            }
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                in_word = true;
                let mut body = String::new();
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some('\\') => match chars.next() {
                            Some(ch) => {
                                body.push('\\');
                                body.push(ch);
                            }
                            None => return Err(Error::msg(format!("unterminated $' in {s:?}"))),
                        },
                        Some(ch) => body.push(ch),
                        None => return Err(Error::msg(format!("unterminated $' in {s:?}"))),
                    }
                }
                cur.push_str(&unescape_c(&body)?);
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(ch) => cur.push(ch),
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// C-style escapes as in bash `$'…'` and Python string literals.
fn unescape_c(body: &str) -> Result<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => out.push(hex_char(&mut chars, 2, body)?),
            'u' => out.push(hex_char(&mut chars, 4, body)?),
            'U' => out.push(hex_char(&mut chars, 8, body)?),
            '\n' => {}
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

fn hex_char(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    n: usize,
    ctx: &str,
) -> Result<char> {
    let mut v = 0u32;
    for _ in 0..n {
        let d = chars
            .next()
            .and_then(|c| c.to_digit(16))
            .ok_or_else(|| Error::msg(format!("bad hex escape in {ctx:?}")))?;
        v = v * 16 + d;
    }
    char::from_u32(v).ok_or_else(|| Error::msg(format!("bad code point in {ctx:?}")))
}

/// Parse one Python string literal (`'…'` or `"…"`, as `repr()` writes it) at the start of `s`;
/// returns the value and the rest of `s` after the closing quote.
pub fn python_literal(s: &str) -> Result<(String, &str)> {
    let s = s.trim_start();
    let quote = s
        .chars()
        .next()
        .filter(|c| *c == '\'' || *c == '"')
        .ok_or_else(|| Error::msg(format!("expected a Python string literal: {s:?}")))?;
    let mut body = String::new();
    let mut iter = s.char_indices().skip(1);
    while let Some((i, c)) = iter.next() {
        if c == '\\' {
            match iter.next() {
                Some((_, e)) => {
                    body.push('\\');
                    body.push(e);
                }
                None => break,
            }
        } else if c == quote {
            return Ok((unescape_c(&body)?, &s[i + c.len_utf8()..]));
        } else {
            body.push(c);
        }
    }
    Err(Error::msg(format!("unterminated Python literal: {s:?}")))
}

/// The programs a shell command line runs: the first word of every simple command (split at
/// `;`, `&&`, `||`, `|`, newlines), skipping `VAR=value` prefixes and redirections.
pub fn command_programs(line: &str) -> Vec<String> {
    let mut programs = Vec::new();
    for part in split_simple_commands(line) {
        let Ok(words) = bash_words(&part) else {
            continue;
        };
        let first = words
            .into_iter()
            .find(|w| !is_assignment(w) && !is_redirection(w));
        if let Some(first) = first {
            programs.push(first);
        }
    }
    programs
}

/// `VAR=value` before a command.
fn is_assignment(w: &str) -> bool {
    w.contains('=') && !w.starts_with('=') && !w.starts_with('-')
}

/// `>file`, `<file`, `2>&1`, `2>/dev/null`.
fn is_redirection(w: &str) -> bool {
    w.starts_with('>')
        || w.starts_with('<')
        || w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('>')
}

/// Split at unquoted `;`, `&`, `|` and newlines (a rough cut, enough for the recorded lines).
fn split_simple_commands(line: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                }
                cur.push(c);
            }
            None => match c {
                '\\' => {
                    escaped = true;
                    cur.push(c);
                }
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                ';' | '|' | '\n' => parts.push(std::mem::take(&mut cur)),
                '&' => {
                    // `2>&1` is a redirection, not a separator.
                    if cur.ends_with('>') {
                        cur.push(c);
                    } else {
                        parts.push(std::mem::take(&mut cur));
                    }
                }
                _ => cur.push(c),
            },
        }
    }
    parts.push(cur);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_words_forms() {
        assert_eq!(bash_words("mlc list ").unwrap(), ["mlc", "list"]);
        assert_eq!(bash_words("mlc ''").unwrap(), ["mlc", ""]);
        assert_eq!(bash_words("$'1\\ny'").unwrap(), ["1\ny"]);
        assert_eq!(
            bash_words("a\\ b \"c d\" 'e'f").unwrap(),
            ["a b", "c d", "ef"]
        );
        assert!(bash_words("'open").is_err());
    }

    #[test]
    fn python_literals() {
        let (v, rest) = python_literal("'Choice [1-2]': '1\\r'").unwrap();
        assert_eq!(v, "Choice [1-2]");
        let (k, rest) = python_literal(rest.trim_start_matches(':')).unwrap();
        assert_eq!(k, "1\r");
        assert_eq!(rest, "");
        let (v, _) = python_literal("\"it's\"").unwrap();
        assert_eq!(v, "it's");
        let (v, _) = python_literal("'\\x1b[6n'").unwrap();
        assert_eq!(v, "\x1b[6n");
    }

    #[test]
    fn programs_of_a_line() {
        assert_eq!(command_programs("mlc list -a"), ["mlc"]);
        assert_eq!(
            command_programs(
                "container-create demo --cpu-only >/dev/null 2>&1; image-delete demo -f"
            ),
            ["container-create", "image-delete"]
        );
        assert_eq!(
            command_programs("printf 'a;b\\n' > /tmp/x; image-create demo7 -r /tmp/x"),
            ["printf", "image-create"]
        );
        assert_eq!(
            command_programs("A=1 mlc-create x && echo ok"),
            ["mlc-create", "echo"]
        );
    }
}
