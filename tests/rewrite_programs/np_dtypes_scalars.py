# dtype traps: int arrays, float16, mixed float32/float64, numpy scalars, Python numbers mid-chain.
import numpy as np

ia = np.arange(6, dtype=np.int32).reshape(2, 3)
ib = np.array([1, 2, 3], dtype=np.int64)
iprod = ia * ib                          # int32 * int64 -> int64
h16 = np.linspace(0, 1, 3).astype(np.float16)
m16 = np.ones((2, 3), dtype=np.float16)
half = h16 * m16
f32 = np.ones((2, 3), dtype=np.float32)
f64 = np.array([0.1, 0.2, 0.3])
mixed = f32 * f64                        # float64
s64 = np.float64(1.5)
with_scalar = s64 * f32 * h16            # numpy scalar in front
chain = 2 * f32 * 0.5 * f64              # Python numbers mid-chain
neg = -f32 * f64
tr = f32 * f64[:, None].T
total = (f32 * f64).sum()
mm = f32 * ib @ np.ones((3, 2), dtype=np.float32)
z0 = np.array(3.0, dtype=np.float32)
zero_d = z0 * f32                        # 0-d array times 2-d array: float32
both0 = z0 * np.array(2.0)
bools = (ia > 2) * f64
c = f64.astype(np.complex64) * f32
