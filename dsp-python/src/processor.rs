//! The base class `masterlib.Processor`, which every processor class
//! extends.
//!
//! A processor object is a leaf, holding one dsp-core processor, or a
//! `Chain` of member objects. A leaf of a registered kind keeps its
//! parameters in a [`SharedParams`]: any thread sets them without a lock
//! (checked against the declaration) and processing picks them up before
//! each block. Its processing state sits behind a `Mutex` that processing
//! holds, with the GIL released, for a whole call; a second call on the
//! same object waits there. The object is `frozen`: Python never holds a
//! mutable borrow of it.
//!
//! These data types are the base layer of the processor classes: this
//! module imports none of the modules built on it. The class's Python
//! methods are in `methods`; a structured kind's class stores in the
//! [`Unit`] the [`SyncLinks`] function that hands its linked objects'
//! parameters to its node.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use dsp_core::params::KindInfo;
use dsp_core::shared_params::SharedParams;
use dsp_core::{DynProcessor, Error, ProcessSpec, registry};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use crate::params::{class_error, from_py, visible};

/// Longest block handed to a dsp-core processor; longer audio is split.
pub(crate) const BLOCK: usize = 4096;

/// How a member refusing a linked object's value is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkMode {
    /// Mid-run: the member keeps its old value.
    Run,
    /// Before preparing: a value above the prepared rate's Nyquist
    /// frequency asks for a new preparation (`Ok(true)`).
    Prepare,
    /// Every refusal is an error.
    Strict,
}

/// Hands the targets of a unit's linked objects to its node's members;
/// returns whether the node must be prepared again (see [`LinkMode`]).
pub(crate) type SyncLinks = fn(&mut Unit, LinkMode) -> Result<bool, Error>;

/// A leaf's processing state, behind its mutex.
pub(crate) struct Unit {
    /// The processor.
    pub node: Box<dyn DynProcessor>,
    /// Objects whose parameters the node's members take (an equalizer's
    /// band filters, a multiband compressor's band compressors).
    pub links: Arc<Vec<Py<PyProcessor>>>,
    /// How the links' targets reach the node (kinds with links).
    pub sync: Option<SyncLinks>,
    /// Per link, a processor of its kind holding the values last handed
    /// over (kept by kinds whose members are not processors themselves).
    pub copies: Vec<Box<dyn DynProcessor>>,
    /// Spec and input channel count of the last successful `prepare`.
    pub prepared: Option<(ProcessSpec, usize)>,
}

impl Unit {
    fn new(
        node: Box<dyn DynProcessor>,
        links: Vec<Py<PyProcessor>>,
        sync: Option<SyncLinks>,
    ) -> Self {
        Self { node, links: Arc::new(links), sync, copies: Vec::new(), prepared: None }
    }

    /// Replaces the node and links (keeping `sync`); the next call
    /// prepares the node.
    pub(crate) fn replace(&mut self, node: Box<dyn DynProcessor>, links: Vec<Py<PyProcessor>>) {
        *self = Self::new(node, links, self.sync);
    }

    /// The node as its concrete type.
    pub(crate) fn get_mut<T: 'static>(&mut self) -> &mut T {
        self.node.as_any_mut().downcast_mut().expect("each class holds its own node type")
    }

    /// Hands the changed parameter targets to the node.
    pub(crate) fn apply(&mut self, shared: &SharedParams) {
        shared.apply(&mut *self.node);
    }

    /// Hands the linked objects' parameter targets to the node's members;
    /// returns whether the node must be prepared again.
    pub(crate) fn sync_links(&mut self, mode: LinkMode) -> Result<bool, Error> {
        match self.sync {
            Some(sync) if !self.links.is_empty() => sync(self, mode),
            _ => Ok(false),
        }
    }
}

/// A processor object holding one dsp-core processor.
pub(crate) struct Leaf {
    /// Parameter targets.
    pub shared: SharedParams,
    /// Processing state.
    pub unit: Mutex<Unit>,
}

/// A member of a chain.
pub(crate) type Member = Py<PyProcessor>;

