//! The comparison table: one row per scenario × variant, as text (grouped headers, within 100
//! columns), Markdown or JSON. Markdown and JSON carry the same fields; the text table shows
//! the ones a reader compares at a glance.

use serde_json::{Value, json};
use twinbench::Variant;

use crate::cli::Format;
use crate::timing::Estimate;

/// One row of the table.
pub(crate) struct Row {
    pub scenario: &'static str,
    pub variant: Variant,
    pub connections: usize,
    /// Paired samples behind the times, and serves per sample.
    pub samples: usize,
    pub runs_per_sample: u32,
    /// Thread CPU time per request over the samples (the table's clock).
    pub cpu_ns: Estimate,
    /// Wall time per request over the samples.
    pub wall_ns: Estimate,
    /// Per-sample ratio to `manual`, CPU and wall clock; `None` for `manual` itself or when no
    /// `manual` row was measured.
    pub cpu_ratio: Option<Estimate>,
    pub wall_ratio: Option<Estimate>,
    /// Instructions per request, or why there are none.
    pub instructions: Result<f64, &'static str>,
    pub state_bytes: usize,
    /// Allocations per request, or why they are not counted.
    pub allocations: Result<f64, &'static str>,
    /// Peak heap of a whole run (setup included), bytes, or why it is not counted.
    pub peak_heap: Result<usize, &'static str>,
}

/// How and where the table was measured.
pub(crate) struct Meta {
    pub syscalls: bool,
    pub io: &'static str,
    /// `--limit`, if given.
    pub connection_limit: Option<usize>,
}

impl Meta {
    fn json(&self) -> Value {
        json!({
            "twinbench_version": env!("CARGO_PKG_VERSION"),
            "rustc": env!("TWINBENCH_RUSTC_VERSION"),
            "cpu": cpu_model(),
            "cores": std::thread::available_parallelism().map_or(1, usize::from),
            "kernel": kernel(),
            "syscalls": self.syscalls,
            "io": self.io,
            "connection_limit": self.connection_limit,
            "clock": "thread CPU time (CLOCK_THREAD_CPUTIME_ID); wall time beside it",
            "interval": "distribution-free 95% confidence interval for the median of the per-sample ratios",
        })
    }
}

/// The CPU's model name, from `/proc/cpuinfo`.
pub(crate) fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map(|(_, name)| name.trim().to_owned())
}

/// The kernel's release, from `/proc/sys/kernel/osrelease`.
pub(crate) fn kernel() -> Option<String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    Some(format!("Linux {}", text.trim()))
}

impl Row {
    fn manual<'r>(&self, rows: &'r [Row]) -> Option<&'r Row> {
        rows.iter()
            .find(|r| r.scenario == self.scenario && r.variant == Variant::Manual)
    }

    fn instruction_ratio(&self, rows: &[Row]) -> Option<f64> {
        let base = self.manual(rows)?.instructions.ok()?;
        Some(self.instructions.ok()? / base)
    }

    fn instruction_overhead(&self, rows: &[Row]) -> Option<f64> {
        let base = self.manual(rows)?.instructions.ok()?;
        Some(self.instructions.ok()? - base)
    }

    fn json(&self, rows: &[Row]) -> Value {
        // `manual`'s ratio to itself is exactly 1, not unavailable.
        let one = Estimate {
            median: 1.0,
            low: 1.0,
            high: 1.0,
        };
        let estimate = |e: Option<Estimate>| {
            let e = if self.variant == Variant::Manual {
                Some(one)
            } else {
                e
            };
            e.map(|e| {
                json!({
                    "median": e.median, "low": e.low, "high": e.high,
                    "distinct_from_manual": e.excludes(1.0),
                })
            })
        };
        let ratio_reason = (self.variant != Variant::Manual && self.cpu_ratio.is_none())
            .then_some("no manual row was measured");
        let mut unavailable = serde_json::Map::new();
        if let Err(why) = self.instructions {
            unavailable.insert("instructions".into(), why.into());
        }
        if let Err(why) = self.allocations {
            unavailable.insert("allocations".into(), why.into());
            unavailable.insert("peak_heap_bytes".into(), why.into());
        }
        if let Some(why) = ratio_reason {
            unavailable.insert("ratios".into(), why.into());
        }
        json!({
            "scenario": self.scenario,
            "variant": self.variant.name(),
            "connections": self.connections,
            "samples": self.samples,
            "runs_per_sample": self.runs_per_sample,
            "cpu_ns_per_request": self.cpu_ns.median,
            "wall_ns_per_request": self.wall_ns.median,
            "cpu_ratio_to_manual": estimate(self.cpu_ratio),
            "wall_ratio_to_manual": estimate(self.wall_ratio),
            "cpu_overhead_ns_per_request": self.manual(rows).map(|m| self.cpu_ns.median - m.cpu_ns.median),
            "instructions_per_request": self.instructions.ok(),
            "instructions_ratio_to_manual": self.instruction_ratio(rows),
            "instructions_overhead_per_request": self.instruction_overhead(rows),
            "state_bytes": self.state_bytes,
            "allocations_per_request": self.allocations.ok(),
            "peak_heap_bytes": self.peak_heap.ok(),
            "unavailable": unavailable,
        })
    }
}

