#!/usr/bin/env bash
# Issue 20's checks that need a GPU, in one run on a machine with one (the device tool runs it from the repository
# root; results go to $OUT, default ./gpu-check). Needs the .NET SDK there, and ../shared/fixtures (or
# LAYERNET_FIXTURES) for the LeNet data. Prints, and writes to $OUT/summary.txt:
#   1. device-query, and which products the device runs (cuBLAS or LayerNet's kernel);
#   2. the GPU tests (tests/LayerNet.Gpu.Tests) on the GPU instead of ILGPU's CPU accelerator;
#   3. GEMM GFLOP/s: a 4096 x 4096 x 4096 InnerProduct forward, with cuBLAS and with LayerNet's tiled kernel;
#   4. LeNet training, 500 iterations of batch 64, wall time on the GPU and on the CPU;
#   5. ResNet-50 forward-backward at batch 32 (`time`, force_backward), on the GPU and on the CPU.
# The device's fp32 peak (non-tensor) is not something the driver reports: compare the GFLOP/s with the data sheet
# (H100 SXM 67 TFLOP/s, H100 PCIe 51, A100 19.5) and record the figures with the device in bench/README.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-gpu-check}"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
fixtures="${LAYERNET_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
command -v dotnet >/dev/null || { say "no .NET SDK on this machine: nothing can run"; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset LAYERNET_GPU_BACKEND

dotnet publish src/Runner -c Release -o "$out/layernet" -v:q -nologo > "$out/publish.log" 2>&1 || { say "publish failed (see publish.log)"; exit 1; }
ln="$(cd "$out" && pwd)/layernet/layernet"
work=$(mktemp -d)

say "== 1. device"
"$ln" device-query | tee -a "$summary"

say "== 2. GPU tests on the GPU"
LAYERNET_GPU_TEST_BACKEND=cuda timeout 900 dotnet test tests/LayerNet.Gpu.Tests -c Release 2>&1 | tail -n 5 | tee -a "$summary"

say "== 3. GEMM 4096^3 (InnerProduct forward; 2*4096^3 = 137.4 GFLOP a pass)"
cat > "$work/gemm.prototxt" <<'NET'
name: "gemm"
layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 4096 dim: 4096 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 4096 bias_term: false weight_filler { type: "gaussian" std: 0.01 } } }
NET
for products in cublas kernel; do
  ms=$(LAYERNET_GPU_GEMM=$products "$ln" time --model "$work/gemm.prototxt" --phase test --gpu 0 --iterations 20 --warmup 3 2>&1 | awk '$1 == "ip" && $2 == "forward:" {print $3}' | tail -n 1)
  if [ -n "$ms" ]; then
    say "$products: $ms ms a pass, $(awk -v ms="$ms" 'BEGIN {printf "%.0f", 2*4096^3/(ms*1e6)}') GFLOP/s"
  else
    say "$products: not available"
  fi
done

say "== 4. LeNet training, 500 iterations (Fashion-MNIST test LMDB as training data: speed only)"
sed -e "s#\"fashion_mnist_train_lmdb\"#\"$fixtures/caffe/lenet_fashion/fashion_mnist_test_lmdb\"#" \
    -e "s#\"fashion_mnist_test_lmdb\"#\"$fixtures/caffe/lenet_fashion/fashion_mnist_test_lmdb\"#" \
    "$fixtures/caffe/lenet_fashion/lenet_train_test.prototxt" > "$work/lenet.prototxt"
sed -e 's#^net:.*#net: "lenet.prototxt"#' -e 's#^max_iter:.*#max_iter: 500#' -e 's#^test_interval:.*#test_interval: 100000#' \
    -e 's#^snapshot:.*#snapshot: 0#' -e 's#^snapshot_prefix:.*#snapshot_prefix: "lenet_check"#' -e '/^snapshot_after_train/d' \
    "$fixtures/caffe/lenet_fashion/lenet_solver.prototxt" > "$work/solver.prototxt"
echo "snapshot_after_train: false" >> "$work/solver.prototxt"
for where in "--gpu 0" ""; do
  start=$(date +%s.%N)
  (cd "$work" && "$ln" train --solver solver.prototxt $where > "$out/lenet${where// /}.log" 2>&1) || say "lenet $where failed (see the log)"
  end=$(date +%s.%N)
  say "lenet ${where:-cpu}: $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b-a}') s, last loss: $(grep -o 'loss = [0-9.e+-]*' "$out/lenet${where// /}.log" | tail -n 1)"
done

say "== 5. ResNet-50 forward-backward, batch 32"
sed -e 's/^input_dim: 1$/input_dim: 32/' "$fixtures/zoo/resnet50_deploy.prototxt" | sed '1a force_backward: true' > "$work/resnet50.prototxt"
for where in "--gpu 0 --iterations 10" "--iterations 2"; do
  "$ln" time --model "$work/resnet50.prototxt" $where --warmup 1 > "$out/resnet50${where// /}.log" 2>&1
  say "resnet50 ${where}: $(grep -E 'Average Forward-Backward' "$out/resnet50${where// /}.log" | tail -n 1) (ResNet-50: 3 x 4.1 GFLOP x 32 images a pass)"
done
rm -rf "$work"
