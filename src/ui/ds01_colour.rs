//! DS01's colour palette (`scripts/lib/init.sh`), used by every DS01
//! command; AIME's is [`super::colour`].  Like the originals, the escapes
//! are written whether or not stdout is a terminal.

pub const RED: &str = "\x1b[0;31m";
pub const GREEN: &str = "\x1b[0;32m";
pub const YELLOW: &str = "\x1b[1;33m";
pub const BLUE: &str = "\x1b[0;34m";
pub const BOLD: &str = "\x1b[1m";
pub const DIM: &str = "\x1b[2m";
pub const NC: &str = "\x1b[0m";
