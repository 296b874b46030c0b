use twinbench::check::Differential;

#[test]
fn kv_twins_do_identical_work() {
    Differential::new(&my_workload::kv())
        .connections(8)
        .run()
        .unwrap();
}

#[test]
fn length_body_twins_do_identical_work() {
    Differential::new(&my_workload::length_body())
        .connections(24)
        .run()
        .unwrap();
}
