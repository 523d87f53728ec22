"""The benchmark harness: named benchmark functions, a runner, a printed table and a JSON file.

    @benchmark("store", "store ingest alone, roost vs raw driver")
    def store(run: Run) -> None:
        n = run.size(full=50_000, quick=2_000)
        ...
        run.report("sqlite.roost", items / seconds, "items/s", "median of 3")

A benchmark measures and reports figures; it never asserts on a time. A figure that should hit a
target (an unchanged pass writes 0 items) is reported as measured, with the target in its notes.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import platform
import pstats
import sqlite3
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


def log(message: str) -> None:
    """Progress for the person watching (stderr); the table goes to stdout."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Figure:
    benchmark: str
    """Dotted name: the registered benchmark, then what was measured (`recorder.sg1000.first_pass`)."""
    value: float | None
    """None when the figure could not be measured (the notes say why)."""
    unit: str
    notes: str = ""


@dataclass
class Run:
    """What a benchmark gets: the run's options and somewhere to report figures."""

    quick: bool
    db_dir: Path
    """Where benchmarks put their database files (each in a fresh file)."""
    figures: list[Figure] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    """Extra facts about the environment found while running (e.g. the PostgreSQL version)."""
    current: str = ""

    def size(self, *, full: int, quick: int) -> int:
        return quick if self.quick else full

    def report(self, name: str, value: float | None, unit: str, notes: str = "") -> Figure:
        figure = Figure(f"{self.current}.{name}", value, unit, notes)
        self.figures.append(figure)
        log(f"  {figure.benchmark} = {format_value(value)} {unit}" + (f"  ({notes})" if notes else ""))
        return figure


BenchmarkFn = Callable[[Run], None]


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    fn: BenchmarkFn


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str, description: str) -> Callable[[BenchmarkFn], BenchmarkFn]:
    """Register a benchmark function under `name` (what `python -m bench NAME` runs)."""

    def register(fn: BenchmarkFn) -> BenchmarkFn:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = Benchmark(name, description, fn)
        return fn

    return register


class Stopwatch:
    """`with Stopwatch() as watch: ...` then `watch.seconds`."""

    def __init__(self) -> None:
        self._start = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def format_value(value: float | None) -> str:
    if value is None:
        return "-"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_table(figures: Sequence[Figure]) -> str:
    rows = [("benchmark", "figure", "unit", "notes")]
    rows += [(f.benchmark, format_value(f.value), f.unit, f.notes) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, (name, value, unit, notes) in enumerate(rows):
        lines.append(f"{name:<{widths[0]}}  {value:>{widths[1]}}  {unit:<{widths[2]}}  {notes}".rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(lines)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def machine_facts() -> dict[str, object]:
    """What the figures depend on besides roost's code."""
    import sqlalchemy

    status = _git("status", "--porcelain")
    return {
        "cpu_count": os.cpu_count(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlite_version": sqlite3.sqlite_version,
        "sqlalchemy_version": sqlalchemy.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "roost_commit": _git("rev-parse", "HEAD"),
        "roost_tree_dirty": None if status is None else bool(status),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _profile_report(profile: cProfile.Profile, path: Path) -> str:
    profile.dump_stats(path)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def run_benchmarks(
    names: Sequence[str], *, quick: bool, db_dir: Path, profile: bool = False, write: bool = True
) -> tuple[Run, dict[str, str], Path | None]:
    """Run the named benchmarks in order; returns the run, the errors by benchmark, the JSON file."""
    run = Run(quick=quick, db_dir=db_dir)
    errors: dict[str, str] = {}
    started = datetime.now(UTC)
    facts_at_start = machine_facts()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    if write or profile:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        bench = BENCHMARKS[name]
        run.current = name
        log(f"== {name}: {bench.description}{' (quick)' if quick else ''}")
        profiler = cProfile.Profile() if profile else None
        with Stopwatch() as watch:
            try:
                if profiler is not None:
                    profiler.runcall(bench.fn, run)
                else:
                    bench.fn(run)
            except Exception as exc:  # one failing benchmark must not lose the others' figures
                errors[name] = "".join(traceback.format_exception(exc))
                log(errors[name])
                run.report("error", None, "", f"{type(exc).__name__}: {exc}")
        log(f"== {name}: done in {watch.seconds:.1f}s")
        if profiler is not None:
            path = RESULTS_DIR / f"{stamp}-{name}.prof"
            log(_profile_report(profiler, path))
            log(f"   profile written to {path} (main thread only; the sandbox server runs in other threads)")
    finished = datetime.now(UTC)
    if not write:
        return run, errors, None
    document = {
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "benchmarks": list(names),
        "quick": quick,
        "db_dir": str(db_dir),
        "machine": {
            **facts_at_start,
            "load_average_at_end": machine_facts()["load_average"],
            **run.facts,
        },
        "figures": [asdict(f) for f in run.figures],
        "errors": errors,
    }
    path = RESULTS_DIR / f"{stamp}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    (RESULTS_DIR / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    return run, errors, path
