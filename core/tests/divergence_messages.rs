//! A divergence says which twin did what: both variants' outcomes, and for a bad reply the
//! expected and actual bytes around the first difference, escaped.

mod common;

use common::{LineMachine, Reply, serve_line};
use twinbench::check::Differential;
use twinbench::{AsyncIo, Client, Config, ConnError, NetModel, Scenario};

/// Echo whose machine answers with `manual` and whose async fn answers with `async_fn`.
struct Twins {
    manual: Reply,
    async_fn: Reply,
}

fn echo(line: &[u8]) -> &[u8] {
    line
}

fn shout(line: &[u8]) -> &[u8] {
    if line == b"hello world\n" {
        b"hello WORLD\n"
    } else {
        line
    }
}

impl Scenario for Twins {
    type Machine = LineMachine<64>;
    fn name(&self) -> &'static str {
        "twins"
    }
    fn config(&self) -> Config {
        Config {
            connections: 2,
            buffer: 64,
            requests: 1,
        }
    }
    fn client(&self, _: usize) -> Client {
        Client::fixed(b"hello world\n", b"hello world\n")
    }
    fn machine(&self) -> LineMachine<64> {
        LineMachine::new(self.manual)
    }
    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        serve_line::<64, C>(io, self.async_fn)
    }
}

#[test]
fn a_twin_divergence_names_both_outcomes_and_the_wrong_bytes() {
    let scenario = Twins {
        manual: echo,
        async_fn: shout,
    };
    let message = Differential::new(&scenario)
        .allow_failures()
        .check(NetModel::Seed)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "scenario `twins` on network seed: connection 0: the twins disagree: manual ended `ok`, \
         async ended `bad reply`; async's reply byte 6 differs: expected \"hello world\\n\", \
         got \"hello WORLD\\n\" (from byte 0)",
        "{message}"
    );
}

#[test]
fn a_bad_reply_in_both_twins_shows_expected_and_actual_bytes() {
    let scenario = Twins {
        manual: shout,
        async_fn: shout,
    };
    let message = Differential::new(&scenario)
        .check(NetModel::Seed)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("connection 0 ended `bad reply` in manual, expected ok: reply byte 6")
            && message.contains(r#"expected "hello world\n", got "hello WORLD\n""#),
        "{message}"
    );
}
