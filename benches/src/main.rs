//! `cargo run --release`: checks that the twins of every built-in scenario agree, prints the
//! origin-form count lines, then the comparison table. `--help` lists the options.

use std::io::IsTerminal;
use std::process::ExitCode;

use twinbench::{AnyScenario, RunConfig, Variant};
use twinbench_benches::{builtins, callgrind, find, timing, twinbench_measured_serve};

const HELP: &str = "\
twinbench: what async/await costs against a hand-written poll loop

USAGE:
    cargo run --release [-- OPTIONS]                 check the twins agree, then the table
    cargo run --release -- instructions [OPTIONS]    instruction counts only, under callgrind
    cargo run --release -- scaling [OPTIONS]         echo from 1 to 65,536 connections
    cargo run --release -- criterion-report          report.md + SVG charts from `cargo bench`

OPTIONS:
    --scenario NAME    only this scenario (repeatable); default: all built-in scenarios
    --variant NAME     only this variant (repeatable): manual, async, async-box-arc
    --syscalls         one real system call per I/O call, as in the origin's syscall benchmarks
    --connections N    override every scenario's connection count
    --format FORMAT    text (default), markdown or json
    --runs N           timed runs per sample (default 20; instructions: measured runs, default 3)
    --no-instructions  skip the callgrind column (it needs valgrind, and ~1 minute)
    -h, --help         this text
";

struct Options {
    no_instructions: bool,
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
        no_instructions: false,
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
            "--no-instructions" => options.no_instructions = true,
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
    // Report order, `manual` first: the ratios are to it.
    options.variants.sort();
    options.variants.dedup();
    Ok(options)
}

/// `measure-one SCENARIO VARIANT RUNS plain|syscalls CONNECTIONS|default`: the child process
/// callgrind watches.
fn measure_one(args: &[String]) -> Result<(), String> {
    let [scenario, variant, runs, mode, connections] = args else {
        return Err(
            "usage: measure-one SCENARIO VARIANT RUNS plain|syscalls CONNECTIONS|default"
                .to_owned(),
        );
    };
    let scenario = find(scenario).ok_or_else(|| format!("unknown scenario `{scenario}`"))?;
    let variant: Variant = variant.parse()?;
    let runs: u32 = runs
        .parse()
        .map_err(|_| format!("bad run count `{runs}`"))?;
    let mut config = RunConfig::new(variant).syscalls(mode == "syscalls");
    if connections != "default" {
        let n = connections
            .parse()
            .map_err(|_| format!("bad connection count `{connections}`"))?;
        config = config.connections(n);
    }
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

/// Measured serves per callgrind count, in the table and in `instructions` alike (the README's
/// per-function breakdown uses 3 too).
const INSTRUCTION_RUNS: u32 = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("measure-one") => measure_one(&args[1..]),
        Some("criterion-report") => criterion_report(),
        Some("scaling") => parse(args[1..].to_vec()).and_then(|options| scaling(&options)),
        Some("instructions") => {
            parse(args[1..].to_vec()).and_then(|options| instructions_only(&options))
        }
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
    let target = target_dir()?;
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
    ns_per_request: f64,
    instructions_per_request: Option<f64>,
    allocations_per_request: f64,
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
        let (first_variant, first) = &reports[0];
        for (variant, report) in &reports {
            if report.counts != first.counts || report.outcomes != first.outcomes {
                return Err(format!(
                    "{}: {variant} did different work than {first_variant}",
                    scenario.name()
                ));
            }
            if !report.all_ok() {
                return Err(format!(
                    "{}: {variant}: not every connection ended ok",
                    scenario.name()
                ));
            }
        }
        // The origin's form, for echo (or the one scenario asked for).
        if options.format == Format::Text
            && (scenario.name() == "echo" || options.scenarios.len() == 1)
        {
            for (variant, report) in &reports {
                println!("{variant}: {}", report.counts);
            }
        }
    }
    progress("");

    // 2. Measure: time (in process), allocations, sizes; instructions under callgrind.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let instructions = !options.no_instructions && callgrind::available();
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
            let requests = requests(*scenario, options.connections);
            let ns_per_request =
                timing::ns_per_request(*scenario, &config, 9, options.runs.unwrap_or(20))
                    .map_err(|e| e.to_string())?;
            let allocations = allocations_per_serve(*scenario, &config)?;
            let instructions_per_request = if instructions {
                let runs = INSTRUCTION_RUNS;
                let count = callgrind::instructions(&exe, scenario.name(), &config, runs)?;
                Some(count as f64 / (f64::from(runs) * requests))
            } else {
                None
            };
            rows.push(Row {
                scenario: scenario.name(),
                variant,
                ns_per_request,
                instructions_per_request,
                allocations_per_request: allocations as f64 / requests,
                state_bytes: match variant {
                    Variant::Manual => scenario.machine_size(),
                    _ => scenario.future_size(),
                },
            });
        }
    }
    progress("");
    print_table(&rows, options.format);
    if !instructions && !options.no_instructions && options.format == Format::Text {
        println!("(instructions/request need valgrind: apt-get install valgrind)");
    }
    Ok(())
}

/// Requests one serve handles.
fn requests(scenario: &dyn AnyScenario, connections: Option<usize>) -> f64 {
    let config = scenario.config();
    (connections.unwrap_or(config.connections) * config.requests) as f64
}

