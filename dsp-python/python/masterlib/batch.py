"""Catalog scale: analyze, normalize or master thousands of files on this
machine's cores (``engine="local"``) or on a Dask cluster (``engine="dask"``).

Each call returns one row (a dict) per input, in the order of the inputs,
whatever the engine and the number of workers: the file's size, duration,
sample rate and channels, every QA reading, the verdict per target, and
``error`` (None, or why the file could not be done: unreadable, truncated,
non-finite samples, a worker that died). A failing file never stops the run.

Outputs keep their names (and their folders below the inputs' common
folder) under ``out_dir``, are written atomically and never over an input.
A manifest (JSON lines) records per file the input's hash, the settings,
the row, the masterlib version and the output's hash; a re-run with the
same manifest skips every file whose record still verifies, so an
interrupted run resumes where it stopped and no file is done twice.

Workers read and write in blocks, so their memory follows the block, not
the file's length. ``write_csv`` and ``write_parquet`` (pyarrow) save rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

from . import _masterlib as ml
from ._masterlib import Cancelled, MasteringChain
from .files import _FORMATS, PathLike, _open, measure_file
from .stream import master_file, normalize_file

Row = dict[str, Any]

#: Readings of a QA report that are lists, flattened to one column each.
_BAND_READINGS = {
    "octave_band_db": "octave_{}hz_db",
    "mono_band_change_db": "mono_change_{}hz_db",
    "small_speaker_bands_db": "small_speaker_{}hz_db",
}
#: Readings left out of rows: the loudness series (every 100 ms), and the
#: format (a row's first columns).
_LEFT_OUT = ("momentary_series_lufs", "short_term_series_lufs", "series_time_s", "octave_band_hz",
             "sample_rate", "duration_s", "channels")
_HASH_BLOCK = 1 << 20


@dataclass
class CatalogProgress:
    """How far a catalog run is: passed to ``progress`` after every file."""

    files_done: int
    files_total: int
    #: Seconds of audio in the files done (errors count as none).
    audio_s: float
    #: Files that became error rows.
    errors: int
    #: Files skipped because the manifest already had them, verified.
    skipped: int
    #: Seconds since the run started.
    elapsed_s: float

    @property
    def audio_hours(self) -> float:
        """Hours of audio done."""
        return self.audio_s / 3600.0

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio done per second of wall time."""
        return self.audio_s / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def files_per_s(self) -> float:
        """Files done per second of wall time."""
        return self.files_done / self.elapsed_s if self.elapsed_s > 0 else 0.0


Progress = Optional[Callable[[CatalogProgress], object]]


@dataclass(frozen=True)
class _Job:
    """One file's work, sent to a worker (it pickles)."""

    kind: str  # "analyze", "normalize" or "master"
    path: str
    targets: tuple[str, ...]
    settings: dict[str, Any]
    output: Optional[str] = None
    target: Optional[str] = None
    chain: Optional[MasteringChain] = None
    bit_depth: int = 24
    block_s: float = 2.0
    overwrite: bool = False
    #: Whether the output did not exist when the run started (a file there
    #: now was written by this run: a worker that died after writing it).
    fresh: bool = False
    #: Whether a manifest records the job (and so needs the input's hash).
    logged: bool = False
    #: The manifest's record of this file from an earlier run, if any.
    previous: Optional[dict[str, Any]] = field(default=None, compare=False)


