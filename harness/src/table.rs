//! The comparison table: one row per scenario × variant, as text, Markdown or JSON.

use twinbench::Variant;

use crate::cli::Format;

/// One row of the table.
pub(crate) struct Row {
    pub scenario: &'static str,
    pub variant: Variant,
    pub ns_per_request: f64,
    pub instructions_per_request: Option<f64>,
    pub allocations_per_request: Option<f64>,
    pub state_bytes: usize,
}

pub(crate) fn print_table(rows: &[Row], format: Format) {
    let manual = |row: &Row| {
        rows.iter()
            .find(|r| r.scenario == row.scenario && r.variant == Variant::Manual)
    };
    let ratio = |value: Option<f64>, base: Option<f64>| value.zip(base).map(|(v, b)| v / b);
    if format == Format::Json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                let base = manual(row);
                serde_json::json!({
                    "scenario": row.scenario,
                    "variant": row.variant.name(),
                    "ns_per_request": row.ns_per_request,
                    "ns_ratio_to_manual":
                        ratio(Some(row.ns_per_request), base.map(|b| b.ns_per_request)),
                    "instructions_per_request": row.instructions_per_request,
                    "instructions_ratio_to_manual": ratio(
                        row.instructions_per_request,
                        base.and_then(|b| b.instructions_per_request)
                    ),
                    "allocations_per_request": row.allocations_per_request,
                    "state_bytes": row.state_bytes,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&items).expect("plain values serialise");
        println!("{text}");
        return;
    }
    let header = [
        "scenario",
        "variant",
        "ns/req",
        "× manual",
        "overhead ns/req",
        "instr/req",
        "× manual",
        "overhead instr/req",
        "state bytes",
        "allocs/req",
    ];
    let dash = || "-".to_owned();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let base = manual(row);
            let ns_base = base.map(|b| b.ns_per_request);
            let instr = row.instructions_per_request;
            let instr_base = base.and_then(|b| b.instructions_per_request);
            vec![
                row.scenario.to_owned(),
                row.variant.name().to_owned(),
                format!("{:.1}", row.ns_per_request),
                ratio(Some(row.ns_per_request), ns_base).map_or_else(dash, |r| format!("{r:.2}")),
                ns_base.map_or_else(dash, |b| format!("{:+.1}", row.ns_per_request - b)),
                instr.map_or_else(dash, |v| format!("{v:.1}")),
                ratio(instr, instr_base).map_or_else(dash, |r| format!("{r:.2}")),
                instr
                    .zip(instr_base)
                    .map_or_else(dash, |(v, b)| format!("{:+.1}", v - b)),
                row.state_bytes.to_string(),
                row.allocations_per_request
                    .map_or_else(dash, |a| format!("{a:.2}")),
            ]
        })
        .collect();
    if format == Format::Markdown {
        println!("| {} |", header.join(" | "));
        println!("|---|---|{}", "---:|".repeat(header.len() - 2));
        for c in &cells {
            println!("| {} |", c.join(" | "));
        }
        return;
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[&str]| {
        c.iter()
            .enumerate()
            .map(|(i, s)| {
                if i < 2 {
                    format!("{s:<w$}", w = widths[i])
                } else {
                    format!("{s:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!();
    println!("{}", line(&header));
    for c in &cells {
        println!(
            "{}",
            line(&c.iter().map(String::as_str).collect::<Vec<_>>())
        );
    }
}
