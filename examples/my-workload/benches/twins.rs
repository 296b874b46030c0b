twinbench_harness::criterion_main!(my_workload::kv, my_workload::length_body);
