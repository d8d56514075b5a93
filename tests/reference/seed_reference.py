#!/usr/bin/env python3
"""Independent reference values for tests/tutorial/test_worked_example.cpp (the seed's worked example).

Recomputes, with Python's decimal module at 50 digits and without any of our code, every value
the seed (docs/tutorial/worked-example.txt) prints:
  - what the seed's own equations give at full precision ("equations"), and
  - for the printed values that do not follow from that, the computation that does produce the
    printed value ("reproduction"): the seed's rounded intermediates, the layer-wise update order,
    or the loss measured before the 10,000th update.
Prints one line per value: id, equations (16 significant digits), reproduction (or -),
and whether the equations value rounds to the printed string. The C++ test pins the values to
10 significant digits. Run: python3 tests/reference/seed_reference.py
"""
from decimal import Decimal as D, getcontext

getcontext().prec = 50

X1, X2 = D("0.05"), D("0.10")
W0 = [D("0.15"), D("0.20"), D("0.25"), D("0.30")]  # w1 x1->H1, w2 x2->H1, w3 x1->H2, w4 x2->H2
V0 = [D("0.40"), D("0.45"), D("0.50"), D("0.55")]  # w5 H1->y1, w6 H2->y1, w7 H1->y2, w8 H2->y2
B1, B2 = D("0.35"), D("0.60")
T1, T2 = D("0.01"), D("0.99")
ETA = D("0.5")


def sigmoid(z):
    return 1 / (1 + (-z).exp())


def forward(w, v):
    h1z = X1 * w[0] + X2 * w[1] + B1
    h2z = X1 * w[2] + X2 * w[3] + B1
    h1, h2 = sigmoid(h1z), sigmoid(h2z)
    y1z = h1 * v[0] + h2 * v[1] + B2
    y2z = h1 * v[2] + h2 * v[3] + B2
    y1, y2 = sigmoid(y1z), sigmoid(y2z)
    e1, e2 = (T1 - y1) ** 2 / 2, (T2 - y2) ** 2 / 2
    return dict(H1=h1z, H2=h2z, h1=h1, h2=h2, Y1=y1z, Y2=y2z, y1=y1, y2=y2, E1=e1, E2=e2, E=e1 + e2)


def step(w, v, layerwise):
    """One update; layerwise: the hidden deltas use the already-updated w5..w8."""
    f = forward(w, v)
    h1, h2, y1, y2 = f["h1"], f["h2"], f["y1"], f["y2"]
    d1 = -(T1 - y1) * y1 * (1 - y1)
    d2 = -(T2 - y2) * y2 * (1 - y2)
    vn = [v[0] - ETA * d1 * h1, v[1] - ETA * d1 * h2, v[2] - ETA * d2 * h1, v[3] - ETA * d2 * h2]
    u = vn if layerwise else v
    g1 = (d1 * u[0] + d2 * u[2]) * h1 * (1 - h1)
    g2 = (d1 * u[1] + d2 * u[3]) * h2 * (1 - h2)
    wn = [w[0] - ETA * g1 * X1, w[1] - ETA * g1 * X2, w[2] - ETA * g2 * X1, w[3] - ETA * g2 * X2]
    return wn, vn, f["E"]


def train(n, layerwise):
    """Returns (weights after n updates, the loss the n-th update measured before changing them)."""
    w, v, e_before = list(W0), list(V0), None
    for _ in range(n):
        w, v, e_before = step(w, v, layerwise)
    return w, v, e_before


