//! Runs the example programs as a user would and checks what they produce:
//! `master_wav` on generated WAV files (the output's loudness and true peak
//! measured with dsp-core's meter), its errors, `measure` on its output, and
//! a short `realtime` stream.

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dsp_core::analysis::LoudnessMeter;
use examples::read_wav;

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("masterlib-examples-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs one of the package's programs with `args`.
fn run(program: &str, args: &[&str]) -> Output {
    let exe = match program {
        "master_wav" => env!("CARGO_BIN_EXE_master_wav"),
        "measure" => env!("CARGO_BIN_EXE_measure"),
        "realtime" => env!("CARGO_BIN_EXE_realtime"),
        _ => unreachable!(),
    };
    Command::new(exe).args(args).output().unwrap()
}

/// A path as a command-line argument (the temporary directory is UTF-8).
fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Six seconds of a quiet "mix" (bass, a chord tone swelling, about -25
/// LUFS), written as `spec` says: 16-bit stereo or 32-bit float mono.
fn write_mix(path: &Path, spec: hound::WavSpec) {
    let rate = f64::from(spec.sample_rate);
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(6.0 * rate) as usize {
        let t = i as f64 / rate;
        let swell = 0.5 + 0.5 * (TAU * 0.25 * t).sin();
        for c in 0..spec.channels {
            let v = 0.09 * (TAU * 82.4 * t).sin()
                + 0.06 * swell * (TAU * (659.3 + f64::from(c)) * t).sin();
            match spec.sample_format {
                hound::SampleFormat::Int => w.write_sample((v * 32_768.0).round() as i16).unwrap(),
                hound::SampleFormat::Float => w.write_sample(v as f32).unwrap(),
            }
        }
    }
    w.finalize().unwrap();
}

/// Integrated loudness and true peak of a WAV file, with dsp-core's meter.
fn loudness(path: &Path) -> (f64, f64) {
    let (channels, rate) = read_wav(path).unwrap();
    let mut meter = LoudnessMeter::new(f64::from(rate), channels.len()).unwrap();
    let views: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
    meter.add_planar(&views).unwrap();
    (meter.integrated_lufs(), meter.true_peak_dbtp())
}

#[test]
fn master_wav_reaches_the_target_in_a_24_bit_file() {
    let dir = TempDir::new("master");
    let cases = [
        // 16-bit stereo at 44.1 kHz to Apple Music (-16 LUFS) with the gentle chain.
        (2, 44_100, 16, hound::SampleFormat::Int, "gentle", Some("apple"), -16.0),
        // 32-bit float mono at 48 kHz with the streaming preset's own target (-14 LUFS).
        (1, 48_000, 32, hound::SampleFormat::Float, "streaming", None, -14.0),
    ];
    for (channels, sample_rate, bits, format, preset, target, lufs) in cases {
        let spec =
            hound::WavSpec { channels, sample_rate, bits_per_sample: bits, sample_format: format };
        let (input, output) =
            (dir.0.join(format!("mix{bits}.wav")), dir.0.join(format!("out{bits}.wav")));
        write_mix(&input, spec);
        let (before, _) = loudness(&input);
        assert!((before + 25.0).abs() < 3.0, "the mix reads {before} LUFS");

        let mut args = vec![arg(&input), arg(&output), "--preset", preset];
        if let Some(t) = target {
            args.extend(["--target", t]);
        }
        let out = run("master_wav", &args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(stdout.contains("before") && stdout.contains("after"), "{stdout}");

        let written = hound::WavReader::open(&output).unwrap();
        let s = written.spec();
        assert_eq!((s.channels, s.sample_rate, s.bits_per_sample), (channels, sample_rate, 24));
        assert_eq!(s.sample_format, hound::SampleFormat::Int);
        assert_eq!(written.duration(), 6 * sample_rate);
        let (after, true_peak) = loudness(&output);
        assert!((after - lufs).abs() < 0.1, "{preset}: {after} LUFS, want {lufs}");
        assert!(true_peak <= -1.0 + 1e-3, "{preset}: true peak {true_peak} dBTP");
        assert!(!dir.0.join(format!("out{bits}.wav.partial")).exists());

        // The QA program reads the same loudness from the master.
        let qa = text(&run("measure", &[arg(&output)]).stdout);
        assert!(qa.contains(&format!("{lufs:.1} LUFS")), "{qa}");
    }
}

#[test]
fn master_wav_errors_say_what_is_wrong() {
    let dir = TempDir::new("errors");
    let input = dir.0.join("mix.wav");
    let output = dir.0.join("out.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write_mix(&input, spec);
    let missing = dir.0.join("missing.wav");
    let (input, output, missing) = (arg(&input), arg(&output), arg(&missing));
    let bad = |args: &[&str], code: i32, says: &[&str]| {
        let out = run("master_wav", args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        for s in says {
            assert!(stderr.contains(s), "{s:?} not in {stderr}");
        }
        assert!(!Path::new(output).exists());
    };
    bad(&[input], 2, &["expected an input and an output", "usage"]);
    bad(&[input, output, "--loud"], 2, &["unknown option --loud"]);
    bad(&[missing, output], 1, &["cannot read", "missing.wav"]);
    bad(&[input, output, "--target", "moon"], 1, &["\"moon\"", "spotify"]);
    bad(&[input, output, "--preset", "huge"], 1, &["\"huge\"", "gentle"]);
    // An existing output is kept unless --overwrite.
    std::fs::write(output, b"keep").unwrap();
    let out = run("master_wav", &[input, output]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--overwrite"));
    assert_eq!(std::fs::read(output).unwrap(), b"keep");
}

#[test]
fn realtime_streams_with_parameter_changes_from_another_thread() {
    let out = run("realtime", &["0.5"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // "threshold changes applied at N block starts; threshold now X dB (last set Y dB)"
    let after = |key: &str| -> f64 {
        let rest =
            &stdout[stdout.find(key).unwrap_or_else(|| panic!("{key}: {stdout}")) + key.len()..];
        rest.split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap()
    };
    assert!(after("applied at ") >= 1.0, "{stdout}");
    assert_eq!(after("threshold now "), after("last set "), "{stdout}");
    assert!(after("real-time factor: ") > 0.0, "{stdout}");
    // The limiter holds its -1 dBTP ceiling, so the sample peak too.
    assert!(after("output sample peak ") <= -1.0, "{stdout}");
    let bad = run("realtime", &["-3"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("usage"));
}
