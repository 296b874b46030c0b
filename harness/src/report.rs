//! The criterion report: reads `target/criterion/**/new/{benchmark,estimates}.json` and writes
//! `target/twinbench/report.md`, `ratios.svg` (each variant's time as a multiple of `manual`,
//! per scenario) and, for each scaling sweep that ran, `<scenario>-scaling.svg` (ns/request
//! against connections).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
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
    /// criterion's 95% confidence interval for the mean, ns per iteration.
    pub mean_interval_ns: (f64, f64),
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
        mean_interval_ns: (
            estimates["mean"]["confidence_interval"]["lower_bound"].as_f64()?,
            estimates["mean"]["confidence_interval"]["upper_bound"].as_f64()?,
        ),
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
    save("ratios.svg", ratio_chart(&ratios)?)?;
    let mut sweeps: Vec<&str> = measured
        .iter()
        .filter_map(|m| m.group.strip_suffix("-scaling"))
        .collect();
    sweeps.dedup();
    for scenario in sweeps {
        let group = format!("{scenario}-scaling");
        let sweep: Vec<&Measured> = measured.iter().filter(|m| m.group == group).collect();
        save(&format!("{group}.svg"), scaling_chart(scenario, &sweep)?)?;
    }
    Ok(written)
}

/// A variant's time as a multiple of `manual`'s, with an interval from the two means'
/// confidence intervals (the ratio of the far ends: conservative, the two are independent).
#[derive(Clone, Debug)]
struct Ratio {
    function: String,
    ratio: f64,
    low: f64,
    high: f64,
}

/// Per group (without parameters): each function's time as a multiple of `manual`'s.
fn ratios(measured: &[Measured]) -> BTreeMap<String, Vec<Ratio>> {
    let mut by_group: BTreeMap<String, Vec<Ratio>> = BTreeMap::new();
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
        let mut row: Vec<Ratio> = in_group
            .iter()
            .map(|m| Ratio {
                function: m.function.clone(),
                ratio: m.mean_ns / manual.mean_ns,
                low: m.mean_interval_ns.0 / manual.mean_interval_ns.1,
                high: m.mean_interval_ns.1 / manual.mean_interval_ns.0,
            })
            .collect();
        row.sort_by_key(|r| variant_rank(&r.function));
        by_group.insert(group.clone(), row);
    }
    by_group
}

/// Report order: the variants as `Variant::ALL` lists them, then the controls, then the rest.
fn variant_rank(function: &str) -> (usize, String) {
    let order: Vec<&str> = twinbench::Variant::ALL
        .iter()
        .map(|v| v.name())
        .chain(["handwritten-manual", "handwritten-async"])
        .collect();
    (
        order
            .iter()
            .position(|o| *o == function)
            .unwrap_or(order.len()),
        function.to_owned(),
    )
}

