"""MLPClassifier and MLPRegressor: a thin scikit-learn layer over backprop._core (docs/python.md)."""
import json
import os
import tempfile
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from . import _core

_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_PRECISIONS = {"float32": np.float32, "float64": np.float64}
_SCHEDULE_KEYS = {"name", "step_size", "gamma", "warmup_epochs", "min_lr", "factor", "patience"}


def _reject_strings(X):
    """Features given as strings are refused, even numeric ones ("0.5"): a column of text is a mistake."""
    dtype = getattr(X, "dtype", None)
    if dtype is None and isinstance(X, (list, tuple)):
        dtype = np.asarray(X).dtype
    if dtype is not None and getattr(dtype, "kind", "") in "USV":
        raise ValueError(f"X has dtype {dtype}; expected numbers (convert text columns first)")


def _core_class(precision):
    return _core.CoreF64 if precision == "float64" else _core.CoreF32


class _BaseMLP(BaseEstimator):
    """Parameters shared by MLPClassifier and MLPRegressor (scikit-learn's names and defaults)."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, random_state=None, tol=1e-4,
                 verbose=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 optimizer=None, schedule=None, dropout=0.0, threads=None, precision="auto",
                 network=None, input_shape=None, init="xavier-uniform"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.optimizer = optimizer
        self.schedule = schedule
        self.dropout = dropout
        self.threads = threads
        self.precision = precision
        self.network = network
        self.input_shape = input_shape
        self.init = init

    # ---- configuration -------------------------------------------------------------------
    def _check_params(self):
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation={self.activation!r}; expected one of {sorted(_ACTIVATIONS)}")
        if self.precision not in ("auto", *_PRECISIONS):
            raise ValueError(f"precision={self.precision!r}; expected 'auto', 'float32' or 'float64'")
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"max_iter={self.max_iter!r}; expected an integer >= 1")
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
        if any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes={self.hidden_layer_sizes!r}; expected positive integers")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction={self.validation_fraction!r}; expected a value in (0, 1)")
        if self.batch_size != "auto" and (not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1):
            raise ValueError(f"batch_size={self.batch_size!r}; expected 'auto' or an integer >= 1")
        return [int(s) for s in sizes]

    def _batch(self, n_samples):
        if self.solver == "lbfgs":
            return 0  # full batch
        if self.batch_size == "auto":
            return min(200, n_samples)
        return int(min(self.batch_size, n_samples))

    def _optimizer_options(self, batch):
        opt = {"name": self.solver}
        if self.solver != "lbfgs":
            opt["lr"] = float(self.learning_rate_init)
            # scikit-learn's L2 term alpha/2 |W|^2 / batch: its gradient alpha/batch * W (also on biases here).
            opt["weight_decay"] = float(self.alpha) / max(batch, 1)
        if self.solver == "sgd":
            opt["momentum"] = float(self.momentum)
            opt["nesterov"] = bool(self.nesterovs_momentum and self.momentum > 0)
        if self.solver in ("adam", "adamw"):
            opt.update(beta1=float(self.beta_1), beta2=float(self.beta_2), eps=float(self.epsilon))
        if self.optimizer:
            if not isinstance(self.optimizer, dict):
                raise TypeError(f"optimizer={self.optimizer!r}; expected a dict of optimizer options")
            opt.update(self.optimizer)
        return opt

    def _schedule(self):
        s = self.schedule
        if s is None:
            return {"name": "none"}
        if isinstance(s, str):
            return {"name": s}
        if isinstance(s, dict) and set(s) <= _SCHEDULE_KEYS and "name" in s:
            return dict(s)
        raise ValueError(f"schedule={s!r}; expected None, a name or a dict with 'name' and any of "
                         f"{sorted(_SCHEDULE_KEYS - {'name'})}")

    def _config(self, n_samples, seed, task):
        sizes = self._check_params()
        batch = self._batch(n_samples)
        monitor = ("val_accuracy" if task == "classification" else "val_loss") if self.early_stopping else "loss"
        return {
            "task": task, "precision": self._model_precision,
            "hidden": sizes, "activation": _ACTIVATIONS[self.activation], "init": self.init,
            "dropout": float(self.dropout), "network": self.network,
            "input_shape": list(self.input_shape) if self.input_shape is not None else None,
            "optimizer": self._optimizer_options(batch), "schedule": self._schedule(),
            "batch_size": batch, "epochs": int(self.max_iter), "seed": int(seed),
            "early_stopping": monitor, "patience": int(self.n_iter_no_change), "min_delta": float(self.tol),
            "validation_split": float(self.validation_fraction) if self.early_stopping else 0.0,
            "threads": int(self.threads or 0),
            "estimator": {"class": type(self).__name__, "params": _jsonable(self.get_params())},
        }

    def _resolve_precision(self, X):
        """'auto': a float32 model for float32 X (the fast path, no copy), else float64, as
        scikit-learn keeps the input's precision."""
        if self.precision != "auto":
            self._model_precision = self.precision
            return
        dtypes = getattr(X, "dtypes", None)  # a pandas DataFrame
        if dtypes is not None:
            single = len(dtypes) > 0 and all(d == np.float32 for d in dtypes)
        else:
            single = getattr(X, "dtype", None) == np.float32
        self._model_precision = "float32" if single else "float64"

    def _seed(self):
        if isinstance(self.random_state, (int, np.integer)):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    # ---- training ------------------------------------------------------------------------
    def _on_epoch(self):
        def report(stats):
            self.loss_curve_.append(stats["loss"])
            if self.early_stopping and not np.isnan(stats["val_loss"]):
                score = stats["val_accuracy"] if self._task == "classification" else -stats["val_loss"]
                self.validation_scores_.append(score)
            if self.verbose:
                print(f"Iteration {len(self.loss_curve_)}, loss = {stats['loss']:.8f}")
                if self.early_stopping and self.validation_scores_:
                    print(f"Validation score: {self.validation_scores_[-1]:f}")
        return report

    def _train(self, method, X, y, classes, seed, partial):
        cfg = self._config(X.shape[0], seed, self._task)
        if not partial:
            self._partial_seed = seed  # partial_fit after fit continues with the same seed
        if not partial or not hasattr(self, "_core"):
            self._core = _core_class(self._model_precision)()
            self.loss_curve_, self.validation_scores_, self.t_ = [], [], 0
        core = self._core
        try:
            report = getattr(core, method)(X, y, classes, json.dumps(cfg), self._on_epoch())
        finally:
            if core.built():
                self._after_fit(X)
        self.t_ += X.shape[0] * report["epochs"]
        if not partial and not report["stopped_early"] and not report["interrupted"] and \
                self.n_iter_ >= self.max_iter and self.solver != "lbfgs":
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                          "optimization hasn't converged yet.", ConvergenceWarning)
        return self

    def _after_fit(self, X):
        self.n_iter_ = len(self.loss_curve_)
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else np.nan
        self.n_layers_ = len(self._dense_params()) // 2 + 1
        self.n_outputs_ = self._core.n_outputs()
        if self.validation_scores_:
            self.best_validation_score_ = max(self.validation_scores_)
        if hasattr(self, "feature_names_in_"):
            self._core.set_feature_names([str(n) for n in self.feature_names_in_])

    def _dense_params(self):
        return [(name, value) for name, value in self._core.params() if name.startswith("dense")]

    @property
    def coefs_(self):
        """Weight matrices of the dense layers, (n_in, n_out) each, as scikit-learn's."""
        self._fitted_core()
        return [value.T.copy() for name, value in self._dense_params() if name.endswith(".w")]

    @property
    def intercepts_(self):
        """Bias vectors of the dense layers, as scikit-learn's."""
        self._fitted_core()
        return [value.ravel() for name, value in self._dense_params() if name.endswith(".b")]

    def _fitted_core(self):
        core = getattr(self, "_core", None)
        if core is None or not core.built():
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")
        return core

    # ---- inference -----------------------------------------------------------------------
    def _forward(self, X):
        core = self._fitted_core()
        dtype = _PRECISIONS[self._model_precision]
        # Fast path: an ndarray of the model's precision goes straight to C++, which checks the
        # width and that every value is finite (predict on one sample costs a few microseconds).
        if type(X) is np.ndarray and X.dtype == dtype and X.ndim == 2 and X.flags.c_contiguous \
                and X.shape[0] > 0 and not hasattr(self, "feature_names_in_"):
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                                 f"{self.n_features_in_} features as input.")
            return core.predict(X)
        _reject_strings(X)
        X = self._validate_data(X, dtype=dtype, order="C", reset=False)
        return core.predict(X)

    # ---- persistence ---------------------------------------------------------------------
    def save(self, path):
        """Writes the model as a .bpm file, the format of `backprop train --output` (atomically)."""
        data = self._fitted_core().to_bytes()
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bpm-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: on Python 3.11 it is the live __dict__
        core = state.pop("_core", None)
        if core is not None and core.built():
            state["_model_bytes"] = core.to_bytes()  # the checksummed .bpm bytes
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_model_bytes", None)
        super().__setstate__(state)
        if data is not None:
            self._core = _core_class(self._model_precision).from_bytes(data, "pickled model")

    def explain(self, X, y, lr=None):
        """The trace of one backpropagation step on the sample (X[0], y[0]) with learning rate lr
        (default learning_rate_init), as `backprop explain --format json` gives it, as a dict."""
        core = self._fitted_core()
        x = self._validate_data(X, dtype=np.float64, reset=False)[0]
        t = self._target_row(np.asarray(y)[0] if np.ndim(y) else y)
        lr = float(self.learning_rate_init if lr is None else lr)
        return json.loads(core.explain_json(list(map(float, x)), list(map(float, t)), lr))



