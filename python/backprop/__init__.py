"""backprop: scikit-learn-style neural networks trained by backprop's C++ core.

    >>> from backprop import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=1).fit(X, y)
    >>> clf.predict(X[:5])

The estimators take scikit-learn's MLPClassifier/MLPRegressor parameters plus backprop's own
(optimizer, schedule, dropout, threads, precision, network); see docs/python.md.
"""
from ._estimators import MLPClassifier, MLPRegressor, load

__all__ = ["MLPClassifier", "MLPRegressor", "load"]
__version__ = "0.1.0"
