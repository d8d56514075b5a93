#!/usr/bin/python3
"""Writes the small .npy fixtures in tests/data/fixtures/ with NumPy itself, so the loader is
tested against headers NumPy really writes (padding, v2.0, trailing comma), not only our own.
Run from anywhere: /usr/bin/python3 tests/data/gen_fixtures.py"""
import os

import numpy as np

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
os.makedirs(out, exist_ok=True)

# 3 samples x 2 features, float32, with labels 2, 0, 1 as int64.
np.save(os.path.join(out, "features_f4.npy"),
        np.array([[0.5, -1.0], [2.0, 3.25], [1e-3, 7.0]], dtype="<f4"))
np.save(os.path.join(out, "labels_i8.npy"), np.array([2, 0, 1], dtype="<i8"))
# 2 images of 2x3 uint8 (flattened to I = 6), written as format version 2.0.
with open(os.path.join(out, "images_u1_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, np.arange(12, dtype=np.uint8).reshape(2, 2, 3), version=(2, 0))
# Regression targets (3, 2) float64.
np.save(os.path.join(out, "targets_f8.npy"),
        np.array([[1.0, -1.0], [0.25, 0.5], [100.0, 0.0]], dtype="<f8"))
# Fortran-ordered 2x2 float32, which the loader must reject.
np.save(os.path.join(out, "fortran_f4.npy"), np.asfortranarray(np.eye(2, dtype="<f4")))


# ---- Reference shuffle orders for test_dataset.cpp (printed, pasted into the test) ----
# An independent Python model of BatchOrder: SplitMix64 finaliser, std::mt19937_64 as the C++
# standard defines it ([rand.predef]: w=64, n=312, m=156, r=31, ...), and Fisher-Yates with
# rejection sampling on the raw 64-bit output.
M64 = (1 << 64) - 1


def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class MT19937_64:
    def __init__(self, seed):
        self.mt = [seed & M64]
        for i in range(1, 312):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & M64)
        self.i = 312

    def __call__(self):
        if self.i >= 312:
            for k in range(312):
                y = (self.mt[k] & 0xFFFFFFFF80000000) | (self.mt[(k + 1) % 312] & 0x7FFFFFFF)
                v = self.mt[(k + 156) % 312] ^ (y >> 1)
                if y & 1:
                    v ^= 0xB5026F5AA96619E9
                self.mt[k] = v
            self.i = 0
        x = self.mt[self.i]
        self.i += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & M64


def shuffle(v, rng):
    for k in range(len(v), 1, -1):
        limit = ((1 << 64) - ((1 << 64) % k)) & M64
        r = rng()
        while limit != 0 and r >= limit:
            r = rng()
        j = r % k
        v[k - 1], v[j] = v[j], v[k - 1]
    return v


if __name__ == "__main__":
    check = MT19937_64(5489)
    for _ in range(9999):
        check()
    assert check() == 9981545732273789042  # the standard's required 10000th value
    for epoch in range(3):
        print("BatchOrder(10, 7) epoch", epoch, shuffle(list(range(10)), MT19937_64(mix64(7 ^ mix64(epoch)))))
