//! Helpers the executor tests share.

use core::future::Future;
use core::task::{Context, Poll};

/// A future that wakes its own task once, while being polled, then completes: what a foreign
/// future that yields through its waker does. The executors run such a task again only after
/// the next reactor turn. (A scenario's `yield_now()` goes through the reactor instead.)
pub fn wake_self_once() -> impl Future<Output = ()> {
    let mut woken = false;
    core::future::poll_fn(move |cx: &mut Context<'_>| {
        if woken {
            return Poll::Ready(());
        }
        woken = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}
