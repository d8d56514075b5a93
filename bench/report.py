#!/usr/bin/env python3
"""Turns bench/run.sh's records into a Markdown table: per group, one row per implementation with
the median of each metric over the runs, its min-max, and how ours compares with each peer.

  report.py DIR     (DIR holds cases.tsv, groups.tsv, results.tsv written by run.sh)

cases.tsv:   id <TAB> label <TAB> skip reason ("" when it ran) <TAB> command
groups.tsv:  title <TAB> metrics <TAB> ours id <TAB> peer ids (comma-separated)
             metrics: "key:higher" or "key:lower", comma-separated; the first one gets the ratio.
results.tsv: id <TAB> run <TAB> "RESULT key=value ..." or "FAIL <reason>"
Stdlib only.
"""
import statistics
import sys


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def fmt(v, key=""):
    if v is None:
        return "-"
    if key == "E":  # the final error: full precision, to compare implementations
        return f"{v:.12g}"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.3g}" if a < 10 else f"{v:.1f}"
    return f"{v:.3g}"


def main(d):
    cases = {c[0]: {"label": c[1], "skip": c[2] if len(c) > 2 else ""} for c in read_tsv(f"{d}/cases.tsv")}
    runs = {}
    for row in read_tsv(f"{d}/results.tsv"):
        cid, rec = row[0], row[2] if len(row) > 2 else "FAIL"
        entry = runs.setdefault(cid, {"vals": {}, "fails": 0})
        if not rec.startswith("RESULT"):
            entry["fails"] += 1
            continue
        for kv in rec.split()[1:]:
            k, _, v = kv.partition("=")
            try:
                entry["vals"].setdefault(k, []).append(float(v))
            except ValueError:
                pass
    out = []
    for title, metrics, ours, peers in (g + [""] * (4 - len(g)) for g in read_tsv(f"{d}/groups.tsv")):
        specs = [m.split(":") for m in metrics.split(",")]
        key0, dir0 = specs[0]
        out.append(f"\n**{title}**\n")
        head = ["implementation"] + [f"{k} median (min–max)" for k, _ in specs] + ["ours ÷ this (speed)", "runs"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        ours_med = None
        vals = runs.get(ours, {}).get("vals", {})
        if vals.get(key0):
            ours_med = statistics.median(vals[key0])
        for cid in [ours] + [p for p in peers.split(",") if p]:
            c = cases.get(cid, {"label": cid, "skip": "not defined"})
            if c["skip"]:
                out.append(f"| {c['label']} | skipped: {c['skip']} |" + " |" * (len(head) - 2))
                continue
            r = runs.get(cid, {"vals": {}, "fails": 0})
            cells = [c["label"]]
            for k, _ in specs:
                v = r["vals"].get(k, [])
                if not v:
                    cells.append("-")
                elif min(v) == max(v):
                    cells.append(fmt(v[0], k))
                else:
                    cells.append(f"{fmt(statistics.median(v), k)} ({fmt(min(v), k)}–{fmt(max(v), k)})")
            v0 = r["vals"].get(key0, [])
            if cid == ours or not v0 or ours_med is None:
                cells.append("—" if cid == ours else "-")
            else:
                med = statistics.median(v0)
                ratio = ours_med / med if dir0 == "higher" else med / ours_med
                cells.append(f"{ratio:.2f}×")
            n_ok = len(v0)
            cells.append(f"{n_ok}" + (f" ({r['fails']} failed)" if r["fails"] else ""))
            out.append("| " + " | ".join(cells) + " |")
    print("\n".join(out).lstrip("\n"))
    print("\nRatio: ours' speed divided by that implementation's (higher-is-better metrics: ours/this;"
          " times: this/ours). Above 1 = ours is faster.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
