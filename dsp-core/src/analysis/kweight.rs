//! ITU-R BS.1770 K-weighting at any sample rate, run two channels at a time.
//!
//! The two stages (a high shelf modelling the head, the "RLB" high-pass) are
//! designed from their analog parameters (libebur128's parametrisation,
//! which reproduces the 48 kHz table of BS.1770 Annex 1 to 14 decimals), so
//! every rate gets the same frequency response rather than the fixed 48 kHz
//! table. Up to 0.45 fs the response matches the 48 kHz filter within
//! 0.002 dB at 44.1 kHz and 0.01 dB at 96-384 kHz. Below 44.1 kHz the
//! bilinear shelf (corner 1.68 kHz) would be squeezed towards Nyquist (0.3 dB
//! off at 8 kHz), so its four parameters are refitted to the 48 kHz response
//! when the filter is made.
//!
//! The filter runs in f64 state, two channels side by side (a pair of f64
//! lanes is one SSE2/NEON register, so the second channel costs nothing):
//! the high-pass has its poles within `2 pi 38 Hz / fs` of the unit circle
//! (6e-4 at 384 kHz), where f32 state would add round-off noise far above
//! the 0.02 LU accuracy this meter aims for.

use crate::filters::Coefs;
use crate::filters::section::{Section, SectionState, SumSquares, run_series};
use crate::math::{PI, cos, log10, pow, tan};
use crate::simd::{Kernel, dispatch};

/// BS.1770 shelf parameters: corner Hz, gain dB, Q, exponent of the
/// mid-band gain (libebur128's parametrisation).
const SHELF_ITU: [f64; 4] =
    [1681.974450955533, 3.999843853973347, 0.7071752369554196, 0.4996667741545416];

/// High shelf from its analog parameters by the bilinear transform.
fn shelf(sample_rate: f64, [f0, gain_db, q, vb_exp]: [f64; 4]) -> Coefs {
    let k = tan(PI * f0 / sample_rate);
    let vh = pow(10.0, gain_db / 20.0);
    let vb = pow(vh, vb_exp);
    Coefs::from_raw(
        vh + vb * k / q + k * k,
        2.0 * (k * k - vh),
        vh - vb * k / q + k * k,
        1.0 + k / q + k * k,
        2.0 * (k * k - 1.0),
        1.0 - k / q + k * k,
    )
}

/// Points of the shelf fit.
const FIT_POINTS: usize = 48;

/// Squared magnitude of a biquad at `w` radians per sample, given
/// `[cos w, cos 2w]`.
fn magnitude_squared(c: &Coefs, [c1, c2]: [f64; 2]) -> f64 {
    let num = c.b0 * c.b0
        + c.b1 * c.b1
        + c.b2 * c.b2
        + 2.0 * (c.b0 * c.b1 + c.b1 * c.b2) * c1
        + 2.0 * c.b0 * c.b2 * c2;
    let den = 1.0 + c.a1 * c.a1 + c.a2 * c.a2 + 2.0 * (c.a1 + c.a1 * c.a2) * c1 + 2.0 * c.a2 * c2;
    num / den
}

/// The shelf for a rate: the bilinear design from 44.1 kHz up; below, the
/// parameters are refitted (Nelder-Mead, least squares in dB on 48
/// log-spaced points from 20 Hz to 0.45 fs) to the 48 kHz filter's
/// response, which the bilinear design misses by up to 0.3 dB at 8 kHz.
fn shelf_for_rate(sample_rate: f64) -> Coefs {
    if sample_rate >= 44_100.0 {
        return shelf(sample_rate, SHELF_ITU);
    }
    let reference = shelf(48_000.0, SHELF_ITU);
    let top = 0.45 * sample_rate;
    // (cos w, cos 2w) at this rate and the 48 kHz response, per point.
    let mut grid = [([0.0; 2], 0.0); FIT_POINTS];
    for (i, g) in grid.iter_mut().enumerate() {
        let f = 20.0 * pow(top / 20.0, i as f64 / (FIT_POINTS - 1) as f64);
        let w = 2.0 * PI * f / sample_rate;
        g.0 = [cos(w), cos(2.0 * w)];
        let w48 = 2.0 * PI * f / 48_000.0;
        g.1 = magnitude_squared(&reference, [cos(w48), cos(2.0 * w48)]);
    }
    let cost = |p: [f64; 4]| {
        if !(p[0] > 0.0 && p[0] < 0.49 * sample_rate && p[2] > 0.05) {
            return f64::INFINITY;
        }
        let c = shelf(sample_rate, p);
        grid.iter()
            .map(|&(cw, there)| {
                let d = 10.0 * log10(magnitude_squared(&c, cw) / there);
                d * d
            })
            .sum::<f64>()
    };
    shelf(sample_rate, nelder_mead(cost, SHELF_ITU, 0.05, 600))
}

