# N-body gravity: pairwise displacement, inverse-cube law, leapfrog steps; a generator of energies.
import numpy as np

rng = np.random.default_rng(6)
n = 5
pos = rng.standard_normal((n, 3))
vel = np.zeros((n, 3))
mass = rng.uniform(1, 2, n)
G, dt, soft = 1.0, 0.01, 0.1


def accel(pos):
    d = pos[None, :, :] - pos[:, None, :]          # d[i, j] = pos[j] - pos[i]
    r2 = (d * d).sum(-1) + soft ** 2
    inv3 = r2 ** -1.5
    return G * (d * inv3[:, :, None] * mass[None, :, None]).sum(1)


def energies(pos, vel, steps):
    for _ in range(steps):
        a = accel(pos)
        vel = vel + 0.5 * dt * a
        pos = pos + dt * vel
        vel = vel + 0.5 * dt * accel(pos)
        yield 0.5 * (mass * (vel * vel).sum(1)).sum()


E = np.array(list(energies(pos, vel, 4)))
acc0 = accel(pos)
