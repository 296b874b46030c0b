//! The system calls of the kernel backend, each in a small safe wrapper: every `unsafe` block
//! of the backend is in this file.
//!
//! The calls of the measured section (`accept4`, `recv`, `send`, `epoll_ctl`, `epoll_wait`,
//! `close`) return the raw result and read `errno` only on failure, so neither twin's hot path
//! builds an `io::Error`; the setup calls return `io::Result`.
//!
//! May import nothing of the crate.

use std::io;

use libc::c_int;

/// `errno` of the last failed call on this thread.
#[inline]
pub(crate) fn errno() -> c_int {
    // SAFETY: `__errno_location` returns a valid pointer to this thread's `errno`.
    unsafe { *libc::__errno_location() }
}

fn check(ret: c_int) -> io::Result<c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// An owned descriptor, closed when dropped: what setup opens, so that every path out of it
/// (an error, a panic) closes what it opened.
#[derive(Debug)]
pub(crate) struct Fd(c_int);

impl Fd {
    /// The raw descriptor, still owned by `self`.
    #[inline]
    pub fn raw(&self) -> c_int {
        self.0
    }

    /// Gives up ownership: the caller closes the descriptor.
    pub fn into_raw(self) -> c_int {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        close(self.0);
    }
}

/// Closes `fd` (the result is ignored: Linux frees the descriptor even when `close` fails).
#[inline]
pub(crate) fn close(fd: c_int) {
    // SAFETY: closing a descriptor touches no memory of ours; the callers own `fd` and never
    // use it again.
    unsafe { libc::close(fd) };
}

/// A non-blocking, close-on-exec stream socket of `family` (`AF_INET` or `AF_UNIX`).
pub(crate) fn stream_socket(family: c_int) -> io::Result<Fd> {
    // SAFETY: `socket` takes plain integers.
    let fd = check(unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })?;
    Ok(Fd(fd))
}