/// Minimises `cost` from `start` with the Nelder-Mead simplex method
/// (initial steps `step` times each coordinate, `iterations` rounds).
fn nelder_mead<const N: usize>(
    cost: impl Fn([f64; N]) -> f64,
    start: [f64; N],
    step: f64,
    iterations: usize,
) -> [f64; N] {
    let mut pts = [start; 8];
    debug_assert!(N < 8);
    for (i, p) in pts.iter_mut().enumerate().skip(1).take(N) {
        p[i - 1] *= 1.0 + step;
    }
    let mut vals = [0.0; 8];
    for i in 0..=N {
        vals[i] = cost(pts[i]);
    }
    let towards = |a: [f64; N], b: [f64; N], t: f64| {
        let mut r = a;
        for j in 0..N {
            r[j] = a[j] + t * (b[j] - a[j]);
        }
        r
    };
    for _ in 0..iterations {
        // Sort vertices by cost (insertion sort, N + 1 <= 8).
        for i in 1..=N {
            let mut j = i;
            while j > 0 && vals[j] < vals[j - 1] {
                pts.swap(j, j - 1);
                vals.swap(j, j - 1);
                j -= 1;
            }
        }
        if vals[N] - vals[0] <= 1e-12 * vals[0] {
            break;
        }
        let mut centroid = [0.0; N];
        for p in &pts[..N] {
            for j in 0..N {
                centroid[j] += p[j] / N as f64;
            }
        }
        let worst = pts[N];
        let reflected = towards(centroid, worst, -1.0);
        let fr = cost(reflected);
        if fr < vals[0] {
            let expanded = towards(centroid, worst, -2.0);
            let fe = cost(expanded);
            (pts[N], vals[N]) = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < vals[N - 1] {
            (pts[N], vals[N]) = (reflected, fr);
        } else {
            let contracted = towards(centroid, worst, 0.5);
            let fc = cost(contracted);
            if fc < vals[N] {
                (pts[N], vals[N]) = (contracted, fc);
            } else {
                for i in 1..=N {
                    pts[i] = towards(pts[0], pts[i], 0.5);
                    vals[i] = cost(pts[i]);
                }
            }
        }
    }
    let best = (0..=N).fold(0, |b, i| if vals[i] < vals[b] { i } else { b });
    pts[best]
}

/// Stage 1 (high shelf) and stage 2 (high-pass) coefficients for a rate.
pub(crate) fn k_weighting(sample_rate: f64) -> [Coefs; 2] {
    let shelf = shelf_for_rate(sample_rate);
    // The high-pass numerator is [1, -2, 1] scaled by the 48 kHz design's
    // own a0, so that 48 kHz gives BS.1770 Table 2 exactly and every other
    // rate the same passband gain (libebur128 keeps [1, -2, 1] at all rates,
    // which reads 0.01 dB low at 96 kHz and 0.2 dB high at 8 kHz).
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let a0 = |fs: f64| {
        let k = tan(PI * f0 / fs);
        (k, 1.0 + k / q + k * k)
    };
    let (k, a0_here) = a0(sample_rate);
    let g = a0(48_000.0).1 / a0_here;
    let highpass = Coefs {
        b0: g,
        b1: -2.0 * g,
        b2: g,
        a1: 2.0 * (k * k - 1.0) / a0_here,
        a2: (1.0 - k / q + k * k) / a0_here,
    };
    [shelf, highpass]
}

/// K-weighting for two channels (lanes): the shelf and the high-pass in
/// series, on the filters' section kernel (direct form I, f64 state).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KWeightPair {
    sections: [Section; 2],
    state: [SectionState; 2],
}

impl KWeightPair {
    /// A cleared filter pair for `sample_rate`.
    pub(crate) fn new(sample_rate: f64) -> Self {
        let sections = k_weighting(sample_rate).map(|c| Section::new(&c, 1.0));
        Self { sections, state: [SectionState::default(); 2] }
    }

    /// Clears the state.
    pub(crate) fn reset(&mut self) {
        self.state = [SectionState::default(); 2];
    }

