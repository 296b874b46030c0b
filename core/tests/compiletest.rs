//! Compile-fail cases of `#[scenario]`: each malformed scenario must be an error that points at
//! the user's own tokens (checked-in `.stderr`; regenerate with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
