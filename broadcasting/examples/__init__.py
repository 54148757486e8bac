"""Worked examples: the seed notebook's network, its gradients computed four ways, and the
answers to the notebook's open questions, produced from the library's own objects.

- :mod:`broadcasting.examples.backprop` — the network and the four routes;
- :mod:`broadcasting.examples.answers` — Markdown for the docs.

>>> from broadcasting.examples import Network
>>> Network(inputs=2, hidden=3)
Network(inputs=2, hidden=3, batch=None, activation='relu', loss='squared')
"""
from .backprop import FourWays, Gradients, Network, Sample, four_ways, notebook_sample

__all__ = ["Network", "Sample", "Gradients", "FourWays", "four_ways", "notebook_sample"]
