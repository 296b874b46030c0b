//! Compile-fail cases of the scenario language's newer forms (`conn()`, `exchanges = |conn| …`,
//! step functions: recursion, a listed name that is not `#[step]`, wrong arguments)
//! and of the attribute's zero checks: each mistake is an error on the user's own tokens
//! (checked-in `.stderr`; regenerate with `TRYBUILD=overwrite`). The older cases are in
//! `core/tests/ui/`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
