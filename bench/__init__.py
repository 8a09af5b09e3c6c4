"""Benchmarks of CommentGuard: `make bench` runs them and writes bench/results/."""
