"""The seeded noise shared bit for bit with src/engine/sampler/prng.ts.

xoshiro128** seeded through splitmix32; uniforms with 53 random bits; normals by the
Marsaglia polar method with a logarithm built from + - * / only, so both languages round
identically. Pure Python ints and floats; the spec is docs/model-format.md.
"""

from __future__ import annotations

import math
from typing import List

import numpy as np

MASK = 0xFFFFFFFF
LN2 = 0.6931471805599453
# atanh series length: (m-1)/(m+1) < 1/3 for m in [1, 2), so 20 odd terms reach below 1e-19.
LN_TERMS = 20


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK


def splitmix32(state: int):
    """Yields u32s; each call advances the state by the golden-ratio increment."""
    while True:
        state = (state + 0x9E3779B9) & MASK
        z = state
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK
        yield z ^ (z >> 16)


def ln(x: float) -> float:
    """Natural log of a positive finite float using only IEEE-exact-rounded basic ops."""
    e = 0
    while x >= 2.0:
        x = x / 2.0
        e += 1
    while x < 1.0:
        x = x * 2.0
        e -= 1
    f = (x - 1.0) / (x + 1.0)
    f2 = f * f
    s = 1.0 / (2 * LN_TERMS - 1)
    for k in range(LN_TERMS - 2, -1, -1):
        s = s * f2 + 1.0 / (2 * k + 1)
    return e * LN2 + 2.0 * f * s


class Xoshiro128:
    """xoshiro128** with 32-bit state words."""

    def __init__(self, seed: int):
        seeder = splitmix32(seed & MASK)
        self.s = [next(seeder) for _ in range(4)]
        self._spare = None

    def next_u32(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def uniform53(self) -> float:
        """Uniform in [0, 1) with 53 random bits from two draws."""
        a = self.next_u32()
        b = self.next_u32()
        return ((a >> 5) * 67108864.0 + (b >> 6)) / 9007199254740992.0

    def normal(self) -> float:
        """Standard normal; both values of each polar pair are used, u's first."""
        if self._spare is not None:
            value, self._spare = self._spare, None
            return value
        while True:
            u = 2.0 * self.uniform53() - 1.0
            v = 2.0 * self.uniform53() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        m = math.sqrt((-2.0 * ln(s)) / s)
        self._spare = v * m
        return u * m


def normals(seed: int, count: int) -> List[float]:
    rng = Xoshiro128(seed)
    return [rng.normal() for _ in range(count)]


def gaussian_noise(seed: int, shape) -> np.ndarray:
    """float32 noise of `shape`, filled in row-major order (N, C, T, H, W for latents)."""
    count = int(np.prod(shape))
    return np.asarray(normals(seed, count), dtype=np.float64).astype(np.float32).reshape(shape)


def gaussian_noise_torch(seed: int, shape):
    import torch

    return torch.from_numpy(gaussian_noise(seed, shape))
