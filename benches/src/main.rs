//! `cargo run --release`: checks that the twins of every built-in scenario agree, prints the
//! origin-form count lines, then the comparison table. `--help` lists the options.

use std::io::IsTerminal;
use std::process::ExitCode;

use twinbench::{AnyScenario, RunConfig, Variant};
use twinbench_benches::{builtins, callgrind, find, timing, twinbench_measured_serve};

const HELP: &str = "\
twinbench: what async/await costs against a hand-written poll loop

USAGE:
    cargo run --release [-- OPTIONS]
    cargo run --release -- instructions [OPTIONS]    instruction counts under callgrind
    cargo run --release -- criterion-report          report.md + SVG charts from `cargo bench`

OPTIONS:
    --scenario NAME    only this scenario (repeatable); default: all built-in scenarios
    --variant NAME     only this variant (repeatable): manual, async, async-box-arc
    --syscalls         one real system call per I/O call, as in the origin's syscall benchmarks
    --connections N    override every scenario's connection count
    --format FORMAT    text (default), markdown or json
    --runs N           timed runs per sample (default 20; instructions: measured runs, default 3)
    -h, --help         this text
";

struct Options {
    instructions: bool,
    scenarios: Vec<&'static dyn AnyScenario>,
    variants: Vec<Variant>,
    syscalls: bool,
    connections: Option<usize>,
    format: Format,
    runs: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Json,
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut options = Options {
        instructions: false,
        scenarios: Vec::new(),
        variants: Vec::new(),
        syscalls: false,
        connections: None,
        format: Format::Text,
        runs: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "instructions" => options.instructions = true,
            "--scenario" => {
                let name = value("--scenario")?;
                let names: Vec<_> = builtins().iter().map(|s| s.name()).collect();
                let scenario = find(&name).ok_or_else(|| {
                    format!(
                        "unknown scenario `{name}`; expected one of {}",
                        names.join(", ")
                    )
                })?;
                options.scenarios.push(scenario);
            }
            "--variant" => options.variants.push(value("--variant")?.parse()?),
            "--syscalls" => options.syscalls = true,
            "--connections" => {
                let n = value("--connections")?;
                options.connections = Some(
                    n.parse()
                        .map_err(|_| format!("--connections takes a number, not `{n}`"))?,
                );
            }
            "--format" => {
                options.format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "markdown" => Format::Markdown,
                    "json" => Format::Json,
                    other => {
                        return Err(format!(
                            "unknown format `{other}`; expected text, markdown or json"
                        ));
                    }
                }
            }
            "--runs" => {
                let n = value("--runs")?;
                options.runs = Some(
                    n.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("--runs takes a positive number, not `{n}`"))?,
                );
            }
            other => return Err(format!("unknown argument `{other}`; see --help")),
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios = builtins();
    }
    if options.variants.is_empty() {
        options.variants = Variant::ALL.to_vec();
    }
    Ok(options)
}

