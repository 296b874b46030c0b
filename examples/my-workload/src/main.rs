twinbench_harness::main!(my_workload::kv, my_workload::length_body);
