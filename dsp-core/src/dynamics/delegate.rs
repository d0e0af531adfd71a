//! Macros for processors that wrap another one (a noise gate wraps an
//! expander, a de-esser the upper band of a two-band compressor): methods and
//! the `Processor` impl that only pass a call on.

/// Methods that call the method of the same name on `self.$field` (or on
/// `self.$via()` for an accessor method); `&self` and `&mut self` lists.
macro_rules! delegate {
    ($via:ident() => $($rest:tt)*) => {
        $crate::dynamics::delegate::delegate!(@each [$via()] $($rest)*);
    };
    ($via:ident => $($rest:tt)*) => {
        $crate::dynamics::delegate::delegate!(@each [$via] $($rest)*);
    };
    (@each [$($via:tt)*]) => {};
    (@each [$($via:tt)*] $(#[$doc:meta])* $name:ident(&self $(, $a:ident: $t:ty)*) -> $r:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(&self $(, $a: $t)*) -> $r {
            self.$($via)*.$name($($a),*)
        }
        $crate::dynamics::delegate::delegate!(@each [$($via)*] $($rest)*);
    };
    (@each [$($via:tt)*] $(#[$doc:meta])* $name:ident(&mut self $(, $a:ident: $t:ty)*) -> $r:ty; $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(&mut self $(, $a: $t)*) -> $r {
            self.$($via)*.$name($($a),*)
        }
        $crate::dynamics::delegate::delegate!(@each [$($via)*] $($rest)*);
    };
}
pub(crate) use delegate;

/// `impl Processor for $ty` passing every call on to the field `$field`.
macro_rules! delegate_processor {
    ($ty:ty, $field:ident) => {
        impl $crate::processor::Processor for $ty {
            fn prepare(
                &mut self,
                spec: &$crate::spec::ProcessSpec,
            ) -> Result<(), $crate::error::Error> {
                $crate::processor::Processor::prepare(&mut self.$field, spec)
            }

            fn reset(&mut self) {
                $crate::processor::Processor::reset(&mut self.$field);
            }

            fn process(&mut self, channels: &mut [&mut [f32]]) {
                $crate::processor::Processor::process(&mut self.$field, channels);
            }

            fn nonfinite_count(&self) -> u64 {
                $crate::processor::Processor::nonfinite_count(&self.$field)
            }
        }
    };
}
pub(crate) use delegate_processor;
