// pybind11 bindings of the core (core.hpp) as backprop._core: the GIL is released while training
// and predicting, training runs on a worker thread while the calling thread watches for Ctrl-C.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "backprop/core/error.hpp"
#include "backprop/core/threads.hpp"
#include "core.hpp"

namespace py = pybind11;

namespace bp::python {
namespace {

py::dict epoch_dict(const EpochStats& s) {
  py::dict d;
  d["epoch"] = s.epoch;
  d["lr"] = s.lr;
  d["loss"] = s.loss;
  d["accuracy"] = s.accuracy;
  d["val_loss"] = s.val_loss;
  d["val_accuracy"] = s.val_accuracy;
  d["seconds"] = s.seconds;
  return d;
}

py::dict report_dict(const FitReport& r) {
  py::dict d;
  d["interrupted"] = r.interrupted;
  d["stopped_early"] = r.stopped_early;
  d["best_epoch"] = r.best_epoch;
  d["epochs"] = r.epochs.size();
  return d;
}

// Runs job on a worker thread without the GIL. Meanwhile this thread wakes every 20 ms, hands
// the finished epochs to on_epoch (with the GIL) and runs Python's signal handlers: an exception
// from either (KeyboardInterrupt) stops training after the current step, and is raised once the
// worker has finished, so the model holds the weights of the last completed step.
using Job = std::function<FitReport(const std::atomic<bool>*, const EpochFn&)>;
FitReport run_watched(const Job& job, const py::object& on_epoch) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::vector<EpochStats> pending;
  FitReport rep;
  std::exception_ptr failure;
  const EpochFn collect = [&](const EpochStats& s) {
    const std::lock_guard lock(mu);
    pending.push_back(s);
  };
  std::optional<py::error_already_set> raised;
  auto drain = [&] {
    std::vector<EpochStats> now;
    {
      const std::lock_guard lock(mu);
      now.swap(pending);
    }
    for (const EpochStats& s : now) {
      if (raised || on_epoch.is_none()) continue;
      try {
        on_epoch(epoch_dict(s));
      } catch (py::error_already_set& e) {
        raised.emplace(std::move(e));
        stop = true;
      }
    }
  };
  std::thread worker;
  {
    const py::gil_scoped_release release;
    worker = std::thread([&] {
      try {
        rep = job(&stop, collect);
      } catch (...) {
        failure = std::current_exception();
      }
      const std::lock_guard lock(mu);
      done = true;
      cv.notify_all();
    });
  }
  for (;;) {
    bool finished = false;
    {
      const py::gil_scoped_release release;
      std::unique_lock lock(mu);
      finished = cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done; });
    }
    drain();
    if (finished) break;
    if (!raised && PyErr_CheckSignals() != 0) {
      raised.emplace();  // fetches the exception the handler raised
      stop = true;
    }
  }
  {
    const py::gil_scoped_release release;
    worker.join();
  }
  drain();
  if (raised) throw *raised;
  if (failure) std::rethrow_exception(failure);
  return rep;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw py::type_error(what);
}

// X for fit: a 2-D float32 C-order array, borrowed (the Python layer converts anything else once).
std::span<const float> borrowed_features(const py::array& x, std::size_t& features) {
  require(x.ndim() == 2 && x.dtype().is(py::dtype::of<float>()) && (x.flags() & py::array::c_style),
          "X: expected a 2-D float32 C-contiguous array (backprop's Python layer converts other input)");
  features = static_cast<std::size_t>(x.shape(1));
  return {static_cast<const float*>(x.data()), static_cast<std::size_t>(x.size())};
}

FitData fit_data(const py::array& x, const py::object& y, const std::vector<std::string>& class_names) {
  FitData d;
  d.x = borrowed_features(x, d.features);
  d.class_names = class_names;
  if (!class_names.empty()) {
    const auto labels = py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>::ensure(y);
    require(static_cast<bool>(labels) && labels.ndim() == 1, "y: expected a 1-D array of class indices");
    d.labels.assign(labels.data(), labels.data() + labels.size());
  } else {
    const auto t = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(y);
    require(static_cast<bool>(t) && t.ndim() == 2, "y: expected a 2-D array of targets");
    d.k = static_cast<std::size_t>(t.shape(1));
    d.targets.assign(t.data(), t.data() + t.size());
  }
  return d;
}

