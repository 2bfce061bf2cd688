//! `ds01-lifecycle`: lifecycle enforcement (issue 13 item 2).  Stub.

use crate::context::Ctx;
use crate::error::Outcome;

pub fn main(_ctx: &mut Ctx, _args: &[String]) -> Outcome {
    Ok(0)
}
