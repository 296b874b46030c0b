//! The command line: options, subcommands, and what each of them prints. `--help` lists them.

use std::io::IsTerminal;

use twinbench::{AnyScenario, NetModel, Report, RunConfig, Transport, Variant};

use crate::table::{Meta, Row, print_table};
use crate::{BuildInfo, callgrind, report, timing};

const HELP: &str = "\
twinbench: what async/await costs against a hand-written poll loop

USAGE:
    cargo run --release [-- OPTIONS]                 check the twins agree, then the table
    cargo run --release -- instructions [OPTIONS]    instruction counts only, under callgrind
    cargo run --release -- scaling [OPTIONS]         ns/request from 1 to 65,536 connections
    cargo run --release -- criterion-report          report.md + SVG charts from `cargo bench`

OPTIONS (the table; `instructions` and `scaling` take those marked):
    --scenario NAME    only this scenario (repeatable); default: all    [instructions, scaling]
                       (scaling: the first scenario, unless named)
    --variant NAME     only this variant (repeatable): manual, async, async-box,
                       async-box-arc, async-tokio, async-smol, async-futures
                                                                      [instructions, scaling]
    --syscalls         one real system call per I/O call, as in the origin's syscall benchmarks
                                                                      [instructions, scaling]
    --io IO            the I/O under the twins: fake (default), kernel (TCP over loopback,
                       epoll) or kernel-unix (AF_UNIX stream sockets, epoll)
                                                                      [instructions, scaling]
    --connections N    override every scenario's connection count     [instructions]
    --limit N          at most N connections live at once: both twins stop accepting at N
                       and recycle a closed connection's slot (default: no limit)
                                                                      [instructions, scaling]
    --sweep N,N,...    scaling: the connection counts to sweep (up to 1,048,576); it also
                       prints each variant's peak heap                [scaling only]
    --format FORMAT    text (default), markdown or json
    --runs N           serves per variant per timed sample (default: calibrated to ~2 ms);
                       instructions: measured serves per count (default 3)
                                                                      [instructions]
    --no-instructions  skip the callgrind column (it needs valgrind, and ~1 minute)
    -h, --help         this text
";

/// Measured serves per callgrind count, in the table and in `instructions` alike.
const INSTRUCTION_RUNS: u32 = 3;

/// The connection counts `scaling` sweeps by default.
const SCALING_CONNECTIONS: [usize; 5] = [1, 16, 256, 4_096, 65_536];

/// Connections of the traced check before the table: enough to exercise every connection's
/// code; each connection's network is independent of the others'.
const CHECK_CONNECTIONS: usize = 1024;

/// The check's runs are under twinbench's watchdog: a scenario whose code never returns from a
/// resume ends the process (status 3) with a message naming scenario, variant and connection,
/// rather than hanging `cargo run`.
const CHECK_WATCHDOG: std::time::Duration = std::time::Duration::from_secs(60);

/// Output format of the table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Command {
    Table,
    Instructions,
    Scaling,
    /// Hidden: one process's share of the table's timing, as JSON (see [`timed`]).
    TimeSamples,
}

struct Options<'a> {
    no_instructions: bool,
    scenarios: Vec<&'a dyn AnyScenario>,
    variants: Vec<Variant>,
    syscalls: bool,
    io: Transport,
    connections: Option<usize>,
    limit: Option<usize>,
    sweep: Option<Vec<usize>>,
    format: Format,
    runs: Option<u32>,
}

