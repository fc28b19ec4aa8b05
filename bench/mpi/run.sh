#!/usr/bin/env bash
# Training over MPI on this machine: iteration time for 1, 2 and (oversubscribed) 4 workers, for the lecture's
# two-layer net, LeNet (Fashion-MNIST LMDB from ../shared/fixtures, batch 64 per worker) and a 25 M-parameter
# gradient (gradient25m.prototxt), and from the last the throughput of summing 100 MB (MPI_Allreduce, in place).
#
#   bash bench/mpi/run.sh        (MPI_ITERS, default 100: LeNet runs twice that, the two-layer net 20 times that,
#                                 the 25 M gradient a fifth of it)
#
# Each (net, workers) runs MPI_ROUNDS times (default 3), the worker counts interleaved so that the load of this shared
# machine falls on all alike; worker 0's log gives the iterations per second of five windows a run (display), the
# first (warm-up) dropped: the figure is the median ms/iteration over the rest, start-up excluded. Workers are bound
# one to a core (Open MPI's default for 2), unbound when oversubscribed. Then Open MPI's own allreduce (allreduce.c,
# built with mpicc) over the same sizes, for the cost of the sum alone. Installs openmpi-bin and libopenmpi-dev with
# apt-get when mpirun or mpicc is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fixtures="${LAYERNET_FIXTURES:-$root/../shared/fixtures}"
iters="${MPI_ITERS:-100}"
rounds="${MPI_ROUNDS:-3}"
{ command -v mpirun && command -v mpicc; } >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dotnet build "$root/src/Runner" -c Release -nologo -v:q >/dev/null
layernet="$root/src/Runner/bin/Release/net10.0/layernet.dll"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

cp "$root/models/two_layer/net.prototxt" "$root/models/two_layer/data.h5" "$root/models/two_layer/data.txt" "$work/"
mv "$work/net.prototxt" "$work/two_layer.prototxt"
sed "s|source: \"fashion_mnist_train_lmdb\"|source: \"$fixtures/caffe/lenet_fashion/fashion_mnist_test_lmdb\"|" \
  "$fixtures/caffe/lenet_fashion/lenet_train_test.prototxt" > "$work/lenet.prototxt"
cp "$here/gradient25m.prototxt" "$work/"

windows() { # net iterations workers: ms per iteration of each display window after the first, one per line
  printf 'net: "%s"\nbase_lr: 1e-6\nlr_policy: "fixed"\nmax_iter: %s\ndisplay: %s\nrandom_seed: 1701\nsnapshot_after_train: false\n' \
    "$1" "$2" "$(( $2 / 5 ))" > "$work/solver.prototxt"
  local bind=(--bind-to core); [ "$3" -gt "$(nproc)" ] && bind=(--oversubscribe --bind-to none)
  (cd "$work" && mpirun "${bind[@]}" -np "$3" dotnet "$layernet" train --solver solver.prototxt 2>/dev/null) |
    grep -o '([0-9.e+]* iter/s' | tr -d '(' | awk 'NR > 2 && $1 > 0 { printf "%.6f\n", 1000 / $1 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-22s %8s %14s %14s %10s\n' net workers "ms/iteration" "images/s" speed-up
for spec in "two_layer.prototxt 64 $(( iters * 20 ))" "lenet.prototxt 64 $(( iters * 2 ))" "gradient25m.prototxt 1 $(( iters / 5 ))"; do
  set -- $spec; net=$1; batch=$2; n=$3
  for workers in 1 2 4; do : > "$work/ms_$workers"; done
  for round in $(seq "$rounds"); do
    for workers in 1 2 4; do windows "$net" "$n" "$workers" >> "$work/ms_$workers"; done
  done
  base1=""
  for workers in 1 2 4; do
    ms=$(median < "$work/ms_$workers")
    rate=$(echo "$workers * $batch * 1000 / $ms" | bc -l)
    [ -z "$base1" ] && base1=$rate
    printf '%-22s %8d %14.2f %14.1f %10.2f\n' "$net" "$workers" "$ms" "$rate" "$(echo "$rate / $base1" | bc -l)"
    [ "$net" = gradient25m.prototxt ] && [ "$workers" = 1 ] && one=$ms
    if [ "$net" = gradient25m.prototxt ] && [ "$workers" != 1 ]; then
      # The extra time over one worker is the sum of 100 MB (a ring allreduce moves 2 (N-1)/N of it per worker).
      extra=$(echo "$ms - $one" | bc -l)
      printf '%-22s %8d %14s %14s %10s\n' "  allreduce 100 MB" "$workers" "$(printf '%.2f ms' "$extra")" \
        "$(printf '%.2f GB/s' "$(echo "100 / $extra" | bc -l)")" "algbw"
    fi
  done
done

mpicc -O2 "$here/allreduce.c" -o "$work/allreduce"
echo "Open MPI's own MPI_Allreduce, 2 workers bound to cores (ms, algbw):"
mpirun --bind-to core -np 2 "$work/allreduce"
