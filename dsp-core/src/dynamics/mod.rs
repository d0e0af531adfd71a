//! Dynamics processors: compressor, expander and gate, de-esser, multiband
//! compressor, lookahead limiter, dynamic EQ, soft clipper, and the kernels
//! they share.
//!
//! The kernels (gain curves, ballistics, fast dB) need no heap; the
//! multichannel processors need feature `alloc`.
//!
//! ```
//! use dsp_core::dynamics::{Compressor, Detector};
//! use dsp_core::{ProcessSpec, Processor};
//! use std::f32::consts::TAU;
//!
//! // Threshold -20 dB, ratio 4, hard knee, attack 5 ms, release 100 ms.
//! let mut comp = Compressor::new(-20.0, 4.0, 0.0, 5.0, 100.0, 0.0, 1.0, 1.0)?;
//! comp.set_detector(Detector::Rms);
//! comp.prepare(&ProcessSpec::new(48_000.0, 512, 1))?;
//! // Half a second of a 1 kHz sine, then the gain reduction in dB.
//! let mut run = |amp: f32| {
//!     let mut x: Vec<f32> =
//!         (0..24_000).map(|i| amp * (TAU * (i % 48) as f32 / 48.0).sin()).collect();
//!     x.chunks_mut(512).for_each(|block| comp.process_mono(block));
//!     comp.gain_reduction_db()
//! };
//! // Peak 0.5 is -9 dBFS RMS, 11 dB over the threshold; at 4:1 it comes
//! // out 2.75 dB over: 8.25 dB of gain reduction.
//! assert!((run(0.5) - 8.25).abs() < 0.1);
//! // 30 dB quieter, below the threshold: the compressor lets go.
//! assert!(run(0.016) < 0.1);
//! # Ok::<(), dsp_core::Error>(())
//! ```

pub mod ballistics;
#[cfg(feature = "alloc")]
mod compressor;
pub mod crossover;
pub mod curve;
#[cfg(feature = "alloc")]
mod deesser;
#[cfg(feature = "alloc")]
mod detector;
#[cfg(feature = "alloc")]
mod dynamic_eq;
#[cfg(feature = "alloc")]
mod engine;
#[cfg(feature = "alloc")]
mod expander;
pub mod fast_db;
#[cfg(feature = "alloc")]
pub mod limiter;
#[cfg(feature = "alloc")]
mod multiband;
#[cfg(feature = "alloc")]
mod soft_clipper;

/// Highest value of the dynamics processors' frequency parameters
/// (crossovers, the de-esser's split, the sidechain high-pass), in Hz. The
/// Nyquist frequency of the sample rate in use bounds them too: checked at
/// `prepare`, and by the setters once prepared.
pub const MAX_FREQUENCY_HZ: f64 = 40_000.0;

