//! What the example programs share: reading and writing WAV files with
//! `hound`, as planar `f32` channels.

use std::error::Error;
use std::path::Path;

/// Planar audio (one `Vec` per channel) and its sample rate in Hz.
pub type Audio = (Vec<Vec<f32>>, u32);

/// Reads a WAV file (integer PCM of any width, or 32-bit float; any number
/// of channels) as planar `f32` channels in [-1, 1), with its sample rate.
/// Errors name the file.
pub fn read_wav(path: &Path) -> Result<Audio, Box<dyn Error>> {
    let context = |e: hound::Error| format!("cannot read {}: {e}", path.display());
    let mut reader = hound::WavReader::open(path).map_err(context)?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => {
            reader.samples::<f32>().collect::<Result<_, _>>().map_err(context)?
        }
        hound::SampleFormat::Int => {
            let full_scale = f64::from(1u32 << (spec.bits_per_sample - 1));
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| (f64::from(v) / full_scale) as f32))
                .collect::<Result<_, _>>()
                .map_err(context)?
        }
    };
    let n = usize::from(spec.channels);
    let channels =
        (0..n).map(|c| interleaved.iter().skip(c).step_by(n).copied().collect()).collect();
    Ok((channels, spec.sample_rate))
}

/// Writes planar `channels` (of equal length) as a 24-bit integer WAV file,
/// rounding each sample to the nearest step and clipping at full scale.
/// The file appears whole or not at all: it is written next to `path`
/// under a temporary name, then renamed.
pub fn write_wav_24(
    path: &Path,
    channels: &[Vec<f32>],
    sample_rate: u32,
) -> Result<(), Box<dyn Error>> {
    let frames = channels.first().map_or(0, Vec::len);
    if channels.is_empty() || channels.iter().any(|c| c.len() != frames) {
        return Err("write_wav_24 needs one or more channels of equal length".into());
    }
    let spec = hound::WavSpec {
        channels: u16::try_from(channels.len())?,
        sample_rate,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = Path::new(&tmp);
    let context = |e: hound::Error| format!("cannot write {}: {e}", path.display());
    let write = || -> Result<(), String> {
        let mut writer = hound::WavWriter::create(tmp, spec).map_err(context)?;
        const FULL_SCALE: f32 = 8_388_608.0; // 2^23
        for i in 0..frames {
            for channel in channels {
                let v = (channel[i] * FULL_SCALE).round().clamp(-FULL_SCALE, FULL_SCALE - 1.0);
                writer.write_sample(v as i32).map_err(context)?;
            }
        }
        writer.finalize().map_err(context)?;
        std::fs::rename(tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        e.into()
    })
}
