//! `container-create` (reference ds01.md).  Not written yet.

use crate::context::Ctx;
use crate::error::{Failure, Outcome};

pub fn main(_ctx: &mut Ctx, _args: &[String]) -> Outcome {
    Err(Failure::stderr(
        1,
        "container-create: not implemented yet\n",
    ))
}
