"""These are programs for the audit to run (see tests/test_audit.py), not test modules: keep
pytest (and its --doctest-modules import) from executing them at collection time."""
collect_ignore_glob = ["bug_*.py", "clean_*.py"]
