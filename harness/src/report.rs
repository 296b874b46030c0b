//! The criterion report: reads `target/criterion/**/new/{benchmark,estimates}.json` and writes
//! `target/twinbench/report.md`, `ratios.svg` (each variant's time as a multiple of `manual`,
//! per scenario) and, for each scaling sweep that ran, `<scenario>-scaling.svg` (ns/request
//! against connections).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One benchmark criterion measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Criterion group (a scenario, `echo+syscalls`, `echo-scaling`).
    pub group: String,
    /// Benchmark id within the group (a variant).
    pub function: String,
    /// Parameter (connections, for the scaling sweep).
    pub value: Option<String>,
    /// Mean time per iteration, ns.
    pub mean_ns: f64,
    /// Requests per iteration.
    pub requests: Option<u64>,
}

impl Measured {
    /// Mean ns per request (per iteration when the throughput is unknown).
    pub fn ns_per_request(&self) -> f64 {
        self.mean_ns / self.requests.unwrap_or(1) as f64
    }
}

/// Every `new/` measurement under `criterion_dir`, sorted by group, function, value.
pub fn read(criterion_dir: &Path) -> Result<Vec<Measured>, String> {
    let mut found = Vec::new();
    collect(criterion_dir, &mut found).map_err(|e| {
        format!(
            "cannot read {}: {e}; run `cargo bench` first",
            criterion_dir.display()
        )
    })?;
    found.sort_by(|a: &Measured, b| {
        (
            &a.group,
            &a.function,
            a.value.as_ref().and_then(|v| v.parse::<u64>().ok()),
        )
            .cmp(&(
                &b.group,
                &b.function,
                b.value.as_ref().and_then(|v| v.parse::<u64>().ok()),
            ))
    });
    Ok(found)
}

fn collect(dir: &Path, found: &mut Vec<Measured>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some(measured) = parse(&path) {
                found.push(measured);
            }
        } else if path
            .file_name()
            .is_some_and(|n| n != "report" && n != "base" && n != "change")
        {
            collect(&path, found)?;
        }
    }
    Ok(())
}

fn parse(new_dir: &Path) -> Option<Measured> {
    let read = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(new_dir.join(name)).ok()?).ok()
    };
    let benchmark = read("benchmark.json")?;
    let estimates = read("estimates.json")?;
    Some(Measured {
        group: benchmark["group_id"].as_str()?.to_owned(),
        function: benchmark["function_id"]
            .as_str()
            .or(benchmark["value_str"].as_str())?
            .to_owned(),
        value: benchmark["function_id"]
            .as_str()
            .and(benchmark["value_str"].as_str())
            .map(str::to_owned),
        mean_ns: estimates["mean"]["point_estimate"].as_f64()?,
        requests: benchmark["throughput"]["Elements"].as_u64(),
    })
}

/// Writes the Markdown report and the charts into `out_dir`; returns the files written.
pub fn write(measured: &[Measured], out_dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out_dir).map_err(|e| e.to_string())?;
    let mut written = Vec::new();
    let mut save = |name: &str, text: String| -> Result<(), String> {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(())
    };
    let ratios = ratios(measured);
    save("report.md", markdown(measured, &ratios))?;
    save("ratios.svg", ratio_chart(&ratios))?;
    let mut sweeps: Vec<&str> = measured
        .iter()
        .filter_map(|m| m.group.strip_suffix("-scaling"))
        .collect();
    sweeps.dedup();
    for scenario in sweeps {
        let group = format!("{scenario}-scaling");
        let sweep: Vec<&Measured> = measured.iter().filter(|m| m.group == group).collect();
        save(&format!("{group}.svg"), scaling_chart(scenario, &sweep))?;
    }
    Ok(written)
}

/// Per group (without parameters): each function's time as a multiple of `manual`'s.
fn ratios(measured: &[Measured]) -> BTreeMap<String, Vec<(String, f64)>> {
    let mut by_group: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for group in measured
        .iter()
        .filter(|m| m.value.is_none())
        .map(|m| &m.group)
    {
        if by_group.contains_key(group) {
            continue;
        }
        let in_group: Vec<&Measured> = measured
            .iter()
            .filter(|m| &m.group == group && m.value.is_none())
            .collect();
        let Some(manual) = in_group.iter().find(|m| m.function == "manual") else {
            continue;
        };
        let mut row: Vec<(String, f64)> = in_group
            .iter()
            .map(|m| (m.function.clone(), m.mean_ns / manual.mean_ns))
            .collect();
        row.sort_by_key(|(function, _)| variant_rank(function));
        by_group.insert(group.clone(), row);
    }
    by_group
}

fn variant_rank(function: &str) -> (usize, String) {
    let order = [
        "manual",
        "async",
        "async-box-arc",
        "handwritten-manual",
        "handwritten-async",
    ];
    (
        order
            .iter()
            .position(|o| *o == function)
            .unwrap_or(order.len()),
        function.to_owned(),
    )
}

