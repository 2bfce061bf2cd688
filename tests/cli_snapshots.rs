//! Snapshot tests of command output that needs no Docker engine
//! (`tests/cmd/*.toml` with their `.stdout`/`.stderr` files).  Behaviour
//! against an engine is covered by the replay suite (`compat-tests/run`).

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new()
        .register_bin("ds01", trycmd::cargo::cargo_bin!("ds01"))
        .case("tests/cmd/*.toml");
}
