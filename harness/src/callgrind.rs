//! Deterministic instruction counts: run one scenario × variant in a child process under
//! `valgrind --tool=callgrind`, collecting only inside
//! [`twinbench_measured_serve`] — the measured serve, without setup or reset — and read the
//! total from callgrind's output file. The child is the running binary itself (its hidden
//! `measure-one` subcommand), so a user's own `main!` binary counts its own scenarios.

use std::path::Path;
use std::process::{Command, Stdio};

use twinbench::{RunConfig, Transport};

/// The function callgrind collects in (`--toggle-collect`): one measured `serve`, nothing of
/// the setup or the reset around it.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn twinbench_measured_serve(run: &mut dyn twinbench::Run) -> twinbench::RunEnd {
    run.serve()
}

/// Whether `valgrind` can be run.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Instructions executed by `runs` measured serves of `scenario` under `config` (its variant,
/// syscall mode, I/O, connection count and limit), counted by callgrind running `exe measure-one …`: `exe`
/// is a binary whose `main` is a [`Harness`](crate::Harness) that knows `scenario`.
pub fn instructions(
    exe: &Path,
    scenario: &str,
    config: &RunConfig,
    runs: u32,
) -> Result<u64, String> {
    let variant = config.variant;
    let mode = match config.io {
        _ if config.syscalls => "syscalls",
        Transport::Fake => "plain",
        io => io.name(),
    };
    let connections = config
        .connections
        .map_or_else(|| "default".to_owned(), |n| n.to_string());
    let limit = config
        .connection_limit
        .map_or_else(|| "none".to_owned(), |n| n.to_string());
    let out = std::env::temp_dir().join(format!(
        "twinbench-callgrind-{}-{scenario}-{variant}-{}.out",
        std::process::id(),
        mode
    ));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--toggle-collect=twinbench_measured_serve")
        .arg(exe)
        .args(["measure-one", scenario, variant.name(), &runs.to_string()])
        .arg(mode)
        .arg(connections)
        .arg(limit)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run valgrind: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "valgrind failed for {scenario}/{variant}: {}",
            String::from_utf8_lossy(&status.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("no callgrind output: {e}"))?;
    let _ = std::fs::remove_file(&out);
    total(&text).ok_or_else(|| "callgrind output has no totals line".to_owned())
}

/// The `totals:` (or `summary:`) line of a callgrind output file.
fn total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_totals_line() {
        let text = "events: Ir\nfn=(1) main\n0 5\nsummary: 1234\ntotals: 1234\n";
        assert_eq!(super::total(text), Some(1234));
        assert_eq!(super::total("events: Ir\n"), None);
    }
}