def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return None  # e.g. a RandomState instance: not stored


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier (scikit-learn's MLPClassifier API) trained by backprop.

    Two classes use one sigmoid output (binary cross-entropy), more use softmax cross-entropy:
    the network `backprop train` builds for the same data.
    """
    _task = "classification"

    def _labels(self, y, first):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        if np.any(self.classes_[idx] != y):
            raise ValueError(f"y contains classes not seen before: {np.setdiff1d(y, self.classes_)}; "
                             f"expected classes in {self.classes_}")
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); expected at least 2 classes")
        return idx.astype(np.uint32)

    def fit(self, X, y):
        """Trains a new network on X (n_samples, n_features) and class labels y (n_samples,)."""
        _reject_strings(X)
        self._resolve_precision(X)
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", reset=True)
        labels = self._labels(y, first=True)
        return self._train("fit", X, labels, [str(c) for c in self.classes_], self._seed(), partial=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch on (X, y), continuing the network; `classes` is required on the first call."""
        first = not hasattr(self, "_core")
        _reject_strings(X)
        if first:
            self._resolve_precision(X)
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", reset=first)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.classes_ = np.unique(classes)
            self._partial_seed = self._seed()
        labels = self._labels(y, first=False)
        return self._train("partial_fit", X, labels, [str(c) for c in self.classes_], self._partial_seed,
                           partial=True)

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), columns in the order of classes_."""
        p = self._forward(X)
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p

    def predict(self, X):
        p = self._forward(X)
        idx = (p[:, 0] > 0.5).astype(np.intp) if p.shape[1] == 1 else p.argmax(axis=1)
        return self.classes_[idx]

    def _target_row(self, label):
        k = int(np.searchsorted(self.classes_, label))
        if len(self.classes_) == 2 and self._core.n_outputs() == 1:
            return [float(k)]
        return [1.0 if j == k else 0.0 for j in range(len(self.classes_))]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor (scikit-learn's MLPRegressor API) trained by backprop:
    identity outputs and mean squared error."""
    _task = "regression"

    def _targets(self, y):
        y = np.asarray(y, dtype=np.float32)
        self._y_1d = y.ndim == 1
        return y.reshape(-1, 1) if y.ndim == 1 else np.ascontiguousarray(y)

    def fit(self, X, y):
        """Trains a new network on X (n_samples, n_features) and targets y ((n_samples,) or (n_samples, k))."""
        _reject_strings(X)
        self._resolve_precision(X)
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", multi_output=True, y_numeric=True,
                                   reset=True)
        return self._train("fit", X, self._targets(y), [], self._seed(), partial=False)

    def partial_fit(self, X, y):
        """One epoch on (X, y), continuing the network."""
        first = not hasattr(self, "_core")
        _reject_strings(X)
        if first:
            self._resolve_precision(X)
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", multi_output=True, y_numeric=True,
                                   reset=first)
        if first:
            self._partial_seed = self._seed()
        return self._train("partial_fit", X, self._targets(y), [], self._partial_seed, partial=True)

    def predict(self, X):
        """Predicted targets, float64 as scikit-learn's regressors give them."""
        out = self._forward(X).astype(np.float64)
        return out.ravel() if getattr(self, "_y_1d", False) else out

    def _target_row(self, value):
        return list(np.atleast_1d(np.asarray(value, dtype=np.float64)))

    def _more_tags(self):
        return {**super()._more_tags(), "multioutput": True}