/// A ratio and its interval: `1.38 (1.31–1.45)`, or `≈1.00 (0.97–1.04)` when the interval
/// holds 1 and the variant cannot be told from `manual` in this run.
fn ratio_cell(ratio: Option<Estimate>, variant: Variant) -> String {
    match ratio {
        None if variant == Variant::Manual => "1".to_owned(),
        None => "-".to_owned(),
        Some(e) if !e.excludes(1.0) => format!("≈{:.2} ({:.2}–{:.2})", e.median, e.low, e.high),
        Some(e) => format!("{:.2} ({:.2}–{:.2})", e.median, e.low, e.high),
    }
}

/// A byte count, short: `168`, `16K`, `4.2M` (binary units).
fn bytes(n: usize) -> String {
    match n {
        0..1024 => n.to_string(),
        1024..0x10_0000 => format!("{:.0}K", n as f64 / 1024.0),
        _ if n < 10 << 20 => format!("{:.1}M", n as f64 / f64::from(1 << 20)),
        _ if n < 1 << 30 => format!("{:.0}M", n as f64 / f64::from(1 << 20)),
        _ => format!("{:.1}G", n as f64 / f64::from(1 << 30)),
    }
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

fn signed(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:+.1}"))
}

pub(crate) fn print_table(rows: &[Row], format: Format, meta: &Meta) {
    match format {
        Format::Json => {
            let document = json!({
                "meta": meta.json(),
                "rows": rows.iter().map(|row| row.json(rows)).collect::<Vec<_>>(),
            });
            let text = serde_json::to_string_pretty(&document).expect("plain values serialise");
            println!("{text}");
        }
        Format::Markdown => print_markdown(rows),
        Format::Text => print_text(rows),
    }
}

fn print_markdown(rows: &[Row]) {
    println!(
        "| scenario | variant | CPU ns/req | × manual (95% CI) | wall ns/req | wall × manual (95% CI) \
         | instr/req | instr × manual | instr overhead | state bytes | allocs/req | peak heap |"
    );
    println!("|---|---|{}", "---:|".repeat(10));
    for row in rows {
        println!(
            "| {} | {} | {:.1} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            row.variant,
            row.cpu_ns.median,
            ratio_cell(row.cpu_ratio, row.variant),
            row.wall_ns.median,
            ratio_cell(row.wall_ratio, row.variant),
            number(row.instructions.ok(), 1),
            number(row.instruction_ratio(rows), 2),
            signed(row.instruction_overhead(rows)),
            row.state_bytes,
            number(row.allocations.ok(), 2),
            row.peak_heap.map_or_else(|_| "-".to_owned(), bytes),
        );
    }
}