template <class T>
py::array_t<T> predict(const Core<T>& c, const py::array& x) {
  if (!c.built()) throw py::value_error("this model is not fitted yet; call fit first");
  require(x.ndim() == 2 && x.dtype().is(py::dtype::of<T>()) && (x.flags() & py::array::c_style),
          "X: expected a 2-D C-contiguous array of the model's precision");
  const auto n = static_cast<std::size_t>(x.shape(0)), cols = static_cast<std::size_t>(x.shape(1));
  if (cols != c.net().in())
    throw py::value_error("X has " + std::to_string(cols) + " features, but this model expects " +
                          std::to_string(c.net().in()) + " features as input");
  const T* px = static_cast<const T*>(x.data());
  py::array_t<T> out({n, c.net().out()});
  T* po = out.mutable_data();
  {
    const py::gil_scoped_release release;
    for (std::size_t k = 0; k < n * cols; ++k)
      if (!std::isfinite(px[k]))
        throw UsageError("Input X contains NaN or infinity (row " + std::to_string(k / cols) + ", column " +
                         std::to_string(k % cols) + ")");
    c.predict(px, n, po);
  }
  return out;
}

// The parameters in the network's order: (name, array of the value's shape), copied.
template <class T>
py::list params(const Core<T>& c) {
  py::list out;
  for (const Param<T>* p : c.net().params()) {
    py::array_t<T> a({p->rows(), p->cols()});
    std::copy(p->value.begin(), p->value.end(), a.mutable_data());
    out.append(py::make_tuple(p->name(), a));
  }
  return out;
}

template <class T>
py::bytes to_bytes(const Core<T>& c) {
  const auto b = c.to_bytes();
  return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
}

template <class T>
void bind_core(py::module_& m, const char* name) {
  using C = Core<T>;
  py::class_<C>(m, name)
      .def(py::init<>())
      .def_static("from_bytes", [](const py::bytes& b, const std::string& what) {
        std::string s = b;
        const py::gil_scoped_release release;
        return C::from_bytes(s, what);
      })
      .def("built", &C::built)
      .def("fit", [](C& c, const py::array& x, const py::object& y, const std::vector<std::string>& classes,
                     const std::string& cfg, const py::object& on_epoch) {
        const FitData d = fit_data(x, y, classes);
        const Json j = Json::parse(cfg);
        set_num_threads(j.value("threads", std::size_t{0}));
        return report_dict(run_watched([&](auto stop, const EpochFn& f) { return c.fit(d, j, stop, f); }, on_epoch));
      })
      .def("partial_fit", [](C& c, const py::array& x, const py::object& y, const std::vector<std::string>& classes,
                             const std::string& cfg, const py::object& on_epoch) {
        const FitData d = fit_data(x, y, classes);
        const Json j = Json::parse(cfg);
        set_num_threads(j.value("threads", std::size_t{0}));
        return report_dict(
            run_watched([&](auto stop, const EpochFn& f) { return c.partial_fit(d, j, stop, f); }, on_epoch));
      })
      .def("predict", &predict<T>)
      .def("predict_latency_ns", [](const C& c, const py::array_t<T, py::array::c_style>& x, std::size_t reps) {
        // bench/python_vs_sklearn.py: the C++ call on one sample, timed in C++ (mean ns per call).
        require(x.ndim() == 2 && x.shape(0) == 1 && static_cast<std::size_t>(x.shape(1)) == c.net().in(),
                "x: expected one sample of the model's width");
        std::vector<T> out(c.net().out());
        const py::gil_scoped_release release;
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t r = 0; r < reps; ++r) c.predict(x.data(), 1, out.data());
        const std::chrono::duration<double, std::nano> d = std::chrono::steady_clock::now() - t0;
        return d.count() / static_cast<double>(std::max<std::size_t>(reps, 1));
      })
      .def("params", &params<T>)
      .def("to_bytes", &to_bytes<T>)
      .def("n_inputs", [](const C& c) { return c.net().in(); })
      .def("n_outputs", [](const C& c) { return c.net().out(); })
      .def("class_names", [](const C& c) { return c.info().class_names; })
      .def("config_json", [](const C& c) { return c.info().config_json; })
      .def("feature_names", [](const C& c) { return c.info().columns.features; })
      .def("set_feature_names", [](C& c, const std::vector<std::string>& names) { c.info().columns.features = names; })
      .def("layers", [](const C& c) {
        py::list out;
        for (std::size_t l = 0; l < c.net().depth(); ++l) {
          const Layer<T>& layer = c.net().layer(l);
          py::dict d;
          d["type"] = std::string(layer.kind());
          d["config"] = layer.config().dump();
          out.append(d);
        }
        return out;
      })
      .def("explain_json", [](const C& c, const std::vector<double>& x, const std::vector<double>& t, double lr) {
        return c.explain_json(x, t, lr);
      });
}

}  // namespace
}  // namespace bp::python

PYBIND11_MODULE(_core, m) {
  using namespace bp::python;
  m.doc() = "backprop's C++ core (use the backprop package, not this module)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const bp::NoInputError& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const bp::CantCreateError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const bp::IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const bp::DivergenceError& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    } catch (const bp::Error& e) {  // UsageError, DataError, ConfigError: bad values
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  bind_core<float>(m, "CoreF32");
  bind_core<double>(m, "CoreF64");
}
