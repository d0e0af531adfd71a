//! Progress and cancellation of long offline jobs (mastering, analysis).

use crate::error::Error;

/// Smallest step in the fraction done between two calls of the callback
/// (0.2 %: at most about 500 calls per job).
const STEP: f64 = 0.002;

/// A job's progress: a callback told the fraction done (0 to 1, rising)
/// that returns `false` to cancel the job, which then stops with
/// [`Error::Cancelled`]. A job made of parts gives each part a
/// [`phase`](Self::phase), a span of the whole.
///
/// ```
/// use dsp_core::progress::Progress;
/// let mut seen = Vec::new();
/// let mut callback = |f: f64| { seen.push(f); f < 0.5 };
/// let mut progress = Progress::new(&mut callback);
/// progress.phase(0.0, 0.25, |p| p.report(1.0)).unwrap();
/// assert!(progress.report(0.6).is_err()); // cancelled past half way
/// assert_eq!(seen, [0.25, 0.6]);
/// ```
pub struct Progress<'a> {
    callback: Option<&'a mut dyn FnMut(f64) -> bool>,
    /// The current phase: local fraction f is `base + scale * f` overall.
    base: f64,
    scale: f64,
    /// The last fraction the callback was told.
    told: f64,
}

impl core::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Progress").field("told", &self.told).finish()
    }
}

impl Progress<'static> {
    /// No callback: reports cost nothing and never cancel.
    pub fn none() -> Self {
        Progress { callback: None, base: 0.0, scale: 1.0, told: -1.0 }
    }
}

impl<'a> Progress<'a> {
    /// Progress told to `callback`.
    pub fn new(callback: &'a mut dyn FnMut(f64) -> bool) -> Self {
        Progress { callback: Some(callback), base: 0.0, scale: 1.0, told: -1.0 }
    }

    /// Reports that `fraction` (0 to 1) of the current phase is done; the
    /// callback hears of it once the whole has advanced by 0.2 % (or
    /// reached the end). `Err(Error::Cancelled)` if it asks to stop.
    pub fn report(&mut self, fraction: f64) -> Result<(), Error> {
        let Some(callback) = self.callback.as_mut() else { return Ok(()) };
        let overall = (self.base + self.scale * fraction.clamp(0.0, 1.0)).clamp(0.0, 1.0);
        if overall < self.told + STEP && overall < 1.0 || overall <= self.told {
            return Ok(());
        }
        self.told = overall;
        if callback(overall) { Ok(()) } else { Err(Error::Cancelled) }
    }

    /// Runs `part` as the span from `from` to `to` of the current phase (its
    /// reports are scaled into it), then reports `to`.
    pub fn phase<R>(
        &mut self,
        from: f64,
        to: f64,
        part: impl FnOnce(&mut Self) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let saved = (self.base, self.scale);
        self.base = saved.0 + saved.1 * from;
        self.scale = saved.1 * (to - from);
        let result = part(self);
        (self.base, self.scale) = saved;
        let result = result?;
        self.report(to)?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Nested phases map onto the whole in order; small steps are merged;
    /// the end is always told; no callback means no cost and no cancel.
    #[test]
    fn phases_nest_and_steps_are_merged() {
        let mut seen = Vec::new();
        let mut callback = |f: f64| {
            seen.push(f);
            true
        };
        let mut p = Progress::new(&mut callback);
        p.phase(0.5, 1.0, |p| {
            p.phase(0.0, 0.5, |p| (0..=1000).try_for_each(|i| p.report(f64::from(i) / 1000.0)))
        })
        .unwrap();
        assert!(seen.windows(2).all(|w| w[1] - w[0] >= STEP - 1e-12 || w[1] == 1.0));
        assert_eq!((seen[0], *seen.last().unwrap()), (0.5, 1.0));
        assert!(seen.iter().any(|&f| (f - 0.75).abs() <= STEP) && seen.len() < 150);
        assert_eq!(Progress::none().report(1.0), Ok(()));
    }
}
