//! Impulse-response measurements for the reverb tests: octave bands,
//! Schroeder's energy decay curve, T30, and Abel and Huang's normalised
//! echo density.

use std::vec::Vec;

use crate::filters::{BandParams, Filter, FilterKind};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// `erfc(1/√2)`: the fraction of a Gaussian's samples beyond one standard
/// deviation.
const GAUSSIAN_OUTSIDE: f64 = 0.317_310_507_862_914;

/// The octave band of `x` around `centre` Hz: a 4th-order Butterworth
/// high-pass at `centre/√2` then a 4th-order low-pass at `centre·√2`
/// (the library's own filters, f64 state).
pub fn octave_band(x: &[f32], centre: f64, fs: f64) -> Vec<f32> {
    let edge = core::f64::consts::SQRT_2;
    let mut y = x.to_vec();
    for (kind, hz) in [(FilterKind::HighPass, centre / edge), (FilterKind::LowPass, centre * edge)]
    {
        let mut f = Filter::new(BandParams::new(kind, hz).with_order(4)).unwrap();
        f.prepare(&ProcessSpec::new(fs, 8192, 1)).unwrap();
        crate::processor::process_in_blocks(&mut f, &mut [&mut y], 8192);
    }
    y
}

/// Schroeder's backward-integrated energy decay curve in dB (0 at the start).
pub fn decay_curve_db(x: &[f32]) -> Vec<f64> {
    let mut acc = 0.0f64;
    let mut e: Vec<f64> = x
        .iter()
        .rev()
        .map(|&v| {
            acc += (v as f64) * (v as f64);
            acc
        })
        .collect();
    e.reverse();
    let total = e.first().copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    e.iter().map(|&v| 10.0 * libm::log10(v.max(f64::MIN_POSITIVE) / total)).collect()
}

/// T30: reverberation time from the least-squares line through the decay
/// curve between −5 and −35 dB, extrapolated to 60 dB. `None` if the
/// curve does not reach −35 dB.
pub fn t30(x: &[f32], fs: f64) -> Option<f64> {
    let edc = decay_curve_db(x);
    let start = edc.iter().position(|&d| d <= -5.0)?;
    let end = edc.iter().position(|&d| d <= -35.0)?;
    let n = (end - start + 1) as f64;
    let (mut st, mut sd, mut stt, mut std_) = (0.0, 0.0, 0.0, 0.0);
    for (i, &d) in edc[start..=end].iter().enumerate() {
        let t = i as f64 / fs;
        st += t;
        sd += d;
        stt += t * t;
        std_ += t * d;
    }
    let slope = (n * std_ - st * sd) / (n * stt - st * st);
    Some(-60.0 / slope)
}

/// T30 per octave band (centre frequencies `bands`).
pub fn band_t30(x: &[f32], fs: f64, bands: &[f64]) -> Vec<f64> {
    bands.iter().map(|&f| t30(&octave_band(x, f, fs), fs).unwrap_or(f64::NAN)).collect()
}

/// T30 per octave band of a stereo response, from the energy of both
/// channels (the decay curve of `l² + r²`).
pub fn stereo_band_t30(l: &[f32], r: &[f32], fs: f64, bands: &[f64]) -> Vec<f64> {
    bands
        .iter()
        .map(|&f| {
            let (a, b) = (octave_band(l, f, fs), octave_band(r, f, fs));
            // A signal whose squares are l² + r².
            let both: Vec<f32> = a.iter().zip(&b).map(|(x, y)| (x * x + y * y).sqrt()).collect();
            t30(&both, fs).unwrap_or(f64::NAN)
        })
        .collect()
}

/// Normalised echo density (Abel and Huang 2006) in a sliding Hann window
/// of `window_s` seconds, every `hop` samples: the window-weighted
/// fraction of samples beyond the window's standard deviation, divided by
/// the Gaussian's `erfc(1/√2)`. Returns (window centre in s, density).
pub fn echo_density(x: &[f32], fs: f64, window_s: f64, hop: usize) -> Vec<(f64, f64)> {
    let w = (window_s * fs) as usize;
    let hann: Vec<f64> = (0..w)
        .map(|k| 0.5 - 0.5 * libm::cos(2.0 * core::f64::consts::PI * (k as f64 + 0.5) / w as f64))
        .collect();
    let norm: f64 = hann.iter().sum();
    let mut out = Vec::new();
    let mut start = 0;
    while start + w <= x.len() {
        let seg = &x[start..start + w];
        let var =
            seg.iter().zip(&hann).map(|(&v, &h)| h * (v as f64) * (v as f64)).sum::<f64>() / norm;
        let sd = libm::sqrt(var);
        let outside: f64 =
            seg.iter().zip(&hann).filter(|(v, _)| (**v as f64).abs() > sd).map(|(_, h)| h).sum();
        let density = if var > 0.0 { outside / norm / GAUSSIAN_OUTSIDE } else { 0.0 };
        out.push(((start as f64 + 0.5 * w as f64) / fs, density));
        start += hop;
    }
    out
}