fn markdown(measured: &[Measured], ratios: &BTreeMap<String, Vec<(String, f64)>>) -> String {
    let mut md = String::from(
        "# twinbench criterion report\n\nMean time per request, and the ratio to `manual` in the same run.\n\n",
    );
    md.push_str("| group | variant | ns/request | × manual |\n|---|---|---:|---:|\n");
    for (group, row) in ratios {
        for (function, ratio) in row {
            let m = measured
                .iter()
                .find(|m| &m.group == group && &m.function == function && m.value.is_none());
            let ns = m.map_or(f64::NAN, Measured::ns_per_request);
            let _ = writeln!(md, "| {group} | {function} | {ns:.1} | {ratio:.2} |");
        }
    }
    let sweep: Vec<&Measured> = measured.iter().filter(|m| m.value.is_some()).collect();
    if !sweep.is_empty() {
        md.push_str(
            "\n## Scaling\n\n| group | variant | connections | ns/request |\n|---|---|---:|---:|\n",
        );
        for m in sweep {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.1} |",
                m.group,
                m.function,
                m.value.as_deref().unwrap_or(""),
                m.ns_per_request()
            );
        }
    }
    md.push_str("\nCharts: `ratios.svg`, `<scenario>-scaling.svg` (when a sweep ran).\n");
    md
}

const COLORS: [&str; 5] = ["#4c72b0", "#dd8452", "#c44e52", "#8172b3", "#937860"];

fn color(function: &str) -> &'static str {
    COLORS[variant_rank(function).0.min(COLORS.len() - 1)]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Horizontal grouped bars: one block per group, one bar per variant, a line at 1.0 (manual).
fn ratio_chart(ratios: &BTreeMap<String, Vec<(String, f64)>>) -> String {
    // Room for the longest group name in bold 12 px (about 7.5 px a character).
    let longest = ratios.keys().map(|g| g.chars().count()).max().unwrap_or(0);
    let label_w = (longest as f64 * 7.5 + 24.0).max(120.0);
    let (bar_h, gap, plot_w) = (16.0, 14.0, 520.0);
    let max = ratios
        .values()
        .flatten()
        .map(|(_, r)| *r)
        .fold(1.0_f64, f64::max)
        .ceil()
        .max(2.0);
    let x = |ratio: f64| label_w + ratio / max * plot_w;
    let rows: usize = ratios.values().map(Vec::len).sum();
    let height = 60.0 + rows as f64 * bar_h + ratios.len() as f64 * gap + 40.0;
    let width = label_w + plot_w + 120.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{label_w}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Time per request as a multiple of manual (criterion mean)</text>\n"
    );
    let mut y = 44.0;
    for tick in 0..=(max as u32) {
        let tx = x(f64::from(tick));
        let _ = write!(
            svg,
            "<line x1=\"{tx}\" y1=\"{y}\" x2=\"{tx}\" y2=\"{}\" stroke=\"#ddd\"/>\n<text x=\"{tx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{tick}×</text>\n",
            height - 34.0,
            height - 20.0
        );
    }
    for (group, row) in ratios {
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>",
            label_w - 8.0,
            y + bar_h - 3.0,
            escape(group)
        );
        for (function, ratio) in row {
            let _ = write!(
                svg,
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"/>\n<text x=\"{:.1}\" y=\"{}\" fill=\"#222\">{} {ratio:.2}×</text>\n",
                x(*ratio) - label_w,
                bar_h - 3.0,
                color(function),
                x(*ratio) + 4.0,
                y + bar_h - 5.0,
                escape(function)
            );
            y += bar_h;
        }
        y += gap;
    }
    let one = x(1.0);
    let _ = writeln!(
        svg,
        "<line x1=\"{one}\" y1=\"40\" x2=\"{one}\" y2=\"{}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n</svg>",
        height - 34.0
    );
    svg
}

/// `scenario`'s ns/request against connections (log scale), one line per variant.
pub fn scaling_chart(scenario: &str, sweep: &[&Measured]) -> String {
    let (left, top, plot_w, plot_h) = (70.0, 40.0, 520.0, 300.0);
    let points: Vec<(String, f64, f64)> = sweep
        .iter()
        .filter_map(|m| {
            Some((
                m.function.clone(),
                m.value.as_ref()?.parse::<f64>().ok()?,
                m.ns_per_request(),
            ))
        })
        .collect();
    let max_x = points
        .iter()
        .map(|p| p.1)
        .fold(1.0_f64, f64::max)
        .log10()
        .max(1.0);
    let max_y = points.iter().map(|p| p.2).fold(1.0_f64, f64::max) * 1.1;
    let px = |c: f64| left + c.log10() / max_x * plot_w;
    let py = |ns: f64| top + plot_h - ns / max_y * plot_h;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}: ns per request against connections</text>\n\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/>\n",
        left + plot_w + 150.0,
        top + plot_h + 60.0,
        escape(scenario),
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    let mut connections: Vec<f64> = points.iter().map(|p| p.1).collect();
    connections.sort_by(f64::total_cmp);
    connections.dedup();
    for c in &connections {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{c}</text>",
            px(*c),
            top + plot_h + 18.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">connections (log scale)</text>",
        left + plot_w / 2.0,
        top + plot_h + 40.0
    );
    for i in 0..=4 {
        let ns = max_y * f64::from(i) / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{ns:.0}</text>",
            left - 6.0,
            py(ns) + 4.0
        );
    }
    let mut functions: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
    functions.sort_by_key(|f| variant_rank(f));
    functions.dedup();
    for (i, function) in functions.iter().enumerate() {
        let line: Vec<String> = points
            .iter()
            .filter(|p| p.0 == *function)
            .map(|p| format!("{:.1},{:.1}", px(p.1), py(p.2)))
            .collect();
        let c = color(function);
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
            line.join(" ")
        );
        let ly = top + 10.0 + i as f64 * 18.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{c}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            left + plot_w + 16.0,
            ly - 10.0,
            left + plot_w + 32.0,
            ly,
            escape(function)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
