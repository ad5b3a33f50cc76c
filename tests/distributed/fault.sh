#!/usr/bin/env bash
# Fault test: rank 1 of 2 dies at step 5; the job must end non-zero within the timeout (not
# hang); a relaunch resumes from the last checkpoint and must end with exactly the
# parameters of a run that was never interrupted.
#   fault.sh MPIEXEC PROGRAM WORKDIR
set -uo pipefail
mpiexec=$1 program=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
run() { timeout 90 "$mpiexec" -n 2 --oversubscribe --timeout 60 "$program" --steps 10 "$@"; }

run --checkpoint "$work/a.npz" --die-at 5 > "$work/crash.log" 2>&1
code=$?
cat "$work/crash.log"
if [ "$code" -eq 0 ] || [ "$code" -eq 124 ]; then
  echo "fault: the job with a dead rank exited $code (expected a failure, not success or a hang)"; exit 1
fi
echo "fault: the job ended with exit code $code"
grep -q "rank 1\|\[\[.*,1\],1\]\|exited on signal\|non-zero status" "$work/crash.log" || { echo "fault: no rank named"; exit 1; }
[ "$(cat "$work/a.npz.step")" = 4 ] || { echo "fault: expected the checkpoint of step 4"; exit 1; }

resumed=$(run --checkpoint "$work/a.npz" | grep "final checksum") || exit 1
straight=$(run --checkpoint "$work/b.npz" | grep "final checksum") || exit 1
echo "resumed:       $resumed"
echo "uninterrupted: $straight"
[ "$resumed" = "$straight" ] && echo "fault: resumed run equals the uninterrupted run"
