//! The harness's command line as a user meets it: bad names list what exists, an option a
//! subcommand cannot honour is refused, and a scenario whose twins disagree is left out of the
//! table (with the first diverging operation) while the others are still measured.

use twinbench::handwritten::HandwrittenEcho;
use twinbench::{AsyncIo, Client, Config, ConnError, Scenario};
use twinbench_harness::Harness;

/// Echo whose async twin skips the reply's final newline: twins that disagree.
struct BrokenEcho;

impl Scenario for BrokenEcho {
    type Machine = <HandwrittenEcho as Scenario>::Machine;

    fn name(&self) -> &'static str {
        "broken-echo"
    }
    fn config(&self) -> Config {
        HandwrittenEcho.config()
    }
    fn client(&self, conn: usize) -> Client {
        HandwrittenEcho.client(conn)
    }
    fn machine(&self) -> Self::Machine {
        HandwrittenEcho.machine()
    }
    async fn serve<'a, C: AsyncIo + 'a>(&'a self, io: &'a mut C) -> Result<(), ConnError> {
        let mut buf = twinbench::RecvBuf::<128>::new();
        let end = loop {
            if let Some(end) = buf.find(b"\n") {
                break end;
            }
            let n = io.read(buf.spare_mut()?).await?;
            buf.filled_by(n);
        };
        let reply = &buf.filled()[..end - 1];
        let mut written = 0;
        while written < reply.len() {
            written += io.write(&reply[written..]).await?;
        }
        Ok(())
    }
}

fn harness() -> Harness<'static> {
    let scenarios: [&'static dyn twinbench::AnyScenario; 2] = [&HandwrittenEcho, &BrokenEcho];
    Harness::new(scenarios, twinbench_harness::build_info!())
}

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn unknown_names_list_what_exists() {
    let error = harness().run(args("--scenario kv")).unwrap_err();
    assert_eq!(
        error,
        "unknown scenario `kv`; expected one of handwritten-echo, broken-echo"
    );
    let error = harness().run(args("--variant fast")).unwrap_err();
    assert!(
        error.contains("manual, async, async-box, async-box-arc, async-tokio"),
        "{error}"
    );
}

#[test]
fn an_option_a_subcommand_cannot_honour_is_an_error() {
    let error = harness().run(args("scaling --format json")).unwrap_err();
    assert_eq!(error, "--format does not apply to `scaling`; see --help");
    let error = harness().run(args("instructions --sweep 1,2")).unwrap_err();
    assert_eq!(
        error,
        "--sweep does not apply to `instructions`; see --help"
    );
    let error = harness()
        .run(args("criterion-report --runs 3"))
        .unwrap_err();
    assert!(error.contains("takes no options"), "{error}");
    let error = harness().run(args("scaling --sweep 1,x")).unwrap_err();
    assert!(error.contains("not `x`"), "{error}");
}

#[test]
fn twins_that_disagree_are_left_out_and_named() {
    let error = harness()
        .run(args("--no-instructions --runs 1 --connections 8"))
        .unwrap_err();
    // Only the broken scenario is named: the hand-written echo was measured.
    assert_eq!(
        error,
        "left out of the table, their twins disagree: broken-echo"
    );
    // With the good scenario alone, the table is printed and the run succeeds.
    harness()
        .run(args(
            "--no-instructions --runs 1 --connections 8 --scenario handwritten-echo",
        ))
        .unwrap();
}
