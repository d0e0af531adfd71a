//! Installs the library the way a user does (`make install-files`, the
//! install step of `make install`, here from the libraries `cargo test`
//! built, so that no second build runs) into a temporary prefix, checks the
//! installed files and the SONAME, and builds and runs the C and C++
//! examples (`examples/c/`) against the installed copy with pkg-config and
//! with CMake (`find_package(masterlib CONFIG)`, `masterlib::masterlib`).
//!
//! Needs `make`, `pkg-config`, `readelf` and `cmake` (installed into `.venv`
//! by `scripts/setup.sh`; found on `PATH` or in the workspace's `.venv/bin`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::{compiler, dirs, fresh_dir, library, run, soname};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const WARNINGS: [&str; 4] = ["-Wall", "-Wextra", "-Werror", "-pedantic"];

/// The workspace root (holding the Makefile).
fn root() -> PathBuf {
    dirs().0.join("..").canonicalize().expect("workspace root")
}

/// The prefix holding the installed library, installed once per test run
/// into another directory and then moved here: every build below also
/// checks that the installed tree is relocatable.
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let staging = fresh_dir(STAGING);
        let build_dir = library("libmasterlib.so").parent().unwrap().to_path_buf();
        let mut make = Command::new("make");
        make.args(["-s", "-C"])
            .arg(root())
            .arg("install-files")
            .arg(format!("PREFIX={}", staging.display()))
            .arg(format!("BUILD_DIR={}", build_dir.display()));
        run(make);
        let prefix = fresh_dir("install-prefix");
        std::fs::remove_dir(&prefix).expect("empty prefix");
        std::fs::rename(&staging, &prefix).expect("move the installed tree");
        prefix
    })
}

/// Where the library is installed before the tree moves to [`prefix`].
const STAGING: &str = "install-staging";

/// The examples' directory.
fn examples() -> PathBuf {
    root().join("examples/c")
}

/// Runs an example built against the installed library and checks what it
/// prints: the library's version and a limited peak at its -1 dB ceiling.
fn run_example(exe: &Path) {
    let mut cmd = Command::new(exe);
    cmd.env("LD_LIBRARY_PATH", prefix().join("lib"));
    let stdout = run(cmd);
    print!("{stdout}");
    assert!(stdout.contains(&format!("masterlib {VERSION} (header {VERSION})")), "{stdout}");
    let peak: f64 = stdout
        .split("output peak ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no output peak in:\n{stdout}"));
    assert!((-1.5..=-1.0 + 1e-4).contains(&peak), "peak {peak} dBFS, ceiling -1 dB");
}

/// `readelf -d` of `file`.
fn dynamic_section(file: &Path) -> String {
    let mut readelf = Command::new("readelf");
    readelf.arg("-d").arg(file);
    run(readelf)
}

/// The cmake executable: on `PATH`, else in the workspace's `.venv`.
fn cmake() -> Command {
    let venv = root().join(".venv/bin/cmake");
    let found_on_path =
        Command::new("cmake").arg("--version").output().is_ok_and(|o| o.status.success());
    if found_on_path {
        Command::new("cmake")
    } else {
        assert!(venv.exists(), "cmake not found; run scripts/setup.sh (installs it into .venv)");
        Command::new(venv)
    }
}

#[test]
fn install_lays_out_library_headers_and_package_files() {
    let lib = prefix().join("lib");
    let real = lib.join(format!("libmasterlib.so.{VERSION}"));
    assert_eq!(
        std::fs::read_link(lib.join(soname())).unwrap(),
        Path::new(real.file_name().unwrap())
    );
    assert_eq!(std::fs::read_link(lib.join("libmasterlib.so")).unwrap(), Path::new(&soname()));
    let dynamic = dynamic_section(&real);
    assert!(dynamic.contains(&format!("Library soname: [{}]", soname())), "{dynamic}");
    for file in [
        "lib/libmasterlib.a",
        "include/masterlib.h",
        "include/masterlib.hpp",
        "lib/cmake/masterlib/masterlibConfig.cmake",
        "lib/cmake/masterlib/masterlibConfigVersion.cmake",
    ] {
        assert!(prefix().join(file).is_file(), "{file} not installed");
    }
    let pc = std::fs::read_to_string(lib.join("pkgconfig/masterlib.pc")).unwrap();
    assert!(pc.contains(&format!("\nVersion: {VERSION}\n")), "{pc}");
    // Relocatable: the package files name no installed path.
    let cmake = std::fs::read_to_string(lib.join("cmake/masterlib/masterlibConfig.cmake")).unwrap();
    for text in [&pc, &cmake] {
        assert!(!text.contains(STAGING), "{text}");
    }
    let header = std::fs::read_to_string(prefix().join("include/masterlib.h")).unwrap();
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    assert!(header.contains(&format!("#define MASTERLIB_VERSION_MAJOR {major}\n")));
}

