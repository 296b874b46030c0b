//! The watchdog: a run that stops resuming connections for a configurable wall time ends the
//! process with a message naming the scenario, the variant and the connection whose code never
//! returned.
//!
//! # What can and cannot be interrupted
//!
//! - A run that keeps going round without progress (every connection waiting, or only
//!   yielding, or a server writing past the expected reply) ends by itself: its stall window
//!   ([`RunConfig::stall_rounds`](crate::RunConfig::stall_rounds)) passes and its unfinished
//!   connections end [`Outcome::Stalled`](crate::Outcome::Stalled). The library returns that.
//! - A connection whose code computes for ever inside one resume (one poll of its future)
//!   never gives control back: Rust has no safe way to stop a thread from outside, and
//!   unwinding it from a signal handler is not sound. The watchdog, a thread of its own, then
//!   prints what was running (scenario, variant, connection) to stderr and exits the process
//!   with status 3. Nothing can return an error for such a run; the harness's check runs under
//!   the watchdog, so `cargo run --release` exits non-zero instead of hanging.
//!
//! # Cost
//!
//! Nothing in the measured runs: a run under a watchdog ([`RunConfig::watchdog`](
//! crate::RunConfig::watchdog), honoured by [`run`](crate::run) and
//! [`run_traced`](crate::run_traced), never by [`prepare`](crate::prepare)) is a separate
//! instantiation of the loops, [`Watched`], whose per-resume hook notes the connection and a
//! heartbeat — in both twins alike (the driver before each `resume`, the async side at each
//! poll of the connection's future). The measured instantiation, [`Unwatched`], compiles the
//! hook to nothing.
//!
//! May import [`conn`](crate::conn) and [`scenario`](mod@crate::scenario). The driver and the
//! runner import it.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::cell::RefCell;

use crate::conn::{AsyncIo, ConnError};
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How the loops report the connection they are about to resume: nothing ([`Unwatched`]) or a
/// heartbeat for the watchdog ([`Watched`]).
pub trait Watch: 'static {
    /// Connection `conn`'s code is about to run.
    fn resuming(conn: usize);
    /// The async twin of connection `conn`: `scenario.serve(io)`, watched or not.
    fn serve<'a, S: Scenario, C: AsyncIo + 'a>(
        scenario: &'a S,
        io: &'a mut C,
        conn: usize,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a;
}

/// The measured runs: no hook, the scenario's future itself.
pub enum Unwatched {}

impl Watch for Unwatched {
    #[inline(always)]
    fn resuming(_: usize) {}
    #[inline(always)]
    fn serve<'a, S: Scenario, C: AsyncIo + 'a>(
        scenario: &'a S,
        io: &'a mut C,
        _: usize,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        scenario.serve(io)
    }
}

/// Runs under a watchdog: each resume notes its connection and beats. The async twin runs on
/// an I/O of its own type ([`Marked`]), so that neither twin's watched code shares an
/// instantiation with the measured code (which would cost it the inlining of its one caller).
pub enum Watched {}

impl Watch for Watched {
    #[inline]
    fn resuming(conn: usize) {
        CURRENT.with(|current| {
            if let Some(run) = &*current.borrow() {
                run.conn.store(conn, Ordering::Relaxed);
                run.beat.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    async fn serve<'a, S: Scenario, C: AsyncIo + 'a>(
        scenario: &'a S,
        io: &'a mut C,
        conn: usize,
    ) -> Result<(), ConnError> {
        let mut io = Marked(io);
        let future = scenario.serve(&mut io);
        Beating { conn, future }.await
    }
}

/// A watched connection's I/O: the stream's, under a type of its own.
pub struct Marked<'a, C>(&'a mut C);

impl<C: AsyncIo> AsyncIo for Marked<'_, C> {
    #[inline]
    fn conn(&self) -> usize {
        self.0.conn()
    }
    #[inline]
    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<usize, ConnError>> {
        self.0.poll_read(cx, buf)
    }
    #[inline]
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<Result<usize, ConnError>> {
        self.0.poll_write(cx, buf)
    }
    #[inline]
    fn defer(&mut self, cx: &mut Context<'_>) {
        self.0.defer(cx);
    }
}

/// A connection's future under a watchdog: each poll beats (see [`Watched`]).
pub struct Beating<F> {
    conn: usize,
    future: F,
}

impl<F: Future> Future for Beating<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: never moved out of a pinned `Beating` (no
        // method moves it, there is no `Drop`), and `Beating` is `Unpin` only if `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        Watched::resuming(this.conn);
        // SAFETY: as above.
        unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx)
    }
}

