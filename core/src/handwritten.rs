//! The control: the origin study's echo workload (read a line, write it back), written by hand
//! in both styles against this core.
//!
//! It validates the core without the macro, and it is the yardstick the macro's output is held
//! to: `#[scenario] echo` must produce exactly this trace, at the same cost in instructions.
//!
//! May import what a scenario may: [`conn`](crate::conn) and [`scenario`](mod@crate::scenario).

use core::task::{Poll, ready};

use crate::conn::{AsyncIo, ConnError, Io, RecvBuf};
use crate::scenario::{Client, Config, Machine, Scenario};

/// Connections per run, as in the origin's large configuration.
pub const CONNECTIONS: usize = 256;
/// Receive buffer per connection, as in the origin.
pub const BUFFER: usize = 128;
const LINE: &[u8] = b"hello world\n";

/// The hand-written echo scenario: one line in, the same line back.
#[derive(Clone, Copy, Debug, Default)]
pub struct HandwrittenEcho;

/// Poll-loop echo, as a person writes it: the state to resume in, the buffer, and what lives
/// across a wait.
pub struct EchoMachine {
    state: EchoState,
    buf: RecvBuf<BUFFER>,
    /// End of the request line (just past `\n`), known once it is read.
    end: usize,
    /// Reply bytes written so far.
    written: usize,
}

/// Where an [`EchoMachine`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EchoState {
    /// Reading until the buffer holds a `\n`.
    ReadRequest,
    /// Writing the line back.
    WriteReply,
}

impl Machine for EchoMachine {
    fn resume<C: Io>(&mut self, io: &mut C) -> Poll<Result<(), ConnError>> {
        loop {
            match self.state {
                EchoState::ReadRequest => match self.buf.find_resuming(b"\n") {
                    Some(end) => {
                        self.end = end;
                        self.state = EchoState::WriteReply;
                    }
                    None => {
                        let n = ready!(io.poll_read(self.buf.spare_mut()?))?;
                        self.buf.filled_by(n);
                    }
                },
                EchoState::WriteReply => {
                    let reply = &self.buf.filled()[..self.end];
                    while self.written < reply.len() {
                        self.written += ready!(io.poll_write(&reply[self.written..]))?;
                    }
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }
}

impl HandwrittenEcho {
    /// Async echo, as a person writes it.
    pub async fn serve_conn<C: AsyncIo>(io: &mut C) -> Result<(), ConnError> {
        let mut buf = RecvBuf::<BUFFER>::new();
        let end = loop {
            if let Some(end) = buf.find_resuming(b"\n") {
                break end;
            }
            let n = io.read(buf.spare_mut()?).await?;
            buf.filled_by(n);
        };
        let reply = &buf.filled()[..end];
        let mut written = 0;
        while written < reply.len() {
            written += io.write(&reply[written..]).await?;
        }
        Ok(())
    }
}

impl Scenario for HandwrittenEcho {
    type Machine = EchoMachine;

    fn name(&self) -> &'static str {
        "handwritten-echo"
    }

    fn config(&self) -> Config {
        Config {
            connections: CONNECTIONS,
            buffer: BUFFER,
            requests: 1,
        }
    }

    fn client(&self, _conn: usize) -> Client {
        Client::fixed(LINE, LINE)
    }

    fn machine(&self) -> EchoMachine {
        EchoMachine {
            state: EchoState::ReadRequest,
            buf: RecvBuf::new(),
            end: 0,
            written: 0,
        }
    }

    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        Self::serve_conn(io)
    }
}
