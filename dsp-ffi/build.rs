//! Gives the shared library the SONAME `libmasterlib.so.<major>` on ELF
//! platforms, so that programs linked against it load a compatible version
//! (`make install` installs `libmasterlib.so.<version>` with the
//! `.so.<major>` and `.so` links).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = ["linux", "android", "freebsd", "netbsd", "openbsd", "dragonfly", "illumos"];
    if elf.contains(&os.as_str()) {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmasterlib.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
