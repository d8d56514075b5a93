#!/usr/bin/env python3
"""Reference values for the convolution, pooling and batch-norm kernel tests, computed by PyTorch.

Writes tests/reference/conv_reference.inc (a C++ header of constexpr arrays) to stdout:

    /usr/bin/python3 tests/reference/gen_conv_reference.py > tests/reference/conv_reference.inc

Needs torch (checked against 1.13, Debian's python3-torch); CI does not have it, so the output is
committed. Never regenerate these values from our own code.

Every case draws its inputs (x, weights, the upstream gradient dy, running statistics) from a
fixed seed in float64, runs the torch.nn.functional call named in the case, and back-propagates
dy through it with autograd. The .inc holds the inputs and torch's outputs: forward values,
max-pool indices, input and parameter gradients, and updated running statistics.
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = []


def w(line=""):
    OUT.append(line)


def arr(name, t):
    vals = ", ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())
    w(f"inline constexpr double {name}[] = {{{vals}}};")


def iarr(name, t):
    vals = ", ".join(str(int(v)) for v in t.reshape(-1).tolist())
    w(f"inline constexpr std::uint32_t {name}[] = {{{vals}}};")


def rand(*shape):
    return torch.rand(*shape) * 2 - 1


# ---- Conv2D -------------------------------------------------------------------------------------
# (label, N, C, H, W, OC, KH, KW, stride, torch padding, our pads (top, left, bottom, right),
#  dilation, bias)
CONV = [
    ("stride2_pad", 2, 3, 7, 6, 4, 3, 3, (2, 1), (1, 2), (1, 2, 1, 2), (1, 1), True),
    # padding='same' with an even kernel: torch pads the bottom/right by the extra one
    ("same_even", 1, 2, 5, 5, 3, 2, 2, (1, 1), "same", (0, 0, 1, 1), (1, 1), True),
    ("dilation_nobias", 2, 2, 6, 7, 2, 3, 2, (1, 1), (2, 0), (2, 0, 2, 0), (2, 1), False),
    ("pointwise", 2, 3, 3, 4, 5, 1, 1, (1, 1), (0, 0), (0, 0, 0, 0), (1, 1), True),
    ("kernel_is_input", 3, 2, 4, 3, 2, 4, 3, (1, 1), (0, 0), (0, 0, 0, 0), (1, 1), True),
]


def conv_cases():
    rows = []
    for k, (label, N, C, H, W, OC, KH, KW, stride, pad, pads, dil, bias) in enumerate(CONV):
        torch.manual_seed(100 + k)
        x = rand(N, C, H, W).requires_grad_()
        wt = rand(OC, C, KH, KW).requires_grad_()
        b = rand(OC).requires_grad_() if bias else None
        y = F.conv2d(x, wt, b, stride=stride, padding=pad, dilation=dil)
        dy = rand(*y.shape)
        y.backward(dy)
        p = f"kConv{k}"
        for name, t in [("X", x), ("W", wt), ("Dy", dy), ("Y", y), ("Dx", x.grad), ("Dw", wt.grad)]:
            arr(p + name, t)
        if bias:
            arr(p + "B", b)
            arr(p + "Db", b.grad)
        call = (f"F.conv2d(x, w, {'b' if bias else 'None'}, stride={stride}, "
                f"padding={pad!r}, dilation={dil})").replace("'", "\\\"")
        ptrs = f"{p}B, {p}Db" if bias else "nullptr, nullptr"
        rows.append(f'    {{"{label}", "{call}", {{{N}, {C}, {H}, {W}, {OC}, {KH}, {KW}, {stride[0]}, '
                    f'{stride[1]}, {pads[0]}, {pads[1]}, {pads[2]}, {pads[3]}, {dil[0]}, {dil[1]}}}, '
                    f'{tuple(y.shape)[2]}, {tuple(y.shape)[3]}, {p}X, {p}W, {ptrs}, {p}Dy, {p}Y, '
                    f'{p}Dx, {p}Dw}},')
    w("inline constexpr ConvRefCase kConvCases[] = {")
    OUT.extend(rows)
    w("};")


# ---- pooling ------------------------------------------------------------------------------------
# (label, max?, N, C, H, W, kernel, stride, padding, count_include_pad, integer-valued input)
POOL = [
    ("max_k3_s2_p1", True, 2, 2, 7, 8, (3, 3), (2, 2), (1, 1), False, False),
    ("max_2x2_ties", True, 1, 2, 6, 6, (2, 2), (2, 2), (0, 0), False, True),
    ("max_k3_s1_ties_overlap", True, 1, 1, 5, 5, (3, 3), (1, 1), (1, 1), False, True),
    ("avg_k3_s2_p1_include_pad", False, 2, 2, 7, 8, (3, 3), (2, 2), (1, 1), True, False),
    ("avg_k3_s2_p1_exclude_pad", False, 2, 2, 7, 8, (3, 3), (2, 2), (1, 1), False, False),
    ("avg_k2x3_s1x2_p1_exclude_pad", False, 1, 3, 5, 6, (2, 3), (1, 2), (1, 1), False, False),
]


def pool_cases():
    rows = []
    for k, (label, is_max, N, C, H, W, ks, st, pad, cip, ints) in enumerate(POOL):
        torch.manual_seed(200 + k)
        x = (torch.randint(0, 3, (N, C, H, W)).double() if ints else rand(N, C, H, W))
        x.requires_grad_()
        if is_max:
            y, idx = F.max_pool2d(x, ks, st, pad, return_indices=True)
            call = f"F.max_pool2d(x, {ks}, {st}, {pad}, return_indices=True)"
        else:
            y = F.avg_pool2d(x, ks, st, pad, count_include_pad=cip)
            call = f"F.avg_pool2d(x, {ks}, {st}, {pad}, count_include_pad={cip})"
        dy = rand(*y.shape)
        y.backward(dy)
        p = f"kPool{k}"
        for name, t in [("X", x), ("Dy", dy), ("Y", y), ("Dx", x.grad)]:
            arr(p + name, t)
        if is_max:
            iarr(p + "Idx", idx)
        rows.append(f'    {{"{label}", "{call}", {str(is_max).lower()}, {str(cip).lower()}, '
                    f'{{{N}, {C}, {H}, {W}, {ks[0]}, {ks[1]}, {st[0]}, {st[1]}, {pad[0]}, {pad[1]}, '
                    f'{pad[0]}, {pad[1]}}}, {p}X, {p}Dy, {p}Y, {p}Dx, '
                    f'{p + "Idx" if is_max else "nullptr"}}},')
    w("inline constexpr PoolRefCase kPoolCases[] = {")
    OUT.extend(rows)
    w("};")


# ---- batch norm ---------------------------------------------------------------------------------
# (label, shape, momentum, eps, affine)
BN = [
    ("bn1d", (5, 3), 0.1, 1e-5, True),
    ("bn2d", (2, 3, 3, 4), 0.3, 1e-3, True),
    ("bn2d_no_affine", (3, 2, 2, 2), 0.1, 1e-5, False),
]


def bn_cases():
    rows = []
    for k, (label, shape, momentum, eps, affine) in enumerate(BN):
        torch.manual_seed(300 + k)
        C = shape[1]
        x0 = rand(*shape) * 2 + 0.5
        gamma0 = rand(C) + 1.5 if affine else None
        beta0 = rand(C) if affine else None
        rm0, rv0 = rand(C), torch.rand(C) + 0.5
        dy = rand(*shape)
        p = f"kBn{k}"
        for name, t in [("X", x0), ("Rm", rm0), ("Rv", rv0), ("Dy", dy)]:
            arr(p + name, t)
        if affine:
            arr(p + "Gamma", gamma0)
            arr(p + "Beta", beta0)
        for mode, training in [("Train", True), ("Eval", False)]:
            x = x0.clone().requires_grad_()
            g = gamma0.clone().requires_grad_() if affine else None
            b = beta0.clone().requires_grad_() if affine else None
            rm, rv = rm0.clone(), rv0.clone()
            y = F.batch_norm(x, rm, rv, g, b, training=training, momentum=momentum, eps=eps)
            y.backward(dy)
            arr(p + mode + "Y", y)
            arr(p + mode + "Dx", x.grad)
            if affine:
                arr(p + mode + "Dgamma", g.grad)
                arr(p + mode + "Dbeta", b.grad)
            if training:
                arr(p + "TrainRm", rm)
                arr(p + "TrainRv", rv)
        N, HW = shape[0], 1
        for d in shape[2:]:
            HW *= d
        aff = (lambda m: f"{p}{m}Dgamma, {p}{m}Dbeta") if affine else (lambda m: "nullptr, nullptr")
        gb = f"{p}Gamma, {p}Beta" if affine else "nullptr, nullptr"
        rows.append(f'    {{"{label}", "F.batch_norm(x, rm, rv, gamma, beta, training, '
                    f'momentum={momentum}, eps={eps})", {N}, {C}, {HW}, {momentum}, {eps}, {p}X, '
                    f'{gb}, {p}Rm, {p}Rv, {p}Dy, {p}TrainY, {p}TrainDx, {aff("Train")}, '
                    f'{p}TrainRm, {p}TrainRv, {p}EvalY, {p}EvalDx, {aff("Eval")}}},')
    w("inline constexpr BnRefCase kBnCases[] = {")
    OUT.extend(rows)
    w("};")


HEADER = """#pragma once