fn markdown(measured: &[Measured], ratios: &BTreeMap<String, Vec<Ratio>>) -> String {
    let mut md = String::from(
        "# twinbench criterion report\n\nMean time per request, and the ratio to `manual` in \
         the same run (its interval from the two means' 95% confidence intervals).\n\n",
    );
    md.push_str(
        "| group | variant | ns/request | × manual | interval |\n|---|---|---:|---:|---:|\n",
    );
    for (group, row) in ratios {
        for r in row {
            let m = measured
                .iter()
                .find(|m| &m.group == group && m.function == r.function && m.value.is_none());
            let ns = m.map_or(f64::NAN, Measured::ns_per_request);
            let _ = writeln!(
                md,
                "| {group} | {} | {ns:.1} | {:.2} | {:.2}–{:.2} |",
                r.function, r.ratio, r.low, r.high
            );
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

/// One colour per variant, in report order.
fn color(function: &str) -> RGBColor {
    // Seven variants, then the two hand-written controls, then the rest (the last colour).
    const COLORS: [RGBColor; 10] = [
        RGBColor(0x4c, 0x72, 0xb0),
        RGBColor(0xdd, 0x84, 0x52),
        RGBColor(0xc4, 0x4e, 0x52),
        RGBColor(0x55, 0xa8, 0x68),
        RGBColor(0x81, 0x72, 0xb3),
        RGBColor(0x93, 0x78, 0x60),
        RGBColor(0xda, 0x8b, 0xc3),
        RGBColor(0xcc, 0xb9, 0x74),
        RGBColor(0x64, 0xb5, 0xcd),
        RGBColor(0x8c, 0x8c, 0x8c),
    ];
    COLORS[variant_rank(function).0.min(COLORS.len() - 1)]
}

fn chart_error(error: impl std::fmt::Display) -> String {
    format!("drawing a chart: {error}")
}

/// Horizontal bars: one block per group, one bar per variant, its interval as a whisker, and
/// a dashed line at 1 (manual).
fn ratio_chart(ratios: &BTreeMap<String, Vec<Ratio>>) -> Result<String, String> {
    let bars: Vec<(&str, &Ratio)> = ratios
        .iter()
        .flat_map(|(group, row)| row.iter().map(move |r| (group.as_str(), r)))
        .collect();
    let gaps = ratios.len().saturating_sub(1);
    let slots = bars.len() + gaps;
    let max = bars
        .iter()
        .map(|(_, r)| r.high.max(r.ratio))
        .fold(1.0_f64, f64::max);
    let x_max = (max * 1.15).ceil().max(2.0);
    let longest = bars
        .iter()
        .map(|(g, r)| g.len() + r.function.len() + 1)
        .max()
        .unwrap_or(10);
    let height = 90 + 18 * slots as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (820, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Time per request as a multiple of manual (criterion mean, 95% interval)",
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size((longest as u32 * 7 + 16).max(120))
            .build_cartesian_2d(0.0..x_max, 0.0..slots as f64)
            .map_err(chart_error)?;
        // One label per bar, top to bottom in report order.
        let mut labels = Vec::new();
        let mut slot = 0usize;
        let mut previous = "";
        for (group, r) in &bars {
            if !previous.is_empty() && previous != *group {
                slot += 1;
            }
            previous = group;
            labels.push((slots - 1 - slot, format!("{group} {}", r.function)));
            slot += 1;
        }
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("× manual")
            .x_labels(x_max as usize + 1)
            .x_label_formatter(&|x| format!("{x:.0}×"))
            .y_labels(slots * 2 + 1)
            .y_label_formatter(&|y| {
                let index = (*y - 0.5).round();
                if ((*y - 0.5) - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                labels
                    .iter()
                    .find(|(slot, _)| *slot as f64 == index)
                    .map_or_else(String::new, |(_, label)| label.clone())
            })
            .draw()
            .map_err(chart_error)?;
        for ((_, r), (slot, _)) in bars.iter().zip(&labels) {
            let y = *slot as f64;
            let c = color(&r.function);
            chart
                .draw_series([Rectangle::new(
                    [(0.0, y + 0.15), (r.ratio, y + 0.85)],
                    c.filled(),
                )])
                .map_err(chart_error)?;
            chart
                .draw_series([ErrorBar::new_horizontal(
                    y + 0.5,
                    r.low,
                    r.ratio,
                    r.high,
                    BLACK.stroke_width(1),
                    6,
                )])
                .map_err(chart_error)?;
            chart
                .draw_series([Text::new(
                    format!("{:.2}×", r.ratio),
                    (r.high.max(r.ratio) + x_max * 0.01, y + 0.8),
                    ("sans-serif", 11),
                )])
                .map_err(chart_error)?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(1.0, 0.0), (1.0, slots as f64)],
                5,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// `scenario`'s ns/request against connections (log scale), one line with point markers per
/// variant, in report order.
pub fn scaling_chart(scenario: &str, sweep: &[&Measured]) -> Result<String, String> {
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
    let x_max = points.iter().map(|p| p.1).fold(1.0_f64, f64::max) * 2.0;
    let y_max = nice_ceiling(points.iter().map(|p| p.2).fold(1.0_f64, f64::max) * 1.1);
    let mut functions: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
    functions.sort_by_key(|f| variant_rank(f));
    functions.dedup();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{scenario}: time per request against connections"),
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0.5..x_max).log_scale(), 0.0..y_max)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc("connections (log scale)")
            .y_desc("ns per request")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(chart_error)?;
        for function in &functions {
            let c = color(function);
            let line: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.0 == *function)
                .map(|p| (p.1, p.2))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))
                .map_err(chart_error)?
                .label(*function)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2)));
            chart
                .draw_series(line.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map_err(chart_error)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// The next round number (1, 2 or 5 times a power of ten) at or above `value`.
fn nice_ceiling(value: f64) -> f64 {
    let power = 10_f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|&nice| nice >= value)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(173.0), 200.0);
        assert_eq!(nice_ceiling(49.0), 50.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }
}