pub use crate::params::Dynamics;
pub use ballistics::Ballistics;
#[cfg(feature = "alloc")]
pub use compressor::{COMPRESSOR_KIND, Compressor};
pub use crossover::Crossover;
pub use curve::GainComputer;
#[cfg(feature = "alloc")]
pub use deesser::{DE_ESSER_KIND, DeEsser};
#[cfg(feature = "alloc")]
pub use detector::Detector;
#[cfg(feature = "alloc")]
pub use dynamic_eq::{
    DETECTOR_WINDOW_MS, DYNAMIC_BAND_KIND, DYNAMIC_EQ_KIND, DynamicBand, DynamicEq, DynamicShape,
    MAX_DYNAMIC_GAIN_DB,
};
#[cfg(feature = "alloc")]
pub use expander::{EXPANDER_KIND, Expander, NOISE_GATE_KIND, NoiseGate};
#[cfg(feature = "alloc")]
pub use limiter::{LIMITER_KIND, Limiter};
#[cfg(feature = "alloc")]
pub use multiband::{MULTIBAND_COMPRESSOR_KIND, MultibandCompressor};
#[cfg(feature = "alloc")]
pub use soft_clipper::{SOFT_CLIPPER_KIND, SoftClipper};

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::processor::{Processor, for_each_block};
    use crate::spec::ProcessSpec;
    use crate::test_util::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    /// Stereo material that every kind reacts to: loud (peaks above 0 dBFS)
    /// for a while, then quiet, then loud again.
    fn material(len: usize) -> Vec<Vec<f32>> {
        let mut x = test_signal(2, len);
        for ch in x.iter_mut() {
            for (i, v) in ch.iter_mut().enumerate() {
                *v *= if (i / 3000) % 2 == 0 { 1.6 } else { 0.003 };
            }
        }
        x
    }

    /// Through [`Dynamics::process_keyed`] in blocks of `block`: output and
    /// gain-reduction rows. Never allocates.
    fn keyed<P: Dynamics + Processor>(
        p: &mut P,
        x: &[Vec<f32>],
        block: usize,
    ) -> [Vec<Vec<f32>>; 2] {
        let mut y = x.to_vec();
        let mut gr = vec![vec![f32::NAN; x[0].len()]; p.gain_reduction_rows()];
        let mut views: Vec<&mut [f32]> = y.iter_mut().map(|c| &mut c[..]).collect();
        let mut rows: Vec<&mut [f32]> = gr.iter_mut().map(|r| &mut r[..]).collect();
        let ((), allocs) = count_allocs(|| {
            for_each_block(&mut views, &mut rows, &[], block, |c, r, _| {
                p.process_keyed(c, None, r)
            });
        });
        assert_eq!(allocs, 0);
        [y, gr]
    }

    /// Checks that the keyed path's output and reduction rows equal, bit for
    /// bit, what the typed API gives when run sample by sample (and that
    /// there is a reduction to compare if `reduces`).
    fn check<P: Dynamics + Processor + Clone>(
        p: P,
        rows: usize,
        reduces: bool,
        read: impl Fn(&P, usize) -> f32,
    ) {
        let x = material(12_000);
        let (mut a, mut b) = (p.clone(), p);
        for q in [&mut a, &mut b] {
            q.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        }
        assert_eq!(a.gain_reduction_rows(), rows);
        let [ya, ga] = keyed(&mut a, &x, 512);
        // The typed API, one sample at a time, each row read after every sample.
        let mut yb = x.clone();
        let mut gb = vec![vec![0.0f32; x[0].len()]; rows];
        for i in 0..x[0].len() {
            let (l, r) = yb.split_at_mut(1);
            b.process(&mut [&mut l[0][i..=i], &mut r[0][i..=i]]);
            for (row, g) in gb.iter_mut().enumerate() {
                g[i] = read(&b, row);
            }
        }
        assert_eq!(ya, yb);
        assert_eq!(ga, gb);
        let most = ga.iter().flatten().fold(0.0f32, |m, &g| m.max(g));
        assert_eq!(
            most > 1.0,
            reduces,
            "{}: largest reduction {most}",
            core::any::type_name::<P>()
        );
        for (row, g) in ga.iter().enumerate() {
            assert_eq!(a.row_gain_reduction_db(row), g[g.len() - 1]);
        }
    }

    #[test]
    fn keyed_rows_equal_the_typed_reports() {
        check(Compressor::default(), 1, true, |c, _| c.gain_reduction_db());
        let mut c = Compressor::new(-30.0, 3.0, 6.0, 2.0, 50.0, 3.0, 0.4, 0.7).unwrap();
        c.set_detector(Detector::Rms);
        check(c, 1, true, |c, _| c.gain_reduction_db());
        check(Expander::default(), 1, true, |e, _| e.gain_reduction_db());
        check(NoiseGate::default(), 1, true, |g, _| g.gain_reduction_db());
        check(DeEsser::new(3000.0, -40.0).unwrap(), 1, true, |d, _| d.gain_reduction_db());
        let mut d = DeEsser::default();
        d.set_listen(true);
        check(d, 1, false, |d, _| d.gain_reduction_db());
        check(Limiter::default(), 1, true, |l, _| l.gain_reduction_db());
        let mut l = Limiter::new(-6.0, true, 1.0, 50.0).unwrap();
        l.set_auto_release(true);
        check(l, 1, true, |l, _| l.gain_reduction_db());
        let mut m = MultibandCompressor::new(&[300.0, 2500.0, 9000.0]).unwrap();
        m.band_mut(1).unwrap().set_threshold_db(-35.0).unwrap();
        m.set_band_bypass(2, true).unwrap();
        m.set_band_solo(3, true).unwrap();
        check(m, 4, true, |m, b| m.band_gain_reduction_db(b));
    }
}