    /// Filters `a` (lane 0) and `b` (lane 1, of the same length) and returns
    /// `acc` plus the squares of each lane's output, added sample by sample.
    pub(crate) fn sum_squares(&mut self, a: &[f32], b: &[f32], acc: [f64; 2]) -> [f64; 2] {
        let acc = dispatch(Weigh { pair: self, a, b, acc });
        self.state.iter_mut().for_each(SectionState::flush);
        acc
    }
}

/// [`KWeightPair::sum_squares`]'s arguments, as a [`Kernel`].
struct Weigh<'a> {
    pair: &'a mut KWeightPair,
    a: &'a [f32],
    b: &'a [f32],
    acc: [f64; 2],
}

impl Kernel for Weigh<'_> {
    type Output = [f64; 2];

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) -> [f64; 2] {
        let mut frames = SumSquares(self.a, self.b, self.acc);
        run_series::<2, WIDE>(&self.pair.sections, &mut self.pair.state, &mut frames);
        frames.2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn k_db(fs: f64, f: f64) -> f64 {
        let [a, b] = k_weighting(fs);
        a.magnitude_db(f, fs) + b.magnitude_db(f, fs)
    }

    #[test]
    fn reproduces_the_bs1770_tables() {
        let [s, h] = k_weighting(48_000.0);
        let want = [1.53512485958697, -2.69169618940638, 1.19839281085285];
        for (g, w) in [s.b0, s.b1, s.b2].iter().zip(want) {
            assert_abs_diff_eq!(*g, w, epsilon = 1e-13);
        }
        assert_abs_diff_eq!(s.a1, -1.69065929318241, epsilon = 1e-13);
        assert_abs_diff_eq!(s.a2, 0.73248077421585, epsilon = 1e-13);
        assert_eq!([h.b0, h.b1, h.b2], [1.0, -2.0, 1.0]);
        assert_abs_diff_eq!(h.a1, -1.99004745483398, epsilon = 1e-13);
        assert_abs_diff_eq!(h.a2, 0.99007225036621, epsilon = 1e-13);
        let [s, h] = k_weighting(44_100.0);
        assert_abs_diff_eq!(s.b0, 1.53084123005035, epsilon = 1e-13);
        assert_abs_diff_eq!(h.a1, -1.98916967362980, epsilon = 1e-13);
        let [s, h] = k_weighting(96_000.0);
        assert_abs_diff_eq!(s.b1, -2.92674157825108, epsilon = 1e-13);
        assert_abs_diff_eq!(h.a2, 0.99502375904092, epsilon = 1e-13);
    }

    #[test]
    fn same_response_at_every_rate() {
        // Largest deviation from the 48 kHz response between 20 Hz and
        // 0.45 fs (of the lower rate).
        for (fs, bound) in [
            (8_000.0, 0.01),
            (11_025.0, 0.01),
            (22_050.0, 0.002),
            (32_000.0, 0.002),
            (44_100.0, 0.002),
            (96_000.0, 0.01),
            (384_000.0, 0.01),
        ] {
            let top = 0.45 * f64::min(fs, 48_000.0);
            let mut f = 20.0;
            let mut worst = 0.0f64;
            while f < top {
                worst = worst.max((k_db(fs, f) - k_db(48_000.0, f)).abs());
                f *= 1.05;
            }
            assert!(worst < bound, "{fs}: {worst}");
        }
        // Gain at 997 Hz cancels the -0.691 offset of the loudness formula.
        assert_abs_diff_eq!(k_db(48_000.0, 997.0), 0.691, epsilon = 0.003);
        assert_abs_diff_eq!(k_db(384_000.0, 997.0), 0.691, epsilon = 0.01);
    }

    #[test]
    fn filter_matches_its_design() {
        // Measured sine gain after the transient equals the designed response.
        for fs in [8_000.0, 48_000.0, 384_000.0] {
            for f in [30.0, 1000.0, 3000.0] {
                let x = crate::test_util::sine(f, fs, (fs * 1.5) as usize, 1.0);
                let mut k = KWeightPair::new(fs);
                let skip = (fs * 0.5) as usize;
                k.sum_squares(&x[..skip], &x[..skip], [0.0; 2]);
                let [e, e2] = k.sum_squares(&x[skip..], &x[skip..], [0.0; 2]);
                assert_eq!(e, e2);
                let db = 10.0 * libm::log10(e / (x.len() - skip) as f64 * 2.0);
                assert_abs_diff_eq!(db, k_db(fs, f), epsilon = 0.01);
            }
        }
    }
}
