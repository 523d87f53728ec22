"""roost's benchmarks: `python -m bench [names...] [--quick]` (see bench/README.md)."""
