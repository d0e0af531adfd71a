//! Runtime dispatch of hot loops to code compiled for wider vector units.
//!
//! The library is built for the baseline of its target (SSE2 on x86-64).
//! A [`Kernel`] is compiled twice: as is (`WIDE = false`), and, on x86-64
//! with `std`, with AVX2 and FMA enabled (`WIDE = true`), where its vector
//! loops run eight lanes wide, AVX intrinsics may be used, and [`mul_add`]
//! is one fused instruction on recursions that wait on it. [`dispatch`]
//! picks the second when the CPU has both features (a cached check, no
//! allocation or lock). Results are deterministic on a given machine; a
//! fused multiply-add rounds once, so outputs may differ from a machine
//! without FMA in the last bits.

/// A loop body compiled once per instruction set; see [`dispatch`].
pub(crate) trait Kernel {
    /// What the kernel returns.
    type Output;
    /// Runs the kernel; with `WIDE`, [`mul_add`] fuses and the kernel may
    /// use AVX2 and FMA instructions. Must be `#[inline(always)]`, as must
    /// the hot functions it calls, so that they are compiled inside the
    /// dispatching function with its features.
    ///
    /// # Safety
    /// With `WIDE`, the CPU has AVX2 and FMA (only [`dispatch`] calls it).
    unsafe fn run<const WIDE: bool>(self) -> Self::Output;
}

/// Runs `k` compiled for AVX2 + FMA if the CPU has them, else as built.
#[inline]
pub(crate) fn dispatch<K: Kernel>(k: K) -> K::Output {
    #[cfg(test)]
    if tests::BASELINE_ONLY.with(core::cell::Cell::get) {
        // SAFETY: the baseline variant runs on every CPU of the target.
        return unsafe { k.run::<false>() };
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "avx2,fma")]
        fn wide<K: Kernel>(k: K) -> K::Output {
            // SAFETY: `wide` only runs on CPUs with AVX2 and FMA.
            unsafe { k.run::<true>() }
        }
        // SAFETY: the CPU has the features `wide` is compiled for.
        return unsafe { wide(k) };
    }
    // SAFETY: the baseline variant runs on every CPU of the target.
    unsafe { k.run::<false>() }
}

/// A processor whose whole block runs as one [`Kernel`], through
/// [`dispatch_blocks`].
#[cfg(feature = "alloc")]
pub(crate) trait Blocks {
    /// Processes `channels`; with `WIDE`, compiled for AVX2 and FMA (as
    /// [`Kernel::run`], and `#[inline(always)]` like it).
    fn blocks<const WIDE: bool>(&mut self, channels: &mut [&mut [f32]]);
}

/// Runs `p`'s [`Blocks::blocks`] over `channels` in the widest vectors the
/// CPU has.
#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn dispatch_blocks<P: Blocks>(p: &mut P, channels: &mut [&mut [f32]]) {
    struct Call<'a, 'b, P> {
        p: &'a mut P,
        channels: &'a mut [&'b mut [f32]],
    }
    impl<P: Blocks> Kernel for Call<'_, '_, P> {
        type Output = ();

        #[inline(always)]
        unsafe fn run<const WIDE: bool>(self) {
            self.p.blocks::<WIDE>(self.channels);
        }
    }
    dispatch(Call { p, channels });
}

/// Floats [`mul_add`] works on.
pub(crate) trait MulAdd:
    Copy + core::ops::Mul<Output = Self> + core::ops::Add<Output = Self>
{
    /// `self·b + c` with one rounding.
    fn fused(self, b: Self, c: Self) -> Self;
}

macro_rules! impl_mul_add {
    ($($t:ty),*) => {$(
        impl MulAdd for $t {
            #[inline(always)]
            fn fused(self, b: Self, c: Self) -> Self {
                // Only reached from `dispatch`'s FMA variant, which needs std.
                #[cfg(feature = "std")]
                return self.mul_add(b, c);
                #[cfg(not(feature = "std"))]
                return self * b + c;
            }
        }
    )*};
}
impl_mul_add!(f32, f64);

/// `a·b + c`, rounded once when `WIDE` (where it is one instruction).
#[inline(always)]
pub(crate) fn mul_add<const WIDE: bool, T: MulAdd>(a: T, b: T, c: T) -> T {
    if WIDE { a.fused(b, c) } else { a * b + c }
}

#[cfg(test)]
mod tests {
    use crate::dynamics::{Compressor, Expander, Limiter};
    use crate::filters::{BandParams, Equalizer, Filter, FilterKind};
    use crate::test_util::{check_processor_invariants, run_blocks, test_signal};
    use crate::{ProcessSpec, Processor};
    use core::cell::Cell;

    std::thread_local! {
        /// Holds [`dispatch`](super::dispatch) to the baseline variant on
        /// this thread.
        pub(super) static BASELINE_ONLY: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `make()` over a test signal with the baseline variant and with
    /// the dispatched one: both keep the processor invariants, and they
    /// agree to rounding.
    fn check<P: Processor + Clone>(make: impl Fn() -> P) {
        let run = |baseline: bool| {
            BASELINE_ONLY.with(|b| b.set(baseline));
            check_processor_invariants(&make, 2, |_| {});
            let mut p = make();
            p.prepare(&ProcessSpec::new(48_000.0, 1024, 2)).unwrap();
            let out = run_blocks(&mut p, &test_signal(2, 24_000), &[512], usize::MAX, &|_| {});
            BASELINE_ONLY.with(|b| b.set(false));
            out
        };
        let (baseline, dispatched) = (run(true), run(false));
        let worst = baseline
            .iter()
            .flatten()
            .zip(dispatched.iter().flatten())
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(worst < 1e-5, "variants differ by {worst}");
    }

    #[test]
    fn baseline_and_dispatched_variants_agree() {
        let band = |kind, hz| BandParams::new(kind, hz).with_gain_db(4.0).with_q(2.0);
        check(|| Filter::new(band(FilterKind::Peak, 1000.0)).unwrap());
        check(|| Filter::new(band(FilterKind::HighPass, 50.0).with_order(1)).unwrap());
        check(|| {
            let bands = [FilterKind::LowShelf, FilterKind::Peak, FilterKind::HighShelf];
            Equalizer::new(&bands.map(|k| band(k, 300.0))).unwrap()
        });
        check(|| Compressor::new(-30.0, 4.0, 6.0, 5.0, 80.0, 0.0, 1.0, 1.0).unwrap());
        check(|| Compressor::new(-30.0, 4.0, 0.0, 50.0, 5.0, 0.0, 0.5, 0.7).unwrap());
        check(Expander::default);
        check(|| Limiter::new(-12.0, false, 2.0, 30.0).unwrap());
        let ir: std::vec::Vec<f32> =
            (0..3000).map(|i| libm::expf(-(i as f32) / 500.0) / 500.0).collect();
        check(|| crate::effects::ConvolutionReverb::new(&[&ir], 48_000.0).unwrap());
    }
}