def analyze_catalog(
    paths: Iterable[PathLike],
    targets: Sequence[str] = ("spotify",),
    *,
    engine: str = "local",
    jobs: Optional[int] = None,
    client: Any = None,
    scheduler: Optional[str] = None,
    manifest: Optional[PathLike] = None,
    batch_size: int = 1,
    block_s: float = 2.0,
    progress: Progress = None,
) -> list[Row]:
    """The QA readings of every file and its verdict per target (names from
    ``masterlib.targets()``), one row per file in the order of ``paths``.
    ``engine`` is ``"local"`` (``jobs`` processes, default: the cores) or
    ``"dask"`` (a distributed ``client``, or one connected to ``scheduler``);
    ``batch_size`` files go to a worker at a time. With ``manifest`` (a
    JSON-lines file), files recorded there with the same input and
    settings are not measured again. ``progress(CatalogProgress)`` is called
    after each file; returning False stops the run (``Cancelled``)."""
    names = _check_targets(targets)
    settings = {"kind": "analyze", "targets": list(names)}
    files = [os.fspath(p) for p in paths]
    made = [_Job("analyze", p, names, settings, block_s=block_s) for p in files]
    return _run(made, manifest, engine, jobs, client, scheduler, batch_size, progress)


def normalize_catalog(
    paths: Iterable[PathLike],
    out_dir: PathLike,
    target: str = "spotify",
    *,
    bit_depth: int = 24,
    overwrite: bool = False,
    root: Optional[PathLike] = None,
    engine: str = "local",
    jobs: Optional[int] = None,
    client: Any = None,
    scheduler: Optional[str] = None,
    manifest: Optional[PathLike] = None,
    batch_size: int = 1,
    block_s: float = 2.0,
    progress: Progress = None,
) -> list[Row]:
    """Normalizes every file to ``target`` (as ``masterlib.normalize``) into
    ``out_dir``, keeping its name and its folder below ``root`` (default: the
    inputs' common folder); a container masterlib cannot write becomes
    ``.wav``. Rows as ``analyze_catalog``'s with ``before_`` and ``after_``
    readings (the after ones measured on the written file), the gain, the
    output's path and hash. The manifest defaults to
    ``out_dir/masterlib-manifest.jsonl``; an existing output is replaced only
    if the manifest records it as this input's output, or with
    ``overwrite``. Other arguments as for ``analyze_catalog``."""
    (name,) = _check_targets([target])
    settings = {"kind": "normalize", "target": name, "bit_depth": bit_depth}
    return _write_catalog(
        "normalize", paths, out_dir, settings, root, manifest,
        dict(target=name, bit_depth=bit_depth, block_s=block_s, overwrite=overwrite),
        (engine, jobs, client, scheduler, batch_size, progress),
    )


def master_catalog(
    paths: Iterable[PathLike],
    out_dir: PathLike,
    target: Optional[str] = None,
    *,
    chain: Optional[MasteringChain] = None,
    preset: Optional[str] = None,
    bit_depth: int = 24,
    overwrite: bool = False,
    root: Optional[PathLike] = None,
    engine: str = "local",
    jobs: Optional[int] = None,
    client: Any = None,
    scheduler: Optional[str] = None,
    manifest: Optional[PathLike] = None,
    batch_size: int = 1,
    block_s: float = 2.0,
    progress: Progress = None,
) -> list[Row]:
    """Masters every file through ``chain`` (a ``MasteringChain``) or the
    chain ``preset`` (default ``"streaming"``), to ``target`` (default: the
    chain's), as ``masterlib.master`` does, into ``out_dir`` as
    ``normalize_catalog`` does; rows add the mastering gain. Each worker
    builds its own chain from the pickled one."""
    if chain is not None and preset is not None:
        raise ValueError("master_catalog: pass chain or preset, not both")
    if chain is None:
        chain = MasteringChain(preset or "streaming")
    chain = MasteringChain.from_json(chain.to_json())
    if target is not None:
        chain.target = _check_targets([target])[0]
    settings = {"kind": "master", "chain": chain.to_dict(), "bit_depth": bit_depth}
    return _write_catalog(
        "master", paths, out_dir, settings, root, manifest,
        dict(target=chain.target, chain=chain, bit_depth=bit_depth, block_s=block_s,
             overwrite=overwrite),
        (engine, jobs, client, scheduler, batch_size, progress),
    )


