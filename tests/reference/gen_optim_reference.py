#!/usr/bin/env python3
"""Reference trajectories for the optimizer and schedule tests, computed by PyTorch.

Writes tests/reference/optim_reference.inc (a C++ header of constexpr arrays) to stdout:

    /usr/bin/python3 tests/reference/gen_optim_reference.py > tests/reference/optim_reference.inc

Needs torch (checked against 1.13); CI does not have it, so the output is committed. Never
regenerate these values from our own code.

Problem: three parameter tensors (2x2, 1x3, 3x1; 10 values in all) and the loss
    f(w) = sum_i c_i (w_i - m_i)^2 + 0.1 sum_i w_i^4
in float64, gradients by autograd. Each case records the values after 1, 2, 5 and 10 calls to
optimizer.step() (L-BFGS: step(closure)); the C++ test computes the same gradient by hand.
"""
import math

import torch

SHAPES = [(2, 2), (1, 3), (3, 1)]
INIT = [0.8, -1.2, 0.35, 1.5, -0.4, 0.05, 2.0, -0.9, 0.6, -1.7]
C = [1.0, 0.5, 2.0, 0.25, 1.5, 3.0, 0.1, 0.75, 1.25, 0.6]
M = [0.3, 0.4, -0.6, 0.0, 0.9, 0.0, -1.0, 0.2, 0.6, 0.5]
STEPS = [1, 2, 5, 10]

# (label, torch class, torch kwargs, our optimizer name, our options). Our option names are the
# OptimizerOptions fields; booleans are written as 0/1; line_search_fn "strong_wolfe" as
# strong_wolfe = 1.
CASES = [
    ("sgd_plain", "SGD", dict(lr=0.05)),
    ("sgd_momentum", "SGD", dict(lr=0.05, momentum=0.9)),
    ("sgd_dampening", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd_weight_decay", "SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("adam_default", "Adam", dict()),
    ("adam_betas", "Adam", dict(lr=0.1, betas=(0.8, 0.95), eps=1e-6)),
    ("adam_amsgrad", "Adam", dict(lr=0.1, amsgrad=True)),
    ("adam_weight_decay", "Adam", dict(lr=0.1, weight_decay=0.1)),
    ("adamw_default_decay", "AdamW", dict(lr=0.1)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
    ("rmsprop_plain", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, centered=True)),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.05)),
    ("rmsprop_centered_momentum", "RMSprop", dict(lr=0.02, alpha=0.9, momentum=0.5, centered=True)),
    ("adagrad_plain", "Adagrad", dict(lr=0.1)),
    ("adagrad_options", "Adagrad",
     dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5, weight_decay=0.05, eps=1e-6)),
    ("adadelta_default", "Adadelta", dict()),
    ("adadelta_options", "Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("rprop_plain", "Rprop", dict(lr=0.05)),
    ("rprop_options", "Rprop", dict(lr=0.2, etas=(0.4, 1.5), step_sizes=(1e-3, 0.3))),
    ("lbfgs_iter1", "LBFGS", dict(lr=1, max_iter=1)),
    ("lbfgs_iter5", "LBFGS", dict(lr=0.5, max_iter=5, history_size=3)),
    ("lbfgs_wolfe", "LBFGS", dict(lr=1, max_iter=5, line_search_fn="strong_wolfe")),
    ("lbfgs_wolfe_hist2", "LBFGS", dict(lr=1, max_iter=4, history_size=2,
                                        line_search_fn="strong_wolfe")),
    # a short first trial step (extrapolation phase) and a long one (zoom after Armijo fails)
    ("lbfgs_wolfe_short", "LBFGS", dict(lr=0.02, max_iter=3, line_search_fn="strong_wolfe")),
    ("lbfgs_wolfe_long", "LBFGS", dict(lr=6, max_iter=3, history_size=5,
                                       line_search_fn="strong_wolfe")),
]

OUR_NAME = {"SGD": "sgd", "Adam": "adam", "AdamW": "adamw", "RMSprop": "rmsprop",
            "Adagrad": "adagrad", "Adadelta": "adadelta", "Rprop": "rprop", "LBFGS": "lbfgs"}