/// What a processor object holds.
pub(crate) enum Body {
    /// One dsp-core processor.
    Leaf(Leaf),
    /// Member objects processed in order, the chain's own parameter
    /// (`bypass`: its members are skipped), and the count of non-finite
    /// samples seen at the chain's input.
    Chain { members: Mutex<Vec<Member>>, shared: SharedParams, nonfinite: AtomicU64 },
}

/// Base class of every processor: processing, latency, parameters,
/// presets, pickling and copies. Not constructible itself.
#[pyclass(frozen, subclass, module = "masterlib", name = "Processor")]
pub struct PyProcessor {
    pub(crate) body: Body,
}

impl std::fmt::Debug for PyProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor").field("kind", &self.kind().name).finish()
    }
}

/// Locks `m`, whatever a panicking holder left behind.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The registered kind a class makes (its `_kind`), or `None` for the
/// abstract bases.
pub(crate) fn class_kind(cls: &Bound<'_, PyType>) -> PyResult<Option<&'static KindInfo>> {
    match cls.getattr(pyo3::intern!(cls.py(), "_kind")) {
        Ok(name) => Ok(registry::find(&name.extract::<String>()?).ok()),
        Err(_) => Ok(None),
    }
}

impl PyProcessor {
    /// A leaf around a registry processor whose members take the
    /// parameters of `links`, handed over by `sync`.
    pub(crate) fn from_core(
        node: Box<dyn DynProcessor>,
        links: Vec<Py<PyProcessor>>,
        sync: Option<SyncLinks>,
    ) -> Self {
        let shared = SharedParams::new(&*node);
        let unit = Mutex::new(Unit::new(node, links, sync));
        Self { body: Body::Leaf(Leaf { shared, unit }) }
    }

    /// Sets `bypass`, the last declared parameter (constructors with their
    /// own signature take it as a keyword).
    pub(crate) fn with_bypass(self, bypass: bool) -> PyResult<Self> {
        if bypass {
            let kind = self.kind();
            self.set_param(&|| kind.class.to_string(), kind.params.len() - 1, 1.0)?;
        }
        Ok(self)
    }

    /// A chain of `members`.
    pub(crate) fn chain(members: Vec<Member>) -> Self {
        let shared = SharedParams::new(&dsp_core::Chain::new());
        let members = Mutex::new(members);
        Self { body: Body::Chain { members, shared, nonfinite: AtomicU64::new(0) } }
    }

    /// The leaf part (None for a chain).
    pub(crate) fn as_leaf(&self) -> Option<&Leaf> {
        match &self.body {
            Body::Leaf(leaf) => Some(leaf),
            Body::Chain { .. } => None,
        }
    }

    /// The registered kind.
    pub(crate) fn kind(&self) -> &'static KindInfo {
        self.shared().kind()
    }

    /// The parameter targets.
    pub(crate) fn shared(&self) -> &SharedParams {
        match &self.body {
            Body::Leaf(leaf) => &leaf.shared,
            Body::Chain { shared, .. } => shared,
        }
    }

    /// Whether the object is a chain whose `bypass` is set.
    pub(crate) fn bypassed_chain(&self) -> bool {
        matches!(&self.body, Body::Chain { shared, .. } if shared.get(0) == Some(1.0))
    }

    /// Runs `f` on a chain's member list, under its lock (`None` for a
    /// leaf).
    pub(crate) fn with_members<R>(&self, f: impl FnOnce(&mut Vec<Member>) -> R) -> Option<R> {
        match &self.body {
            Body::Chain { members, .. } => Some(f(&mut lock(members))),
            Body::Leaf(_) => None,
        }
    }

    /// The members of a chain (empty for a leaf).
    pub(crate) fn members(&self, py: Python<'_>) -> Vec<Member> {
        self.with_members(|list| list.iter().map(|m| m.clone_ref(py)).collect()).unwrap_or_default()
    }

    /// Runs `f` on the leaf's processing state, waiting with the GIL
    /// released while another thread processes.
    pub(crate) fn with_unit<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Unit) -> R + Send,
    ) -> R {
        let Some(leaf) = self.as_leaf() else { unreachable!("a chain has no processing state") };
        match leaf.unit.try_lock() {
            Ok(mut unit) => f(&mut unit),
            Err(TryLockError::Poisoned(p)) => f(&mut p.into_inner()),
            Err(TryLockError::WouldBlock) => py.detach(|| f(&mut lock(&leaf.unit))),
        }
    }

    /// Sets parameter `index` of a leaf (errors name the class `class()`
    /// gives). While no call processes, the processor takes it at once, so
    /// its own checks raise here; during processing the target is set,
    /// checked against the declaration, and applied at the next block.
    pub(crate) fn set_param(
        &self,
        class: &dyn Fn() -> String,
        index: usize,
        value: f64,
    ) -> PyResult<()> {
        let class_error = |e| class_error(&class(), e);
        let Some(leaf) = self.as_leaf() else {
            return self.shared().set(index, value).map_err(class_error);
        };
        let shared = &leaf.shared;
        let kind = shared.kind();
        kind.params[index].check(value).map_err(class_error)?;
        let mut unit = match leaf.unit.try_lock() {
            Ok(unit) => unit,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return shared.set(index, value).map_err(class_error);
            }
        };
        unit.apply(shared);
        let Err(refused) = unit.node.set_param(index, value) else {
            shared.store(index, value);
            return Ok(());
        };
        // Refused by the prepared processor (a cutoff above the Nyquist
        // frequency of the rate in use): a new, unprepared one may take it,
        // to be checked when processing starts at a rate.
        let mut fresh = registry::create(kind.name).map_err(class_error)?;
        for i in 0..kind.params.len() {
            let v = if i == index { value } else { shared.get(i).unwrap_or(f64::NAN) };
            if fresh.set_param(i, v).is_err() {
                return Err(class_error(refused));
            }
        }
        unit.node = fresh;
        unit.copies.clear();
        unit.prepared = None;
        shared.store(index, value);
        Ok(())
    }

    /// A new leaf of the class `cls` from constructor arguments (declared
    /// parameters by position or keyword).
    pub(crate) fn construct(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let class = cls.name()?.to_string();
        let Some(kind) = class_kind(cls)? else {
            return Err(PyTypeError::new_err(format!(
                "{class} is a base class and cannot be constructed; use a processor class \
                 such as Gain or Chain"
            )));
        };
        let shown: Vec<_> = visible(kind).collect();
        if args.len() > shown.len() {
            return Err(PyTypeError::new_err(format!(
                "{class}() takes at most {} positional arguments ({} given)",
                shown.len(),
                args.len()
            )));
        }
        let mut given: Vec<Option<Bound<'_, PyAny>>> = vec![None; kind.params.len()];
        for (&(i, _), arg) in shown.iter().zip(args.iter()) {
            given[i] = Some(arg);
        }
        for (key, value) in kwargs.into_iter().flat_map(|d| d.iter()) {
            let key = key.cast_into::<PyString>()?;
            let key = key.to_cow()?;
            let Some(&(i, _)) = shown.iter().find(|(_, p)| p.id == key) else {
                let names: Vec<_> = shown.iter().map(|(_, p)| p.id).collect();
                return Err(PyTypeError::new_err(format!(
                    "{class}() got an unexpected keyword argument '{key}'; its parameters are {}",
                    names.join(", ")
                )));
            };
            if given[i].replace(value).is_some() {
                return Err(PyTypeError::new_err(format!(
                    "{class}() got multiple values for argument '{key}'"
                )));
            }
        }
        let mut node = registry::create(kind.name).map_err(|e| class_error(&class, e))?;
        for (i, value) in given.iter().enumerate() {
            if let Some(value) = value {
                let v = from_py(&|| class.clone(), &kind.params[i], value)?;
                node.set_param(i, v).map_err(|e| class_error(&class, e))?;
            }
        }
        Ok(Self::from_core(node, Vec::new(), None))
    }
}

/// The name of `obj`'s class.
pub(crate) fn class_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.get_type().name()?.to_string())
}
