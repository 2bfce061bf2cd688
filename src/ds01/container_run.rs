//! `container-run [name] [--guided]` (reference §3.2): one of the three
//! names of DS01's container session; see [`crate::ds01::container_session`].

use crate::context::Ctx;
use crate::ds01::container_session::{self, Mode};
use crate::error::Outcome;

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    container_session::main(ctx, args, Mode::Run)
}
