#!/usr/bin/env bash
# `backprop explain --format dot` rendered by Graphviz (Debian's graphviz): the seed's 2-2-2
# network is at most 12 nodes, one record per neuron, and each weight's edge carries w and ∂E/∂w.
#   explain_dot.sh BACKPROP OUT_DIR
set -euo pipefail
bp=$1 out=$2
mkdir -p "$out"
"$bp" explain --format dot -o "$out/seed.dot"
dot -Tsvg -o "$out/seed.svg" "$out/seed.dot"
nodes=$(grep -c 'class="node"' "$out/seed.svg")
edges=$(grep -c 'class="edge"' "$out/seed.svg")
fail() { echo "explain_dot: $*" >&2; exit 1; }
((nodes <= 12)) || fail "$nodes nodes; expected at most 12"
((nodes == 7)) || fail "$nodes nodes; expected 7 (x1, x2, H1, H2, y1, y2, E_total)"
((edges == 10)) || fail "$edges edges; expected 10 (w1..w8 and two into E_total)"
grep -q '&#45;0.0380982365166' "$out/seed.svg" || grep -q -- '-0.0380982365166' "$out/seed.svg" ||
  fail "y2's delta -0.0380982365166 is not in the SVG"
grep -q '∂E/∂w5 = 0.0821670405642' "$out/seed.svg" || fail "w5's edge does not carry ∂E/∂w5 = 0.0821670405642"
# Any network explain narrates: the XOR example renders too.
"$bp" explain "$(dirname "$0")/../../examples/xor-2-2-1.json" --format dot | dot -Tsvg >/dev/null
echo "explain_dot: $nodes nodes, $edges edges"