def our_options(kwargs):
    out = []
    for k, v in kwargs.items():
        if k == "betas":
            out += [("beta1", v[0]), ("beta2", v[1])]
        elif k == "etas":
            out += [("eta_minus", v[0]), ("eta_plus", v[1])]
        elif k == "step_sizes":
            out += [("step_size_min", v[0]), ("step_size_max", v[1])]
        elif k == "line_search_fn":
            assert v == "strong_wolfe"
            out.append(("strong_wolfe", 1.0))
        else:
            out.append((k, float(v)))
    return out


def make_params():
    params, k = [], 0
    for r, c in SHAPES:
        n = r * c
        params.append(torch.tensor(INIT[k:k + n], dtype=torch.float64).reshape(r, c).requires_grad_())
        k += n
    return params


def loss_fn(params):
    w = torch.cat([p.reshape(-1) for p in params])
    c = torch.tensor(C, dtype=torch.float64)
    m = torch.tensor(M, dtype=torch.float64)
    return (c * (w - m) ** 2).sum() + 0.1 * (w ** 4).sum()


def run_case(cls, kwargs):
    params = make_params()
    opt = getattr(torch.optim, cls)(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    after = []
    for step in range(1, STEPS[-1] + 1):
        if cls == "LBFGS":
            opt.step(closure)
        else:
            closure()
            opt.step()
        if step in STEPS:
            after.append(torch.cat([p.detach().reshape(-1) for p in params]).tolist())
    return after


def lr_sequence(make_scheduler, epochs, metrics=None, lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(opt)
    lrs = []
    for e in range(epochs):
        if metrics is None:
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        else:
            opt.step()
            sched.step(metrics[e])
            lrs.append(opt.param_groups[0]["lr"])
    return lrs


def cosine_warmup_factor(e, base, warmup, total, min_lr):
    if e < warmup:
        return e / warmup
    if e >= total:
        return min_lr / base
    progress = (e - warmup) / (total - warmup)
    return (min_lr + (base - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))) / base


PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.86, 0.84995, 0.87, 0.8, 0.81, 0.82, 0.83, 0.79, 0.7999,
                   0.85, 0.78, 0.78, 0.78, 0.6, 0.61, 0.62, 0.63]
ACCURACY_METRICS = [0.5, 0.6, 0.65, 0.65, 0.64, 0.7, 0.7005, 0.69, 0.71, 0.72, 0.72, 0.72,
                    0.9, 0.89, 0.88, 0.87]
# (label, our PlateauOptions as (field, value), torch kwargs, metrics)
PLATEAU_CASES = [
    ("plateau_min_rel", [("factor", 0.5), ("patience", 2)],
     dict(mode="min", factor=0.5, patience=2), PLATEAU_METRICS),
    ("plateau_min_abs_cooldown",
     [("factor", 0.5), ("patience", 1), ("threshold", 0.05), ("threshold_relative", 0),
      ("cooldown", 2), ("min_lr", 0.02)],
     dict(mode="min", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2,
          min_lr=0.02), PLATEAU_METRICS),
    ("plateau_max_rel", [("maximize", 1), ("factor", 0.3), ("patience", 1), ("threshold", 1e-3)],
     dict(mode="max", factor=0.3, patience=1, threshold=1e-3), ACCURACY_METRICS),
    ("plateau_max_abs_eps", [("maximize", 1), ("factor", 0.5), ("patience", 0),
                             ("threshold_relative", 0), ("min_lr", 0.024), ("eps", 1e-3)],
     dict(mode="max", factor=0.5, patience=0, threshold_mode="abs", min_lr=0.024, eps=1e-3),
     ACCURACY_METRICS),
]


def fmt(x):
    return repr(float(x))


def arr(xs):
    return "{" + ", ".join(fmt(x) for x in xs) + "}"


