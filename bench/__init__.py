"""Benchmarks of the project's cleaning step (run `python bench/extraction.py`)."""