#[test]
fn pkg_config_builds_the_c_and_cpp_examples() {
    let pc_path = prefix().join("lib/pkgconfig");
    let mut pkg_config = Command::new("pkg-config");
    pkg_config.env("PKG_CONFIG_PATH", &pc_path).args(["--modversion", "masterlib"]);
    assert_eq!(run(pkg_config).trim(), VERSION);
    let mut pkg_config = Command::new("pkg-config");
    pkg_config.env("PKG_CONFIG_PATH", &pc_path).args(["--cflags", "--libs", "masterlib"]);
    let flags = run(pkg_config);
    let flags: Vec<&str> = flags.split_whitespace().collect();

    let out = fresh_dir("pkg-config-examples");
    for (var, default, std, source) in
        [("CC", "cc", "-std=c11", "limit.c"), ("CXX", "c++", "-std=c++17", "limit.cpp")]
    {
        let exe = out.join(source.replace('.', "_"));
        let mut cc = compiler(var, default);
        cc.arg(std).args(WARNINGS).arg(examples().join(source)).args(&flags).arg("-lm");
        cc.arg("-o").arg(&exe);
        run(cc);
        let dynamic = dynamic_section(&exe);
        assert!(dynamic.contains(&format!("Shared library: [{}]", soname())), "{dynamic}");
        run_example(&exe);
    }
}

#[test]
fn cmake_builds_the_examples() {
    let build = fresh_dir("cmake-examples");
    let flags = WARNINGS.join(" ");
    let mut configure = cmake();
    configure
        .arg("-S")
        .arg(examples())
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix().display()))
        .arg(format!("-DCMAKE_C_FLAGS={flags}"))
        .arg(format!("-DCMAKE_CXX_FLAGS={flags}"));
    run(configure);
    let mut compile = cmake();
    compile.arg("--build").arg(&build);
    run(compile);
    for exe in ["limit", "limit_cpp", "limit_static"] {
        run_example(&build.join(exe));
    }
    let dynamic = dynamic_section(&build.join("limit_static"));
    assert!(!dynamic.contains("libmasterlib"), "limit_static is not static:\n{dynamic}");
}

/// `find_package` accepts the installed version for requests of the same
/// major (and, under 1.0, minor) version up to it, and refuses others.
#[test]
fn cmake_version_check() {
    let (major, minor) = (env!("CARGO_PKG_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MINOR"));
    let next_minor: u32 = minor.parse::<u32>().unwrap() + 1;
    let next_major: u32 = major.parse::<u32>().unwrap() + 1;
    let cases = [
        (format!("{major}.{minor}"), true),
        (VERSION.to_owned(), true),
        (format!("{major}.{next_minor}"), false),
        (format!("{next_major}.0"), false),
    ];
    for (i, (wanted, accepted)) in cases.iter().enumerate() {
        let dir = fresh_dir(&format!("cmake-version-{i}"));
        std::fs::write(
            dir.join("CMakeLists.txt"),
            format!(
                "cmake_minimum_required(VERSION 3.16)\nproject(v NONE)\n\
                 find_package(masterlib {wanted} CONFIG REQUIRED)\n"
            ),
        )
        .unwrap();
        let mut configure = cmake();
        configure
            .arg("-S")
            .arg(&dir)
            .arg("-B")
            .arg(dir.join("build"))
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix().display()));
        let out = configure.output().expect("run cmake");
        assert_eq!(
            out.status.success(),
            *accepted,
            "find_package(masterlib {wanted}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
