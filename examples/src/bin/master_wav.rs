//! Masters a WAV file: reads it (integer PCM of any width or 32-bit float,
//! mono or stereo), runs `dsp_core::master::master` with a preset chain
//! towards a loudness target, writes a 24-bit WAV (same channels and
//! rate) and prints the loudness and true peak before and after. A mono
//! file stays mono (the chain's stereo width stage does not run on it).
//!
//! Run: `cargo run -p examples --bin master_wav -- mix.wav master.wav --preset streaming --target apple`
//!
//! Errors print one line on stderr; the exit status is 2 for a bad command
//! line and 1 for anything else (unreadable input, an existing output
//! without `--overwrite`, audio the mastering refuses).

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use dsp_core::analysis::Target;
use dsp_core::master::{MasteringChain, master};
use examples::{read_wav, write_wav_24};

const USAGE: &str =
    "usage: master_wav <input.wav> <output.wav> [--preset NAME] [--target NAME] [--overwrite]";

/// What the command line asks for.
#[derive(Debug)]
struct Args {
    input: PathBuf,
    output: PathBuf,
    preset: String,
    target: Option<String>,
    overwrite: bool,
}

/// Parses the command line (`None` when help is asked for), or says what
/// is wrong with it.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut files, mut preset, mut target, mut overwrite) = (Vec::new(), None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--preset" | "--target" => {
                let value = args.next().ok_or(format!("{arg} needs a name"))?;
                *(if arg == "--preset" { &mut preset } else { &mut target }) = Some(value);
            }
            "--overwrite" => overwrite = true,
            "-h" | "--help" => return Ok(None),
            a if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let [input, output] = <[PathBuf; 2]>::try_from(files).map_err(|f| {
        format!("expected an input and an output file, got {} file name(s)", f.len())
    })?;
    let preset = preset.unwrap_or_else(|| "streaming".into());
    Ok(Some(Args { input, output, preset, target, overwrite }))
}

/// Reads, masters, writes and reports.
fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    if args.output.exists() && !args.overwrite {
        return Err(
            format!("{} exists: pass --overwrite to replace it", args.output.display()).into()
        );
    }
    let mut chain = MasteringChain::preset(&args.preset).map_err(|_| {
        format!(
            "unknown preset {:?}: use one of {}",
            args.preset,
            MasteringChain::PRESETS.join(", ")
        )
    })?;
    if let Some(name) = &args.target {
        chain.target = Target::by_name(name).map_err(|_| Target::unknown_name_message(name))?.name;
    }

    let (channels, rate) = read_wav(&args.input)?;
    let frames = channels.first().map_or(0, Vec::len);
    println!(
        "{}: {} channel(s), {rate} Hz, {:.1} s",
        args.input.display(),
        channels.len(),
        frames as f64 / f64::from(rate)
    );
    let (out, report) = master(&channels, f64::from(rate), &chain)
        .map_err(|e| format!("cannot master {}: {e}", args.input.display()))?;
    write_wav_24(&args.output, &out, rate)?;

    let t = &report.target;
    println!(
        "preset {}, target {} ({:.1} LUFS, true peak at most {:.1} dBTP)",
        args.preset, t.label, t.integrated_lufs, t.true_peak_dbtp
    );
    println!("{:<8}{:>13}{:>14}", "", "integrated", "true peak");
    for (name, qa) in [("before", &report.before), ("after", &report.after)] {
        println!("{name:<8}{:>8.1} LUFS{:>9.1} dBTP", qa.integrated_lufs, qa.true_peak_dbtp);
    }
    println!("wrote {} (24-bit)", args.output.display());
    Ok(())
}

/// The usage text with the preset and target names.
fn usage() -> String {
    format!(
        "{USAGE}\n  presets: {} (default streaming)\n  targets: {} (default: the preset's)",
        MasteringChain::PRESETS.join(", "),
        Target::NAMES.join(", ")
    )
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("master_wav: {why}\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("master_wav: {e}");
            ExitCode::FAILURE
        }
    }
}