/// `measure-one SCENARIO VARIANT RUNS plain|syscalls`: the child process callgrind watches.
fn measure_one(args: &[String]) -> Result<(), String> {
    let [scenario, variant, runs, mode] = args else {
        return Err("usage: measure-one SCENARIO VARIANT RUNS plain|syscalls".to_owned());
    };
    let scenario = find(scenario).ok_or_else(|| format!("unknown scenario `{scenario}`"))?;
    let variant: Variant = variant.parse()?;
    let runs: u32 = runs
        .parse()
        .map_err(|_| format!("bad run count `{runs}`"))?;
    let config = RunConfig::new(variant).syscalls(mode == "syscalls");
    scenario
        .prepare(&config, &mut |prepared| {
            prepared.run(); // warm-up, outside the collected function
            for _ in 0..runs {
                prepared.reset();
                std::hint::black_box(twinbench_measured_serve(prepared));
            }
        })
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("measure-one") => measure_one(&args[1..]),
        Some("criterion-report") => criterion_report(),
        _ => parse(args).and_then(|options| report(&options)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("twinbench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `criterion-report`: target/criterion → target/twinbench/{report.md, ratios.svg, scaling.svg}.
fn criterion_report() -> Result<(), String> {
    // The binary lives in target/<profile>/; criterion writes to target/criterion.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let target = exe
        .parent()
        .and_then(|p| p.parent())
        .ok_or("cannot locate the target directory")?;
    let measured = twinbench_benches::report::read(&target.join("criterion"))?;
    if measured.is_empty() {
        return Err("no criterion results found; run `cargo bench` first".to_owned());
    }
    for path in twinbench_benches::report::write(&measured, &target.join("twinbench"))? {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// One row of the table.
struct Row {
    scenario: &'static str,
    variant: Variant,
    ns_per_request: Option<f64>,
    instructions_per_request: Option<f64>,
    state_bytes: usize,
}

/// A progress line on stderr, overwritten in place; only when stderr is a terminal.
fn progress(line: &str) {
    if std::io::stderr().is_terminal() {
        eprint!("\r{line:<60}\r");
    }
}

fn report(options: &Options) -> Result<(), String> {
    let config_for = |variant: Variant| {
        let mut config = RunConfig::new(variant).syscalls(options.syscalls);
        config.connections = options.connections;
        config
    };

    // 1. The twins agree: same counts and outcomes in every variant, on the origin's network
    //    (the full differential check over many networks is `cargo test`).
    for scenario in &options.scenarios {
        progress(&format!("checking {}", scenario.name()));
        let reports = options
            .variants
            .iter()
            .map(|&variant| scenario.run(&config_for(variant)).map(|r| (variant, r)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: {e}", scenario.name()))?;
        let (_, first) = &reports[0];
        for (variant, report) in &reports {
            if report.counts != first.counts || report.outcomes != first.outcomes {
                return Err(format!(
                    "{}: {variant} did different work than {}",
                    scenario.name(),
                    reports[0].0
                ));
            }
            if !report.all_ok() {
                return Err(format!(
                    "{}: {variant}: not every connection ended ok",
                    scenario.name()
                ));
            }
        }
        if scenario.name() == "echo" || options.scenarios.len() == 1 {
            if options.format == Format::Text {
                println!("{}:", scenario.name());
            }
            for (variant, report) in &reports {
                if options.format == Format::Text {
                    println!("{variant}: {}", report.counts);
                }
            }
        }
    }
    progress("");

    // 2. Measure.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let valgrind = options.instructions && callgrind::available();
    if options.instructions && !valgrind {
        return Err("valgrind is not installed (apt-get install valgrind)".to_owned());
    }
    let mut rows = Vec::new();
    let total = options.scenarios.len() * options.variants.len();
    for scenario in &options.scenarios {
        for &variant in &options.variants {
            progress(&format!(
                "[{:>3}/{total}] {} {variant}",
                rows.len() + 1,
                scenario.name()
            ));
            let config = config_for(variant);
            let connections = options.connections.unwrap_or(scenario.config().connections);
            let requests = (connections * scenario.config().requests) as f64;
            let (ns_per_request, instructions_per_request) = if options.instructions {
                let runs = options.runs.unwrap_or(3);
                let count = callgrind::instructions(
                    &exe,
                    scenario.name(),
                    variant,
                    options.syscalls,
                    runs,
                )?;
                (None, Some(count as f64 / (f64::from(runs) * requests)))
            } else {
                let ns = timing::ns_per_request(*scenario, &config, 9, options.runs.unwrap_or(20))
                    .map_err(|e| e.to_string())?;
                (Some(ns), None)
            };
            let state_bytes = match variant {
                Variant::Manual => scenario.machine_size(),
                _ => scenario.future_size(),
            };
            rows.push(Row {
                scenario: scenario.name(),
                variant,
                ns_per_request,
                instructions_per_request,
                state_bytes,
            });
        }
    }
    progress("");
    print_table(&rows, options.format);
    Ok(())
}

fn print_table(rows: &[Row], format: Format) {
    let manual = |row: &Row| {
        rows.iter()
            .find(|r| r.scenario == row.scenario && r.variant == Variant::Manual)
    };
    let metric = |row: &Row| row.ns_per_request.or(row.instructions_per_request);
    let unit = if rows.first().is_some_and(|r| r.ns_per_request.is_some()) {
        "ns/req"
    } else {
        "instr/req"
    };
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            let value = metric(row);
            let base = manual(row).and_then(metric);
            let ratio = value.zip(base).map(|(v, b)| v / b);
            let overhead = value.zip(base).map(|(v, b)| v - b);
            [
                row.scenario.to_owned(),
                row.variant.name().to_owned(),
                value.map_or("-".into(), |v| format!("{v:.1}")),
                ratio.map_or("-".into(), |r| format!("{r:.2}")),
                overhead.map_or("-".into(), |o| format!("{o:+.1}")),
                row.state_bytes.to_string(),
            ]
        })
        .collect();
    let header = [
        "scenario",
        "variant",
        unit,
        "× manual",
        &format!("overhead {unit}"),
        "state bytes",
    ];
    match format {
        Format::Json => {
            let items: Vec<String> = rows
                .iter()
                .zip(&cells)
                .map(|(row, c)| {
                    format!(
                        "{{\"scenario\":\"{}\",\"variant\":\"{}\",\"{}\":{},\"ratio_to_manual\":{},\"state_bytes\":{}}}",
                        row.scenario,
                        row.variant,
                        unit.replace('/', "_per_"),
                        metric(row).map_or("null".into(), |v| format!("{v:.3}")),
                        if c[3] == "-" { "null".to_owned() } else { c[3].clone() },
                        row.state_bytes
                    )
                })
                .collect();
            println!("[\n  {}\n]", items.join(",\n  "));
        }
        Format::Markdown => {
            println!("| {} |", header.join(" | "));
            println!("|{}", "---|".repeat(header.len()));
            for c in &cells {
                println!("| {} |", c.join(" | "));
            }
        }
        Format::Text => {
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
    }
}