#include <cstddef>
#include <cstdint>

namespace bp::ref {

// Conv2D: shape as bp::kernels::Conv2dShape's fields in order (N, C, H, W, OC, KH, KW, stride_h,
// stride_w, pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w); b and db nullptr without bias.
struct ConvRefCase {
  const char* label;
  const char* torch_call;
  std::size_t shape[15];
  std::size_t OH, OW;
  const double *x, *w, *b, *db, *dy, *y, *dx, *dw;
};

// Pooling: shape as bp::kernels::Pool2dShape's fields in order (N, C, H, W, KH, KW, stride_h,
// stride_w, pad_top, pad_left, pad_bottom, pad_right); idx (torch's indices) only for max.
struct PoolRefCase {
  const char* label;
  const char* torch_call;
  bool is_max, count_include_pad;
  std::size_t shape[12];
  const double *x, *dy, *y, *dx;
  const std::uint32_t* idx;
};

// Batch norm on (N, C, HW): the inputs, then training mode (y, dx, dgamma, dbeta, the running
// statistics after the update) and eval mode on the initial running statistics (y, dx, dgamma,
// dbeta). gamma, beta and their gradients nullptr without affine parameters.
struct BnRefCase {
  const char* label;
  const char* torch_call;
  std::size_t N, C, HW;
  double momentum, eps;
  const double *x, *gamma, *beta, *rm, *rv, *dy;
  const double *train_y, *train_dx, *train_dgamma, *train_dbeta, *train_rm, *train_rv;
  const double *eval_y, *eval_dx, *eval_dgamma, *eval_dbeta;
};
"""


def main():
    w("// Generated by tests/reference/gen_conv_reference.py with torch " + torch.__version__ +
      "; do not edit.")
    w("// Regenerate: /usr/bin/python3 tests/reference/gen_conv_reference.py >"
      " tests/reference/conv_reference.inc")
    OUT.extend(HEADER.rstrip("\n").split("\n"))
    w()
    conv_cases()
    w()
    pool_cases()
    w()
    bn_cases()
    w()
    w("}  // namespace bp::ref")
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
