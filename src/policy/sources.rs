//! What the policy libraries read, handed to them by a command from its
//! context: the engine, the GPU inventory's fixture, DS01's configuration
//! and the allocator's state directory and timings.

use super::limits::{Config, ConfigError};
use crate::context::Ctx;
use crate::engine::{Engine, EngineError};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

/// What the libraries have to say on the way (warnings, timings): kept
/// here for the command, which shows them on stderr.
pub type Notes = Rc<RefCell<Vec<String>>>;

#[derive(Clone)]
pub struct Sources {
    pub engine: Result<Rc<Engine>, EngineError>,
    /// A file in `nvidia-smi -L` format instead of the real GPUs.
    pub gpu_fixture: Option<PathBuf>,
    /// DS01's configuration (`ConfigError::Missing` on a host without one).
    pub config: Result<Rc<Config>, ConfigError>,
    /// The allocator's lock, reservations and queue.
    pub state_dir: PathBuf,
    /// Whether a user may make the state directory as a private one of
    /// their own (a machine without DS01's system configuration).
    pub private_state: bool,
    /// How long a standalone allocation stays reserved.
    pub reservation_ttl: Duration,
    /// How long an allocation waits for the lock.
    pub lock_timeout: Duration,
    /// Report each allocation's timings (bench/alloc).
    pub alloc_timing: bool,
    pub notes: Notes,
}

impl Sources {
    /// The sources of this process.
    pub fn of(ctx: &mut Ctx) -> Sources {
        let s = &ctx.settings;
        let (gpu_fixture, state_dir) = (s.gpu_fixture.clone(), s.state_dir.clone());
        let private_state = !s.system_configured;
        let reservation_ttl = Duration::from_secs(s.reservation_ttl_s);
        let lock_timeout = Duration::from_secs(s.lock_timeout_s);
        let alloc_timing = s.alloc_timing;
        Sources {
            engine: ctx.engine(),
            gpu_fixture,
            config: ctx.config(),
            state_dir,
            private_state,
            reservation_ttl,
            lock_timeout,
            alloc_timing,
            notes: Notes::default(),
        }
    }

    /// The notes so far, each a line for stderr (without its newline).
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.borrow_mut())
    }
}
