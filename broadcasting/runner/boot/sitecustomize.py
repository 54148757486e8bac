"""Put on ``PYTHONPATH`` by ``broadcasting rewrite/audit --run CMD``: every Python process the
command starts traces the named files (``broadcasting.runner.child.install_from_env``)."""
try:
    from broadcasting.runner.child import install_from_env
except ImportError:  # another interpreter that cannot import the package: run untraced
    pass
else:
    install_from_env()
