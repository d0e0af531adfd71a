//! Regenerates `include/masterlib.h` with cbindgen and fails if the committed
//! header differs. `MASTERLIB_UPDATE_HEADER=1` writes it instead.

use std::path::Path;

#[test]
fn header_matches_the_committed_file() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("dsp-ffi/cbindgen.toml should parse");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen should generate the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");

    let path = crate_dir.join("../include/masterlib.h");
    if std::env::var_os("MASTERLIB_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/masterlib.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/masterlib.h is out of date with the dsp-ffi sources.\n\
         Regenerate it with:  MASTERLIB_UPDATE_HEADER=1 cargo test -p dsp-ffi --test header\n\
         and commit the result."
    );
}
