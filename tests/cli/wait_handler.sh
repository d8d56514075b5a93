# wait_handler PID SIGNUM: waits (up to 60 s) until process PID has installed a handler for SIGNUM,
# read from the SigCgt mask in /proc/PID/status, so that a test's signal arrives when training runs
# and not while the process is still starting (slow under the sanitizers on a busy machine).
wait_handler() {
  local pid=$1 sig=$2 mask
  for _ in $(seq 600); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 0
    [[ -z $mask ]] && return 0
    (( (16#$mask >> (sig - 1)) & 1 )) && return 0
    sleep 0.1
  done
}
