//! Bounded-memory storage of block loudness for gating: a histogram whose
//! bins keep both a count and the exact sum of their blocks' mean squares.
//!
//! Memory is fixed (2000 bins of 0.05 LU from -70 to +30 LUFS, 32 KB) however
//! long the programme. Because each bin sums the blocks' energies, a mean
//! over whole bins is exact; only the one bin that a relative gate threshold
//! cuts through is approximated (its blocks are taken as spread evenly
//! across the bin's 0.05 LU), so gated loudness is not limited by the bin
//! width. Blocks louder than +30 LUFS land in the top bin, with their energy
//! still summed exactly.

use alloc::vec;
use alloc::vec::Vec;

use crate::math::{log10, pow};

/// Lower edge of the histogram and the absolute gate, in LUFS.
pub(crate) const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Width of one bin in LU.
const BIN_LU: f64 = 0.05;
/// Number of bins (-70 to +30 LUFS).
const BINS: usize = 2000;

/// Loudness in LUFS of a weighted mean square (`-inf` for 0).
#[inline]
pub(crate) fn lufs(mean_square: f64) -> f64 {
    -0.691 + 10.0 * log10(mean_square)
}

/// Weighted mean square of a loudness in LUFS.
#[inline]
pub(crate) fn mean_square(lufs: f64) -> f64 {
    pow(10.0, (lufs + 0.691) / 10.0)
}

/// Histogram of block loudness with per-bin energy sums.
#[derive(Debug, Clone)]
pub(crate) struct GateHistogram {
    count: Vec<u64>,
    energy: Vec<f64>,
}

impl GateHistogram {
    /// An empty histogram (the only allocation).
    pub(crate) fn new() -> Self {
        Self { count: vec![0; BINS], energy: vec![0.0; BINS] }
    }

    /// Empties the histogram. Never allocates.
    pub(crate) fn clear(&mut self) {
        self.count.iter_mut().for_each(|c| *c = 0);
        self.energy.iter_mut().for_each(|e| *e = 0.0);
    }

    /// Adds a block with weighted mean square `z` if it passes the absolute
    /// gate (blocks at exactly -70 LUFS are kept, as in libebur128).
    pub(crate) fn insert(&mut self, z: f64) {
        let l = lufs(z);
        if l >= ABSOLUTE_GATE_LUFS {
            let i = (((l - ABSOLUTE_GATE_LUFS) / BIN_LU) as usize).min(BINS - 1);
            self.count[i] += 1;
            self.energy[i] += z;
        }
    }

    /// Number of blocks above the absolute gate.
    pub(crate) fn len(&self) -> u64 {
        self.count.iter().sum()
    }

    /// Mean square of the blocks above the absolute gate and above the
    /// relative gate `relative_lu` below their mean (BS.1770 uses -10 LU),
    /// pooled over several histograms; `None` if no block passes.
    pub(crate) fn gated_mean<'a>(
        hists: impl Iterator<Item = &'a GateHistogram> + Clone,
        relative_lu: f64,
    ) -> Option<f64> {
        let (n, e) = hists.clone().fold((0u64, 0.0f64), |(n, e), h| {
            (n + h.count.iter().sum::<u64>(), e + h.energy.iter().sum::<f64>())
        });
        if n == 0 {
            return None;
        }
        let threshold = lufs(e / n as f64) + relative_lu;
        let pos = (threshold - ABSOLUTE_GATE_LUFS) / BIN_LU;
        let (mut gn, mut ge) = (0.0f64, 0.0f64);
        for h in hists {
            for (i, (&c, &s)) in h.count.iter().zip(&h.energy).enumerate() {
                // Share of the bin above the threshold (1 for bins wholly above).
                let share = (i as f64 + 1.0 - pos).clamp(0.0, 1.0);
                gn += share * c as f64;
                ge += share * s;
            }
        }
        (gn > 0.0).then(|| ge / gn)
    }

    /// Loudness Range (EBU Tech 3342) of short-term values held here:
    /// relative gate -20 LU (kept if the bin's mean is at or above it), then
    /// the 95th minus the 10th percentile by nearest rank, each read as the
    /// mean loudness of the bin holding that rank. 0 without any value.
    pub(crate) fn loudness_range(&self) -> f64 {
        let Some(n_all) = (self.len() > 0).then(|| self.len()) else {
            return 0.0;
        };
        let e_all: f64 = self.energy.iter().sum();
        let threshold = mean_square(lufs(e_all / n_all as f64) - 20.0);
        let kept = || {
            self.count
                .iter()
                .zip(&self.energy)
                .filter(move |&(&c, &s)| c > 0 && s / c as f64 >= threshold)
        };
        let n: u64 = kept().map(|(&c, _)| c).sum();
        if n == 0 {
            return 0.0;
        }
        // Nearest rank, 1-based: round((n - 1) p + 1) (Tech 3342 MATLAB).
        let value_at = |p: f64| {
            let rank = libm::round((n - 1) as f64 * p + 1.0) as u64;
            let mut seen = 0;
            for (&c, &s) in kept() {
                seen += c;
                if seen >= rank {
                    return lufs(s / c as f64);
                }
            }
            f64::NAN // unreachable: rank <= n
        };
        value_at(0.95) - value_at(0.10)
    }
}
