//! Every built-in scenario over real sockets and epoll, in every variant: identical system
//! calls per kind (the backend's counters), identical traces and outcomes, every reply exactly
//! as expected — over TCP and over AF_UNIX, with the requests at once and trickled.
#![cfg(not(miri))]

use twinbench::check::Differential;
use twinbench::{SocketKind, Transport, Variant};
use twinbench_scenarios::ALL;

#[test]
fn every_builtin_scenario_makes_the_same_system_calls_over_kernel_io() {
    for kind in [SocketKind::Tcp, SocketKind::Unix] {
        for scenario in ALL {
            let checked = Differential::new(*scenario)
                .connections(8)
                .io(Transport::Kernel(kind))
                .run()
                .unwrap_or_else(|divergence| panic!("{kind:?}: {divergence}"));
            assert_eq!(checked, 3, "{}", scenario.name());
        }
    }
}

#[test]
fn every_builtin_scenario_agrees_at_its_full_connection_count_over_kernel_io() {
    for scenario in ALL {
        let reports: Vec<_> = Variant::compiled()
            .map(|variant| {
                let config =
                    twinbench::RunConfig::new(variant).io(Transport::Kernel(SocketKind::Tcp));
                (variant, scenario.run(&config).unwrap())
            })
            .collect();
        let (first, reference) = &reports[0];
        for (variant, report) in &reports {
            assert!(
                report.all_ok(),
                "{} {variant}: {:?}",
                scenario.name(),
                report.outcomes
            );
            assert_eq!(
                report.counts,
                reference.counts,
                "{}: {variant} made other system calls than {first}",
                scenario.name()
            );
        }
    }
}