/// Runs one command line (without the program name).
pub(crate) fn run(
    scenarios: &[&dyn AnyScenario],
    build: &BuildInfo,
    args: Vec<String>,
    reexec: bool,
) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return Ok(());
    }
    if scenarios.is_empty() {
        return Err("no scenarios to run: pass at least one to the harness".to_owned());
    }
    let (command, rest) = match args.first().map(String::as_str) {
        // The child process callgrind watches: no warning, no output but the measurement.
        Some("measure-one") => return measure_one(scenarios, &args[1..]),
        Some("criterion-report") => {
            if let Some(extra) = args.get(1) {
                return Err(format!("criterion-report takes no options, not `{extra}`"));
            }
            return criterion_report();
        }
        Some("instructions") => (Command::Instructions, &args[1..]),
        Some("scaling") => (Command::Scaling, &args[1..]),
        Some("time-samples") => {
            let options = parse(scenarios, Command::TimeSamples, args[1..].to_vec())?;
            return time_samples(&options);
        }
        _ => (Command::Table, &args[..]),
    };
    let options = parse(scenarios, command, rest.to_vec())?;
    if let Some(warning) = build.warning() {
        eprintln!("twinbench: warning: {warning}");
    }
    match command {
        Command::Table => table(&options, reexec),
        Command::Instructions => instructions_only(&options),
        Command::Scaling => scaling(&options),
        Command::TimeSamples => unreachable!("time-samples returns above"),
    }
}

fn find<'a>(scenarios: &[&'a dyn AnyScenario], name: &str) -> Result<&'a dyn AnyScenario, String> {
    scenarios
        .iter()
        .copied()
        .find(|s| s.name() == name)
        .ok_or_else(|| {
            let names: Vec<_> = scenarios.iter().map(|s| s.name()).collect();
            format!(
                "unknown scenario `{name}`; expected one of {}",
                names.join(", ")
            )
        })
}

fn parse<'a>(
    scenarios: &[&'a dyn AnyScenario],
    command: Command,
    args: Vec<String>,
) -> Result<Options<'a>, String> {
    use Command::{Instructions, Scaling, Table, TimeSamples};
    let mut options = Options {
        no_instructions: false,
        scenarios: Vec::new(),
        variants: Vec::new(),
        syscalls: false,
        io: Transport::Fake,
        connections: None,
        limit: None,
        sweep: None,
        format: Format::Text,
        runs: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // An option a subcommand cannot honour is an error, never silently ignored.
        let takes: &[Command] = match arg.as_str() {
            "--scenario" | "--variant" | "--syscalls" | "--io" | "--limit" => {
                &[Table, Instructions, Scaling, TimeSamples]
            }
            "--connections" | "--runs" => &[Table, Instructions, TimeSamples],
            "--format" | "--no-instructions" => &[Table],
            "--sweep" => &[Scaling],
            other => return Err(format!("unknown argument `{other}`; see --help")),
        };
        if !takes.contains(&command) {
            let name = match command {
                Table => "the table",
                Instructions => "`instructions`",
                Scaling => "`scaling`",
                TimeSamples => "`time-samples`",
            };
            return Err(format!("{arg} does not apply to {name}; see --help"));
        }
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--no-instructions" => options.no_instructions = true,
            "--scenario" => options
                .scenarios
                .push(find(scenarios, &value("--scenario")?)?),
            "--variant" => options.variants.push(value("--variant")?.parse()?),
            "--syscalls" => options.syscalls = true,
            "--io" => options.io = value("--io")?.parse()?,
            "--connections" => options.connections = Some(count(&value("--connections")?)?),
            "--limit" => options.limit = Some(count(&value("--limit")?)?),
            "--sweep" => {
                let list = value("--sweep")?;
                let counts = list.split(',').map(count).collect::<Result<Vec<_>, _>>()?;
                options.sweep = Some(counts);
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
            _ => unreachable!("every option was matched above"),
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios = match command {
            Scaling => scenarios[..1].to_vec(),
            _ => scenarios.to_vec(),
        };
    }
    if options.variants.is_empty() {
        options.variants = Variant::compiled().collect();
    }
    // A variant asked for by name but not in this build: say so before measuring anything
    // (the run would refuse it anyway, and under callgrind that reads as a valgrind failure).
    if let Some(&variant) = options.variants.iter().find(|v| !v.is_compiled()) {
        let feature = variant.feature().unwrap_or("?");
        return Err(format!(
            "variant `{variant}` is not compiled in: enable the `{feature}` feature of \
             twinbench-harness (it is on by default) or of twinbench"
        ));
    }
    // Report order, `manual` first: the ratios are to it.
    options.variants.sort();
    options.variants.dedup();
    Ok(options)
}

