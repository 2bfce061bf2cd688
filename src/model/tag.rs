//! The container tag `NAME._.OWNER`: AIME names every container it makes
//! after its base name and the creator's uid (`demo._.1001`).  This type is
//! the one place that builds and parses it.

use std::fmt;

const SEPARATOR: &str = "._.";

/// A docker container name as AIME and DS01 make them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerTag {
    /// What the user calls the container (`demo`).
    pub name: String,
    /// The uid it was made for, as written in the tag (`1001`); `None` for
    /// a legacy tag without the suffix.
    pub owner: Option<String>,
}

impl ContainerTag {
    /// The tag of `name` for the user `uid`.
    pub fn new(name: &str, uid: u32) -> ContainerTag {
        ContainerTag {
            name: name.to_string(),
            owner: Some(uid.to_string()),
        }
    }

    /// Parse a docker name (a leading `/` as the engine lists it is
    /// dropped).  The suffix is the part after the *last* `._.` when it is
    /// a non-empty word (letters, digits, `_`); otherwise the whole name is
    /// the base name: `a._.b._.1` is `a._.b` of owner `1`, `x._.` is
    /// `x._.` of nobody.
    pub fn parse(docker_name: &str) -> ContainerTag {
        let tag = docker_name.strip_prefix('/').unwrap_or(docker_name);
        if let Some(i) = tag.rfind(SEPARATOR) {
            let owner = &tag[i + SEPARATOR.len()..];
            if !owner.is_empty() && owner.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return ContainerTag {
                    name: tag[..i].to_string(),
                    owner: Some(owner.to_string()),
                };
            }
        }
        ContainerTag {
            name: tag.to_string(),
            owner: None,
        }
    }

    /// The owner as a uid, when the suffix is one.
    pub fn uid(&self) -> Option<u32> {
        self.owner.as_deref()?.parse().ok()
    }

    /// Whether the tag names exactly `uid` as its owner: `demo._.2001` is
    /// 2001's, `demo._.02001` and `demo._.20011` are not.  The originals'
    /// `--filter name=._.UID` was a substring match; this is the one
    /// ownership rule every DS01 command uses.
    pub fn belongs_to(&self, uid: u32) -> bool {
        self.owner.as_deref() == Some(uid.to_string().as_str())
    }

    /// Whether the docker name has AIME's `._.` suffix at all.
    pub fn is_aime(&self) -> bool {
        self.owner.is_some()
    }
}

impl fmt::Display for ContainerTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.owner {
            Some(owner) => write!(f, "{}{SEPARATOR}{owner}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Whether docker can name a container so: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`,
/// at most 255 characters.
pub fn valid_docker_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 255
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether docker can use `tag` as an image tag too (AIME commits the
/// setup container to `IMAGE:NAME._.UID`): a docker name of at most 128
/// characters.
pub fn valid_image_tag(tag: &str) -> bool {
    tag.len() <= 128 && valid_docker_name(tag)
}

/// The base name of a docker name: `demo._.1001` → `demo`.
pub fn base_name(docker_name: &str) -> String {
    ContainerTag::parse(docker_name).name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_is_the_exact_uid() {
        assert!(ContainerTag::parse("demo._.2001").belongs_to(2001));
        assert!(ContainerTag::parse("/a._.b._.2001").belongs_to(2001));
        for other in ["demo._.02001", "demo._.20011", "demo._.2001x", "demo"] {
            assert!(!ContainerTag::parse(other).belongs_to(2001), "{other}");
        }
    }

    #[test]
    fn builds_and_parses_one_way() {
        let t = ContainerTag::new("demo", 1001);
        assert_eq!(t.to_string(), "demo._.1001");
        assert_eq!(ContainerTag::parse("demo._.1001"), t);
        assert_eq!(ContainerTag::parse("/demo._.1001"), t);
        assert_eq!(t.uid(), Some(1001));
    }

    #[test]
    fn odd_names() {
        let nested = ContainerTag::parse("a._.b._.1");
        assert_eq!(nested.name, "a._.b");
        assert_eq!(nested.uid(), Some(1));
        assert_eq!(nested.to_string(), "a._.b._.1");
        assert_eq!(ContainerTag::parse("legacy").owner, None);
        assert_eq!(ContainerTag::parse("x._.").name, "x._.");
        assert_eq!(ContainerTag::parse("x._.a-b").name, "x._.a-b");
        assert_eq!(base_name("x._.word_1"), "x");
    }
}