/// Sets an `int`-valued socket option.
pub(crate) fn set_int_option(fd: &Fd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: `value` is a live `c_int` and the length passed is its size.
    check(unsafe {
        libc::setsockopt(
            fd.0,
            level,
            name,
            core::ptr::from_ref(&value).cast(),
            size_of::<c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `SO_LINGER {on, 0 s}`: the next `close` resets the connection instead of closing it.
pub(crate) fn set_linger_zero(fd: c_int) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a live `struct linger` and the length passed is its size.
    check(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            core::ptr::from_ref(&linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A socket address, as `bind` and `connect` take it.
#[derive(Clone, Copy)]
pub(crate) enum Addr {
    /// An IPv4 address and port.
    V4(libc::sockaddr_in),
    /// An AF_UNIX address (abstract: its path starts with a NUL) and its length.
    Unix(libc::sockaddr_un, libc::socklen_t),
}

impl Addr {
    /// `127.a.b.c:port`.
    pub fn loopback(octets: [u8; 3], port: u16) -> Addr {
        // SAFETY: `sockaddr_in` is plain data; all zeroes is a valid value.
        let mut sin: libc::sockaddr_in = unsafe { core::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_port = port.to_be();
        sin.sin_addr.s_addr = u32::from_be_bytes([127, octets[0], octets[1], octets[2]]).to_be();
        Addr::V4(sin)
    }

    /// The abstract AF_UNIX address `\0name` (no file, nothing to clean up).
    pub fn abstract_unix(name: &[u8]) -> Addr {
        // SAFETY: `sockaddr_un` is plain data; all zeroes is a valid value.
        let mut sun: libc::sockaddr_un = unsafe { core::mem::zeroed() };
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let name = &name[..name.len().min(sun.sun_path.len() - 1)];
        for (slot, &byte) in sun.sun_path[1..].iter_mut().zip(name) {
            *slot = byte as libc::c_char;
        }
        let len = size_of::<libc::sa_family_t>() + 1 + name.len();
        Addr::Unix(sun, len as libc::socklen_t)
    }

    fn as_raw(&self) -> (*const libc::sockaddr, libc::socklen_t) {
        match self {
            Addr::V4(sin) => (
                core::ptr::from_ref(sin).cast(),
                size_of::<libc::sockaddr_in>() as libc::socklen_t,
            ),
            Addr::Unix(sun, len) => (core::ptr::from_ref(sun).cast(), *len),
        }
    }
}

pub(crate) fn bind(fd: &Fd, addr: &Addr) -> io::Result<()> {
    let (ptr, len) = addr.as_raw();
    // SAFETY: `ptr` points to a live address of `len` bytes (`Addr::as_raw`).
    check(unsafe { libc::bind(fd.0, ptr, len) }).map(drop)
}

pub(crate) fn listen(fd: &Fd, backlog: c_int) -> io::Result<()> {
    // SAFETY: `listen` takes plain integers.
    check(unsafe { libc::listen(fd.0, backlog) }).map(drop)
}

/// The port an IPv4 socket is bound to.
pub(crate) fn local_port(fd: &Fd) -> io::Result<u16> {
    // SAFETY: `sockaddr_in` is plain data; all zeroes is a valid value.
    let mut sin: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: `sin` is writable for `len` bytes, and `len` is a live `socklen_t`.
    check(unsafe { libc::getsockname(fd.0, core::ptr::from_mut(&mut sin).cast(), &raw mut len) })?;
    Ok(u16::from_be(sin.sin_port))
}

/// Starts a non-blocking connect: `Ok(true)` connected, `Ok(false)` in progress.
pub(crate) fn connect(fd: &Fd, addr: &Addr) -> io::Result<bool> {
    let (ptr, len) = addr.as_raw();
    // SAFETY: `ptr` points to a live address of `len` bytes (`Addr::as_raw`).
    match check(unsafe { libc::connect(fd.0, ptr, len) }) {
        Ok(_) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The pending error of a socket (`SO_ERROR`): 0 once a connect has succeeded.
pub(crate) fn socket_error(fd: c_int) -> io::Result<c_int> {
    let mut error: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `error` is writable for `len` bytes, and `len` is a live `socklen_t`.
    check(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            core::ptr::from_mut(&mut error).cast(),
            &raw mut len,
        )
    })?;
    Ok(error)
}

/// Waits up to `timeout_ms` for `fd` to become ready for `events` (`POLLIN`, `POLLOUT`):
/// whether it did.
pub(crate) fn wait_for(fd: c_int, events: libc::c_short, timeout_ms: c_int) -> io::Result<bool> {
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: `pollfd` is one live, writable `struct pollfd`.
    let ready = check(unsafe { libc::poll(&raw mut pollfd, 1, timeout_ms) })?;
    Ok(ready > 0)
}

/// `accept4` of a non-blocking, close-on-exec connection: the descriptor, or `errno`.
#[inline]
pub(crate) fn accept(listener: c_int) -> Result<c_int, c_int> {
    // SAFETY: null address pointers ask for no peer address, as `accept4` allows.
    let fd = unsafe {
        libc::accept4(
            listener,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    };
    if fd < 0 { Err(errno()) } else { Ok(fd) }
}

/// `recv` into `buf`: bytes read (0 at EOF), or `errno`.
#[inline]
pub(crate) fn recv(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 { Err(errno()) } else { Ok(n as usize) }
}

/// `send` of `buf` with `MSG_NOSIGNAL` (a peer gone is `EPIPE`, not `SIGPIPE`): bytes
/// written, or `errno`.
#[inline]
pub(crate) fn send(fd: c_int, buf: &[u8]) -> Result<usize, c_int> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
    if n < 0 { Err(errno()) } else { Ok(n as usize) }
}

/// `shutdown(SHUT_WR)`: the peer reads EOF after what was sent.
pub(crate) fn shutdown_write(fd: c_int) -> Result<(), c_int> {
    // SAFETY: `shutdown` takes plain integers.
    if unsafe { libc::shutdown(fd, libc::SHUT_WR) } < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

pub(crate) fn epoll_create() -> io::Result<Fd> {
    // SAFETY: `epoll_create1` takes a plain flag.
    check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) }).map(Fd)
}

/// `epoll_ctl(ADD)` of `fd` for `events`, reported with `data`.
#[inline]
pub(crate) fn epoll_add(epoll: c_int, fd: c_int, events: u32, data: u64) -> Result<(), c_int> {
    let mut event = libc::epoll_event { events, u64: data };
    // SAFETY: `event` is a live, writable `struct epoll_event`.
    if unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &raw mut event) } < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `epoll_ctl(DEL)` of `fd`.
#[inline]
pub(crate) fn epoll_del(epoll: c_int, fd: c_int) -> Result<(), c_int> {
    // SAFETY: `EPOLL_CTL_DEL` ignores the event pointer; null is allowed since Linux 2.6.9.
    if unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_DEL, fd, core::ptr::null_mut()) } < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `epoll_wait` into `events` without blocking: how many it filled, or `errno`.
#[inline]
pub(crate) fn epoll_wait(epoll: c_int, events: &mut [libc::epoll_event]) -> Result<usize, c_int> {
    let max = c_int::try_from(events.len()).unwrap_or(c_int::MAX);
    // SAFETY: `events` is valid for writes of `max` (≤ its length) events.
    let n = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), max, 0) };
    if n < 0 { Err(errno()) } else { Ok(n as usize) }
}

/// `RLIMIT_NOFILE`: `(soft, hard)`.
pub(crate) fn nofile_limit() -> io::Result<(u64, u64)> {
    // SAFETY: `rlimit` is plain data; all zeroes is a valid value.
    let mut limit: libc::rlimit = unsafe { core::mem::zeroed() };
    // SAFETY: `limit` is a live, writable `struct rlimit`.
    check(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) })?;
    Ok((limit.rlim_cur, limit.rlim_max))
}

/// Raises the soft `RLIMIT_NOFILE` to `soft` (at most the hard limit).
pub(crate) fn raise_nofile_limit(soft: u64, hard: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `limit` is a live `struct rlimit`.
    check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit) }).map(drop)
}
