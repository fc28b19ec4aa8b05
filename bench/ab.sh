#!/usr/bin/env bash
# Interleaved A/B of two LayerNet builds on one core, for a change that must not slow anything down:
# `layernet time` on LeNet (bench/lenet/lenet_time.prototxt) and on the lecture's two-layer net, and the whole
# 2000-iteration two-layer `layernet train`, alternating A and B each round so that drift in the machine's speed
# falls on both. Prints each round and the medians.
#
#   bash bench/ab.sh A_REV B_REV [ROUNDS]      e.g. bash bench/ab.sh 8d01f2d HEAD 7
#
# Each revision is published (Release, ReadyToRun, as the README installs it) from a git worktree into a
# temporary folder; BENCH_WORK keeps that folder.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
A=$1; B=$2; ROUNDS=${3:-7}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/layernet-ab.XXXXXX)}
PIN=(taskset -c 0)
command -v taskset > /dev/null || PIN=()
publish() {
  local rev=$1 out=$2
  git -C "$ROOT" worktree add -q --detach "$WORK/src-$out" "$rev"
  dotnet publish "$WORK/src-$out/src/Runner" -c Release -o "$WORK/$out" > "$WORK/publish-$out.log" 2>&1
  git -C "$ROOT" worktree remove --force "$WORK/src-$out"
}
publish "$A" a
publish "$B" b
cp -r "$ROOT/models/two_layer" "$WORK/two_layer"
ms() { grep "Average Forward-Backward" | grep -Eo "[0-9.]+ ms" | cut -d' ' -f1; }
for r in $(seq 1 "$ROUNDS"); do
  for v in a b; do
    lenet=$("${PIN[@]}" "$WORK/$v/layernet" time --model "$ROOT/bench/lenet/lenet_time.prototxt" --iterations 50 | ms)
    two=$("${PIN[@]}" "$WORK/$v/layernet" time --model "$WORK/two_layer/net.prototxt" --iterations 500 | ms)
    start=$(date +%s.%N)
    (cd "$WORK/two_layer" && "${PIN[@]}" "$WORK/$v/layernet" train --solver solver.prototxt > /dev/null)
    end=$(date +%s.%N)
    echo "$v lenet_ms=$lenet two_layer_ms=$two train_s=$(echo "$end - $start" | bc) load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$WORK/rounds.txt"
  done
done
for v in a b; do
  for k in lenet_ms two_layer_ms train_s; do
    printf '%s %-13s median %s\n' "$v" "$k" "$(grep "^$v " "$WORK/rounds.txt" | grep -Eo "$k=[0-9.]+" | cut -d= -f2 | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  done
done
