//! The built-in workload library, written only with `#[scenario]`.
