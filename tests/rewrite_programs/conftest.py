"""These are programs for the rewriter's round trips (see tests/test_rewrite_programs.py), not
test modules: keep pytest (and its --doctest-modules import) from executing them at collection."""
collect_ignore_glob = ["np_*.py", "torch_*.py"]
