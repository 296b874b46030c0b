//! Behaviour of `#[scenario]`'s two twins, driven directly (no runner): each generated machine
//! and async fn serves a scripted connection, and both must make the identical sequence of I/O
//! calls, produce the expected reply, and end the same way. The generated `echo` must also
//! match the hand-written echo call for call.
//!
//! The built-in `echo`, `keepalive`, `framed` and `routed` are the library's own; the
//! scenarios below them exercise the rest of the language. (The script feeds each client's
//! bytes as they come, so `keepalive`'s lock-step client plays no part here.)

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use twinbench::handwritten::HandwrittenEcho;
use twinbench::prelude::*;
use twinbench::{AsyncIo, Config, ConnError, Io, Machine};
use twinbench_scenarios::{echo, framed, keepalive, routed};

// Scenarios that exercise the rest of the language.

const SEMICOLON: &[u8] = b";";

/// `;`-terminated commands until `quit;`: a `loop` with `break`, `continue`, `else if`, a
/// `yield_now`, and a delimiter given by a const.
#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"ab;yield;cd;skip;quit;", expect = b"ab;cd;bye")
)]
pub fn commands() {
    loop {
        let end: usize = read_until(SEMICOLON);
        if &buf[..end] == b"quit;" {
            consume(end);
            break;
        } else if &buf[..end] == b"yield;" {
            yield_now();
        } else if &buf[..end] == b"skip;" {
            consume(end);
            continue;
        } else {
            write(&buf[..end]);
        }
        consume(end);
    }
    write(b"bye");
}

/// Digits out, then three single bytes in: a `for` with a named variable over an inclusive
/// range, a `while` with a wait inside, shadowing, and a loop without a wait (plain Rust).
#[scenario(connections = 2, buffer = 16,
           client(send = |conn: usize| vec![b'x'; 3 + conn], expect = b"0123"))]
pub fn counted() {
    yield_now();
    for i in 0..=3 {
        let digit: u8 = b'0' + i as u8;
        write(&[digit]);
    }
    let mut n: usize = 3;
    while n > 0 {
        read_exact(1);
        consume(1);
        n -= 1;
    }
    let n: u64 = 7;
    let mut sum: u64 = 0;
    for k in 0..n as usize {
        sum += k as u64;
    }
    std::hint::black_box(sum);
}

/// A loop in which some rounds do not wait: the machine needs a control state for its head.
#[scenario(connections = 1, buffer = 8, client(send = b"", expect = b"ee"))]
pub fn spin() {
    let mut left: usize = 3;
    loop {
        if left == 0 {
            break;
        }
        left -= 1;
        if left.is_multiple_of(2) {
            write(b"e");
        }
    }
}

/// Bindings named like the generated code's own fields and locals: hygiene keeps them apart.
#[scenario(
    connections = 1,
    buffer = 16,
    client(send = b"ab\n", expect = b"ab\nab\n")
)]
pub fn hygiene() {
    let state: usize = read_until(b'\n');
    let written: usize = state;
    let io: usize = written;
    let n: usize = io;
    let bytes: usize = n;
    let found: usize = bytes;
    write(&buf[..found]);
    write(&buf[..n]);
}

/// Never reads and never looks at `buf`.
#[scenario(connections = 1, buffer = 4, client(send = b"", expect = b""))]
pub fn idle() {
    yield_now();
}

/// One I/O call as seen by the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    /// A read offered `offered` bytes of room.
    Read {
        offered: usize,
        result: Poll<Result<usize, ConnError>>,
    },
    /// A write offered `bytes`.
    Write {
        bytes: Vec<u8>,
        result: Poll<Result<usize, ConnError>>,
    },
    /// `yield_now()`: `Io::defer` for the machine, `AsyncIo::defer` for the async fn.
    Defer,
}

/// How the scripted connection answers each call.
#[derive(Clone, Copy, Debug)]
enum Schedule {
    /// Every call transfers as much as it can.
    Full,
    /// Every call transfers one byte.
    OneByte,
    /// Every other call would block; the rest transfer as much as they can.
    BlockEveryOther,
    /// Pseudo-random blocking and chunk sizes from a seed.
    Seeded(u64),
}

enum Decision {
    Block,
    Chunk(usize),
}

/// A connection whose answers follow a [`Schedule`]; it records every call.
struct Script {
    input: Vec<u8>,
    read_pos: usize,
    output: Vec<u8>,
    schedule: Schedule,
    calls: usize,
    rng: u64,
    trace: Rc<RefCell<Vec<Op>>>,
}

impl Script {
    fn new(input: &[u8], schedule: Schedule) -> Self {
        let rng = match schedule {
            Schedule::Seeded(seed) => seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            _ => 1,
        };
        Script {
            input: input.to_vec(),
            read_pos: 0,
            output: Vec::new(),
            schedule,
            calls: 0,
            rng,
            trace: Rc::default(),
        }
    }

