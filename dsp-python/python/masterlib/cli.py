"""The ``masterlib`` command line (also ``python -m masterlib``).

User errors (a missing or unreadable file, an unknown target, an output that
exists) print one line and exit with status 2; ``analyze`` exits with 1 when
a file fails its target, so that it can gate a delivery. Several files run
as a catalog (``masterlib.batch``: ``--jobs``, ``--scheduler``, a manifest
to resume): a file that fails prints its line and the others still finish.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import _masterlib as ml
from . import batch
from .files import load, save
from .report import section, write_page
from .translation import codec_check

EXAMPLES = """examples:
  masterlib analyze mix.wav --target spotify --json qa.json --html qa.html
  masterlib analyze album/*.flac --target apple --jobs 2 --csv qa.csv
  masterlib analyze catalog/*/*.wav --scheduler tcp://10.0.0.5:8786 --parquet qa.parquet
  masterlib analyze master.wav --codecs
  masterlib master mix.wav -o master.wav --target spotify --bit-depth 16
  masterlib master mix.wav -o master.wav --reference ref.flac
  masterlib master mix.wav -o master.wav --assistant --character warm --intensity 0.7
  masterlib normalize a.wav b.wav -o loud/ --target ebu_r128
  masterlib master catalog/*/*.wav -o masters/ --preset streaming --jobs 8
  masterlib mix session.json -o mix.wav --stems stems/
  masterlib targets
"""


class UserError(Exception):
    """A mistake on the command line or in the files: one line, status 2."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UserError, FileNotFoundError, FileExistsError, ValueError, OSError) as e:
        print(f"masterlib {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"masterlib {args.command}: interrupted", file=sys.stderr)
        return 130


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="masterlib",
        description="Mixing and mastering from the command line: measure, master, normalize, mix.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"masterlib {ml.__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        c.set_defaults(run=run)
        c.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
        return c

    a = command("analyze", analyze, "QA report of each file against a delivery target; "
                "exit status 1 when any file fails it")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--target", default="spotify", help="delivery target (see `masterlib targets`)")
    a.add_argument("--json", type=Path, metavar="OUT", help="write every report as JSON")
    a.add_argument("--html", type=Path, metavar="OUT",
                   help="write a self-contained HTML report (readings, verdicts, plots)")
    a.add_argument("--csv", type=Path, metavar="OUT", help="write a row of readings per file as CSV")
    a.add_argument("--parquet", type=Path, metavar="OUT",
                   help="write the rows as Parquet (needs pyarrow)")
    a.add_argument("--codecs", action="store_true",
                   help="also encode to MP3, Ogg Vorbis and Ogg Opus, decode, and report the "
                   "decoded peaks and the headroom that keeps them below full scale")
    catalog_options(a)

    m = command("master", master, "master a mix to a delivery target or a reference; several "
                "mixes (or -o an existing folder) master a catalog into the folder")
    m.add_argument("inputs", nargs="+", metavar="IN")
    m.add_argument("-o", "--output", required=True, type=Path, metavar="OUT",
                   help="the master, or the folder of the masters")
    m.add_argument("--target", help="delivery target (default: the preset's)")
    m.add_argument("--preset", default="streaming", help="mastering chain preset")
    m.add_argument("--reference", metavar="REF",
                   help="a finished master to match (with --assistant: its tonal balance is the target)")
    m.add_argument("--assistant", action="store_true",
                   help="set the chain up from the mix (tonal balance, dynamics, stereo) and say why")
    m.add_argument("--character", default="balanced", choices=("balanced", "warm", "bright"),
                   help="the assistant's tonal target")
    m.add_argument("--intensity", type=float, default=0.5, metavar="0..1",
                   help="how hard the assistant works")
    output_options(m)
    catalog_options(m)

    n = command("normalize", normalize, "bring files to a target's loudness (and its true-peak ceiling)")
    n.add_argument("files", nargs="+", metavar="IN")
    n.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    n.add_argument("--target", default="spotify", help="delivery target")
    output_options(n)
    catalog_options(n)

    x = command("mix", mix, "render a saved mixer session (Mixer.to_json) to a file")
    x.add_argument("session", metavar="SESSION.json", type=Path)
    x.add_argument("-o", "--output", required=True, type=Path, metavar="OUT")
    x.add_argument("--stems", type=Path, metavar="DIR",
                   help="folder of the tracks' audio, one file per track named after it "
                   "(default: the session's folder)")
    x.add_argument("--tail", action="store_true", help="render the reverb and delay tails")
    output_options(x)

    command("targets", targets, "list the delivery targets and their numbers")
    return p


def output_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--bit-depth", type=int, default=24, choices=(16, 24, 32),
                   help="output word length (32: float); 16 and 24 are dithered")
    c.add_argument("--overwrite", action="store_true", help="replace existing output files")


def catalog_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--jobs", type=int, metavar="N",
                   help="files done in parallel on this machine (default: its cores)")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster of this scheduler (tcp://host:8786) instead")
    c.add_argument("--manifest", type=Path, metavar="FILE",
                   help="JSON-lines record of the files done, to resume an interrupted run "
                   "(normalize, master: default OUT/masterlib-manifest.jsonl)")


def engine(args: argparse.Namespace) -> dict[str, Any]:
    """The catalog engine options of the command line."""
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if args.scheduler is not None:
        return {"engine": "dask", "scheduler": args.scheduler, "manifest": args.manifest}
    return {"engine": "local", "jobs": args.jobs, "manifest": args.manifest}


class CatalogBar:
    """Catalog progress on a terminal: files, hours of audio, speed, errors."""

    def __init__(self, label: str, total: int, quiet: bool):
        self.bar = None
        if not quiet and total > 1 and sys.stderr.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(total=total, desc=label, unit="file", leave=False)

    def __call__(self, p: batch.CatalogProgress) -> bool:
        if self.bar is not None:
            self.bar.update(p.files_done - self.bar.n)
            self.bar.set_postfix_str(f"{p.audio_hours:.2f} h, {p.realtime_factor:.0f}x real time, "
                                     f"{p.errors} errors")
        return True

    def __enter__(self) -> "CatalogBar":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def errors(args: argparse.Namespace, rows: Sequence[dict[str, Any]]) -> int:
    """Prints one line per error row; the number of them."""
    bad = [r for r in rows if r["error"] is not None]
    for r in bad:
        print(f"masterlib {args.command}: error: {r['error']}", file=sys.stderr)
    return len(bad)


def check_target(name: str) -> ml.Target:
    try:
        return ml.Target.by_name(name)
    except ValueError as e:
        raise UserError(str(e)) from None


class Bar:
    """A progress bar for one long call on a terminal (nothing otherwise):
    pass the object as the call's `progress`."""

    def __init__(self, label: str, quiet: bool):
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(total=1000, desc=label, leave=False, bar_format="{l_bar}{bar}| {elapsed}")

    def __call__(self, fraction: float) -> bool:
        if self.bar is not None:
            self.bar.update(round(1000 * fraction) - self.bar.n)
        return True

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text)


def codec_line(c: dict[str, Any]) -> str:
    """One codec check result, for the terminal."""
    name = f"{c['codec']} {c['description']}"
    if c["skipped"] is not None:
        return f"  {name}: skipped ({c['skipped']})"
    peak = c["true_peak_dbtp"]
    shown = "-inf" if peak is None else f"{peak:.2f}"
    return (f"  {name} ({c['bitrate_kbps']:.0f} kbps): decoded true peak {shown} dBTP, "
            f"turn down {c['headroom_db']:.2f} dB to keep every sample below full scale")


def analyze(args: argparse.Namespace) -> int:
    target = check_target(args.target)
    for f in args.files:
        if not os.path.isfile(f):
            raise UserError(f"no such audio file: {f!r}")
    with CatalogBar("analyze", len(args.files), args.quiet) as bar:
        rows = batch.analyze_catalog(args.files, [target.name], progress=bar, **engine(args))
    good = [r for r in rows if r["error"] is None]
    # The deep checks (HTML plots, lossy coding) run here, on the good files.
    audio = {r["path"]: load(r["path"]) for r in good} if args.html or args.codecs else {}
    if args.codecs:
        for r in good:
            r["codecs"] = [c.to_dict() for c in codec_check(*audio[r["path"]])]
    passed = f"{target.name}_passed"
    if not args.quiet and good:
        width = max(len(Path(r["path"]).name) for r in good)
        print(f"{'file':<{width}}  {'LUFS':>6}  {'LRA':>5}  {'dBTP':>6}  {'PLR':>5}  {target.label}")
        for r in good:
            failures = r[f"{target.name}_failures"]
            verdict = "PASS" if r[passed] else f"FAIL: {failures}"
            print(f"{Path(r['path']).name:<{width}}  {r['integrated_lufs']:6.1f}  "
                  f"{r['loudness_range_lu']:5.1f}  {r['true_peak_dbtp']:6.1f}  {r['plr_db']:5.1f}  "
                  f"{verdict}")
        for r in good:
            if r.get("codecs"):
                print(f"{Path(r['path']).name} after lossy coding:")
                print("\n".join(codec_line(c) for c in r["codecs"]))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2, default=_json_default) + "\n")
    if args.csv is not None:
        batch.write_csv(rows, args.csv)
    if args.parquet is not None:
        batch.write_parquet(rows, args.parquet)
    if args.html is not None:
        parts = [section(ml.measure(*audio[r["path"]]), [target], Path(r["path"]).name) for r in good]
        write_page(args.html, f"QA report: {target.label}", parts)
    if errors(args, rows):
        return 2
    return 0 if all(r[passed] for r in rows) else 1


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def refuse_existing(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise UserError(f"{str(path)!r} exists; pass --overwrite to replace it")


def master(args: argparse.Namespace) -> int:
    if args.target is not None:
        check_target(args.target)
    if len(args.inputs) > 1 or args.output.is_dir():
        return master_catalog(args)
    refuse_existing(args.output, args.overwrite)
    audio, rate = load(args.inputs[0])
    reference = None
    if args.reference is not None:
        reference, ref_rate = load(args.reference)
        if ref_rate != rate:
            raise UserError(f"the reference is at {ref_rate} Hz and the mix at {rate} Hz")
    if not 0.0 <= args.intensity <= 1.0:
        raise UserError(f"--intensity must be from 0 to 1, not {args.intensity}")
    with Bar("master", args.quiet) as bar:
        out, report = ml.master(audio, rate, target=args.target, preset=args.preset,
                                reference=reference, assistant=args.assistant,
                                character=args.character, intensity=args.intensity, progress=bar)
    save(args.output, out, rate, args.bit_depth, overwrite=args.overwrite)
    if report.assistant is not None:
        for d in report.assistant.decisions:
            say(args, f"  {d}")
    after = report.after
    say(args, f"{args.output}: {after.integrated_lufs:.1f} LUFS, {after.true_peak_dbtp:.1f} dBTP "
        f"(from {report.before.integrated_lufs:.1f} LUFS)")
    return 0


def master_catalog(args: argparse.Namespace) -> int:
    """`master` of several mixes into a folder, as a catalog run."""
    if args.reference is not None or args.assistant:
        raise UserError("--reference and --assistant master one mix at a time")
    if not args.output.is_dir():
        raise UserError(f"no such folder: {str(args.output)!r}")
    try:
        chain = ml.MasteringChain(args.preset)
    except ValueError as e:
        raise UserError(str(e)) from None
    return write_catalog(args, lambda **kw: batch.master_catalog(
        args.inputs, args.output, args.target, chain=chain, **kw))


def write_catalog(args: argparse.Namespace, run: Callable[..., list[dict[str, Any]]]) -> int:
    """Runs a normalize or master catalog and prints a line per output."""
    for f in getattr(args, "files", None) or args.inputs:
        if not os.path.isfile(f):
            raise UserError(f"no such audio file: {f!r}")
    total = len(getattr(args, "files", None) or args.inputs)
    with CatalogBar(args.command, total, args.quiet) as bar:
        rows = run(bit_depth=args.bit_depth, overwrite=args.overwrite, progress=bar, **engine(args))
    for r in rows:
        if r["error"] is None:
            say(args, f"{r['output']}: {r['gain_db']:+.1f} dB -> {r['after_integrated_lufs']:.1f} LUFS, "
                f"{r['after_true_peak_dbtp']:.1f} dBTP")
    return 2 if errors(args, rows) else 0


def normalize(args: argparse.Namespace) -> int:
    target = check_target(args.target)
    if not args.output.is_dir():
        raise UserError(f"no such folder: {str(args.output)!r}")
    return write_catalog(args, lambda **kw: batch.normalize_catalog(
        args.files, args.output, target.name, **kw))


def mix(args: argparse.Namespace) -> int:
    refuse_existing(args.output, args.overwrite)
    try:
        session = json.loads(args.session.read_text())
    except FileNotFoundError:
        raise UserError(f"no such session file: {str(args.session)!r}") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{str(args.session)!r} is not JSON: {e}") from None
    stems = args.stems if args.stems is not None else args.session.parent
    names = [str(t.get("name")) for t in session.get("tracks", []) if isinstance(t, dict)]
    audio: dict[str, np.ndarray] = {}
    rates = set()
    for name in names:
        found = sorted(p for p in stems.glob(f"{name}.*") if p.is_file())
        if not found:
            raise UserError(f"no audio file for track {name!r} in {str(stems)!r}")
        audio[name], rate = load(found[0])
        rates.add(rate)
    if len(rates) > 1:
        raise UserError(f"the stems have different sample rates: {sorted(rates)}")
    mixer = ml.Mixer.from_json(args.session.read_text(), audio)
    with Bar("mix", args.quiet) as bar:
        out = mixer.render(tail=args.tail, progress=bar)
    save(args.output, out, int(mixer.sample_rate), args.bit_depth, overwrite=args.overwrite)
    say(args, f"{args.output}: {out.shape[1] / mixer.sample_rate:.1f} s, "
        f"{ml.measure(out, mixer.sample_rate).integrated_lufs:.1f} LUFS")
    return 0


def targets(args: argparse.Namespace) -> int:
    print(f"{'name':<12}{'LUFS':>7}{'dBTP':>7}{'+/- LU':>8}  turns up  label")
    for t in ml.targets():
        print(f"{t.name:<12}{t.integrated_lufs:7.1f}{t.true_peak_dbtp:7.1f}{t.tolerance_lu:8.1f}  "
              f"{'yes' if t.turns_up else 'no ':<8}  {t.label}")
    return 0
