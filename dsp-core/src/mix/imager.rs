//! Multiband stereo imager: side width per band over a Linkwitz-Riley split.

use crate::buffer::sanitize;
use crate::dynamics::Crossover;
use crate::error::Error;
use crate::filters::Biquad;
use crate::filters::design::{FilterKind, rbj};
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Lowest frequency `mono_below_hz` acts at; a setting between 0 (off) and
/// this acts as this.
pub const MIN_MONO_BELOW_HZ: f64 = 20.0;
/// Samples between coefficient updates while a frequency glides.
const SUB: usize = 32;
/// Highest design frequency as a fraction of the sample rate (a safety net:
/// `prepare` refuses crossovers at or above Nyquist).
const MAX_DESIGN_RATIO: f64 = 0.45;
/// Quality factors of the two sections of a 4th-order Butterworth filter
/// (`1 / (2 cos(π/8))`, `1 / (2 cos(3π/8))`): squared, its high pass is the
/// 8th-order Linkwitz-Riley high pass, whose complement sums with it to the
/// all-pass made of the two sections' all-passes.
const BUTTERWORTH4_Q: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_8];

crate::declare_params! {
    MultibandImager, MULTIBAND_IMAGER_KIND = "multiband_imager", "MultibandImager",
        Caps::PLAIN.channels(Channels::Stereo),
        "Multiband stereo imager: the side signal (L-R)/2 is split in three bands by \
         4th-order Linkwitz-Riley crossovers at low_hz and high_hz and each band is scaled \
         by its width (0 mono, 1 unchanged, 2 double); the mid (L+R)/2 only passes the \
         crossovers' all-pass, so that at every width 1 the output is the input through an \
         all-pass (flat magnitude, within 0.01 dB at 48 kHz) and at any widths the mono sum \
         keeps its magnitude. mono_below_hz removes the side below a frequency (8th-order \
         Linkwitz-Riley high pass on the side, the matching all-pass on the mid).";
    LOW_HZ = ParamInfo::float("low_hz", 100.0, 800.0, 200.0, "Hz",
        "Crossover between the low and mid bands (100 to 800 Hz)").log().smoothed(DEFAULT_SMOOTHING_MS)
        => low_hz, set_low_hz;
    HIGH_HZ = ParamInfo::float("high_hz", 1000.0, 16_000.0, 4000.0, "Hz",
        "Crossover between the mid and high bands (below Nyquist)").log()
        .smoothed(DEFAULT_SMOOTHING_MS) => high_hz, set_high_hz;
    WIDTH_LOW = ParamInfo::float("width_low", 0.0, 2.0, 1.0, "",
        "Side scale of the low band: 0 mono, 1 unchanged, 2 double")
        .smoothed(DEFAULT_SMOOTHING_MS) => width_low, set_width_low;
    WIDTH_MID = ParamInfo::float("width_mid", 0.0, 2.0, 1.0, "",
        "Side scale of the mid band: 0 mono, 1 unchanged, 2 double")
        .smoothed(DEFAULT_SMOOTHING_MS) => width_mid, set_width_mid;
    WIDTH_HIGH = ParamInfo::float("width_high", 0.0, 2.0, 1.0, "",
        "Side scale of the high band: 0 mono, 1 unchanged, 2 double")
        .smoothed(DEFAULT_SMOOTHING_MS) => width_high, set_width_high;
    MONO_BELOW_HZ = ParamInfo::float("mono_below_hz", 0.0, 500.0, 0.0, "Hz",
        "Side removed below this frequency (0 off; 20 to 500 Hz, lower settings act as 20)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mono_below_hz, set_mono_below_hz;
}

/// Three-band stereo imager on mid/side.
///
/// `M = (L+R)/2`, `S = (L-R)/2`. The side is high-passed below
/// `mono_below_hz` (when on), split into low, mid and high bands by a
/// [`Crossover`] (LR4 at `low_hz` and `high_hz`) and summed back with each
/// band scaled by its width. The bands of an LR4 split sum to the all-pass
/// `AP(low)·AP(high)`, so the mid passes that same all-pass (split by an
/// identical crossover and summed back; then the LR8 all-pass at
/// `mono_below_hz` when on): at widths 1 the output is `AP·L`,
/// `AP·R`. The mid's magnitude is never changed. Widths glide per sample;
/// the frequencies glide on a log scale, the filters redesigned every
/// 32 samples; switching `mono_below_hz` on or off crossfades over 20 ms.
#[derive(Debug, Clone)]
pub struct MultibandImager {
    low_hz: f64,
    high_hz: f64,
    widths: [f64; 3],
    mono_below_hz: f64,
    sample_rate: f64,
    /// Width per band.
    width: [LinearSmoother; 3],
    /// Natural logs of `low_hz`, `high_hz` and the mono-below frequency.
    log_freq: [LinearSmoother; 3],
    /// How much of the mono-below filtering is applied (0 off, 1 on).
    amount: LinearSmoother,
    /// The side's split.
    side: Crossover,
    /// A split of the mid, summed straight back: the crossovers' all-pass
    /// built of the very sections the side passes (so that at widths 1
    /// the two paths match to the last bit).
    mid: Crossover,
    /// The mid's LR8 all-pass at the mono-below frequency.
    mid_ap: [Biquad; 2],
    /// The side's LR8 high pass.
    side_hp: [Biquad; 4],
    /// Position in the 32-sample grid of coefficient updates.
    phase: usize,
    nonfinite: u64,
}

impl MultibandImager {
    /// An imager with crossovers at `low_hz` and `high_hz`, widths 1 and
    /// mono-below off.
    pub fn new(low_hz: f64, high_hz: f64) -> Result<Self, Error> {
        let fs = 48_000.0;
        let mut m = Self {
            low_hz: 200.0,
            high_hz: 4000.0,
            widths: [1.0; 3],
            mono_below_hz: 0.0,
            sample_rate: fs,
            width: [LinearSmoother::new(1.0); 3],
            log_freq: [LinearSmoother::new(0.0); 3],
            amount: LinearSmoother::new(0.0),
            side: Crossover::new(&[200.0, 4000.0], fs)?,
            mid: Crossover::new(&[200.0, 4000.0], fs)?,
            mid_ap: [Biquad::default(); 2],
            side_hp: [Biquad::default(); 4],
            phase: 0,
            nonfinite: 0,
        };
        m.set_low_hz(low_hz)?;
        m.set_high_hz(high_hz)?;
        m.log_freq[2].snap_to(libm::log(MIN_MONO_BELOW_HZ));
        m.reset();
        Ok(m)
    }

    /// Crossover between the low and mid bands, in Hz.
    pub fn low_hz(&self) -> f64 {
        self.low_hz
    }

    /// Sets the low/mid crossover (100 to 800 Hz; glides).
    pub fn set_low_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.low_hz = Self::LOW_HZ.check(hz)?;
        self.log_freq[0].set_target(libm::log(self.low_hz));
        Ok(())
    }

    /// Crossover between the mid and high bands, in Hz.
    pub fn high_hz(&self) -> f64 {
        self.high_hz
    }

    /// Sets the mid/high crossover (1 to 16 kHz, below Nyquist; glides).
    pub fn set_high_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.high_hz = Self::HIGH_HZ.check(hz)?;
        self.log_freq[1].set_target(libm::log(self.high_hz));
        Ok(())
    }

    /// Width of the low band.
    pub fn width_low(&self) -> f64 {
        self.widths[0]
    }

    /// Sets the width of the low band (0 mono to 2; glides).
    pub fn set_width_low(&mut self, width: f64) -> Result<(), Error> {
        self.set_width(0, Self::WIDTH_LOW.check(width)?);
        Ok(())
    }

    /// Width of the mid band.
    pub fn width_mid(&self) -> f64 {
        self.widths[1]
    }

    /// Sets the width of the mid band (0 mono to 2; glides).
    pub fn set_width_mid(&mut self, width: f64) -> Result<(), Error> {
        self.set_width(1, Self::WIDTH_MID.check(width)?);
        Ok(())
    }

    /// Width of the high band.
    pub fn width_high(&self) -> f64 {
        self.widths[2]
    }

    /// Sets the width of the high band (0 mono to 2; glides).
    pub fn set_width_high(&mut self, width: f64) -> Result<(), Error> {
        self.set_width(2, Self::WIDTH_HIGH.check(width)?);
        Ok(())
    }

    fn set_width(&mut self, band: usize, width: f64) {
        self.widths[band] = width;
        self.width[band].set_target(width);
    }

    /// Frequency below which the side is removed, in Hz (0: off).
    pub fn mono_below_hz(&self) -> f64 {
        self.mono_below_hz
    }

    /// Sets the mono-below frequency: 0 turns it off; 20 to 500 Hz (a
    /// value below 20 acts as 20). Switching on or off crossfades, a
    /// change while on glides.
    pub fn set_mono_below_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.mono_below_hz = Self::MONO_BELOW_HZ.check(hz)?;
        let on = self.mono_below_hz > 0.0;
        if on {
            let f = libm::log(self.mono_below_hz.max(MIN_MONO_BELOW_HZ));
            // Fully off, the filters are not heard: move them at once.
            if self.amount.current() == 0.0 && !self.amount.is_smoothing() {
                self.log_freq[2].snap_to(f);
                self.design();
            } else {
                self.log_freq[2].set_target(f);
            }
        }
        self.amount.set_target(if on { 1.0 } else { 0.0 });
        Ok(())
    }

    /// Designs every filter for the smoothers' current frequencies.
    fn design(&mut self) {
        let fs = self.sample_rate;
        let top = MAX_DESIGN_RATIO * fs;
        let high = libm::exp(self.log_freq[1].current()).min(top);
        let low = libm::exp(self.log_freq[0].current()).min(0.5 * high);
        let mb = libm::exp(self.log_freq[2].current()).min(top);
        // Valid by construction (ascending, below Nyquist).
        let _ = self.side.set_frequencies_hz(&[low, high]);
        let _ = self.mid.set_frequencies_hz(&[low, high]);
        let [q0, q1] = BUTTERWORTH4_Q;
        let ap = |q: f64| rbj(FilterKind::AllPass, mb, q, 0.0, fs);
        let hp = |q: f64| rbj(FilterKind::HighPass, mb, q, 0.0, fs);
        for (b, c) in self.mid_ap.iter_mut().zip([ap(q0), ap(q1)]) {
            b.set_coefs(c);
        }
        for (b, c) in self.side_hp.iter_mut().zip([hp(q0), hp(q1), hp(q0), hp(q1)]) {
            b.set_coefs(c);
        }
    }

    fn frequencies_gliding(&self) -> bool {
        self.log_freq.iter().any(LinearSmoother::is_smoothing)
    }
}

