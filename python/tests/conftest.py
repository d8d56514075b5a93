"""Shared fixtures: the CLI binary (BACKPROP_CLI, set by ctest) and small data sets."""
import os

import numpy as np
import pytest


@pytest.fixture
def cli():
    path = os.environ.get("BACKPROP_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("BACKPROP_CLI must name the backprop binary (ctest sets it)")
    return path


@pytest.fixture
def blobs():
    """Three Gaussian blobs in 4 dimensions: 300 samples, float32, labels 0..2."""
    rng = np.random.default_rng(3)
    centers = rng.normal(0, 3, size=(3, 4))
    y = rng.integers(0, 3, size=300)
    X = (centers[y] + rng.normal(0, 1, size=(300, 4))).astype(np.float32)
    return X, y
