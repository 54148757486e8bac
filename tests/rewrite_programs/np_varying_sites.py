# A site that sees different shape patterns across iterations (kept), next to ones that do not.
import numpy as np

w = np.array([1.0, 2.0, 3.0])
outs = []
for shape in [(3,), (2, 3), (2, 1)]:
    x = np.ones(shape)
    outs.append(x * w)      # (3,)*(3,), (2,3)*(3,), (2,1)*(3,): no single explicit form
same = []
for n in (2, 5):
    same.append(np.ones((n, 3)) * w)   # one form for every size
first = outs[0]
last = outs[-1]
s1 = same[1]
