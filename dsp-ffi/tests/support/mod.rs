//! Helpers shared by the integration tests that build C and C++ programs
//! against the library.
//!
//! `cargo test` builds this package's library (all crate types: rlib,
//! staticlib, cdylib) before its integration tests, writing
//! `libmasterlib.a` and `libmasterlib.so` into `target/<profile>/deps/`, the
//! directory holding the test executable. (Only `cargo build` copies them
//! up to `target/<profile>/`, where they may be stale during `cargo test`.)
//! The compilers are `$CC` (default `cc`) and `$CXX` (default `c++`).
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate directory and the workspace `include/` directory.
pub fn dirs() -> (PathBuf, PathBuf) {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let include = crate_dir.join("../include");
    (crate_dir, include)
}

/// The library `name` built with this test: in the `deps/` directory that
/// holds the test executable.
pub fn library(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let lib = exe.parent().expect("deps directory").join(name);
    assert!(lib.exists(), "{} not found; run through `cargo test -p dsp-ffi`", lib.display());
    lib
}

/// The directory of the shared library built with this test, with the
/// `libmasterlib.so.<major>` link that programs linked against it load
/// (its SONAME).
pub fn shared_library_dir() -> PathBuf {
    let dir = library("libmasterlib.so").parent().unwrap().to_path_buf();
    let soname = dir.join(soname());
    if soname.symlink_metadata().is_err() {
        match std::os::unix::fs::symlink("libmasterlib.so", &soname) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => panic!("cannot link {}: {e}", soname.display()),
        }
    }
    dir
}

/// `libmasterlib.so.<major>`, the shared library's SONAME.
pub fn soname() -> String {
    format!("libmasterlib.so.{}", env!("CARGO_PKG_VERSION_MAJOR"))
}

/// Runs `cmd`, panicking with its output if it fails; returns stdout.
pub fn run(mut cmd: Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed ({})\n{stdout}\n{stderr}", out.status);
    stdout
}

/// The compiler named by the environment variable `var`, else `default`.
pub fn compiler(var: &str, default: &str) -> Command {
    Command::new(std::env::var(var).unwrap_or_else(|_| default.to_owned()))
}

/// A fresh, empty directory `name` under the test's temporary directory.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}