/// A positive connection count.
fn count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("a connection count is a positive number, not `{text}`"))
}

/// A progress line on stderr: overwritten in place on a terminal, one plain line otherwise
/// (so a piped run is not silent). An empty line clears it.
fn progress(line: &str) {
    if std::io::stderr().is_terminal() {
        eprint!("\r{line:<60}\r");
    } else if !line.is_empty() {
        eprintln!("twinbench: {line}");
    }
}

/// One run configuration per selected variant, in report order.
fn configs(options: &Options<'_>) -> Vec<RunConfig> {
    options
        .variants
        .iter()
        .map(|&variant| config(options, variant))
        .collect()
}

fn config(options: &Options<'_>, variant: Variant) -> RunConfig {
    let mut config = RunConfig::new(variant)
        .syscalls(options.syscalls)
        .io(options.io);
    config.connections = options.connections;
    config.connection_limit = options.limit;
    config
}

/// The twins agree: the differential check on the origin's network (traced, every variant:
/// identical operations, outcomes and counts, every reply as expected), then every selected
/// variant at the full connection count (identical counts and outcomes). Returns each
/// selected variant's report.
fn check(
    scenario: &dyn AnyScenario,
    options: &Options<'_>,
) -> Result<Vec<(Variant, Report)>, String> {
    let connections = options.connections.unwrap_or(scenario.config().connections);
    twinbench::check::Differential::new(scenario)
        .connections(connections.min(CHECK_CONNECTIONS))
        .io(options.io)
        .watchdog(CHECK_WATCHDOG)
        .check(NetModel::Seed)
        .map_err(|divergence| divergence.to_string())?;
    let reports = options
        .variants
        .iter()
        .map(|&variant| {
            scenario
                .run(&config(options, variant).watchdog(CHECK_WATCHDOG))
                .map(|r| (variant, r))
                .map_err(|e| format!("{variant}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (first_variant, first) = &reports[0];
    for (variant, report) in &reports {
        if report.counts != first.counts {
            return Err(format!(
                "at {connections} connections {variant} did different work than \
                 {first_variant}: {variant}: {}; {first_variant}: {}",
                report.counts, first.counts
            ));
        }
        if let Some((conn, outcome)) = report
            .outcomes
            .iter()
            .enumerate()
            .find(|(_, o)| **o != twinbench::Outcome::Ok)
        {
            return Err(format!(
                "at {connections} connections, connection {conn} ended `{outcome}` in {variant}"
            ));
        }
    }
    Ok(reports)
}

/// The default command: check, then measure and print the table. A scenario whose twins
/// disagree is reported and left out; the others are still measured.
fn table(options: &Options<'_>, reexec: bool) -> Result<(), String> {
    let mut agreed = Vec::new();
    let mut disagreed = Vec::new();
    for &scenario in &options.scenarios {
        progress(&format!("checking {}", scenario.name()));
        match check(scenario, options) {
            Ok(reports) => {
                // The origin's form, for echo (or the one scenario asked for).
                if options.format == Format::Text
                    && (scenario.name() == "echo" || options.scenarios.len() == 1)
                {
                    progress("");
                    for (variant, report) in &reports {
                        println!("{variant}: {}", report.counts);
                    }
                }
                agreed.push(scenario);
            }
            Err(why) => {
                progress("");
                eprintln!(
                    "twinbench: {}: the twins disagree, so it is left out of the table: {why}",
                    scenario.name()
                );
                disagreed.push(scenario.name());
            }
        }
    }
    progress("");

    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let instructions = if options.no_instructions {
        Err("not asked for (--no-instructions)")
    } else if callgrind::available() {
        Ok(())
    } else {
        Err("valgrind is not installed (apt-get install valgrind)")
    };
    let allocations = if twinbench::alloc::is_counting() {
        Ok(())
    } else {
        Err("twinbench::alloc::CountingAllocator is not the global allocator")
    };
    let measured = if reexec {
        timed(&agreed, options)?
    } else {
        timed_in_process(&agreed, options, timing::Plan::DEFAULT.samples)?
    };
    let configs = configs(options);
    let mut rows = Vec::new();
    for (&scenario, paired) in agreed.iter().zip(&measured) {
        let requests = requests(scenario, options.connections);
        for (config, timed) in configs.iter().zip(&paired.variants) {
            let variant = config.variant;
            let (allocations, peak_heap) = match allocations {
                Ok(()) => {
                    let (allocations, peak) = heap(scenario, config)?;
                    (Ok(allocations as f64 / requests), Ok(peak))
                }
                Err(why) => (Err(why), Err(why)),
            };
            let instructions = match instructions {
                Ok(()) => {
                    progress(&format!(
                        "counting {} {variant} under callgrind",
                        scenario.name()
                    ));
                    let runs = INSTRUCTION_RUNS;
                    let count = callgrind::instructions(&exe, scenario.name(), config, runs)?;
                    Ok(count as f64 / (f64::from(runs) * requests))
                }
                Err(why) => Err(why),
            };
            let ratio = |wall| {
                (variant != Variant::Manual)
                    .then(|| paired.ratio(variant, Variant::Manual, wall))
                    .flatten()
            };
            rows.push(Row {
                scenario: scenario.name(),
                variant,
                connections: options.connections.unwrap_or(scenario.config().connections),
                samples: timed_samples(paired),
                runs_per_sample: paired.runs,
                cpu_ns: timing::Estimate::of(&timed.cpu),
                wall_ns: timing::Estimate::of(&timed.wall),
                cpu_ratio: ratio(false),
                wall_ratio: ratio(true),
                instructions,
                state_bytes: match variant {
                    Variant::Manual => scenario.machine_size(),
                    _ => scenario.future_size(),
                },
                allocations,
                peak_heap,
            });
        }
    }
    progress("");
    if !rows.is_empty() {
        let meta = Meta {
            syscalls: options.syscalls,
            io: options.io.name(),
            connection_limit: options.limit,
        };
        print_table(&rows, options.format, &meta);
    }
    if options.format == Format::Text {
        if let Err(why) = instructions
            && !options.no_instructions
        {
            println!("(no instructions/request: {why})");
        }
        if let Err(why) = allocations {
            println!("(allocations are not counted: {why}; twinbench_harness::main! installs it)");
        }
    }
    if disagreed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "left out of the table, their twins disagree: {}",
            disagreed.join(", ")
        ))
    }
}

/// Requests one serve handles.
fn requests(scenario: &dyn AnyScenario, connections: Option<usize>) -> f64 {
    let config = scenario.config();
    (connections.unwrap_or(config.connections) * config.requests) as f64
}

/// Processes the table's timing is spread over, and paired samples taken in each.
const TIMING_PROCESSES: usize = 5;
const SAMPLES_PER_PROCESS: usize = 9;

/// The table's timings of `scenarios`: [`TIMING_PROCESSES`] child processes of this binary
/// (its hidden `time-samples` subcommand) each take [`SAMPLES_PER_PROCESS`] paired rounds, and
/// their samples are pooled with one block per process, so the intervals also hold what
/// differs from one process to the next (heap and stack layout), not only the drift within
/// one. Where no child can be started, the timing runs in this process.
fn timed(
    scenarios: &[&dyn AnyScenario],
    options: &Options<'_>,
) -> Result<Vec<timing::Paired>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut args = vec!["time-samples".to_owned()];
    for scenario in scenarios {
        args.extend(["--scenario".to_owned(), scenario.name().to_owned()]);
    }
    for variant in &options.variants {
        args.extend(["--variant".to_owned(), variant.name().to_owned()]);
    }
    if options.syscalls {
        args.push("--syscalls".to_owned());
    }
    args.extend(["--io".to_owned(), options.io.name().to_owned()]);
    if let Some(n) = options.connections {
        args.extend(["--connections".to_owned(), n.to_string()]);
    }
    if let Some(n) = options.limit {
        args.extend(["--limit".to_owned(), n.to_string()]);
    }
    if let Some(n) = options.runs {
        args.extend(["--runs".to_owned(), n.to_string()]);
    }
    let mut per_process: Vec<Vec<timing::Paired>> = Vec::new();
    for process in 1..=TIMING_PROCESSES {
        progress(&format!(
            "timing: process {process}/{TIMING_PROCESSES} ({SAMPLES_PER_PROCESS} rounds of paired samples)"
        ));
        let output = match std::process::Command::new(&exe).args(&args).output() {
            Ok(output) => output,
            Err(_) if process == 1 => {
                return timed_in_process(scenarios, options, timing::Plan::DEFAULT.samples);
            }
            Err(e) => return Err(format!("could not start a timing process: {e}")),
        };
        if !output.status.success() {
            return Err(format!(
                "a timing process failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let parsed = serde_json::from_slice::<serde_json::Value>(&output.stdout)
            .ok()
            .and_then(|v| {
                v.as_array()?
                    .iter()
                    .map(timing::Paired::from_json)
                    .collect::<Option<Vec<_>>>()
            })
            .filter(|parts| parts.len() == scenarios.len())
            .ok_or("a timing process printed no samples")?;
        per_process.push(parsed);
    }
    (0..scenarios.len())
        .map(|i| {
            timing::Paired::merge(per_process.iter().map(|p| p[i].clone()).collect())
                .ok_or_else(|| "no timing samples".to_owned())
        })
        .collect()
}

/// `samples` rounds of paired samples of `scenarios`, measured in this process alone (time
/// slices as blocks).
fn timed_in_process(
    scenarios: &[&dyn AnyScenario],
    options: &Options<'_>,
    samples: usize,
) -> Result<Vec<timing::Paired>, String> {
    let plan = timing::Plan {
        samples,
        runs: options.runs,
    };
    let configs = configs(options);
    let timed: Vec<(&dyn AnyScenario, &[RunConfig])> =
        scenarios.iter().map(|&s| (s, &configs[..])).collect();
    timing::paired_rounds(&timed, plan, &mut |_| {}).map_err(|e| e.to_string())
}

/// `time-samples`: one process's paired samples of the selected scenarios, as JSON.
fn time_samples(options: &Options<'_>) -> Result<(), String> {
    let measured = timed_in_process(&options.scenarios, options, SAMPLES_PER_PROCESS)?;
    let json: Vec<serde_json::Value> = measured.iter().map(timing::Paired::to_json).collect();
    println!("{}", serde_json::Value::Array(json));
    Ok(())
}

/// How many samples stand behind a scenario's times.
fn timed_samples(paired: &timing::Paired) -> usize {
    paired.variants.first().map_or(0, |t| t.cpu.len())
}

/// Heap allocations made by one measured serve (after setup and a warm-up run), and the peak
/// heap of a whole run, setup included (what a server of that many connections holds).
fn heap(scenario: &dyn AnyScenario, config: &RunConfig) -> Result<(u64, usize), String> {
    let (result, whole) = twinbench::alloc::measure(|| {
        scenario.prepare(config, &mut |prepared| {
            std::hint::black_box(prepared.run());
        })
    });
    result.map_err(|e| e.to_string())?;
    let mut allocations = 0;
    scenario
        .prepare(config, &mut |prepared| {
            prepared.run(); // warm-up, as in the timed runs
            prepared.reset();
            let (_, serve) = twinbench::alloc::measure(|| std::hint::black_box(prepared.serve()));
            allocations = serve.allocations;
        })
        .map_err(|e| e.to_string())?;
    Ok((allocations, whole.peak_bytes))
}

/// `instructions`: instructions per request under callgrind, and the ratio to `manual`.
fn instructions_only(options: &Options<'_>) -> Result<(), String> {
    if !callgrind::available() {
        return Err("valgrind is not installed (apt-get install valgrind)".to_owned());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let runs = options.runs.unwrap_or(INSTRUCTION_RUNS);
    let width = options
        .scenarios
        .iter()
        .map(|s| s.name().len())
        .max()
        .unwrap_or(0)
        .max("scenario".len());
    println!(
        "{:<width$} {:<14} {:>12} {:>9} {:>12}",
        "scenario", "variant", "instr/req", "× manual", "overhead"
    );
    for &scenario in &options.scenarios {
        let mut manual = None;
        for &variant in &options.variants {
            progress(&format!("{} {variant}", scenario.name()));
            let count =
                callgrind::instructions(&exe, scenario.name(), &config(options, variant), runs)?;
            let per_request =
                count as f64 / (f64::from(runs) * requests(scenario, options.connections));
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
                "{:<width$} {:<14} {:>12.1} {:>9} {:>12}",
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

/// `scaling`: each selected scenario over a sweep of connection counts, ns/request per variant
/// (in-process timing), and a chart per scenario; then each variant's peak heap at each count
/// (a whole run, setup included, as the table's column).
fn scaling(options: &Options<'_>) -> Result<(), String> {
    let sweep = options
        .sweep
        .clone()
        .unwrap_or_else(|| SCALING_CONNECTIONS.to_vec());
    let counting = twinbench::alloc::is_counting();
    for &scenario in &options.scenarios {
        let mut measured = Vec::new();
        let mut peaks = Vec::new();
        let limit = options
            .limit
            .map_or_else(String::new, |n| format!(", at most {n} live"));
        println!(
            "{}: ns/request by connections{limit} (median of 9 samples)\n",
            scenario.name()
        );
        print!("{:>12}", "connections");
        for variant in &options.variants {
            print!("  {:>14}", variant.name());
        }
        println!();
        for &connections in &sweep {
            print!("{connections:>12}");
            let mut row = Vec::new();
            for &variant in &options.variants {
                progress(&format!(
                    "{} {connections} connections, {variant}",
                    scenario.name()
                ));
                let mut config = config(options, variant);
                config.connections = Some(connections);
                // Keep each sample near a millisecond or more: many runs of few connections.
                let runs = (20 * 256 / connections).clamp(2, 2000) as u32;
                let ns = timing::ns_per_request(scenario, &config, 9, runs)
                    .map_err(|e| format!("{}: {e}", scenario.name()))?;
                if counting {
                    row.push(heap(scenario, &config)?.1);
                }
                print!("  {ns:>14.1}");
                measured.push(report::Measured {
                    group: format!("{}-scaling", scenario.name()),
                    function: variant.name().to_owned(),
                    value: Some(connections.to_string()),
                    mean_ns: ns,
                    mean_interval_ns: (ns, ns),
                    requests: None,
                });
            }
            peaks.push((connections, row));
            progress("");
            println!();
        }
        if counting {
            println!(
                "\n{}: peak heap (MB) by connections{limit}\n",
                scenario.name()
            );
            print!("{:>12}", "connections");
            for variant in &options.variants {
                print!("  {:>14}", variant.name());
            }
            println!();
            for (connections, row) in &peaks {
                print!("{connections:>12}");
                for bytes in row {
                    print!("  {:>14.1}", *bytes as f64 / 1e6);
                }
                println!();
            }
        }
        let out = target_dir()?.join("twinbench");
        std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
        let path = out.join(format!("scaling-quick-{}.svg", scenario.name()));
        let chart = report::scaling_chart(scenario.name(), &measured.iter().collect::<Vec<_>>())?;
        std::fs::write(&path, chart).map_err(|e| e.to_string())?;
        println!("\nwrote {}\n", path.display());
    }
    Ok(())
}

/// `criterion-report`: target/criterion → target/twinbench/{report.md, ratios.svg, scaling-*.svg}.
fn criterion_report() -> Result<(), String> {
    let target = target_dir()?;
    let measured = report::read(&target.join("criterion"))?;
    if measured.is_empty() {
        return Err("no criterion results found; run `cargo bench` first".to_owned());
    }
    for path in report::write(&measured, &target.join("twinbench"))? {
        println!("wrote {}", path.display());
    }
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

/// `measure-one SCENARIO VARIANT RUNS MODE CONNECTIONS|default [LIMIT|none]`: the child
/// process callgrind watches (see [`callgrind::instructions`]). `MODE` is `plain`, `syscalls`,
/// or the I/O (`kernel`, `kernel-unix`); no `LIMIT` is `none`, as in the commands the README
/// gives for reading a profile by hand.
fn measure_one(scenarios: &[&dyn AnyScenario], args: &[String]) -> Result<(), String> {
    let (scenario, variant, runs, mode, connections, limit) = match args {
        [scenario, variant, runs, mode, connections] => {
            (scenario, variant, runs, mode, connections, "none")
        }
        [scenario, variant, runs, mode, connections, limit] => {
            (scenario, variant, runs, mode, connections, limit.as_str())
        }
        _ => {
            return Err(
                "usage: measure-one SCENARIO VARIANT RUNS plain|syscalls|kernel|kernel-unix \
                 CONNECTIONS|default [LIMIT|none]"
                    .to_owned(),
            );
        }
    };
    let scenario = find(scenarios, scenario)?;
    let variant: Variant = variant.parse()?;
    let runs: u32 = runs
        .parse()
        .map_err(|_| format!("bad run count `{runs}`"))?;
    let mut config = match mode.as_str() {
        "plain" => RunConfig::new(variant),
        "syscalls" => RunConfig::new(variant).syscalls(true),
        io => RunConfig::new(variant).io(io.parse()?),
    };
    if connections != "default" {
        config = config.connections(count(connections)?);
    }
    if limit != "none" {
        config = config.connection_limit(count(limit)?);
    }
    scenario
        .prepare(&config, &mut |prepared| {
            prepared.run(); // warm-up, outside the collected function
            for _ in 0..runs {
                prepared.reset();
                std::hint::black_box(callgrind::twinbench_measured_serve(prepared));
            }
        })
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::HELP;

    /// `--options` named in `text`, sorted, each once.
    fn options(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|word| {
                word.strip_prefix("--")
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
            })
            .map(str::to_owned)
            .collect();
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn help_and_readme_list_the_same_options() {
        let readme = include_str!("../../README.md");
        let start = readme.find("## What `cargo run --release` prints").unwrap();
        let end = readme[start..].find("\n## ").unwrap() + start;
        let mut documented = options(&readme[start..end]);
        // `--io` is documented with the rest of kernel I/O, in its own section.
        let kernel = readme.find("## Over kernel I/O").unwrap();
        let kernel_end = readme[kernel..]
            .find("\n#")
            .map_or(readme.len(), |e| e + kernel);
        documented.extend(options(&readme[kernel..kernel_end]));
        documented.sort();
        documented.dedup();
        // The README also names cargo's, libtest's, criterion's, valgrind's and rustc's own
        // flags there.
        let others = [
            "--release",
            "--bench",
            "--quick",
            "--tool",
            "--toggle-collect",
            "--version",
            "--test",
            "--nocapture",
        ];
        documented.retain(|o| !others.contains(&o.as_str()) && o != "--help");
        let mut help = options(HELP);
        help.retain(|o| o != "--help" && o != "--release");
        assert_eq!(help, documented);
    }
}
