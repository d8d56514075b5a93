#!/usr/bin/env bash
# Saving a checkpoint onto a full disk, or past the file-size limit, fails with a clear I/O error
# (exit status 74) and leaves the previous checkpoint byte-for-byte intact, with no temporary file.
#   1. ulimit -f: write() fails with EFBIG (the CLI ignores SIGXFSZ). Runs everywhere.
#   2. a 64 KiB tmpfs filled up: write() fails with ENOSPC. Needs unprivileged user and mount
#      namespaces (unshare -rm); skipped, and said so, where they are not available.
# Usage: disk_full.sh BACKPROP FIXTURES_DIR OUT_DIR
set -u
bp=$1 fx=$2 out=$3/disk-full
rm -rf "$out"
mkdir -p "$out"
args=(train --train "$fx/blobs.csv" --config "$fx/blobs-config.json" --epochs 3 --verbose 0)

check_failed_save() {  # check_failed_save RC ERRFILE DIR
  local rc=$1 err=$2 dir=$3
  [[ $rc -eq 74 ]] || { echo "exit status $rc, expected 74"; cat "$err"; return 1; }
  grep -q "ck.bpc: write failed (.*); the previous file is unchanged" "$err" || { echo "stderr:"; cat "$err"; return 1; }
  cmp "$dir/ck.bpc" "$dir/ck.orig" || { echo "the previous checkpoint changed"; return 1; }
  [[ -z $(find "$dir" -name '*.tmp.*') ]] || { echo "temporary files left:"; ls -la "$dir"; return 1; }
  [[ ! -e "$dir/model.bpm" ]] || { echo "a model file was written"; return 1; }
  "$bp" train --resume "$dir/ck.bpc" --epochs 3 --verbose 0 --output "$dir/resumed.bpm" >/dev/null \
    || { echo "the kept checkpoint does not resume"; return 1; }
}

# 1. The file-size limit.
(cd "$out" && "$bp" "${args[@]}" --output first.bpm --checkpoint ck.bpc >/dev/null) || { echo "first run failed"; exit 1; }
cp "$out/ck.bpc" "$out/ck.orig"
size=$(stat -c %s "$out/ck.bpc")
limit_kib=$(( size / 1024 / 2 ))
(( limit_kib >= 1 )) || { echo "checkpoint too small ($size bytes) for the test"; exit 1; }
(cd "$out" && ulimit -f "$limit_kib" && "$bp" "${args[@]}" --seed 99 --output model.bpm --checkpoint ck.bpc) 2>"$out/efbig.err" >/dev/null
check_failed_save $? "$out/efbig.err" "$out" || exit 1
echo "EFBIG: $(cat "$out/efbig.err")"

# 2. A full file system.
if ! unshare -rm true 2>/dev/null; then
  echo "ENOSPC: skipped (unshare -rm is not permitted here)"
  exit 0
fi
cat >"$out/enospc.sh" <<'INNER'
set -u
bp=$1 fx=$2 dir=$3/fs
shift 3
mkdir -p "$dir"
mount -t tmpfs -o size=64k none "$dir" || { echo "cannot mount a tmpfs"; exit 2; }
cd "$dir"
"$bp" "$@" --output first.bpm --checkpoint ck.bpc >/dev/null || { echo "first run failed"; exit 1; }
cp ck.bpc ck.orig
rm first.bpm
# Fill the file system, leaving less room than a checkpoint needs.
dd if=/dev/zero of=filler bs=1k count=1000 2>/dev/null
"$bp" "$@" --seed 99 --output model.bpm --checkpoint ck.bpc 2>../enospc.err >/dev/null
echo $? > ../enospc.rc
cp ck.bpc ck.orig ../ 2>/dev/null
find . -name '*.tmp.*' > ../enospc.tmp
ls > ../enospc.ls
INNER
unshare -rm bash "$out/enospc.sh" "$bp" "$fx" "$out" "${args[@]}"
inner=$?
[[ $inner -eq 0 ]] || { echo "ENOSPC: the set-up failed (status $inner)"; exit 1; }
rc=$(cat "$out/enospc.rc")
[[ $rc -eq 74 ]] || { echo "ENOSPC: exit status $rc, expected 74"; cat "$out/enospc.err"; exit 1; }
grep -q "ck.bpc: write failed (No space left on device); the previous file is unchanged" "$out/enospc.err" \
  || { echo "ENOSPC stderr:"; cat "$out/enospc.err"; exit 1; }
cmp "$out/ck.bpc" "$out/ck.orig" || { echo "ENOSPC: the previous checkpoint changed"; exit 1; }
[[ ! -s "$out/enospc.tmp" ]] || { echo "ENOSPC: temporary files left: $(cat "$out/enospc.tmp")"; exit 1; }
grep -qx model.bpm "$out/enospc.ls" && { echo "ENOSPC: a model file was written"; exit 1; }
echo "ENOSPC: $(cat "$out/enospc.err")"
echo "disk-full test passed"
