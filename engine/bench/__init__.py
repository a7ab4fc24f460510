"""Benchmarks that print JSON lines (run by hand or as CI smoke tests)."""