def write_csv(rows: Sequence[Row], path: PathLike) -> None:
    """Writes rows as CSV, a column per key (in the order they first
    appear); missing values are empty."""
    columns = _columns(rows)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, columns, restval="")
        w.writeheader()
        w.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def write_parquet(rows: Sequence[Row], path: PathLike) -> None:
    """Writes rows as a Parquet table (needs pyarrow: ``pip install
    masterlib[batch]``)."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped, import-not-found, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise ImportError("write_parquet needs pyarrow: pip install masterlib[batch]") from None
    columns = _columns(rows)
    pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows]), path)


def _columns(rows: Sequence[Row]) -> list[str]:
    """Every key of the rows, in the order they first appear."""
    return list(dict.fromkeys(k for row in rows for k in row))


def readings(report: ml.QaReport, prefix: str = "") -> Row:
    """The readings of a QA report as flat columns (bands one column each,
    DC offset one per channel; no loudness series, no format), names
    prefixed."""
    d = report.to_dict()
    out: Row = {}
    for key, value in d.items():
        if key in _LEFT_OUT:
            continue
        if key in _BAND_READINGS:
            for hz, v in zip(d["octave_band_hz"], value):
                out[prefix + _BAND_READINGS[key].format(f"{hz:g}")] = v
        elif key == "dc_offset":
            out.update({f"{prefix}dc_offset_ch{i}": v for i, v in enumerate(value)})
        else:
            out[prefix + key] = value
    return out


def verdicts(report: ml.QaReport, targets: Sequence[str], prefix: str = "") -> Row:
    """Per target: passed, the gain the platform will apply, the failures."""
    out: Row = {}
    for t in targets:
        c = report.check(t)
        out[f"{prefix}{t}_passed"] = c.passed
        out[f"{prefix}{t}_gain_change_db"] = c.gain_change_db
        out[f"{prefix}{t}_failures"] = "; ".join(c.failures)
    return out


def output_paths(
    paths: Sequence[PathLike], out_dir: PathLike, root: Optional[PathLike] = None
) -> list[Path]:
    """Where each input's output goes: its path below ``root`` (default: the
    inputs' common folder) under ``out_dir``, in a container masterlib
    writes (else ``.wav``). Raises ``ValueError`` if two inputs share an
    output or an output is an input."""
    absolute = [Path(os.path.abspath(p)) for p in paths]
    if not absolute:
        return []
    base = Path(root) if root is not None else Path(os.path.commonpath([p.parent for p in absolute]))
    outs = []
    for p in absolute:
        try:
            rel = p.relative_to(os.path.abspath(base))
        except ValueError:
            raise ValueError(f"{str(p)!r} is not below the root {str(base)!r}") from None
        if p.suffix.lower() not in _FORMATS:
            rel = rel.with_suffix(".wav")
        outs.append(Path(out_dir) / rel)
    inputs = {os.path.realpath(p) for p in absolute}
    seen: set[str] = set()
    for o in outs:
        real = os.path.realpath(o)
        if real in inputs:
            raise ValueError(f"the output {str(o)!r} would be written over an input")
        if real in seen:
            raise ValueError(f"two inputs would write the same output {str(o)!r}")
        seen.add(real)
    return outs


# ---------------------------------------------------------------------------
# What a worker does with one file.


def _check_targets(targets: Sequence[str]) -> tuple[str, ...]:
    if isinstance(targets, str):
        targets = [targets]
    return tuple(ml.Target.by_name(t).name for t in targets)


def _write_catalog(
    kind: str,
    paths: Iterable[PathLike],
    out_dir: PathLike,
    settings: dict[str, Any],
    root: Optional[PathLike],
    manifest: Optional[PathLike],
    options: dict[str, Any],
    run_options: tuple[Any, ...],
) -> list[Row]:
    if not Path(out_dir).is_dir():
        raise FileNotFoundError(f"no such folder: {os.fspath(out_dir)!r}")
    if options["bit_depth"] not in (16, 24, 32):
        raise ValueError(f"bit_depth must be 16, 24 or 32 (float), got {options['bit_depth']!r}")
    files = [os.fspath(p) for p in paths]
    outs = output_paths(files, out_dir, root)
    targets = (options["target"],)
    made = [_Job(kind, p, targets, settings, os.fspath(o), fresh=not o.exists(), **options)
            for p, o in zip(files, outs)]
    if manifest is None:
        manifest = Path(out_dir) / "masterlib-manifest.jsonl"
    return _run(made, manifest, *run_options)


def _file_hash(path: PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _settings_key(job: _Job) -> str:
    text = json.dumps(job.settings, sort_keys=True) + ml.__version__
    return hashlib.sha256(text.encode()).hexdigest()


def _blank(path: str) -> Row:
    """The columns every row starts with."""
    return {"path": path, "size_bytes": None, "duration_s": None, "sample_rate": None,
            "channels": None, "error": None}


def _format(row: Row, report: ml.QaReport) -> None:
    """Fills in the file's format from its report."""
    row.update(duration_s=report.duration_s, sample_rate=round(report.sample_rate),
               channels=report.channels)