    /// xorshift64*
    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn decide(&mut self) -> Decision {
        self.calls += 1;
        match self.schedule {
            Schedule::Full => Decision::Chunk(usize::MAX),
            Schedule::OneByte => Decision::Chunk(1),
            Schedule::BlockEveryOther if self.calls % 2 == 1 => Decision::Block,
            Schedule::BlockEveryOther => Decision::Chunk(usize::MAX),
            Schedule::Seeded(_) => match self.next_random() % 8 {
                0 | 1 => Decision::Block,
                2 => Decision::Chunk(usize::MAX),
                r => Decision::Chunk(r as usize - 2),
            },
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> Poll<Result<usize, ConnError>> {
        assert!(!buf.is_empty(), "reads are offered room");
        let result = match self.decide() {
            Decision::Block => Poll::Pending,
            Decision::Chunk(_) if self.read_pos == self.input.len() => {
                Poll::Ready(Err(ConnError::UnexpectedEof))
            }
            Decision::Chunk(max) => {
                let n = max.min(buf.len()).min(self.input.len() - self.read_pos);
                buf[..n].copy_from_slice(&self.input[self.read_pos..self.read_pos + n]);
                self.read_pos += n;
                Poll::Ready(Ok(n))
            }
        };
        self.trace.borrow_mut().push(Op::Read {
            offered: buf.len(),
            result,
        });
        result
    }

    fn write(&mut self, bytes: &[u8]) -> Poll<Result<usize, ConnError>> {
        assert!(!bytes.is_empty(), "writes offer bytes");
        let result = match self.decide() {
            Decision::Block => Poll::Pending,
            Decision::Chunk(max) => {
                let n = max.min(bytes.len());
                self.output.extend_from_slice(&bytes[..n]);
                Poll::Ready(Ok(n))
            }
        };
        self.trace.borrow_mut().push(Op::Write {
            bytes: bytes.to_vec(),
            result,
        });
        result
    }
}

impl Io for Script {
    fn poll_read(&mut self, buf: &mut [u8]) -> Poll<Result<usize, ConnError>> {
        self.read(buf)
    }

    fn poll_write(&mut self, buf: &[u8]) -> Poll<Result<usize, ConnError>> {
        self.write(buf)
    }

    fn defer(&mut self) {
        self.trace.borrow_mut().push(Op::Defer);
    }

    /// A script is one connection: the first.
    fn conn(&self) -> usize {
        0
    }
}

impl AsyncIo for Script {
    fn poll_read(
        &mut self,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<usize, ConnError>> {
        self.read(buf)
    }

    fn poll_write(&mut self, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<Result<usize, ConnError>> {
        self.write(buf)
    }

    fn defer(&mut self, cx: &mut Context<'_>) {
        self.trace.borrow_mut().push(Op::Defer);
        cx.waker().wake_by_ref();
    }

    fn conn(&self) -> usize {
        0
    }
}

/// A waker that remembers being woken: a wake is due only after a deferral, which the script
/// records.
#[derive(Default)]
struct WakeFlag(AtomicBool);

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Resumes/polls this many times at most before calling a twin stalled.
const MAX_POLLS: usize = 100_000;

/// How one twin served one connection.
#[derive(Debug, PartialEq, Eq)]
struct Served {
    result: Result<(), ConnError>,
    output: Vec<u8>,
    trace: Vec<Op>,
}

fn run_machine<S: Scenario>(scenario: &S, input: &[u8], schedule: Schedule) -> Served {
    let mut script = Script::new(input, schedule);
    let mut machine = scenario.machine();
    let result = (0..MAX_POLLS)
        .find_map(|_| match machine.resume(&mut script) {
            Poll::Ready(result) => Some(result),
            Poll::Pending => None,
        })
        .expect("the machine finishes");
    let trace = script.trace.take();
    Served {
        result,
        output: script.output,
        trace,
    }
}

fn run_async<S: Scenario>(scenario: &S, input: &[u8], schedule: Schedule) -> Served {
    let mut script = Script::new(input, schedule);
    let trace = Rc::clone(&script.trace);
    let flag = Arc::new(WakeFlag::default());
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    let result = {
        let mut future = pin!(scenario.serve(&mut script));
        (0..MAX_POLLS)
            .find_map(|_| match future.as_mut().poll(&mut cx) {
                Poll::Ready(result) => Some(result),
                Poll::Pending => {
                    let deferred = trace.borrow().last() == Some(&Op::Defer);
                    assert_eq!(
                        flag.0.swap(false, Ordering::SeqCst),
                        deferred,
                        "a wake while pending exactly after a deferral"
                    );
                    None
                }
            })
            .expect("the async fn finishes")
    };
    let trace = trace.take();
    Served {
        result,
        output: script.output,
        trace,
    }
}

/// Runs both twins on the same input and schedule, asserts they did identical I/O, and
/// returns what they did.
fn twins<S: Scenario>(scenario: &S, input: &[u8], schedule: Schedule) -> Served {
    let machine = run_machine(scenario, input, schedule);
    let future = run_async(scenario, input, schedule);
    assert_eq!(
        machine,
        future,
        "{}: the twins differ under {schedule:?} for input {:?}",
        scenario.name(),
        String::from_utf8_lossy(input),
    );
    machine
}

fn schedules() -> Vec<Schedule> {
    let mut schedules = vec![Schedule::Full, Schedule::OneByte, Schedule::BlockEveryOther];
    schedules.extend((1..=24).map(Schedule::Seeded));
    schedules
}

/// Each connection's client, under every schedule: both twins reply exactly as expected.
fn serves_its_clients<S: Scenario>(scenario: &S) {
    for conn in 0..2 {
        let client = scenario.client(conn);
        for schedule in schedules() {
            let served = twins(scenario, &client.send, schedule);
            assert_eq!(
                served.result,
                Ok(()),
                "{} under {schedule:?}",
                scenario.name()
            );
            assert_eq!(
                String::from_utf8_lossy(&served.output),
                String::from_utf8_lossy(&client.expect),
                "{} under {schedule:?}",
                scenario.name()
            );
        }
    }
}

#[test]
fn echo_twins_serve_their_clients() {
    serves_its_clients(&echo());
}

#[test]
fn keepalive_twins_serve_their_clients() {
    serves_its_clients(&keepalive());
}

#[test]
fn framed_twins_serve_their_clients() {
    serves_its_clients(&framed());
}

#[test]
fn routed_twins_serve_their_clients() {
    serves_its_clients(&routed());
}

#[test]
fn routed_answers_other_requests_with_an_error_line() {
    for schedule in schedules() {
        let served = twins(&routed(), b"HELLO\r\n", schedule);
        assert_eq!(served.result, Ok(()));
        assert_eq!(served.output, b"-ERR unknown\r\n");
    }
}

#[test]
fn control_flow_twins_serve_their_clients() {
    serves_its_clients(&commands());
    serves_its_clients(&counted());
    serves_its_clients(&spin());
    serves_its_clients(&hygiene());
    serves_its_clients(&idle());
}

#[test]
fn yield_now_defers_in_both_twins() {
    let served = twins(&commands(), &commands().client(0).send, Schedule::Full);
    assert_eq!(
        served.trace.iter().filter(|op| **op == Op::Defer).count(),
        1
    );
    // `counted` starts with a yield: its machine starts in a `Start` state that defers.
    let served = twins(&counted(), b"xyz", Schedule::Full);
    assert_eq!(served.trace.first(), Some(&Op::Defer));
}

#[test]
fn generated_echo_matches_the_handwritten_echo() {
    let inputs: [&[u8]; 4] = [b"hello world\n", b"hello", b"hi\nextra", &[b'a'; 200]];
    for input in inputs {
        for schedule in schedules() {
            let generated = twins(&echo(), input, schedule);
            assert_eq!(
                generated,
                run_machine(&HandwrittenEcho, input, schedule),
                "machine, {schedule:?}"
            );
            assert_eq!(
                generated,
                run_async(&HandwrittenEcho, input, schedule),
                "async, {schedule:?}"
            );
        }
    }
}

#[test]
fn pipelined_requests_are_served_from_the_buffer() {
    // All four requests arrive in the first read: no twin reads again.
    let served = twins(&keepalive(), b"a\nbb\nccc\ndddd\n", Schedule::Full);
    let reads = served
        .trace
        .iter()
        .filter(|op| matches!(op, Op::Read { .. }))
        .count();
    assert_eq!(reads, 1, "{:?}", served.trace);
    assert_eq!(served.output, b"a\nbb\nccc\ndddd\n");
}

#[test]
fn a_partial_request_ends_in_unexpected_eof() {
    for schedule in schedules() {
        let served = twins(&echo(), b"hello", schedule);
        assert_eq!(served.result, Err(ConnError::UnexpectedEof));
        assert!(served.output.is_empty());
        let served = twins(&framed(), b"\0\0\0\x09short", schedule);
        assert_eq!(served.result, Err(ConnError::UnexpectedEof));
    }
}

#[test]
fn a_request_larger_than_the_buffer_is_refused() {
    for schedule in schedules() {
        let served = twins(&echo(), &[b'a'; 200], schedule);
        assert_eq!(served.result, Err(ConnError::RequestTooLarge));
        // framed: a 300-byte body does not fit in 256 bytes.
        let mut request = 300u32.to_be_bytes().to_vec();
        request.extend([b'x'; 300]);
        let served = twins(&framed(), &request, schedule);
        assert_eq!(served.result, Err(ConnError::RequestTooLarge));
    }
}

#[test]
fn scenario_values_describe_themselves() {
    let echo = echo();
    assert_eq!(echo.name(), "echo");
    assert_eq!(
        echo.config(),
        Config {
            connections: 256,
            buffer: 128,
            requests: 1
        }
    );
    assert_eq!(&*echo.client(7).send, b"hello world\n");
    assert_eq!(
        keepalive().config(),
        Config {
            connections: 64,
            buffer: 128,
            requests: 4
        }
    );
    assert_eq!(routed().config().buffer, 64);
    // A client given as a function of the connection index.
    assert_eq!(&*counted().client(0).send, b"xxx");
    assert_eq!(&*counted().client(2).send, b"xxxxx");
}
