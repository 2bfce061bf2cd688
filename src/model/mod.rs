//! The typed model every command shares: the container tag, the label
//! keys, and date arithmetic.  One place per fact.

pub mod labels;
pub mod tag;
pub mod time;

pub use tag::ContainerTag;
