//! Builds the C test (`tests/c/test_masterlib.c`) against the committed header
//! `include/masterlib.h`, links it with the static and with the shared
//! library, runs both, and compiles the header as C++. Builds the thread
//! test (`tests/c/test_threads.c`: one thread processes while another sets
//! parameters) with ThreadSanitizer and runs it, and runs the C test under
//! AddressSanitizer + UndefinedBehaviorSanitizer and under valgrind.
//!
//! The mastering test (`tests/c/test_master.c`: whole tracks, seconds of
//! work) runs once, under AddressSanitizer + UndefinedBehaviorSanitizer.
//!
//! `tests/support/mod.rs` says where the libraries and compilers come from.

mod support;

use std::path::Path;
use std::process::Command;

use support::{compiler, dirs, library, run, shared_library_dir};

/// `cc -std=c11 -Wall -Wextra -Werror` for the C test, with `extra` link arguments.
fn build_c_test(output: &Path, link: &[&std::ffi::OsStr]) {
    build_c(output, "test_masterlib.c", &[], link);
}

/// Compiles `tests/c/<source>` with the warning flags, `flags` and `link`.
fn build_c(output: &Path, source: &str, flags: &[&str], link: &[&std::ffi::OsStr]) {
    let (crate_dir, include) = dirs();
    let mut cc = compiler("CC", "cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-g"])
        .args(flags)
        .arg("-I")
        .arg(&include)
        .arg(crate_dir.join("tests/c").join(source))
        .arg("-o")
        .arg(output)
        .args(link)
        .arg("-lm");
    run(cc);
}

fn run_c_test(exe: &Path, library_dir: &Path) {
    let mut cmd = Command::new(exe);
    cmd.env("LD_LIBRARY_PATH", library_dir);
    let stdout = run(cmd);
    print!("{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn c_test_with_static_library() {
    let lib = library("libmasterlib.a");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_masterlib_static");
    build_c_test(&exe, &[lib.as_os_str(), "-lpthread".as_ref(), "-ldl".as_ref()]);
    run_c_test(&exe, lib.parent().unwrap());
}

#[test]
fn c_test_with_shared_library() {
    let lib_dir = shared_library_dir();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_masterlib_shared");
    let search = format!("-L{}", lib_dir.display());
    let rpath = format!("-Wl,-rpath,{}", lib_dir.display());
    build_c_test(&exe, &[search.as_ref(), "-lmasterlib".as_ref(), rpath.as_ref()]);
    let ldd = run({
        let mut c = Command::new("ldd");
        c.arg(&exe);
        c
    });
    assert!(ldd.contains("libmasterlib.so"), "not dynamically linked:\n{ldd}");
    run_c_test(&exe, &lib_dir);
}

/// The thread test under ThreadSanitizer (halting at the first report).
/// If the TSan runtime cannot map its shadow memory (kernels with high
/// ASLR entropy), it is run again without address randomization
/// (`setarch -R`).
#[test]
fn c_threads_under_thread_sanitizer() {
    let lib = library("libmasterlib.a");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_threads_tsan");
    let flags = ["-O1", "-fsanitize=thread", "-pthread"];
    build_c(&exe, "test_threads.c", &flags, &[lib.as_os_str(), "-ldl".as_ref(), "-lm".as_ref()]);
    let tsan = |setarch: bool| {
        let mut cmd = if setarch {
            let mut c = Command::new("setarch");
            c.args([std::env::consts::ARCH, "-R"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.env("TSAN_OPTIONS", "halt_on_error=1 exitcode=66");
        cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
    };
    let mut out = tsan(false);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() && stderr.contains("FATAL: ThreadSanitizer") {
        eprintln!("TSan could not start ({}); retrying with setarch -R", stderr.trim());
        out = tsan(true);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    assert!(!stderr.contains("WARNING: ThreadSanitizer"), "{stderr}");
    assert!(out.status.success(), "thread test failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn header_compiles_as_cpp() {
    let (crate_dir, include) = dirs();
    let mut cxx = compiler("CXX", "c++");
    cxx.args(["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only"])
        .arg("-I")
        .arg(&include)
        .arg(crate_dir.join("tests/c/header_cpp.cpp"));
    run(cxx);
}

/// Builds `source` (in `tests/c/`) with the static library under
/// AddressSanitizer and UndefinedBehaviorSanitizer (with leak detection),
/// runs it and returns its output; any report fails the run.
fn run_under_sanitizers(source: &str, name: &str) -> String {
    let lib = library("libmasterlib.a");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let flags = [
        "-O1",
        "-fsanitize=address,undefined",
        "-fno-omit-frame-pointer",
        "-fno-sanitize-recover=all",
    ];
    let link = [lib.as_os_str(), "-lpthread".as_ref(), "-ldl".as_ref()];
    build_c(&exe, source, &flags, &link);
    let mut cmd = Command::new(&exe);
    cmd.env("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    run(cmd)
}

/// The C test under the sanitizers.
#[test]
fn c_test_under_address_and_undefined_behavior_sanitizers() {
    let stdout = run_under_sanitizers("test_masterlib.c", "test_masterlib_asan");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// The C test (shared library) under valgrind's memcheck: no invalid access,
/// no use of uninitialised values, nothing definitely lost (with no
/// suppressions). Skipped, saying so, where valgrind is not installed.
#[test]
fn c_test_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: skipping the memcheck run");
        return;
    }
    let lib_dir = shared_library_dir();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_masterlib_valgrind");
    let search = format!("-L{}", lib_dir.display());
    let rpath = format!("-Wl,-rpath,{}", lib_dir.display());
    build_c_test(&exe, &[search.as_ref(), "-lmasterlib".as_ref(), rpath.as_ref()]);
    let mut cmd = Command::new("valgrind");
    cmd.args(["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite"])
        .arg(&exe)
        .env("LD_LIBRARY_PATH", &lib_dir);
    let stdout = run(cmd);
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// The mastering C test (`tests/c/test_master.c`) under the sanitizers.
#[test]
fn c_mastering_test_under_address_and_undefined_behavior_sanitizers() {
    let stdout = run_under_sanitizers("test_master.c", "test_master_asan");
    print!("{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
