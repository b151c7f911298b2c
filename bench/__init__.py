"""Benchmarks: `python bench/extraction.py` (cleaning quality), `python bench/pipeline.py` (throughput)."""