/// No connection resumed yet.
const NONE: usize = usize::MAX;

/// One watched run, shared with the watchdog thread.
struct WatchedRun {
    scenario: &'static str,
    variant: &'static str,
    timeout: Duration,
    conn: AtomicUsize,
    beat: AtomicU64,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<WatchedRun>>> = const { RefCell::new(None) };
}

/// The runs being watched, for the watchdog thread (started with the first).
fn runs() -> &'static Mutex<Vec<Arc<WatchedRun>>> {
    static RUNS: OnceLock<&'static Mutex<Vec<Arc<WatchedRun>>>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let runs: &'static Mutex<Vec<Arc<WatchedRun>>> = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("twinbench-watchdog".to_owned())
            .spawn(move || watchdog(runs))
            .expect("twinbench: the watchdog thread could not start");
        runs
    })
}

/// The watchdog thread: every few milliseconds, each run whose heartbeat has not moved for its
/// timeout ends the process.
fn watchdog(runs: &'static Mutex<Vec<Arc<WatchedRun>>>) -> ! {
    let mut seen: Vec<(usize, u64, Instant)> = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let runs = runs.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        seen.retain(|(id, ..)| runs.iter().any(|run| Arc::as_ptr(run).addr() == *id));
        for run in runs.iter() {
            let id = Arc::as_ptr(run).addr();
            let beat = run.beat.load(Ordering::Relaxed);
            match seen.iter_mut().find(|(seen_id, ..)| *seen_id == id) {
                Some((_, last, since)) if *last == beat => {
                    if now.duration_since(*since) >= run.timeout {
                        // Straight to the process's stderr: `eprintln!` would go to a test
                        // harness's capture, which exiting loses.
                        let message = format!("{}\n", stuck_message(run));
                        let _ =
                            std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
                        std::process::exit(3);
                    }
                }
                Some(entry) => *entry = (id, beat, now),
                None => seen.push((id, beat, now)),
            }
        }
    }
}

fn stuck_message(run: &WatchedRun) -> String {
    let conn = run.conn.load(Ordering::Relaxed);
    let whose = if conn == NONE {
        "no connection's code has run yet (setup, or the loop itself)".to_owned()
    } else {
        format!("connection {conn}'s code has not returned from a resume")
    };
    format!(
        "twinbench watchdog: scenario `{}`, variant `{}`: no progress for {:?}: {whose}; a \
         scenario computing for ever inside one resume cannot be interrupted, so the process \
         exits",
        run.scenario, run.variant, run.timeout
    )
}

/// A run under the watchdog on this thread, for as long as it lives.
pub(crate) struct Watching {
    run: Arc<WatchedRun>,
    previous: Option<Arc<WatchedRun>>,
}

impl Watching {
    /// Starts watching a run of `scenario` under `variant` on this thread.
    pub(crate) fn start(scenario: &'static str, variant: &'static str, timeout: Duration) -> Self {
        let run = Arc::new(WatchedRun {
            scenario,
            variant,
            timeout,
            conn: AtomicUsize::new(NONE),
            beat: AtomicU64::new(0),
        });
        runs()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::clone(&run));
        let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(&run))));
        Watching { run, previous }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| current.replace(previous));
        runs()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|run| !Arc::ptr_eq(run, &self.run));
    }
}