fn print_text(rows: &[Row]) {
    let header = [
        "scenario", "variant", "ns/req", "ratio", "95% CI", "instr", "ratio", "extra", "state",
        "allocs", "peak",
    ];
    // Column groups: (title, first column, last column).
    let groups = [
        ("CPU time per request", 2, 4),
        ("instructions/request", 5, 7),
        ("memory", 8, 10),
    ];
    let interval =
        |e: Option<Estimate>| e.map_or_else(String::new, |e| format!("{:.2}–{:.2}", e.low, e.high));
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let ratio = match row.cpu_ratio {
                None if row.variant == Variant::Manual => "1".to_owned(),
                None => "-".to_owned(),
                Some(e) if !e.excludes(1.0) => format!("≈{:.2}", e.median),
                Some(e) => format!("{:.2}", e.median),
            };
            vec![
                row.scenario.to_owned(),
                row.variant.name().to_owned(),
                format!("{:.1}", row.cpu_ns.median),
                ratio,
                interval(row.cpu_ratio),
                number(row.instructions.ok(), 1),
                number(row.instruction_ratio(rows), 2),
                signed(row.instruction_overhead(rows)),
                bytes(row.state_bytes),
                number(row.allocations.ok(), 2),
                row.peak_heap.map_or_else(|_| "-".to_owned(), bytes),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    const GAP: &str = "  ";
    const SEPARATOR: &str = " │ ";
    let span = |widths: &[usize], first: usize, last: usize| {
        widths[first..=last].iter().sum::<usize>() + GAP.len() * (last - first)
    };
    // A group's title must fit over its columns: widen its last column when it does not.
    for &(title, first, last) in &groups {
        let room = span(&widths, first, last);
        if title.chars().count() > room {
            widths[last] += title.chars().count() - room;
        }
    }
    let before = |i: usize| {
        if groups.iter().any(|&(_, first, _)| first == i) {
            SEPARATOR
        } else if i == 0 {
            ""
        } else {
            GAP
        }
    };
    let line = |c: &[&str]| -> String {
        c.iter()
            .enumerate()
            .map(|(i, s)| {
                let w = widths[i];
                if i < 2 {
                    format!("{}{s:<w$}", before(i))
                } else {
                    format!("{}{s:>w$}", before(i))
                }
            })
            .collect()
    };
    let mut titles = format!("{:w$}", "", w = widths[0] + GAP.len() + widths[1]);
    for &(title, first, last) in &groups {
        let room = span(&widths, first, last);
        titles.push_str(SEPARATOR);
        titles.push_str(&format!("{title:^room$}"));
    }
    println!();
    println!("{}", titles.trim_end());
    println!("{}", line(&header));
    let mut previous = "";
    for (row, c) in rows.iter().zip(&cells) {
        if !previous.is_empty() && previous != row.scenario {
            println!();
        }
        previous = row.scenario;
        println!(
            "{}",
            line(&c.iter().map(String::as_str).collect::<Vec<_>>())
        );
    }
    if let Some(row) = rows.first() {
        println!(
            "\nratio: × manual, the median of per-sample ratios of thread CPU time ({} paired \
             samples),\nwith its 95% CI; ≈: the interval holds 1, so this run cannot tell that \
             variant from manual.\nextra: instructions over manual's (callgrind: deterministic). \
             state: one connection's;\nallocs: per request in a measured serve; peak: the \
             heap of a whole run, setup included.",
            row.samples
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(median: f64) -> Estimate {
        Estimate {
            median,
            low: median * 0.9,
            high: median * 1.1,
        }
    }

    fn row(variant: Variant, ns: f64) -> Row {
        Row {
            scenario: "echo",
            variant,
            connections: 256,
            samples: 41,
            runs_per_sample: 10,
            cpu_ns: estimate(ns),
            wall_ns: estimate(ns),
            cpu_ratio: (variant != Variant::Manual).then(|| estimate(ns / 40.0)),
            wall_ratio: (variant != Variant::Manual).then(|| estimate(ns / 40.0)),
            instructions: Err("valgrind is not installed"),
            state_bytes: 168,
            allocations: Ok(0.0),
            peak_heap: Ok(50_000),
        }
    }

    /// The fields the README's JSON table documents for `section` (`meta` or `row`).
    fn documented(section: &str) -> Vec<String> {
        let readme = include_str!("../../README.md");
        readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                (cells.len() > 3 && cells[2] == section)
                    .then(|| cells[1].trim_matches('`').to_owned())
            })
            .collect()
    }

    #[test]
    fn the_json_carries_exactly_the_fields_the_readme_documents() {
        let rows = [row(Variant::Manual, 40.0), row(Variant::Async, 55.0)];
        let meta = Meta {
            syscalls: false,
            io: "fake",
            connection_limit: None,
        };
        let document = json!({
            "meta": meta.json(),
            "rows": rows.iter().map(|r| r.json(&rows)).collect::<Vec<_>>(),
        });
        let keys = |value: &Value| -> Vec<String> {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(keys(&document["meta"]), sorted(documented("meta")));
        for row in document["rows"].as_array().unwrap() {
            assert_eq!(keys(row), sorted(documented("row")));
        }
        // A null says why: instructions are unavailable here, and the manual row has no ratio.
        let async_row = &document["rows"][1];
        assert!(async_row["instructions_per_request"].is_null());
        assert_eq!(
            async_row["unavailable"]["instructions"],
            "valgrind is not installed"
        );
        assert_eq!(
            async_row["cpu_ratio_to_manual"]["distinct_from_manual"],
            true
        );
        assert_eq!(document["rows"][0]["cpu_ratio_to_manual"]["median"], 1.0);
    }
}