/// Heap allocations made by one measured serve, after setup and a warm-up run.
fn allocations_per_serve(scenario: &dyn AnyScenario, config: &RunConfig) -> Result<u64, String> {
    let mut allocations = 0;
    scenario
        .prepare(config, &mut |prepared| {
            prepared.run();
            prepared.reset();
            let before = counting::allocations();
            std::hint::black_box(prepared.serve());
            allocations = counting::allocations() - before;
        })
        .map_err(|e| e.to_string())?;
    Ok(allocations)
}

/// `scaling`: echo from 1 to 65,536 connections, ns/request per variant (in-process timing).
fn scaling(options: &Options) -> Result<(), String> {
    let echo = find("echo").ok_or("no echo scenario")?;
    let mut measured = Vec::new();
    println!("echo: ns/request by connections (median of 9 samples)\n");
    print!("{:>12}", "connections");
    for variant in &options.variants {
        print!("  {:>14}", variant.name());
    }
    println!();
    for connections in twinbench_benches::SCALING_CONNECTIONS {
        print!("{connections:>12}");
        for &variant in &options.variants {
            progress(&format!("{connections} connections, {variant}"));
            let config = RunConfig::new(variant)
                .connections(connections)
                .syscalls(options.syscalls);
            // Keep each sample near a millisecond or more: many runs of few connections.
            let runs = (20 * 256 / connections).clamp(2, 2000) as u32;
            let ns = timing::ns_per_request(echo, &config, 9, runs).map_err(|e| e.to_string())?;
            print!("  {ns:>14.1}");
            measured.push(twinbench_benches::report::Measured {
                group: "echo-scaling".to_owned(),
                function: variant.name().to_owned(),
                value: Some(connections.to_string()),
                mean_ns: ns,
                requests: None,
            });
        }
        progress("");
        println!();
    }
    let out = target_dir()?.join("twinbench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let path = out.join("scaling-quick.svg");
    let chart = twinbench_benches::report::scaling_chart(&measured.iter().collect::<Vec<_>>());
    std::fs::write(&path, chart).map_err(|e| e.to_string())?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// The cargo target directory this binary was built into.
fn target_dir() -> Result<std::path::PathBuf, String> {
    // The binary lives in target/<profile>/.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    exe.parent()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| "cannot locate the target directory".to_owned())
}

fn print_table(rows: &[Row], format: Format) {
    let manual = |row: &Row| {
        rows.iter()
            .find(|r| r.scenario == row.scenario && r.variant == Variant::Manual)
    };
    let ratio = |value: Option<f64>, base: Option<f64>| value.zip(base).map(|(v, b)| v / b);
    if format == Format::Json {
        let items: Vec<String> = rows
            .iter()
            .map(|row| {
                let base = manual(row);
                let json = |v: Option<f64>| v.map_or("null".to_owned(), |v| format!("{v:.3}"));
                format!(
                    "{{\"scenario\":\"{}\",\"variant\":\"{}\",\"ns_per_request\":{:.3},\
                     \"ns_ratio_to_manual\":{},\"instructions_per_request\":{},\
                     \"instructions_ratio_to_manual\":{},\"allocations_per_request\":{:.3},\
                     \"state_bytes\":{}}}",
                    row.scenario,
                    row.variant,
                    row.ns_per_request,
                    json(ratio(
                        Some(row.ns_per_request),
                        base.map(|b| b.ns_per_request)
                    )),
                    json(row.instructions_per_request),
                    json(ratio(
                        row.instructions_per_request,
                        base.and_then(|b| b.instructions_per_request)
                    )),
                    row.allocations_per_request,
                    row.state_bytes
                )
            })
            .collect();
        println!("[\n  {}\n]", items.join(",\n  "));
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
                format!("{:.2}", row.allocations_per_request),
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

/// A global allocator that counts allocations (for the allocs/req column). It adds one relaxed
/// atomic increment per allocation to the timed runs too; only `async-box-arc` allocates there.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Counting;

    static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

    /// Allocations (and reallocations) so far.
    pub fn allocations() -> u64 {
        ALLOCATIONS.load(Ordering::Relaxed)
    }

    // SAFETY: forwards every call to `System` unchanged; only counts.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;
}

/// `instructions`: instructions per request under callgrind, and the ratio to `manual`.
fn instructions_only(options: &Options) -> Result<(), String> {
    if !callgrind::available() {
        return Err("valgrind is not installed (apt-get install valgrind)".to_owned());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let runs = options.runs.unwrap_or(INSTRUCTION_RUNS);
    println!(
        "{:<18} {:<14} {:>12} {:>9} {:>12}",
        "scenario", "variant", "instr/req", "× manual", "overhead"
    );
    for scenario in &options.scenarios {
        let mut manual = None;
        for &variant in &options.variants {
            progress(&format!("{} {variant}", scenario.name()));
            let mut config = RunConfig::new(variant).syscalls(options.syscalls);
            config.connections = options.connections;
            let count = callgrind::instructions(&exe, scenario.name(), &config, runs)?;
            let per_request =
                count as f64 / (f64::from(runs) * requests(*scenario, options.connections));
            if variant == Variant::Manual {
                manual = Some(per_request);
            }
            // Without a `manual` row (it is measured first when selected) there is no ratio.
            let (ratio, overhead) = manual.map_or(("-".to_owned(), "-".to_owned()), |base| {
                (
                    format!("{:.3}", per_request / base),
                    format!("{:+.1}", per_request - base),
                )
            });
            progress("");
            println!(
                "{:<18} {:<14} {:>12.1} {:>9} {:>12}",
                scenario.name(),
                variant.name(),
                per_request,
                ratio,
                overhead
            );
        }
    }
    Ok(())
}
