//! Panics in a scenario's code: caught once per run, never per poll.
//!
//! [`runner`](crate::runner)'s [`run`](crate::runner::run) and
//! [`run_traced`](crate::runner::run_traced) run the whole serve inside one `catch_unwind`,
//! so the loops compile as they did. Which connection panicked comes from what the twins do
//! anyway while unwinding:
//!
//! - the async side's stream ([`AsyncStream`](crate::runtime::reactor::AsyncStream)) is dropped
//!   when a panic unwinds out of its connection task (also when a runtime such as tokio
//!   catches the panic itself and drops the task), and its `Drop`, which the normal path never
//!   runs (the task closes the stream instead), calls [`unwinding`];
//! - the driver holds a [`Serving`] guard around each `resume` and forgets it after: a store-free
//!   no-op on the normal path, whose `Drop` calls [`unwinding`] only while a panic unwinds.
//!
//! The message comes from a panic hook installed once, which records it only on a thread that
//! is inside a run ([`Catching`]) and then calls the hook it replaced: tokio keeps a task's
//! panic payload to itself, so the payload alone would not do.
//!
//! May import nothing of the crate: the driver, the reactor and the runner import it.

use core::cell::{Cell, RefCell};
use std::panic::{self, PanicHookInfo};
use std::sync::Once;

/// A panic caught in a run: the connection being served, if one was, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caught {
    /// The connection whose code panicked.
    pub connection: Option<usize>,
    /// The panic's message, and where it was raised.
    pub message: String,
}

thread_local! {
    /// Inside a run that catches panics (see [`Catching`]).
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The first panic of the current run.
    static CAUGHT: RefCell<Option<Caught>> = const { RefCell::new(None) };
}

/// The scope of one run that catches panics: installs the hook (once per process) and marks the
/// thread; [`finish`](Catching::finish) takes what was caught.
pub struct Catching {
    was_catching: bool,
}

impl Catching {
    /// Starts catching on this thread.
    pub fn start() -> Catching {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                record(info);
                previous(info);
            }));
        });
        CAUGHT.with(|caught| caught.borrow_mut().take());
        Catching {
            was_catching: CATCHING.replace(true),
        }
    }

    /// The first panic since [`start`](Catching::start), if any (a panic that unwound out of
    /// the run, or one that a runtime caught itself).
    pub fn finish(self) -> Option<Caught> {
        CAUGHT.with(|caught| caught.borrow_mut().take())
    }
}

impl Drop for Catching {
    fn drop(&mut self) {
        CATCHING.set(self.was_catching);
    }
}

/// The hook's part: the first panic of a catching run on this thread.
fn record(info: &PanicHookInfo<'_>) {
    if !CATCHING.get() {
        return;
    }
    let payload = info.payload();
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic whose payload is not a string)");
    let message = match info.location() {
        Some(at) => format!("{text} (at {at})"),
        None => text.to_owned(),
    };
    CAUGHT.with(|caught| {
        let mut caught = caught.borrow_mut();
        if caught.is_none() {
            *caught = Some(Caught {
                connection: None,
                message,
            });
        }
    });
}

/// Connection `conn`'s code is being unwound out of: names it in the first caught panic.
/// Called from `Drop` impls that the normal path never runs.
#[cold]
pub fn unwinding(conn: usize) {
    if !std::thread::panicking() || !CATCHING.get() {
        return;
    }
    CAUGHT.with(|caught| {
        if let Some(caught) = caught.borrow_mut().as_mut()
            && caught.connection.is_none()
        {
            caught.connection = Some(conn);
        }
    });
}

/// Held around a connection's code and [`forgotten`](core::mem::forget) after it: dropped only
/// while a panic unwinds out of that code, it names the connection ([`unwinding`]).
pub struct Serving(pub usize);

impl Drop for Serving {
    #[cold]
    fn drop(&mut self) {
        unwinding(self.0);
    }
}
