"""The folder ``--run`` puts on the command's ``PYTHONPATH``: it holds ``sitecustomize.py`` only
(a package so that it is installed with the rest; this file is never imported by the hook)."""
