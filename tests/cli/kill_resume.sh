#!/usr/bin/env bash
# The kill test: SIGKILL `backprop train` at random moments while it writes frequent checkpoints.
# Every time, the checkpoint on disk must load, and resuming from it (sometimes through a second
# kill and a second resume) must end with a model file byte-identical to the uninterrupted run's,
# with no temporary files left behind.
# Usage: kill_resume.sh BACKPROP FIXTURES_DIR OUT_DIR [KILLS=20] [SEED] [NETWORK=mlp|cnn]
# NETWORK cnn trains a small convolutional network (fixtures/bars-cnn.json: conv2d, batchnorm2d,
# pooling, dropout) on 8x8 images instead, so that its weights, running statistics and optimizer
# state go through the checkpoint too.
set -u
bp=$1 fx=$2 kills=${4:-20} network=${6:-mlp}
base=$3/kill-$network
RANDOM=${5:-$$}
echo "kill test: $kills kills, RANDOM seed ${5:-$$}"
rm -rf "$base"
mkdir -p "$base/ref" "$base/run"
# Dropout, a validation split and the plateau schedule put every kind of state in the checkpoint:
# weights, momentum buffers, the epoch/batch position, dropout masks, early-stopping memory, the
# schedule's counters. Relative paths, so both directories get the same configuration.
args=(train --train "$fx/blobs.csv" --config "$fx/blobs-config.json" --epochs 250 --dropout 0.1
      --optimizer sgd --momentum 0.9 --lr 0.05 --validation-split 0.2 --schedule plateau
      --plateau-patience 2 --early-stopping val_loss --patience 1000 --verbose 0
      --output model.bpm --checkpoint ck.bpc --checkpoint-every 5steps)
if [[ $network == cnn ]]; then
  args=(train --train "$fx/bars.csv" --config "$fx/bars-cnn.json" --epochs 80 --validation-split 0.2
        --schedule cosine --verbose 0 --output model.bpm --checkpoint ck.bpc --checkpoint-every 3steps)
fi
start=$(date +%s%N)
(cd "$base/ref" && "$bp" "${args[@]}" >/dev/null) || { echo "the reference run failed"; exit 1; }
ref_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "uninterrupted run: ${ref_ms} ms"
(( ref_ms >= 200 )) || { echo "the reference run is too short to kill at random (${ref_ms} ms)"; exit 1; }

# Starts a run in $base/run (fresh or resumed) and SIGKILLs it after a random delay within the
# 15%..70% of the reference time (a run spends its first moments loading data, before the first
# checkpoint). Returns 0 when the kill hit a running process.
kill_run() {
  delay_ms=$(( ref_ms * 15 / 100 + RANDOM % (ref_ms * 55 / 100) ))
  (cd "$base/run" && exec "$bp" "$@" >/dev/null 2>&1) &
  local pid=$!
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  local rc=$?
  echo "  killed after ${delay_ms} ms (exit status $rc)"
  [[ $rc -eq 137 ]]
}

survived=0 attempts=0
while (( survived < kills )); do
  (( ++attempts <= 2 * kills )) || { echo "too many runs ended before their kill; make the run longer"; exit 1; }
  i=$((survived + 1))
  rm -f "$base/run"/*
  echo "kill $i:"
  kill_run "${args[@]}" || { echo "  the run ended before the kill (a noisy machine); again"; continue; }
  if [[ ! -f "$base/run/ck.bpc" ]]; then
    # A loaded machine (parallel tests, sanitizers) can stretch the start-up; a kill in the first
    # half of the reference time may legitimately come before the first checkpoint. Later, never.
    (( delay_ms < ref_ms / 2 )) || { echo "  no checkpoint on disk after the kill"; exit 1; }
    echo "  killed before the first checkpoint; again"; continue
  fi
  if (( i % 2 == 0 )); then  # every other time, kill the resumed run too
    kill_run train --resume ck.bpc --verbose 0 || true
  fi
  (cd "$base/run" && "$bp" train --resume ck.bpc --verbose 0 >/dev/null 2>"$base/resume.err") \
    || { echo "  resuming failed:"; cat "$base/resume.err"; exit 1; }
  cmp "$base/run/model.bpm" "$base/ref/model.bpm" \
    || { echo "  the resumed model differs from the uninterrupted run's"; exit 1; }
  leftovers=$(find "$base/run" -name '*.tmp.*' | wc -l)
  [[ $leftovers -eq 0 ]] || { echo "  $leftovers temporary files left behind"; ls -la "$base/run"; exit 1; }
  survived=$((survived + 1))
done
echo "kill test passed: $survived of $kills kills resumed to a byte-identical model"
