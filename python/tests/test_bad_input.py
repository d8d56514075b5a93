"""Bad input raises ValueError or TypeError with a clear message, never crashes the interpreter."""
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from backprop import MLPClassifier, MLPRegressor

X = np.arange(40, dtype=np.float32).reshape(10, 4) / 40
Y = np.array([0, 1] * 5)


def with_value(v):
    bad = X.copy()
    bad[3, 2] = v
    return bad


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("X_bad, y_bad, error, match", [
    (with_value(np.nan), Y, ValueError, "NaN"),
    (with_value(np.inf), Y, ValueError, "infinity"),
    (X[0], Y, ValueError, "2D array"),
    (X.reshape(10, 2, 2), Y, ValueError, "dim"),
    (np.empty((0, 4), np.float32), np.empty(0), ValueError, "0 sample"),
    (np.array([["a", "b"], ["c", "d"]], dtype=object), np.array([0, 1]), ValueError, "could not convert|string"),
    (X.astype(str), Y, ValueError, "dtype <U32; expected numbers"),
    (X, Y[:7], ValueError, "inconsistent numbers of samples"),
])
def test_fit_refuses(est, X_bad, y_bad, error, match):
    with pytest.raises(error, match=match):
        est(max_iter=1).fit(X_bad, y_bad)


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
def test_predict_before_fit(est):
    with pytest.raises(NotFittedError, match="not fitted"):
        est().predict(X)


@pytest.mark.parametrize("est", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("X_bad, match", [
    (X[:, :3], "X has 3 features, but .* is expecting 4 features"),
    (X[:, :3].astype(np.float64), "X has 3 features, but .* is expecting 4 features"),
    (with_value(np.nan), "NaN"),
    (with_value(np.inf).astype(np.float64), "infinity"),
    (np.empty((0, 4), np.float32), "0 sample"),
])
def test_predict_refuses(est, X_bad, match):
    model = est(hidden_layer_sizes=(3,), max_iter=1).fit(X, Y)
    with pytest.raises(ValueError, match=match):
        model.predict(X_bad)


@pytest.mark.parametrize("params, match", [
    ({"activation": "swish"}, "activation='swish'"),
    ({"solver": "newton"}, "newton"),
    ({"precision": "float16"}, "precision='float16'"),
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"max_iter": 0}, "max_iter=0"),
    ({"batch_size": -3}, "batch_size=-3"),
    ({"optimizer": {"momentun": 0.9}}, "optimizer option 'momentun'"),
    ({"schedule": "triangle"}, "schedule 'triangle'"),
    ({"network": [{"units": 3}]}, "'type'"),
    ({"dropout": 1.5}, "dropout|p"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**{"max_iter": 1, **params}).fit(X, Y)


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="y has 1 class"):
        MLPClassifier(max_iter=1).fit(X, np.zeros(10))
