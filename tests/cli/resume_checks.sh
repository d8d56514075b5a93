#!/usr/bin/env bash
# --resume refuses what would not continue the same run, and SIGTERM leaves a checkpoint to resume.
#   1. the training file changed since the checkpoint (same path, one value edited): exit 64,
#      the message names both fingerprints;
#   2. a flag that differs from the checkpoint's configuration: exit 64, the flag named;
#   3. SIGTERM during training with --checkpoint: exit 143, a final checkpoint, and resuming it
#      gives the model of the run that was never interrupted.
# Usage: resume_checks.sh BACKPROP FIXTURES_DIR OUT_DIR
set -u
source "$(dirname "$0")/wait_handler.sh"
bp=$1 fx=$2 out=$3/resume-checks
rm -rf "$out"
mkdir -p "$out/a" "$out/b"
cp "$fx/blobs.csv" "$out/a/data.csv"
args=(train --train data.csv --config "$fx/blobs-config.json" --verbose 0 --output model.bpm --checkpoint ck.bpc)
(cd "$out/a" && "$bp" "${args[@]}" --epochs 2 >/dev/null) || { echo "first run failed"; exit 1; }

# 1. Changed data.
sed -i '5s/^\([^,]*\),/\19,/' "$out/a/data.csv"
(cd "$out/a" && "$bp" train --resume ck.bpc --epochs 2 --verbose 0) 2>"$out/data.err" >/dev/null
rc=$?
[[ $rc -eq 64 ]] || { echo "changed data: exit status $rc, expected 64"; cat "$out/data.err"; exit 1; }
grep -q "ck.bpc: the training data differs from the checkpoint's: checkpoint 240 samples x 2 features, 3 classes/targets, CRC-32 0x[0-9a-f]*; now 240 samples" "$out/data.err" \
  || { echo "changed data: stderr:"; cat "$out/data.err"; exit 1; }
echo "changed data: $(cat "$out/data.err")"

# 2. A different flag.
cp "$fx/blobs.csv" "$out/a/data.csv"
(cd "$out/a" && "$bp" train --resume ck.bpc --epochs 2 --batch-size 8 --verbose 0) 2>"$out/flag.err" >/dev/null
rc=$?
[[ $rc -eq 64 ]] || { echo "other flag: exit status $rc, expected 64"; cat "$out/flag.err"; exit 1; }
grep -q "another configuration: --batch-size is '8' here but '16' in the checkpoint" "$out/flag.err" \
  || { echo "other flag: stderr:"; cat "$out/flag.err"; exit 1; }
echo "other flag: $(cat "$out/flag.err")"

# 3. SIGTERM with a checkpoint, then resume.
cp "$fx/blobs.csv" "$out/b/data.csv"
(cd "$out/a" && rm -f model.bpm ck.bpc && "$bp" "${args[@]}" --epochs 20000 --checkpoint-every 5000 >/dev/null) || { echo "reference run failed"; exit 1; }
(cd "$out/b" && exec "$bp" "${args[@]}" --epochs 20000 --checkpoint-every 5000 >/dev/null 2>../term.err) &
pid=$!
wait_handler "$pid" 15
sleep 0.2
kill -TERM "$pid"
{ wait "$pid"; } 2>/dev/null
rc=$?
[[ $rc -eq 143 ]] || { echo "SIGTERM: exit status $rc, expected 143"; cat "$out/term.err"; exit 1; }
grep -q "interrupted by SIGTERM at epoch [0-9]*, batch [0-9]*; .* and the checkpoint to ck.bpc (continue with --resume ck.bpc)" "$out/term.err" \
  || { echo "SIGTERM: stderr:"; cat "$out/term.err"; exit 1; }
(cd "$out/b" && "$bp" train --resume ck.bpc --verbose 0 >/dev/null) || { echo "SIGTERM: resume failed"; exit 1; }
cmp "$out/a/model.bpm" "$out/b/model.bpm" || { echo "SIGTERM: the resumed model differs from the uninterrupted run's"; exit 1; }
echo "SIGTERM: $(cat "$out/term.err"); resumed to the uninterrupted run's model"
