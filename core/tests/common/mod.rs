//! A line-echo connection shared by tests: reads a line, writes back `reply(line)`, in both
//! twins alike, with an `N`-byte buffer.

use core::task::{Poll, ready};

use twinbench::{AsyncIo, ConnError, Io, Machine, RecvBuf};

/// What a connection answers to its request line (the scenario's own code).
pub type Reply = fn(&[u8]) -> &[u8];

/// The poll-loop twin.
pub struct LineMachine<const N: usize> {
    reply: Reply,
    buf: RecvBuf<N>,
    end: Option<usize>,
    written: usize,
}

impl<const N: usize> LineMachine<N> {
    pub fn new(reply: Reply) -> Self {
        LineMachine {
            reply,
            buf: RecvBuf::new(),
            end: None,
            written: 0,
        }
    }
}

impl<const N: usize> Machine for LineMachine<N> {
    fn resume<C: Io>(&mut self, io: &mut C) -> Poll<Result<(), ConnError>> {
        let end = loop {
            if let Some(end) = self.end {
                break end;
            }
            match self.buf.find(b"\n") {
                Some(end) => self.end = Some(end),
                None => {
                    let n = ready!(io.poll_read(self.buf.spare_mut()?))?;
                    self.buf.filled_by(n);
                }
            }
        };
        let bytes = (self.reply)(&self.buf.filled()[..end]);
        while self.written < bytes.len() {
            self.written += ready!(io.poll_write(&bytes[self.written..]))?;
        }
        Poll::Ready(Ok(()))
    }
}

/// The async twin.
pub async fn serve_line<const N: usize, C: AsyncIo>(
    io: &mut C,
    reply: Reply,
) -> Result<(), ConnError> {
    let mut buf = RecvBuf::<N>::new();
    let end = loop {
        if let Some(end) = buf.find(b"\n") {
            break end;
        }
        let n = io.read(buf.spare_mut()?).await?;
        buf.filled_by(n);
    };
    let bytes = reply(&buf.filled()[..end]);
    let mut written = 0;
    while written < bytes.len() {
        written += io.write(&bytes[written..]).await?;
    }
    Ok(())
}