impl Default for MultibandImager {
    /// Crossovers at 200 Hz and 4 kHz, widths 1, mono-below off.
    fn default() -> Self {
        Self::new(200.0, 4000.0).expect("valid defaults")
    }
}

impl Processor for MultibandImager {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        spec.check_below_nyquist(Self::HIGH_HZ.id, self.high_hz)?;
        self.sample_rate = spec.sample_rate;
        self.side = Crossover::new(&[self.low_hz, self.high_hz], spec.sample_rate)?;
        self.mid = self.side;
        for s in self.width.iter_mut().chain(&mut self.log_freq).chain([&mut self.amount]) {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.phase = 0;
        for s in self.width.iter_mut().chain(&mut self.log_freq).chain([&mut self.amount]) {
            s.snap();
        }
        self.design();
        self.side.reset();
        self.mid.reset();
        self.mid_ap.iter_mut().chain(&mut self.side_hp).for_each(Biquad::reset);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [l, r] = channels else { return };
        let len = l.len().min(r.len());
        let mut start = 0;
        while start < len {
            if self.phase == 0 && self.frequencies_gliding() {
                for s in &mut self.log_freq {
                    s.advance(SUB);
                }
                self.design();
            }
            let n = (SUB - self.phase).min(len - start);
            self.run(&mut l[start..start + n], &mut r[start..start + n]);
            self.phase = (self.phase + n) % SUB;
            start += n;
            // Denormals flushed on the stream's 32-sample grid, whatever
            // the block sizes.
            if self.phase == 0 {
                for b in self.mid_ap.iter_mut().chain(&mut self.side_hp) {
                    b.flush();
                }
            }
        }
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

impl MultibandImager {
    /// Processes at most [`SUB`] samples with the current coefficients.
    fn run(&mut self, l: &mut [f32], r: &mut [f32]) {
        let n = l.len();
        let (mut mid, mut side) = ([0.0f32; SUB], [0.0f32; SUB]);
        for i in 0..n {
            mid[i] = 0.5 * (l[i] + r[i]);
        }
        let mut bands = [[0.0f32; SUB]; 3];
        {
            let [b0, b1, b2] = &mut bands;
            self.mid.split(&mid[..n], &mut [&mut b0[..n], &mut b1[..n], &mut b2[..n]]);
        }
        let gliding = self.amount.is_smoothing();
        for i in 0..n {
            let (m_ap, s) = (bands[0][i] + bands[1][i] + bands[2][i], 0.5 * (l[i] - r[i]));
            let mut s_hp = s;
            // The mono-below filters run even when off, so that switching
            // on starts from settled state.
            let mut m_lr = m_ap;
            for b in &mut self.mid_ap {
                m_lr = b.tick(m_lr);
            }
            for b in &mut self.side_hp {
                s_hp = b.tick(s_hp);
            }
            let a = if gliding { self.amount.next() } else { self.amount.current() } as f32;
            (mid[i], side[i]) = if a >= 1.0 {
                (m_lr, s_hp)
            } else if a > 0.0 {
                (m_ap + a * (m_lr - m_ap), s + a * (s_hp - s))
            } else {
                (m_ap, s)
            };
        }
        {
            let [b0, b1, b2] = &mut bands;
            self.side.split(&side[..n], &mut [&mut b0[..n], &mut b1[..n], &mut b2[..n]]);
        }
        let widths = &mut self.width;
        if widths.iter().any(LinearSmoother::is_smoothing) {
            for i in 0..n {
                let w = [widths[0].next(), widths[1].next(), widths[2].next()];
                side[i] = w[0] as f32 * bands[0][i]
                    + w[1] as f32 * bands[1][i]
                    + w[2] as f32 * bands[2][i];
            }
        } else {
            let w = widths.each_ref().map(|s| s.current() as f32);
            for i in 0..n {
                side[i] = w[0] * bands[0][i] + w[1] * bands[1][i] + w[2] * bands[2][i];
            }
        }
        for i in 0..n {
            (l[i], r[i]) = (mid[i] + side[i], mid[i] - side[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn run(p: &mut MultibandImager, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        crate::processor::process_in_blocks(p, &mut [&mut a, &mut b], 512);
        (a, b)
    }

    fn imager(widths: [f64; 3], mono_below_hz: f64) -> MultibandImager {
        let mut p = MultibandImager::default();
        p.set_width_low(widths[0]).unwrap();
        p.set_width_mid(widths[1]).unwrap();
        p.set_width_high(widths[2]).unwrap();
        p.set_mono_below_hz(mono_below_hz).unwrap();
        p
    }

    /// Level in dB of the side `(L-R)/2` of the output over its input,
    /// for a side-only tone at `freq` (after the filters settle).
    fn side_gain_db(p: &mut MultibandImager, freq: f64) -> f64 {
        let s = sine(freq, FS, 48_000, 0.5);
        let neg: Vec<f32> = s.iter().map(|v| -v).collect();
        let (a, b) = run(p, &s, &neg);
        let side: Vec<f32> = a.iter().zip(&b).map(|(x, y)| 0.5 * (x - y)).collect();
        20.0 * libm::log10(rms(&side[24_000..]) / rms(&s[24_000..]))
    }

    /// At widths 1 an impulse in the left channel comes out of the left
    /// with flat magnitude (within 0.01 dB, 20 Hz to 20 kHz, at 48 kHz)
    /// and nothing in the right: the mid passes the same all-pass as the
    /// split side. (The f32 crossover's precision sets the lowest
    /// `low_hz`: at 40 Hz the sum is off by 0.03 dB, at 80 Hz 0.011.)
    #[test]
    fn widths_one_are_flat() {
        for (low, high) in [(200.0, 4000.0), (100.0, 16_000.0), (120.0, 1000.0), (800.0, 1000.0)] {
            let mut p = MultibandImager::new(low, high).unwrap();
            let mut x = vec![0.0f32; 65_536];
            x[0] = 1.0;
            let (a, b) = run(&mut p, &x, &vec![0.0; x.len()]);
            let (mut worst, mut at) = (0.0f64, 0.0);
            let mut f = 20.0;
            while f < 20_000.0 {
                let db = dft_db(&a, f, FS);
                if db.abs() > worst {
                    (worst, at) = (db.abs(), f);
                }
                f *= 1.02;
            }
            std::println!("{low}/{high} Hz: L->L within {worst:.5} dB (worst at {at:.0} Hz)");
            assert!(worst < 0.01, "{low}/{high}: {worst} dB at {at} Hz");
            assert!(b.iter().all(|&v| v == 0.0), "L leaks into R");
        }
    }

    #[test]
    fn width_zero_is_mono() {
        let x = test_signal(2, 8000);
        let (a, b) = run(&mut imager([0.0; 3], 0.0), &x[0], &x[1]);
        assert_eq!(a, b);
        // The mono sum keeps its magnitude (the mid is only all-passed).
        let mut imp = vec![0.0f32; 16_384];
        imp[0] = 1.0;
        let (a, _) = run(&mut imager([0.0; 3], 0.0), &imp, &imp);
        for f in [30.0, 200.0, 1000.0, 4000.0, 15_000.0] {
            assert!(dft_db(&a, f, FS).abs() < 0.01, "{f}");
        }
    }

    /// A side tone well inside each band is scaled by that band's width.
    #[test]
    fn each_band_has_its_width() {
        let widths = [0.5, 1.5, 2.0];
        let mut p = imager(widths, 0.0);
        for (band, f) in [(0, 30.0), (1, 900.0), (2, 16_000.0)] {
            let got = side_gain_db(&mut p, f);
            let want = 20.0 * libm::log10(widths[band]);
            std::println!("side tone {f} Hz: {got:.3} dB (width {})", widths[band]);
            assert!((got - want).abs() < 0.1, "{f} Hz: {got} dB, want {want}");
        }
    }

    /// Mono below 120 Hz: a 40 Hz side tone is down more than 40 dB, a
    /// 1 kHz one passes within 0.1 dB; the mid is untouched in level.
    #[test]
    fn mono_below_removes_low_side() {
        let mut p = imager([1.0; 3], 120.0);
        let low = side_gain_db(&mut p, 40.0);
        let high = side_gain_db(&mut p, 1000.0);
        std::println!("mono below 120 Hz: 40 Hz side {low:.1} dB, 1 kHz side {high:.4} dB");
        assert!(low < -40.0, "{low}");
        assert!(high.abs() < 0.1, "{high}");
        let m = sine(40.0, FS, 48_000, 0.5);
        let (a, b) = run(&mut p, &m, &m);
        assert_eq!(a, b);
        let db = 20.0 * libm::log10(rms(&a[24_000..]) / rms(&m[24_000..]));
        assert!(db.abs() < 0.01, "{db}");
        // Off again (after the crossfade): flat once more.
        p.set_mono_below_hz(0.0).unwrap();
        assert!(side_gain_db(&mut p, 40.0).abs() < 0.01);
    }

    #[test]
    fn rejects_bad_values_and_rates() {
        assert!(MultibandImager::new(90.0, 4000.0).is_err());
        assert!(MultibandImager::new(200.0, 20_000.0).is_err());
        let mut p = MultibandImager::default();
        assert!(p.set_width_mid(2.5).is_err());
        assert!(p.set_mono_below_hz(600.0).is_err());
        p.set_high_hz(16_000.0).unwrap();
        assert!(p.prepare(&ProcessSpec::new(32_000.0, 64, 2)).is_err());
        assert!(MultibandImager::default().prepare(&ProcessSpec::new(FS, 64, 1)).is_err());
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || imager([0.3, 1.7, 0.8], 0.0),
            2,
            |p| {
                p.set_width_low(1.2).unwrap();
                p.set_low_hz(400.0).unwrap();
                p.set_high_hz(8000.0).unwrap();
                p.set_mono_below_hz(150.0).unwrap();
            },
        );
        check_processor_invariants(
            || imager([1.0, 0.0, 2.0], 90.0),
            2,
            |p| {
                p.set_mono_below_hz(300.0).unwrap();
                p.set_width_high(0.5).unwrap();
            },
        );
    }
}
