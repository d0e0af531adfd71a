//! Builds the C++ wrapper's test (`tests/c/test_cpp.cpp`, using
//! `include/masterlib.hpp`) with `$CXX -std=c++17 -Wall -Wextra -Werror
//! -pedantic`, links it with the shared library and runs it; and runs it
//! again built with the static library under AddressSanitizer and
//! UndefinedBehaviorSanitizer (with leak detection).

mod support;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use support::{compiler, dirs, library, run, shared_library_dir};

/// Builds the C++ test with the warning flags, `flags` and `link`, runs it
/// with `env` and checks that every check passed.
fn build_and_run(name: &str, flags: &[&str], link: &[OsString], env: &[(&str, &str)]) {
    let (crate_dir, include) = dirs();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut cxx = compiler("CXX", "c++");
    cxx.args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .args(flags)
        .arg("-I")
        .arg(&include)
        .arg(crate_dir.join("tests/c/test_cpp.cpp"))
        .arg("-o")
        .arg(&exe)
        .args(link);
    run(cxx);
    let mut cmd = Command::new(&exe);
    cmd.envs(env.iter().copied());
    let stdout = run(cmd);
    print!("{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn cpp_wrapper_test() {
    let lib_dir = shared_library_dir();
    let link = [
        format!("-L{}", lib_dir.display()).into(),
        "-lmasterlib".into(),
        format!("-Wl,-rpath,{}", lib_dir.display()).into(),
    ];
    build_and_run("test_cpp", &[], &link, &[]);
}

#[test]
fn cpp_wrapper_test_under_address_and_undefined_behavior_sanitizers() {
    let flags = [
        "-O1",
        "-fsanitize=address,undefined",
        "-fno-omit-frame-pointer",
        "-fno-sanitize-recover=all",
    ];
    let link = [
        library("libmasterlib.a").into_os_string(),
        "-lpthread".into(),
        "-ldl".into(),
        "-lm".into(),
    ];
    let env = [
        ("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1"),
        ("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
    ];
    build_and_run("test_cpp_asan", &flags, &link, &env);
}
