//! Builds the C++ wrapper's test (`tests/c/test_cpp.cpp`, using
//! `include/masterlib.hpp`) with `$CXX -std=c++17 -Wall -Wextra -Werror
//! -pedantic`, links it with the shared library and runs it.

mod support;

use std::path::Path;
use std::process::Command;

use support::{compiler, dirs, run, shared_library_dir};

#[test]
fn cpp_wrapper_test() {
    let (crate_dir, include) = dirs();
    let lib_dir = shared_library_dir();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_cpp");
    let mut cxx = compiler("CXX", "c++");
    cxx.args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(&include)
        .arg(crate_dir.join("tests/c/test_cpp.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lmasterlib")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    run(cxx);
    let stdout = run(Command::new(&exe));
    print!("{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