def main():
    lines = []
    w = lines.append
    w("// Generated by tests/reference/gen_optim_reference.py with torch " + torch.__version__ +
      "; do not edit.")
    w("// Regenerate: /usr/bin/python3 tests/reference/gen_optim_reference.py >"
      " tests/reference/optim_reference.inc")
    w("#pragma once")
    w("")
    w("#include <cstddef>")
    w("")
    w("namespace bp::ref {")
    w("")
    w("// Problem: f(w) = sum_i c_i (w_i - m_i)^2 + 0.1 sum_i w_i^4 over three tensors, float64.")
    w("inline constexpr std::size_t kOptimShapes[3][2] = {%s};" %
      ", ".join("{%d, %d}" % s for s in SHAPES))
    w("inline constexpr std::size_t kOptimNumel = %d;" % len(INIT))
    w("inline constexpr double kOptimInit[kOptimNumel] = %s;" % arr(INIT))
    w("inline constexpr double kOptimC[kOptimNumel] = %s;" % arr(C))
    w("inline constexpr double kOptimM[kOptimNumel] = %s;" % arr(M))
    w("inline constexpr std::size_t kOptimSteps[4] = {%s};" % ", ".join(str(s) for s in STEPS))
    w("")
    w("struct RefOption {")
    w("  const char* key;  // an OptimizerOptions / PlateauOptions field; nullptr ends the list")
    w("  double value;     // booleans as 0/1")
    w("};")
    w("")
    w("struct OptimRefCase {")
    w("  const char* label;")
    w("  const char* torch_call;  // what produced the values")
    w("  const char* optimizer;   // OptimizerOptions::name")
    w("  RefOption options[8];")
    w("  double after[4][kOptimNumel];  // values after kOptimSteps[j] steps")
    w("};")
    w("")
    w("inline constexpr OptimRefCase kOptimCases[] = {")
    for label, cls, kwargs in CASES:
        after = run_case(cls, kwargs)
        call = "torch.optim.%s(params, %s)" % (
            cls, ", ".join("%s=%r" % kv for kv in kwargs.items()))
        opts = ", ".join('{"%s", %s}' % (k, fmt(v)) for k, v in our_options(kwargs))
        w('    {"%s", "%s", "%s",' % (label, call, OUR_NAME[cls]))
        w("     {%s}," % opts)
        w("     {%s}}," % ",\n      ".join(arr(a) for a in after))
    w("};")
    w("")

    def sched(label, lrs, comment):
        w("// %s" % comment)
        w("inline constexpr double %s[%d] = %s;" % (label, len(lrs), arr(lrs)))

    sched("kStepLr", lr_sequence(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5), 12),
          "StepLR(step_size=3, gamma=0.5), base lr 0.1: lr of epochs 0..11")
    sched("kExponentialLr",
          lr_sequence(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 12),
          "ExponentialLR(gamma=0.9), base lr 0.1: lr of epochs 0..11")
    sched("kCosineWarmupLr",
          lr_sequence(lambda o: torch.optim.lr_scheduler.LambdaLR(
              o, lambda e: cosine_warmup_factor(e, 0.1, 3, 10, 0.01)), 13),
          "LambdaLR with linear warm-up 3, cosine to step 10, min_lr 0.01, base 0.1: epochs 0..12")
    w("")
    w("struct PlateauRefCase {")
    w("  const char* label;")
    w("  RefOption options[8];  // PlateauOptions fields")
    w("  std::size_t epochs;")
    w("  double metrics[24];")
    w("  double lr_after[24];  // lr after step(metrics[e]), initial lr 0.1")
    w("};")
    w("")
    w("inline constexpr PlateauRefCase kPlateauCases[] = {")
    for label, ours, kwargs, metrics in PLATEAU_CASES:
        lrs = lr_sequence(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs),
                          len(metrics), metrics)
        w('    {"%s", {%s}, %d,' % (label, ", ".join('{"%s", %s}' % (k, fmt(v)) for k, v in ours),
                                    len(metrics)))
        w("     %s," % arr(metrics))
        w("     %s}," % arr(lrs))
    w("};")
    w("")
    w("}  // namespace bp::ref")
    print("\n".join(lines))


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
