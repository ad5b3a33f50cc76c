#!/usr/bin/env bash
# A rank that leaves while the others wait: for each way rank 1 can fail (leave_program.cpp),
# the job must end non-zero within 60 s (not hang), and in the caught and stuck cases rank
# 0's error must name rank 1 (or the timeout) and the collective it waited in. The normal
# path (both finish) must still exit 0.
#   leave.sh MPIEXEC PROGRAM
set -uo pipefail
mpiexec=$1 program=$2
status=0
run() {  # mode -> sets out, code, secs
  local start=$(date +%s)
  out=$(timeout 90 "$mpiexec" -n 2 --oversubscribe "$program" --mode "$1" 2>&1)
  code=$?
  secs=$(( $(date +%s) - start ))
  echo "--- mode $1: exit $code after ${secs} s"
  echo "$out" | grep -v "^\s*$" | head -40
}
expect_failure() {  # mode, pattern...
  local mode=$1; shift
  run "$mode"
  if [ "$code" -eq 0 ] || [ "$code" -eq 124 ] || [ "$secs" -gt 60 ]; then
    echo "leave: mode $mode: expected a non-zero exit within 60 s, got $code after ${secs} s"; status=1
  fi
  for pattern in "$@"; do
    grep -q -- "$pattern" <<< "$out" || { echo "leave: mode $mode: the output lacks '$pattern'"; status=1; }
  done
}
expect_failure caught "rank 1 left the job" "waited in all_reduce, collective #" "ending the job"
expect_failure uncaught "rank 1 failed at step 3"
expect_failure stuck "timed out after 4 s on rank 0 waiting for collective #" "(all_reduce)"
run finish
if [ "$code" -ne 0 ] || ! grep -q "rank 1: done" <<< "$out"; then echo "leave: mode finish: expected exit 0"; status=1; fi
[ $status -eq 0 ] && echo "leave: every failure ended the job in time, naming the rank and the collective"
exit $status
