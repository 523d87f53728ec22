"""`python -m bench [names...] [--quick] [--profile] [--db-dir DIR] [--list]`."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench import (  # noqa: F401  (importing registers the benchmarks)
    bench_aggregates,
    bench_api,
    bench_functions,
    bench_query,
    bench_recorder,
    bench_remediation,
    bench_rules,
    bench_store,
)
from bench.harness import BENCHMARKS, format_table, log, run_benchmarks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run roost's benchmarks.")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, to smoke-test the harness in seconds"
    )
    parser.add_argument(
        "--profile", action="store_true", help="run each benchmark under cProfile (slower figures)"
    )
    parser.add_argument(
        "--db-dir", type=Path, help="where the database files go (default: a fresh temporary directory)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table only; write no JSON under bench/results/"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    if args.list:
        for bench in BENCHMARKS.values():
            print(f"{bench.name:<10}  {bench.description}")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    names = args.names or list(BENCHMARKS)

    with tempfile.TemporaryDirectory(prefix="roost-bench-", dir=args.db_dir) as db_dir:
        run, errors, path = run_benchmarks(
            names, quick=args.quick, db_dir=Path(db_dir), profile=args.profile, write=not args.no_write
        )
    print(format_table(run.figures))
    if path is not None:
        log(f"results written to {path}")
    if errors:
        log(f"{len(errors)} benchmark(s) failed: {', '.join(errors)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
