//! Syscall mode: one real system call per fake I/O call, as in the origin study — a `read` of
//! one byte from an empty non-blocking pipe, which fails with `EAGAIN`. It puts the cost of
//! crossing into the kernel next to every operation, in every variant alike.
//!
//! May import nothing of the crate.

use std::io;

/// An empty pipe whose read end is non-blocking.
pub(crate) struct EmptyPipe {
    read_fd: libc::c_int,
    write_fd: libc::c_int,
}

impl EmptyPipe {
    pub fn new() -> io::Result<Self> {
        let mut fds: [libc::c_int; 2] = [0; 2];
        // SAFETY: `fds` is a valid, writable array of two `c_int`s, as `pipe` requires.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let pipe = EmptyPipe {
            read_fd: fds[0],
            write_fd: fds[1],
        };
        // SAFETY: `read_fd` is an open descriptor owned by `pipe`; F_SETFL takes an int flag.
        if unsafe { libc::fcntl(pipe.read_fd, libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(pipe)
    }

    /// One system call that does nothing but cross into the kernel and back.
    #[inline]
    pub fn call(&self) {
        let mut byte = [0u8; 1];
        // SAFETY: `read_fd` is open for as long as `self` lives, and `byte` is valid for a
        // write of its length.
        let ret = unsafe { libc::read(self.read_fd, byte.as_mut_ptr().cast(), byte.len()) };
        debug_assert_eq!(ret, -1, "the syscall-mode pipe must stay empty");
    }
}

impl Drop for EmptyPipe {
    fn drop(&mut self) {
        // SAFETY: both descriptors were opened by `new`, are owned by `self`, and are closed
        // exactly once, here.
        unsafe {
            libc::close(self.read_fd);
            libc::close(self.write_fd);
        }
    }
}
