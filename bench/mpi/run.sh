#!/usr/bin/env bash
# Training over MPI on this machine: iteration time for 1, 2 and (oversubscribed) 4 workers, for the lecture's
# two-layer net, LeNet (Fashion-MNIST LMDB from ../shared/fixtures, batch 64 per worker) and a 25 M-parameter
# gradient (gradient25m.prototxt), and from the last the throughput of summing 100 MB (MPI_Allreduce, in place).
#
#   bash bench/mpi/run.sh        (MPI_ITERS iterations, default 100: LeNet; 20 times that for the two-layer net,
#                                 a fifth for the 25 M gradient)
#
# Whole-process wall time of `mpirun -np N dotnet layernet.dll train`, start-up included (measured apart with
# max_iter: 0 and subtracted). Workers are bound one to a core (Open MPI's default for 2), unbound when
# oversubscribed. Installs openmpi-bin with apt-get when mpirun is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fixtures="${LAYERNET_FIXTURES:-$root/../shared/fixtures}"
iters="${MPI_ITERS:-100}"
command -v mpirun >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openmpi-bin >/dev/null; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dotnet build "$root/src/Runner" -c Release -nologo -v:q >/dev/null
layernet="$root/src/Runner/bin/Release/net10.0/layernet.dll"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

cp "$root/models/two_layer/net.prototxt" "$root/models/two_layer/data.h5" "$root/models/two_layer/data.txt" "$work/"
mv "$work/net.prototxt" "$work/two_layer.prototxt"
sed "s|source: \"fashion_mnist_train_lmdb\"|source: \"$fixtures/caffe/lenet_fashion/fashion_mnist_test_lmdb\"|" \
  "$fixtures/caffe/lenet_fashion/lenet_train_test.prototxt" > "$work/lenet.prototxt"
cp "$here/gradient25m.prototxt" "$work/"

seconds() { # net iterations workers
  printf 'net: "%s"\nbase_lr: 1e-6\nlr_policy: "fixed"\nmax_iter: %s\ndisplay: 0\nrandom_seed: 1701\nsnapshot_after_train: false\n' "$1" "$2" > "$work/solver.prototxt"
  local bind=(--bind-to core); [ "$3" -gt "$(nproc)" ] && bind=(--oversubscribe --bind-to none)
  local start end; start=$(date +%s.%N)
  (cd "$work" && mpirun "${bind[@]}" -np "$3" dotnet "$layernet" train --solver solver.prototxt >/dev/null 2>&1)
  end=$(date +%s.%N); echo "$end - $start" | bc -l
}

printf '%-22s %8s %14s %14s %10s\n' net workers "ms/iteration" "images/s" speed-up
for spec in "two_layer.prototxt 64 $(( iters * 20 ))" "lenet.prototxt 64 $iters" "gradient25m.prototxt 1 $(( iters / 5 ))"; do
  set -- $spec; net=$1; batch=$2; n=$3
  base1=""
  for workers in 1 2 4; do
    startup=$(seconds "$net" 0 "$workers")
    total=$(seconds "$net" "$n" "$workers")
    ms=$(echo "($total - $startup) * 1000 / $n" | bc -l)
    rate=$(echo "$workers * $batch * 1000 / $ms" | bc -l)
    [ -z "$base1" ] && base1=$rate
    printf '%-22s %8d %14.2f %14.1f %10.2f\n' "$net" "$workers" "$ms" "$rate" "$(echo "$rate / $base1" | bc -l)"
    [ "$net" = gradient25m.prototxt ] && [ "$workers" = 1 ] && one=$ms
    if [ "$net" = gradient25m.prototxt ] && [ "$workers" != 1 ]; then
      # Ring allreduce moves 2 (N-1)/N of the 100 MB per worker; the extra time over one worker is the sum.
      extra=$(echo "$ms - $one" | bc -l)
      printf '%-22s %8d %14s %14s %10s\n' "  allreduce 100 MB" "$workers" "$(printf '%.2f ms' "$extra")" \
        "$(printf '%.2f GB/s' "$(echo "100 / $extra" | bc -l)")" "algbw"
    fi
  done
done
