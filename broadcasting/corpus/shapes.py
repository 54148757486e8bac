"""Deterministic shape sources for the generator: hypothesis' ``mutually_broadcastable_shapes``
drawn under a fixed seed (same hypothesis version + seed => same shapes).

>>> draws = hypothesis_shapes(0, 5, num_shapes=2, max_dims=2, max_side=3)
>>> draws == hypothesis_shapes(0, 5, num_shapes=2, max_dims=2, max_side=3)
True
>>> all(len(d) == 2 for d in draws)
True
"""
from __future__ import annotations

from functools import lru_cache

from ..errors import UsageError

__all__ = ["hypothesis_shapes", "hypothesis_version"]

#: numpy's matmul signature (``?``: the 1-D promotion of either side)
MATMUL_SIGNATURE = "(m?,n),(n,p?)->(m?,p?)"


def hypothesis_version() -> str:
    """The installed hypothesis version (recorded in the manifest: draws depend on it)."""
    try:
        import hypothesis
    except ImportError:  # pragma: no cover - hypothesis is a test dependency
        raise UsageError("`broadcasting corpus generate` draws shapes with hypothesis: "
                         "pip install hypothesis (or pip install \".[test]\")") from None
    return hypothesis.__version__


@lru_cache(maxsize=64)
def hypothesis_shapes(seed: int, count: int, num_shapes: int = 2, max_dims: int = 4,
                      max_side: int = 4, min_side: int = 1, signature: str | None = None
                      ) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """``count`` distinct tuples of input shapes from ``mutually_broadcastable_shapes``, in the
    order hypothesis draws them under ``seed`` (fewer when the space is smaller)."""
    hypothesis_version()
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed
    from hypothesis.extra.numpy import mutually_broadcastable_shapes

    kwargs = dict(max_dims=max_dims, max_side=max_side, min_side=min_side)
    if signature is None:
        strategy = mutually_broadcastable_shapes(num_shapes=num_shapes, **kwargs)
    else:
        strategy = mutually_broadcastable_shapes(signature=signature, **kwargs)
    seen: dict = {}

    @with_seed(seed)
    @settings(max_examples=int(count * 2.5), database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    @given(strategy)
    def draw(shapes):
        if len(seen) < count:
            seen.setdefault(tuple(shapes.input_shapes), None)

    draw()
    return tuple(seen)