def _describe(row: Row) -> None:
    """Fills in what can be read of a file that failed (its format)."""
    try:
        with _open(row["path"]) as f:
            row.update(duration_s=f.frames / f.samplerate, sample_rate=f.samplerate,
                       channels=f.channels)
    except (ValueError, OSError):
        pass


def _work(job: _Job) -> tuple[Row, dict[str, Any], str]:
    """Does one job: ``(row, manifest record, status)`` with status
    ``"done"``, ``"skipped"`` (verified against the previous record) or
    ``"error"``. Never raises for a bad file."""
    row = _blank(job.path)
    key = _settings_key(job)
    record: dict[str, Any] = {"path": job.path, "settings": job.settings, "settings_key": key,
                              "version": ml.__version__, "output": job.output}
    try:
        row["size_bytes"] = os.path.getsize(job.path)
        # Without a manifest nothing needs the input's hash.
        record["input_sha256"] = digest = _file_hash(job.path) if job.logged else None
        prev = job.previous or {}
        found = _file_hash(job.output) if job.output and os.path.isfile(job.output) else None
        ours = found is not None and found == prev.get("output_sha256")
        if (job.logged and prev.get("input_sha256") == digest and prev.get("error") is None
                and prev.get("settings_key") == key
                and (job.output is None or ours)):
            return prev["row"], prev, "skipped"
        if found is not None and not (ours or job.overwrite or job.fresh):
            raise FileExistsError(f"{job.output!r} exists and is not in the manifest; "
                                  "pass overwrite=True to replace it")
        if job.kind == "analyze":
            report = measure_file(job.path, block_s=job.block_s)
            _format(row, report)
            row.update(readings(report))
            row.update(verdicts(report, job.targets))
        else:
            row.update(_write_output(job, row))
            record["output_sha256"] = row["output_sha256"]
    except (ValueError, OSError) as e:  # a bad file is a row, not the end of the run
        row["error"] = str(e)
    except Exception as e:
        row["error"] = f"{type(e).__name__}: {e}"
    if row["error"] is not None:
        _describe(row)
    record["error"] = row.get("error")
    record["row"] = row = _plain(row)
    return row, record, "error" if row.get("error") else "done"


