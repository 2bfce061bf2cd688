//! ds01: one statically linked binary, many command names.  The name it is
//! called by (`mlc`, `mlc-list`, ...) picks the command; see `ds01::run`.

fn main() -> std::process::ExitCode {
    let code = ds01::run(std::env::args_os().collect());
    std::process::ExitCode::from((code & 0xff) as u8)
}
