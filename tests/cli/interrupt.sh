#!/usr/bin/env bash
# SIGINT during `backprop train`: training stops after the current step, the model is saved, the
# exit status is 130 (128 + SIGINT), one line on stderr says where it stopped, and the saved model
# loads. Usage: interrupt.sh BACKPROP FIXTURES_DIR OUT_DIR
set -u
bp=$1 fx=$2 out=$3
model="$out/interrupted.bpm"
rm -f "$model"
"$bp" train --train "$fx/blobs.csv" --layers 2,8,3 --epochs 100000000 --early-stopping none --batch-size 1 --verbose 0 \
  --seed 1 --output "$model" 2>"$out/interrupt.err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
[[ $rc -eq 130 ]] || { echo "exit status $rc, expected 130"; cat "$out/interrupt.err"; exit 1; }
grep -q "interrupted by SIGINT at epoch [0-9]*, batch [0-9]*; the model as of that step is saved to" "$out/interrupt.err" \
  || { echo "stderr:"; cat "$out/interrupt.err"; exit 1; }
"$bp" evaluate --model "$model" --test "$fx/blobs.csv" >/dev/null || { echo "the saved model does not load"; exit 1; }
echo "interrupted cleanly: $(cat "$out/interrupt.err")"
