"""Writes the type stubs of ``masterlib._masterlib`` from the processor registry.

The hand-written parts live in ``dsp-python/stubs/_masterlib.in.pyi``; this
script fills its markers from the built module (run it with the package
importable, e.g. after ``maturin develop``):

- ``# @generated: __all__``: the module's ``__all__``;
- ``# @generated: classes``: a class per registered kind that has no
  hand-written class in the template: constructor with the declared
  defaults, a property per parameter with its doc;
- ``# @generated: parameters <Class>`` inside a hand-written class: the
  properties of that class's declared parameters.

Usage: ``python dsp-python/scripts/gen_stubs.py [--check]``; with
``--check`` it only reports (exit status 1) whether the committed stub is
stale.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "stubs" / "_masterlib.in.pyi"
STUB = ROOT / "python" / "masterlib" / "_masterlib.pyi"
WIDTH = 99


def alias(cls, p) -> str:
    """The name of a choice parameter's type alias: ``_PanLaw``."""
    return "_" + cls.__name__ + "".join(w.title() for w in p.name.split("_"))


def annotation(cls, p) -> str:
    return alias(cls, p) if p.type == "choice" else p.type


def aliases(classes) -> list[str]:
    """``_PanLaw = Literal["linear", ...]`` for every choice parameter."""
    out = []
    for cls in classes:
        for p in cls.parameters:
            if p.type == "choice":
                names = [f'"{c}"' for c in p.choices]
                one = f"{alias(cls, p)} = Literal[{', '.join(names)}]"
                if len(one) <= WIDTH:
                    out.append(one)
                else:
                    out += [f"{alias(cls, p)} = Literal[", *(f"    {n}," for n in names), "]"]
    return out + [""] if out else out


def literal(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    text = repr(value)
    try:
        ast.literal_eval(text)
    except ValueError:
        return "..."
    return text


def docstring(text: str, indent: str) -> list[str]:
    """A docstring's lines, wrapped to the stub's width."""
    lines: list[str] = []
    for para in text.strip().split("\n\n"):
        if lines:
            lines.append("")
        for line in para.splitlines():
            lead = line[: len(line) - len(line.lstrip())]
            lines += textwrap.wrap(
                line.strip(),
                WIDTH - len(indent) - len(lead),
                initial_indent=lead,
                subsequent_indent=lead + ("    " if lead else ""),
            ) or [""]
    lines[0] = '"""' + lines[0]
    if len(lines) == 1 and len(indent) + len(lines[0]) + 3 <= WIDTH:
        return [indent + lines[0] + '"""']
    return [(indent + line).rstrip() for line in lines] + [indent + '"""']


def properties(cls) -> list[str]:
    out = []
    for p in cls.parameters:
        ty = annotation(cls, p)
        doc = getattr(cls, p.name).__doc__
        out.append("    @property")
        out.append(f"    def {p.name}(self) -> {ty}:")
        out += docstring(doc, "        ")
        out.append(f"    @{p.name}.setter")
        out.append(f"    def {p.name}(self, value: {ty}) -> None: ...")
    return out


def constructor(cls) -> list[str]:
    args = [f"{p.name}: {annotation(cls, p)} = {literal(p.default)}" for p in cls.parameters]
    one = f"    def __new__(cls{''.join(', ' + a for a in args)}) -> {cls.__name__}: ..."
    if len(one) <= WIDTH:
        return [one]
    return ["    def __new__(", "        cls,", *(f"        {a}," for a in args), f"    ) -> {cls.__name__}: ..."]


def generated_class(cls) -> list[str]:
    base = cls.__bases__[0].__name__
    lines = ["@final", f"class {cls.__name__}({base}):"]
    lines += docstring(cls.__doc__, "    ")
    lines.append("")
    return lines + constructor(cls) + properties(cls) + [""]


def render() -> str:
    from masterlib import _masterlib

    template = TEMPLATE.read_text()
    written = set(re.findall(r"^class (\w+)\b", template, re.M))
    kinds = _masterlib._kinds()
    classes = aliases(kinds.values())
    for cls in kinds.values():
        if cls.__name__ in written:
            marker = f"# @generated: parameters {cls.__name__}"
            if cls.parameters and marker not in template:
                raise SystemExit(f"{TEMPLATE.name}: class {cls.__name__} needs '{marker}'")
            template = template.replace(f"    {marker}\n", "\n".join(properties(cls)) + "\n")
        else:
            classes += generated_class(cls)
    names = sorted(_masterlib.__all__)
    all_lines = ["__all__ = ["] + [f'    "{n}",' for n in names] + ["]"]
    text = template.replace("# @generated: __all__\n", "\n".join(all_lines) + "\n")
    return text.replace("# @generated: classes\n", "\n".join(classes).rstrip("\n") + "\n")


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        old = STUB.read_text()
        if old == text:
            return 0
        diff = difflib.unified_diff(
            old.splitlines(True), text.splitlines(True), str(STUB), "generated"
        )
        sys.stdout.writelines(diff)
        print(f"\n{STUB} is stale: run python {Path(__file__).relative_to(ROOT.parent)}")
        return 1
    STUB.write_text(text)
    print(f"wrote {STUB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