def load(path):
    """Reads a .bpm model file (from save() or `backprop train --output`) as an estimator."""
    with open(path, "rb") as f:
        data = f.read()
    core = _core.CoreF32.from_bytes(data, str(path))
    cfg = json.loads(core.config_json() or "{}")
    precision = "float64" if cfg.get("precision") in ("double", "float64") else "float32"
    if precision == "float64":
        core = _core.CoreF64.from_bytes(data, str(path))
    names = core.class_names()
    est_cfg = cfg.get("estimator", {})
    cls = MLPClassifier if names else MLPRegressor
    est = cls()
    params = {k: v for k, v in est_cfg.get("params", {}).items() if k in est.get_params()}
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    est.set_params(**params)
    est._model_precision = precision
    est._core = core
    est.n_features_in_ = core.n_inputs()
    features = core.feature_names()
    if features:
        est.feature_names_in_ = np.asarray(features, dtype=object)
    if names:
        est.classes_ = _class_array(names)
    else:
        est._y_1d = core.n_outputs() == 1
    est.loss_curve_, est.validation_scores_, est.t_ = [], [], 0
    est.n_iter_ = 0
    return est


def _class_array(names):
    """Class names as stored (strings) -> integers when every one is an integer, as they most often were."""
    try:
        ints = [int(n) for n in names]
        if [str(i) for i in ints] == list(names):
            return np.asarray(ints)
    except ValueError:
        pass
    return np.asarray(names)
