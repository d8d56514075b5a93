#!/usr/bin/env bash
# Data-parallel training under mpirun on this one machine (docs/distributed.md), loopback only.
#   mpi_train.sh BACKPROP FIXTURES_DIR OUT_DIR identical   P = 1, 2, 3, 4 and --threads 1, 2: one model file
#   mpi_train.sh BACKPROP FIXTURES_DIR OUT_DIR kill        SIGKILL a process at P = 2: mpirun ends in seconds
#                                                          with 137; resuming at P = 3 and P = 1 gives the
#                                                          uninterrupted run's model
#   mpi_train.sh BACKPROP FIXTURES_DIR OUT_DIR bad         refusals: one line, the documented exit code
set -u
bp=$1 fx=$2 out=$3/mpi-$4 mode=$4
# Open MPI refuses root unless told, in this test's environment only; shared memory, no network.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# Under the ASan build: Open MPI's own allocations from MPI_Init are not our leaks.
export LSAN_OPTIONS="suppressions=$(dirname "${BASH_SOURCE[0]}")/lsan_mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mpi() { timeout 120 mpirun --oversubscribe -np "$@"; }
rm -rf "$out" && mkdir -p "$out" && cd "$out" || exit 1
# 240 samples, batches of 48 cut into 6 chunks of 8: P = 4 gets an uneven share (2, 1, 2, 1), and
# dropout's masks must follow the chunks, not the processes. Relative output paths, so every
# directory's model file holds the same configuration.
args=(train --train "$fx/blobs.csv" --layers 2,16,3 --activation tanh --batch-size 48 --mpi-chunk 8
      --optimizer adam --lr 0.02 --seed 7 --dropout 0.1 --verbose 0 --output model.bpm)
fail() { echo "FAIL: $*"; exit 1; }

identical() {
  for run in p1:1:1 p2:2:1 p3:3:1 p4:4:1 p2t2:2:2 p4t2:4:2; do
    IFS=: read -r name p t <<<"$run"
    mkdir -p "$name"
    (cd "$name" && mpi "$p" "$bp" "${args[@]}" --epochs 15 --threads "$t" >/dev/null 2>err) ||
      { cat "$name/err"; fail "$name: mpirun -np $p with --threads $t failed"; }
    # The file records --threads in its configuration (and the CRC-32 covers it): all else must match.
    cmp <(head -c -4 p1/model.bpm) <(perl -0777 -pe "s/\"threads\":$t/\"threads\":1/" "$name/model.bpm" | head -c -4) ||
      fail "P=$p, --threads $t: the model differs from P=1's"
    [[ $t -ne 1 ]] || cmp p1/model.bpm "$name/model.bpm" || fail "P=$p: the model file differs from P=1's"
    echo "P=$p --threads $t: the same model file as P=1"
  done
}

kill_test() {
  local run=(--epochs 400 --early-stopping none --checkpoint ck.bpc --checkpoint-every 10steps)
  mkdir -p ref cut
  (cd ref && mpi 2 "$bp" "${args[@]}" "${run[@]}" >/dev/null 2>err) || { cat ref/err; fail "the uninterrupted run failed"; }
  cd cut
  # mpirun itself in the background (not under timeout or a function): the ranks are its children.
  mpirun --oversubscribe -np 2 "$bp" "${args[@]}" "${run[@]}" >/dev/null 2>err &
  local mp=$!
  for _ in $(seq 300); do [[ -f ck.bpc ]] && break; sleep 0.1; done
  [[ -f ck.bpc ]] || { kill -KILL "$mp"; fail "no checkpoint within 30 s"; }
  local ranks victim
  ranks=$(ps -o pid=,args= --ppid "$mp" | grep backprop | awk '{print $1}')
  victim=$(tail -n 1 <<<"$ranks")
  [[ -n "$victim" ]] || fail "the run ended before the kill"
  local t0=$SECONDS
  kill -KILL "$victim"
  # The others must end within 10 s; a run still going then is a hang (and is ended here).
  for _ in $(seq 100); do kill -0 "$mp" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$mp" 2>/dev/null && { kill -KILL "$mp"; fail "mpirun still running 10 s after the kill"; }
  wait "$mp"
  local rc=$? took=$((SECONDS - t0))
  echo "killed a rank (pid $victim): mpirun ended after ${took} s with status $rc"
  [[ $rc -eq 137 ]] || { cat err; fail "expected status 137 (128 + SIGKILL), got $rc"; }
  sleep 2
  for r in $ranks; do
    [[ -z "$(ps -o stat= -p "$r" | grep -v Z)" ]] || { ps -o pid,stat,etime,args -p "$r"; fail "rank pid $r outlived mpirun by 2 s"; }
  done
  cp ck.bpc ck-saved.bpc
  for p in 3 1; do
    cp ck-saved.bpc ck.bpc
    mpi "$p" "$bp" train --resume ck.bpc --verbose 0 >/dev/null 2>err || { cat err; fail "resuming at P=$p failed"; }
    cmp model.bpm ../ref/model.bpm || fail "resumed at P=$p: the model differs from the uninterrupted run's"
    echo "resumed at P=$p: the same model file as the uninterrupted run"
  done
}

# expect RC PATTERN mpirun-arguments...: the run fails with RC and stderr matches PATTERN once.
expect() {
  local rc=$1 pattern=$2
  shift 2
  "$@" >/dev/null 2>err
  local got=$?
  [[ $got -eq $rc ]] || { cat err; fail "$*: expected exit status $rc, got $got"; }
  [[ $(grep -c "^backprop: error: .*$pattern" err) -eq 1 ]] || { cat err; fail "$*: expected one line matching '$pattern'"; }
  echo "refused ($rc): $(grep '^backprop: error' err)"
}

bad() {
  expect 64 "--batch-size 2 with 3 MPI processes.*at least 3" mpi 3 "$bp" "${args[@]}" --epochs 1 --batch-size 2
  expect 64 "--mpi-chunk 24 cuts a batch of 48 into 2 chunks.*16 or less" mpi 3 "$bp" "${args[@]}" --epochs 1 --mpi-chunk 24
  expect 64 "--mpi-chunk: applies only to a run under mpirun" "$bp" "${args[@]}" --epochs 1
  expect 64 "optimizer lbfgs under MPI" mpi 2 "$bp" "${args[@]}" --epochs 1 --optimizer lbfgs --batch-size full
  mkdir -p a b && cp "$fx/blobs.csv" a/d.csv && head -n 200 "$fx/blobs.csv" >b/d.csv
  local same=(train --train d.csv --epochs 1 --verbose 0 --output m.bpm)
  expect 69 "process 1 of 2 differs from process 0 in its training data: expected 240 samples.*got 199 samples" \
    timeout 120 mpirun --oversubscribe -np 1 -wdir a "$bp" "${same[@]}" : -np 1 -wdir b "$bp" "${same[@]}"
  expect 69 "process 1 of 2 differs from process 0 in its --epochs: expected 1 as on process 0, got 2" \
    timeout 120 mpirun --oversubscribe -np 1 -wdir a "$bp" "${same[@]}" : -np 1 -wdir a "$bp" "${same[@]}" --epochs 2
}

case $mode in
  identical) identical ;;
  kill) kill_test ;;
  bad) bad ;;
  *) fail "unknown mode $mode" ;;
esac
echo PASS