/// The mean echo density over windows centred within `from_s..to_s`.
pub fn mean_density(curve: &[(f64, f64)], from_s: f64, to_s: f64) -> f64 {
    let sel: Vec<f64> =
        curve.iter().filter(|(t, _)| *t >= from_s && *t <= to_s).map(|(_, d)| *d).collect();
    sel.iter().sum::<f64>() / sel.len().max(1) as f64
}

/// Mixing time: centre of the first window whose echo density reaches 1.
pub fn mixing_time_s(curve: &[(f64, f64)]) -> Option<f64> {
    curve.iter().find(|(_, d)| *d >= 1.0).map(|(t, _)| *t)
}

/// Samples from the start until the last sample whose 10 ms RMS lies
/// above `floor_db` relative to the peak sample of `x`.
pub fn last_above_db(x: &[f32], fs: f64, floor_db: f64) -> usize {
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    let win = ((0.01 * fs) as usize).max(1);
    let limit = peak * libm::pow(10.0, floor_db / 20.0);
    let mut last = 0;
    for (i, c) in x.chunks(win).enumerate() {
        if crate::test_util::rms(c) > limit {
            last = (i + 1) * win;
        }
    }
    last.min(x.len())
}

/// Normalised correlation (at lag 0) of `a` and `b`.
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let dot =
        |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| *p as f64 * *q as f64).sum::<f64>();
    dot(a, b) / libm::sqrt(dot(a, a) * dot(b, b))
}

/// Gaussian white noise (Box-Muller on the library's test noise).
pub fn gaussian(len: usize, seed: u64) -> Vec<f32> {
    let u = crate::test_util::noise(2 * len, 1.0, seed);
    (0..len)
        .map(|i| {
            let a = (0.5 * (u[2 * i] as f64 + 1.0)).max(1e-12);
            let b = 0.5 * (u[2 * i + 1] as f64 + 1.0);
            (libm::sqrt(-2.0 * libm::log(a)) * libm::cos(2.0 * core::f64::consts::PI * b)) as f32
        })
        .collect()
}

/// The response (left, right) of `p` to a unit impulse in both channels,
/// `seconds` long at 48 kHz.
pub fn impulse_response<P: Processor>(p: &mut P, seconds: f64) -> [Vec<f32>; 2] {
    const FS: f64 = 48_000.0;
    p.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
    let n = (seconds * FS) as usize;
    let mut l = vec![0.0f32; n];
    l[0] = 1.0;
    let mut r = l.clone();
    crate::processor::process_in_blocks(p, &mut [&mut l, &mut r], 4096);
    [l, r]
}

/// Prints `values` as a row of a table (seen with `--nocapture`).
pub fn report(label: &str, values: &[f64]) {
    let row: Vec<std::string::String> = values.iter().map(|v| std::format!("{v:7.3}")).collect();
    std::println!("{label:<34}{}", row.join(" "));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exponentially decaying Gaussian noise of known T60 reads back its
    /// T60, broadband and (on average over four noises, since one band of
    /// one noise wanders by a few percent) in octave bands.
    #[test]
    fn t30_of_decaying_noise() {
        let fs = 48_000.0;
        let bands = [125.0, 1000.0, 8000.0];
        for t60 in [0.5, 2.0] {
            let mut mean = [0.0; 3];
            for seed in 1..=4 {
                let x: Vec<f32> = gaussian((2.0 * t60 * fs) as usize, seed)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * libm::pow(10.0, -3.0 * i as f64 / (t60 * fs)) as f32)
                    .collect();
                let got = t30(&x, fs).unwrap();
                assert!((got / t60 - 1.0).abs() < 0.02, "{t60}: {got}");
                for (m, t) in mean.iter_mut().zip(band_t30(&x, fs, &bands)) {
                    *m += t / 4.0;
                }
            }
            for (f, t) in bands.iter().zip(mean) {
                assert!((t / t60 - 1.0).abs() < 0.03, "{t60} s at {f} Hz: {t}");
            }
        }
    }

    /// Gaussian noise has density 1; a sparse click train has almost none.
    #[test]
    fn echo_density_of_noise_and_clicks() {
        let fs = 48_000.0;
        let noise = gaussian(48_000, 3);
        let d = mean_density(&echo_density(&noise, fs, 0.02, 256), 0.0, 1.0);
        assert!((d - 1.0).abs() < 0.05, "{d}");
        let mut clicks = vec![0.0f32; 48_000];
        for i in (0..48_000).step_by(480) {
            clicks[i] = 1.0;
        }
        let d = mean_density(&echo_density(&clicks, fs, 0.02, 256), 0.0, 1.0);
        assert!(d < 0.2, "{d}");
    }
}
