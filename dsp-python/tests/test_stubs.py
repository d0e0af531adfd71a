"""The shipped type stubs match the module."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import masterlib as ml
from masterlib import _masterlib

STUB = Path(ml.__file__).with_name("_masterlib.pyi")
ALLOWLIST = Path(__file__).parents[1] / "stubs" / "stubtest-allowlist.txt"


def stub_classes() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
            classes[node.name] = names
    return classes


def test_package_is_typed():
    assert STUB.is_file()
    assert Path(ml.__file__).with_name("py.typed").is_file()


def stub_functions() -> set[str]:
    """The stub's module-level functions and annotated names."""
    tree = ast.parse(STUB.read_text())
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    names |= {
        node.target.id
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    return names


def public_classes() -> list[str]:
    return [name for name in _masterlib.__all__ if isinstance(getattr(ml, name), type)]


def test_every_public_name_is_in_the_stub_and_the_module():
    """The native names are stubbed and exported as they are; the rest are
    the typed pure-Python modules' (masterlib.files, masterlib.translation,
    masterlib.assistant)."""
    stubbed = set(stub_classes()) | stub_functions()
    for name in _masterlib.__all__:
        assert name in stubbed, f"{name} missing from {STUB.name}"
        assert getattr(ml, name) is getattr(_masterlib, name)
    assert set(ml.__all__) == set(_masterlib.__all__) | {
        "load", "save", "process_file", "measure_file", "CodecReport", "codec_check",
        "learn_target", "normalize_file", "master_file"}


def test_stub_members_match_the_classes():
    classes = stub_classes()
    for name in public_classes():
        cls = getattr(ml, name)
        stub = set(classes[name])
        for base in cls.__mro__[1:]:
            # Builtin bases (Exception) are typeshed's, not this stub's.
            stub |= set(dir(base)) if base.__module__ == "builtins" else classes.get(base.__name__, set())
        public = {m for m in dir(cls) if not m.startswith("_")}
        assert public <= stub, f"{name}: {sorted(public - stub)} missing from the stub"
        for member in classes[name] - {"__new__"}:
            assert hasattr(cls, member), f"{name}.{member} is in the stub but not the class"


def test_stub_init_signatures_match_constructor_defaults():
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in ml.__all__:
            continue
        init = next((f for f in node.body if getattr(f, "name", "") == "__new__"), None)
        if init is None:
            continue
        args = [a.arg for a in init.args.args[1:] + init.args.kwonlyargs]
        sig = inspect.signature(getattr(ml, node.name))
        assert args == list(sig.parameters), node.name
        kinds = [p.kind for p in sig.parameters.values()]
        assert kinds.count(inspect.Parameter.KEYWORD_ONLY) == len(init.args.kwonlyargs)
        defaults = [ast.literal_eval(d) for d in init.args.defaults]
        defaults += [ast.literal_eval(d) for d in init.args.kw_defaults if d is not None]
        actual = [p.default for p in sig.parameters.values() if p.default is not p.empty]
        assert defaults == actual, node.name


def test_mypy_stubtest_agrees_with_the_runtime():
    pytest.importorskip("mypy.stubtest")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "masterlib", "--allowlist", str(ALLOWLIST)],
        capture_output=True,
        text=True,
        cwd=STUB.parent.parent,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def load_generator():
    """The stub generator script as a module."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "gen_stubs.py"
    spec = importlib.util.spec_from_file_location("gen_stubs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stub_is_what_the_generator_writes():
    generated = load_generator().render()
    assert STUB.read_text() == generated, (
        "the committed stub is stale: run python dsp-python/scripts/gen_stubs.py"
    )


def test_every_registered_kind_has_a_stubbed_class_with_its_parameters():
    classes = stub_classes()
    kinds = _masterlib._kinds()
    assert set(kinds) >= {"gain", "compressor", "peak_filter", "equalizer", "chain"}
    for name, cls in kinds.items():
        assert cls._kind == name and cls.__name__ in ml.__all__
        stub = classes[cls.__name__]
        for p in cls.parameters:
            assert p.name in stub, f"{cls.__name__}.{p.name} missing from the stub"