def main():
    f = forward(W0, V0)
    h1, h2, y1, y2 = f["h1"], f["h2"], f["y1"], f["y2"]
    dE_dy1f = -(T1 - y1)
    dy1 = y1 * (1 - y1)
    d1 = dE_dy1f * dy1
    dy2 = y2 * (1 - y2)
    d2 = -(T2 - y2) * dy2
    dH1 = h1 * (1 - h1)
    dE_dH1f = d1 * V0[0] + d2 * V0[2]
    w_new, v_new, _ = step(W0, V0, False)
    w_s, v_s, e_s_before = train(10000, False)
    w_l, v_l, _ = train(10000, True)
    f_s, f_l = forward(w_s, v_s), forward(w_l, v_l)
    w1, v1, _ = step(W0, V0, False)
    w1l, v1l, _ = step(W0, V0, True)

    P = D  # a printed string, read back as the number the seed's author typed
    rows = [
        ("given.x1", "0.05", X1, None), ("given.x2", "0.10", X2, None),
        ("given.w1", "0.15", W0[0], None), ("given.w5", "0.40", V0[0], None),
        ("given.w2", "0.20", W0[1], None), ("given.w6", "0.45", V0[1], None),
        ("given.w3", "0.25", W0[2], None), ("given.w7", "0.50", V0[2], None),
        ("given.w4", "0.30", W0[3], None), ("given.w8", "0.55", V0[3], None),
        ("given.b1", "0.35", B1, None), ("given.b2", "0.60", B2, None),
        ("given.T1", "0.01", T1, None), ("given.T2", "0.99", T2, None),
        ("fwd.H1", "0.3775", f["H1"], None),
        ("fwd.H1_final", "0.593269992", h1, None),
        ("fwd.H2", "0.3925", f["H2"], None),
        ("fwd.H2_final", "0.596884378", h2, None),
        ("fwd.y1", "1.10590597", f["Y1"], None),
        ("fwd.y1_final", "0.75136507", y1, None),
        ("fwd.y2", "1.2249214", f["Y2"], None),
        ("fwd.y2_final", "0.772928465", y2, None),
        ("fwd.E1", "0.274811084", f["E1"], (T1 - P("0.75136507")) ** 2 / 2),
        ("fwd.E2", "0.0235600257", f["E2"], (T2 - P("0.772928465")) ** 2 / 2),
        ("fwd.E_total", "0.29837111", f["E"], None),
        ("eq4.dE_dy1_final", "0.74136507", dE_dy1f, None),
        ("eq8.dy1_final_dy1", "0.186815602", dy1, None),
        ("eq10.dy1_dw5", "0.596884378", h1, h2),  # prints H2_final instead of H1_final
        ("eq11.dE_dw5", "0.0821670407", d1 * h1, P("0.74136507") * P("0.186815602") * P("0.593269992")),
        ("eq12.eta", "0.5", ETA, None),
        ("eq12.w5_new", "0.35891648", v_new[0], None),
        ("list.w5_new", "0.35891648", v_new[0], None),
        ("list.w6_new", "408666186", v_new[1], v_new[1]),  # "0." dropped
        ("list.w7_new", "0.511301270", v_new[2], None),
        ("list.w8_new", "0.561370121", v_new[3], None),
        ("eq20.dE1_dy1", "0.138498562", d1, None),
        ("eq25.dy2_final_dy2", "0.175510053", dy2, None),
        ("eq26.dE2_dy2", "-0.0380982366126414", d2, -(T2 - P("0.772928465")) * P("0.175510053")),
        ("eq27.dE1_dH1_final", "0.0553994248", d1 * V0[0], P("0.138498562") * V0[0]),
        ("eq28.dE2_dH1_final", "-0.0190491183063207", d2 * V0[2], P("-0.0380982366126414") * V0[2]),
        ("eq29.dE_dH1_final", "0.0364908241736793", dE_dH1f,
         P("0.05553994248") + P("-0.0190491183063207")),  # (27) copied with an extra 5
        ("eq31.dH1_final_dH1", "0.2413007085923199", dH1, P("0.593269992") * (1 - P("0.593269992"))),
        ("eq33.dH1_dw1", "0.05", X1, None),
        ("eq34.dE_dw1", "0.000438568", dE_dH1f * dH1 * X1, None),
        ("eq35.eta", "0.5", ETA, None),
        ("eq35.w1_new", "0.149780716", w_new[0], None),
        ("list.w1_new", "0.149780716", w_new[0], None),
        ("list.w2_new", "0.19956143", w_new[1], None),
        ("list.w3_new", "0.24975114", w_new[2], None),
        ("list.w4_new", "0.29950229", w_new[3], None),
        ("end.E_total", "0.298371109", f["E"], None),
        ("end.E_after_1", "0.291027924", forward(w1, v1)["E"], forward(w1l, v1l)["E"]),
        ("end.E_after_10000", "0.0000351085", f_s["E"], e_s_before),
        ("end.y1_final_after_10000", "0.159121960", f_s["y1"], f_l["y1"]),
        ("end.y2_final_after_10000", "0.984065734", f_s["y2"], f_l["y2"]),
    ]
    # Substituted operands the seed shows but whose result it does not use: eq. (34)'s line.
    extra = [("eq34.from_printed_eq29", P("0.0364908241736793") * P("0.2413007085923199") * X1),
             ("eq29.from_printed_operands", P("0.0553994248") + P("-0.0190491183063207"))]

    def g(x, n):
        return "-" if x is None else format(x, ".%de" % (n - 1))

    def rounds_to(x, printed):
        dec = len(printed.split(".")[1]) if "." in printed else 0
        return format(x.quantize(D(1).scaleb(-dec)), "f") == printed

    for rid, printed, eq, rep in rows:
        print("%-26s %-20s eq=%s rep=%s eq10=%s rep10=%s matches=%s" % (
            rid, printed, g(eq, 16), g(rep, 16), g(eq, 10), g(rep, 10), rounds_to(eq, printed)))
    for rid, x in extra:
        print("%-26s eq10=%s" % (rid, g(x, 10)))


if __name__ == "__main__":
    main()