def _write_output(job: _Job, row: Row) -> Row:
    """Normalizes or masters ``job.path`` into ``job.output``: its columns
    (the format filled into ``row``)."""
    assert job.output is not None and job.target is not None
    out = Path(job.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.*"):  # left by a worker that died
        stale.unlink()
    columns: Row = {"output": job.output}
    if job.kind == "normalize":
        before = measure_file(job.path, block_s=job.block_s)
        n = normalize_file(job.path, out, job.target, bit_depth=job.bit_depth, overwrite=True,
                           block_s=job.block_s)
        columns["gain_db"] = n.gain_db
    else:
        m = master_file(job.path, out, chain=job.chain, bit_depth=job.bit_depth, overwrite=True,
                        block_s=job.block_s)
        before, columns["gain_db"] = m.before, m.input_gain_db
    _format(row, before)
    after = measure_file(out, block_s=job.block_s)
    columns["output_sha256"] = _file_hash(out)
    columns.update(readings(before, "before_"))
    columns.update(readings(after, "after_"))
    columns.update(verdicts(after, job.targets, "after_"))
    return columns


def _plain(row: Row) -> Row:
    """The row with numpy scalars made Python numbers (so that rows compare
    and write as JSON alike whatever made them)."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in row.items()}


def _work_batch(batch: list[_Job]) -> list[tuple[Row, dict[str, Any], str]]:
    return [_work(j) for j in batch]


# ---------------------------------------------------------------------------
# Running the jobs: the manifest, the engines, progress.


def _read_manifest(path: Optional[PathLike]) -> dict[str, dict[str, Any]]:
    """The newest record per input path (a torn last line is ignored)."""
    records: dict[str, dict[str, Any]] = {}
    if path is None or not os.path.exists(path):
        return records
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(r, dict) and "path" in r:
                records[r["path"]] = r
    return records


def _run(
    made: list[_Job],
    manifest: Optional[PathLike],
    engine: str,
    jobs: Optional[int],
    client: Any,
    scheduler: Optional[str],
    batch_size: int,
    progress: Progress,
) -> list[Row]:
    if engine not in ("local", "dask"):
        raise ValueError(f"engine must be 'local' or 'dask', not {engine!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if jobs is not None and jobs < 1:
        raise ValueError("jobs must be at least 1")
    if made and not made[0].block_s > 0:
        raise ValueError("block_s must be positive seconds")
    known = _read_manifest(manifest)
    made = [replace(j, previous=known.get(j.path), logged=manifest is not None) for j in made]
    batches = [list(range(i, min(i + batch_size, len(made)))) for i in range(0, len(made), batch_size)]
    rows: list[Row] = [{} for _ in made]
    state = CatalogProgress(0, len(made), 0.0, 0, 0, 0.0)
    start = time.monotonic()
    run: _Engine = (_Local(made, batches, jobs or os.cpu_count() or 1) if engine == "local"
                    else _Dask(made, batches, client, scheduler))
    with open(manifest, "a") if manifest is not None else nullcontext() as log:

        def keep(index: int, result: Result) -> None:
            rows[index], record, status = result
            if log is not None and status != "skipped":
                log.write(json.dumps(record) + "\n")
                log.flush()
            state.files_done += 1
            state.errors += status == "error"
            state.skipped += status == "skipped"
            state.audio_s += 0.0 if status == "error" else rows[index].get("duration_s") or 0.0
            state.elapsed_s = time.monotonic() - start

        try:
            while run.busy:
                for index, result in run.next():
                    keep(index, result)
                    if progress is not None and progress(replace(state)) is False:
                        raise Cancelled(f"the catalog run was stopped after {state.files_done} files")
        except BaseException:
            # Stopped (cancel, Ctrl-C, an error): the files under way finish
            # and are recorded, so that a re-run does none of them twice.
            run.stop()
            while run.busy:
                for index, result in run.next():
                    keep(index, result)
            raise
        finally:
            run.close()
    return rows


Result = tuple[Row, dict[str, Any], str]


def _died(job: _Job) -> Result:
    """The result of a file whose worker died while doing it (its partial
    output, where this process sees it, is removed)."""
    if job.output is not None:
        out = Path(job.output)
        for stale in out.parent.glob(f".{out.name}.*"):
            stale.unlink(missing_ok=True)
    row = {**_blank(job.path), "error": "the worker process died while doing this file"}
    return row, {"path": job.path, "error": row["error"], "row": row}, "error"


class _Engine:
    """Runs batches of jobs: ``next()`` waits for some to finish."""

    busy: bool

    def next(self) -> list[tuple[int, Result]]:
        raise NotImplementedError

    def stop(self) -> None:
        """Starts nothing new; what runs still finishes."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Local(_Engine):
    """A pool of ``jobs`` processes, fed a few batches ahead. A worker that
    dies breaks the pool: the batches then in flight run again a file at a
    time, each in a process of its own, so that only the file that kills
    its worker becomes an error row."""

    def __init__(self, made: list[_Job], batches: list[list[int]], jobs: int):
        self.made, self.jobs = made, jobs
        self.todo = deque(batches)
        self.suspects: list[int] = []
        self.running: dict[Future[list[Result]], list[int]] = {}
        self.context = get_context("spawn")
        self.pool: Optional[ProcessPoolExecutor] = None

    @property
    def busy(self) -> bool:  # type: ignore[override]
        return bool(self.todo or self.running or self.suspects)

    def next(self) -> list[tuple[int, Result]]:
        if self.suspects and not self.running:
            i = self.suspects.pop(0)
            with ProcessPoolExecutor(1, mp_context=self.context) as alone:
                try:
                    return [(i, alone.submit(_work, self.made[i]).result())]
                except BrokenProcessPool:
                    return [(i, _died(self.made[i]))]
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=self.context)
        out: list[tuple[int, Result]] = []
        broken = False
        try:
            while self.todo and len(self.running) < 2 * self.jobs:
                b = self.todo[0]
                self.running[self.pool.submit(_work_batch, [self.made[i] for i in b])] = b
                self.todo.popleft()
        except BrokenProcessPool:
            broken = True
        done, _ = wait(self.running, return_when=FIRST_COMPLETED)
        for f in done:
            b = self.running.pop(f)
            try:
                out += zip(b, f.result())
            except BrokenProcessPool:
                self.suspects += b
                broken = True
        if broken:
            self.suspects += [i for b in self.running.values() for i in b]
            self.suspects.sort()
            self.running.clear()
            self.close()
        return out

    def stop(self) -> None:
        self.todo.clear()
        self.suspects.clear()
        for f in [f for f in self.running if f.cancel()]:
            del self.running[f]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class _Dask(_Engine):
    """Dask tasks on ``client`` (or a client of ``scheduler``). Dask runs a
    task again when its worker dies, and gives up (``KilledWorker``) when
    workers keep dying under it; the files of such a task then run again
    one at a time, so that only the file that kills its worker becomes an
    error row."""

    def __init__(
        self, made: list[_Job], batches: list[list[int]], client: Any, scheduler: Optional[str]
    ):
        try:
            from distributed import Client, KilledWorker, as_completed  # type: ignore[import-untyped]
        except ImportError:
            raise ImportError(
                "engine='dask' needs dask.distributed: pip install masterlib[dask]"
            ) from None
        self.own = client is None
        if self.own:
            if scheduler is None:
                raise ValueError("engine='dask' needs a client or a scheduler address")
            client = Client(scheduler)
        self.made, self.client, self.killed = made, client, KilledWorker
        self.futures = client.map(_work_batch, [[made[i] for i in b] for b in batches], pure=False)
        self.where = {f.key: b for f, b in zip(self.futures, batches)}
        self.left = len(self.futures)
        self.done = as_completed(self.futures)
        self.suspects: list[int] = []

    @property
    def busy(self) -> bool:  # type: ignore[override]
        return self.left > 0 or bool(self.suspects)

    def next(self) -> list[tuple[int, Result]]:
        if self.left == 0:
            i = self.suspects.pop(0)
            try:
                return [(i, self.client.submit(_work, self.made[i], pure=False).result())]
            except self.killed:
                return [(i, _died(self.made[i]))]
        f = next(self.done)
        self.left -= 1
        b = self.where[f.key]
        if f.cancelled():
            return []
        try:
            return list(zip(b, f.result()))
        except self.killed:
            self.suspects += b
            return []

    def stop(self) -> None:
        self.suspects.clear()
        self.client.cancel([f for f in self.futures if not f.done()])

    def close(self) -> None:
        if self.own:
            self.client.close()
