#!/usr/bin/env bash
# LayerNet side by side with its peers on this machine, in one go: prints one table of medians and ratios.
#
#   bash bench/compare.sh [net] [gemm] [lenet] [process]     (no argument: all four sections)
#
# `layernet` is measured as the README installs it (dotnet publish: ReadyToRun, into the work folder); the net
# section adds a row for the build output (dotnet layernet.dll, JIT only).
#
#   net      the lecture's two-layer net, 2000 iterations, whole process: `layernet train` vs numpy float32 and
#            float64 and PyTorch (manual gradients; autograd + SGD), all pinned to one core (taskset -c 0), one
#            BLAS thread; LayerNet also on all cores. Median of RUNS runs (default 5).
#   gemm     sgemm GFLOP/s, LayerNet's Blas.Gemm (bench/GemmTiming) vs OpenBLAS's cblas_sgemm
#            (bench/openblas), same shapes, same method, both pinned to one core; the LayerNet kernels avx512,
#            avx2 and portable (LAYERNET_GEMM_KERNEL), and LayerNet's avx2 against OpenBLAS's AVX2 kernel
#            (OPENBLAS_CORETYPE=Haswell). GEMM_RUNS (default 3) interleaved runs of each.
#   lenet    `layernet time` on Caffe's LeNet (bench/lenet/lenet_time.prototxt: DummyData instead of LMDB) and on
#            the two-layer net: forward-backward ms per iteration; Caffe's own figures beside them.
#   process  peak RSS of `layernet train` on the two-layer net (/usr/bin/time -v), `layernet --help` time.
#   zoo      (not in the default list: `bash bench/compare.sh zoo`, about 10 minutes) forward time of ResNet-50,
#            GoogLeNet, SqueezeNet v1.1 and MobileNet v2 at batch 1 and 10, on 1 core and on all cores:
#            `layernet time --phase test` on the Caffe files in ../shared/fixtures beside ONNX Runtime
#            (bench/zoo/OrtTiming, NuGet Microsoft.ML.OnnxRuntime) on the very same graph (the Caffe file exported by
#            `layernet export`) and on torchvision's equivalents (bench/zoo/export_torchvision.py), PyTorch
#            (bench/zoo/torch_time.py) on torchvision's, and layernet's peak RSS at batch 1.
#            ZOO_NETS, ZOO_BATCHES, ZOO_ITER (timed passes at batch 1; a fifth of it, at least 3, at batch 10).
#
# Installs what is missing with apt-get when it can (libopenblas-dev, python3-numpy, python3-torch, hyperfine,
# time); a peer that still is not there is skipped, and the table says so. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# are unset for the peer commands only (they may force OpenBLAS's AVX2 kernel here); the kernel OpenBLAS chose is
# printed. Everything it builds or writes goes to a temporary folder (BENCH_WORK to keep it), nothing in the tree
# changes except the Release build outputs under bin/ and obj/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
GEMM_RUNS=${GEMM_RUNS:-3}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/layernet-bench.XXXXXX)}
mkdir -p "$WORK"
SECTIONS=${*:-net gemm lenet process}
FIXTURES=${LAYERNET_FIXTURES:-$ROOT/../shared/fixtures}
PY=/usr/bin/python3 # Debian's python, where python3-numpy and python3-torch install (not a pyenv shim)
PEER_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1)
PIN=(taskset -c 0)
command -v taskset > /dev/null || PIN=()

TABLE="$WORK/table.txt"
: > "$TABLE"
row() { printf '%s\n' "$*" >> "$TABLE"; }
say() { printf '== %s\n' "$*" >&2; }
load() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------------------------------------------- setup
install_missing() {
  local want=()
  [ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ] || [ -e /usr/include/openblas/cblas.h ] || want+=(libopenblas-dev libopenblas0)
  "$PY" -c 'import numpy' 2> /dev/null || want+=(python3-numpy)
  "$PY" -c 'import torch' 2> /dev/null || want+=(python3-torch)
  "$PY" -c 'import torchvision' 2> /dev/null || want+=(python3-torchvision)
  command -v hyperfine > /dev/null || want+=(hyperfine)
  [ -x /usr/bin/time ] || want+=(time)
  command -v gcc > /dev/null || want+=(gcc)
  if [ ${#want[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    say "installing ${want[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}"; } > "$WORK/apt.log" 2>&1 \
      || say "apt-get failed (see $WORK/apt.log); going on without"
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

# measure NAME CMD...: runs CMD RUNS times (after one warm-up run), wall-clock seconds with date +%s.%N, and
# the "= N it/s" a peer script prints for its own loop. Sets MED_S (median seconds) and MED_LOOP (median it/s).
measure() {
  local name=$1; shift
  local times="$WORK/$name.times" loops="$WORK/$name.loops"
  : > "$times"; : > "$loops"
  "$@" > /dev/null 2>&1 || { MED_S=nan; MED_LOOP=nan; say "$name failed: $*"; return 0; }
  for _ in $(seq "$RUNS"); do
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$("$@" 2> /dev/null)
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >> "$times"
    grep -o '= [0-9.]* it/s' <<< "$out" | awk '{ print $2 }' >> "$loops" || true
  done
  MED_S=$(median < "$times")
  MED_LOOP=$(median < "$loops")
}

build() {
  if [ -z "${SKIP_BUILD:-}" ]; then
  say "building the runner and bench/GemmTiming (Release; SKIP_BUILD=1 uses the existing build)"
  dotnet build "$ROOT/src/Runner" -c Release -nologo -v q > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  dotnet build "$ROOT/bench/GemmTiming" -c Release -nologo -v q >> "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  fi
  # layernet as a user installs it (README "Install": dotnet publish, ReadyToRun), and the build output (JIT only).
  # SKIP_BUILD=1 keeps an installed layernet already in the work folder: only for a folder this tree's build filled.
  if [ -z "${SKIP_BUILD:-}" ] || [ ! -x "$WORK/layernet/layernet" ]; then
    dotnet publish "$ROOT/src/Runner" -c Release -o "$WORK/layernet" -nologo -v q >> "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  fi
  LN=("$WORK/layernet/layernet")
  LAYERNET_DLL="$ROOT/src/Runner/bin/Release/net10.0/layernet.dll"
  GEMM_TIMING="$ROOT/bench/GemmTiming/bin/Release/net10.0/gemm-timing.dll"
  OPENBLAS_BENCH=""
  if [ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ]; then
    gcc -O2 -o "$WORK/sgemm_bench" "$ROOT/bench/openblas/sgemm_bench.c" \
      -I/usr/include/x86_64-linux-gnu/openblas-pthread -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas \
      -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-pthread && OPENBLAS_BENCH="$WORK/sgemm_bench"
  fi
  # The two-layer net trains in a copy, so its snapshots do not overwrite the ones in models/two_layer.
  rm -rf "$WORK/two_layer" && cp -r "$ROOT/models/two_layer" "$WORK/two_layer"
}

# ------------------------------------------------------------------------------------------------ sections
section_net() {
  say "two-layer net, 2000 iterations, $RUNS runs each (load $(load))"
  local l0; l0=$(load)
  local solver="$WORK/two_layer/solver.prototxt"
  measure ln1 "${PIN[@]}" "${LN[@]}" train --solver "$solver"
  local ln1=$MED_S
  measure lnall "${LN[@]}" train --solver "$solver"
  local lnall=$MED_S
  measure ln_start "${PIN[@]}" "${LN[@]}" train --solver "$solver" --iterations 1
  local ln_start=$MED_S
  local ln_loop; ln_loop=$(awk -v a="$ln1" -v b="$ln_start" 'BEGIN { if (a > b) printf "%.0f", 1999 / (a - b); else print "-" }')
  local ln_its; ln_its=$(awk -v a="$ln1" 'BEGIN { printf "%.0f", 2000 / a }')
  measure lnjit "${PIN[@]}" dotnet "$LAYERNET_DLL" train --solver "$solver"
  local lnjit=$MED_S
  row "two-layer net | layernet train, 1 core | $ln1 s | $ln_its it/s whole process; ~$ln_loop it/s in the loop (2000 - 1 iteration runs) | 1.00"
  row "two-layer net | layernet train, 1 core, build output (dotnet layernet.dll, JIT only) | $lnjit s | $(awk -v a="$lnjit" 'BEGIN { printf "%.0f", 2000 / a }') it/s whole process | $(ratio "$ln1" "$lnjit")"
  row "two-layer net | layernet train, all $(nproc) cores | $lnall s | $(awk -v a="$lnall" 'BEGIN { printf "%.0f", 2000 / a }') it/s whole process | $(ratio "$ln1" "$lnall")"
  local peers=("numpy_f32:numpy float32:two_layer_numpy.py float32" "numpy_f64:numpy float64:two_layer_numpy.py float64"
    "torch_manual:PyTorch manual gradients:two_layer_torch.py manual" "torch_autograd:PyTorch autograd+SGD:two_layer_torch.py autograd")
  for peer in "${peers[@]}"; do
    IFS=: read -r key label script <<< "$peer"
    local module=numpy; [[ $key == torch* ]] && module=torch
    if ! "$PY" -c "import $module" 2> /dev/null; then
      row "two-layer net | $label, 1 core | skipped: python3-$module is not installed | - | -"
      continue
    fi
    # shellcheck disable=SC2086 # the script and its arguments split on purpose
    measure "$key" "${PIN[@]}" "${PEER_ENV[@]}" "$PY" "$ROOT/bench/peers/"$script
    row "two-layer net | $label, 1 core | $MED_S s | $(awk -v a="$MED_S" 'BEGIN { printf "%.0f", 2000 / a }') it/s whole process; $MED_LOOP it/s in its loop | $(ratio "$MED_S" "$ln1")"
  done
  row "two-layer net | load average (1 min) before / after | $l0 / $(load) | | "
}

section_gemm() {
  say "sgemm, $GEMM_RUNS interleaved runs (load $(load))"
  local l0; l0=$(load)
  local i kernel
  for i in $(seq "$GEMM_RUNS"); do
    if [ -n "$OPENBLAS_BENCH" ]; then
      "${PIN[@]}" "${PEER_ENV[@]}" "$OPENBLAS_BENCH" > "$WORK/gemm.openblas.$i"
      # OpenBLAS's AVX2 kernel, the peer of LayerNet's avx2 kernel (a machine without AVX-512 runs these two).
      "${PIN[@]}" "${PEER_ENV[@]}" OPENBLAS_CORETYPE=Haswell "$OPENBLAS_BENCH" > "$WORK/gemm.openblas_haswell.$i"
      [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ] && "${PIN[@]}" env OPENBLAS_NUM_THREADS=1 "$OPENBLAS_BENCH" > "$WORK/gemm.openblas_env.$i"
    fi
    for kernel in default avx2 portable; do
      if [ $kernel = default ]; then
        "${PIN[@]}" env -u LAYERNET_GEMM_KERNEL dotnet "$GEMM_TIMING" > "$WORK/gemm.layernet_$kernel.$i"
      else
        "${PIN[@]}" env LAYERNET_GEMM_KERNEL=$kernel dotnet "$GEMM_TIMING" > "$WORK/gemm.layernet_$kernel.$i"
      fi
    done
  done
  # Per shape: the median over runs of each run's median GFLOP/s (and the best of the bests).
  local shapes; shapes=$(grep -h GFLOP "$WORK"/gemm.layernet_default.1 | awk '{ print $1 }')
  gflops() { cat "$WORK"/gemm."$1".* 2> /dev/null | awk -v s="$2" -v f="$3" '$1 == s { print $f }' | median; }
  local ob_core="not installed"
  [ -n "$OPENBLAS_BENCH" ] && ob_core=$(awk -F': ' '/openblas core/ { print $2; exit }' "$WORK/gemm.openblas.1")
  local ln_kernel; ln_kernel=$(awk '/layernet kernel/ { print $3; exit }' "$WORK/gemm.layernet_default.1")
  row "sgemm | shape (op A op B: M x N x K), GFLOP/s, 1 core | layernet $ln_kernel median (best) | avx2 / portable median; OpenBLAS Haswell (AVX2) median, ratio avx2/Haswell | OpenBLAS $ob_core median (best) | ratio layernet/OpenBLAS median (best)"
  local shape
  for shape in $shapes; do
    local ln lnb la lp ob obb
    ln=$(gflops layernet_default "$shape" 3); lnb=$(cat "$WORK"/gemm.layernet_default.* | awk -v s="$shape" '$1 == s { print $5 }' | sort -g | tail -1)
    la=$(gflops layernet_avx2 "$shape" 3); lp=$(gflops layernet_portable "$shape" 3)
    ob=$(gflops openblas "$shape" 3); obb=$(cat "$WORK"/gemm.openblas.* 2> /dev/null | awk -v s="$shape" '$1 == s { print $5 }' | sort -g | tail -1)
    local oh; oh=$(gflops openblas_haswell "$shape" 3)
    row "sgemm | $shape | $ln ($lnb) | $la / $lp; $oh, $(ratio "$la" "$oh") | $ob (${obb:--}) | $(ratio "$ln" "$ob") ($(ratio "$lnb" "$obb"))"
  done
  if ls "$WORK"/gemm.openblas_env.* > /dev/null 2>&1; then
    row "sgemm | OpenBLAS with this environment's OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}: core $(awk -F': ' '/openblas core/ { print $2; exit }' "$WORK/gemm.openblas_env.1"), 512^3 median $(gflops openblas_env NN:512x512x512 3) | | | "
  fi
  row "sgemm | load average (1 min) before / after | $l0 / $(load) | | | "
}

section_lenet() {
  say "layernet time (load $(load))"
  local l0; l0=$(load)
  lenet_ms() {
    local out="$WORK/time.$1.$2"
    shift 2
    "$@" > "$out" 2>&1 || { echo "failed"; return 0; }
    awk '/Average Forward-Backward/ { printf "%.2f\n", $3 }' "$out"
  }
  local r one all
  # A kept work folder (BENCH_WORK) holds an earlier run's figures: start these lists empty.
  : > "$WORK/lenet1.ms"; : > "$WORK/lenetall.ms"; : > "$WORK/two1.ms"
  for r in $(seq "$RUNS"); do
    lenet_ms lenet1 "$r" "${PIN[@]}" "${LN[@]}" time --model "$ROOT/bench/lenet/lenet_time.prototxt" --iterations 20 >> "$WORK/lenet1.ms"
    lenet_ms lenetall "$r" "${LN[@]}" time --model "$ROOT/bench/lenet/lenet_time.prototxt" --iterations 20 >> "$WORK/lenetall.ms"
    lenet_ms two1 "$r" "${PIN[@]}" "${LN[@]}" time --model "$WORK/two_layer/net.prototxt" --iterations 1000 >> "$WORK/two1.ms"
  done
  one=$(grep -v failed "$WORK/lenet1.ms" | median); all=$(grep -v failed "$WORK/lenetall.ms" | median)
  row "LeNet (batch 64) | layernet time, forward-backward, 1 core | $one ms/iteration | Caffe's caffe time: 30.3 ms (issue 6) | ratio to Caffe $(ratio "$one" 30.3) (target <= 0.8)"
  row "LeNet (batch 64) | layernet time, forward-backward, all $(nproc) cores | $all ms/iteration | | ratio to Caffe $(ratio "$all" 30.3)"
  row "two-layer net | layernet time, forward-backward, 1 core | $(grep -v failed "$WORK/two1.ms" | median) ms/iteration | Caffe's caffe time: 0.76 ms (0.64 + 0.12) | "
  local lenet="$ROOT/models/fashion_mnist/lenet/lenet_train_test.prototxt"
  if [ -e "$lenet" ]; then
    local ms; ms=$(lenet_ms lenet_model 1 "${PIN[@]}" "${LN[@]}" time --model "$lenet" --iterations 20)
    row "LeNet (batch 64) | layernet time on models/fashion_mnist/lenet (its own data layer), 1 core | ${ms:-failed} ms/iteration | | "
  fi
  row "LeNet | load average (1 min) before / after | $l0 / $(load) | | "
}

section_process() {
  say "peak RSS and startup (load $(load))"
  if [ -x /usr/bin/time ]; then
    local rss
    for _ in $(seq 3); do
      /usr/bin/time -v "${LN[@]}" train --solver "$WORK/two_layer/solver.prototxt" 2>&1 > /dev/null \
        | awk '/Maximum resident set size/ { print $6 }'
    done > "$WORK/rss.kb"
    rss=$(median < "$WORK/rss.kb")
    row "process | peak RSS of layernet train, two-layer net | $(awk -v k="$rss" 'BEGIN { printf "%.1f MB", k / 1024 }') | target <= 60 MB | "
  fi
  local help_ms
  if command -v hyperfine > /dev/null; then
    hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/help.json" "${LN[*]} --help" "dotnet $LAYERNET_DLL --help" > /dev/null 2>&1
    help_ms=$("$PY" -c "import json,sys; r = json.load(open(sys.argv[1]))['results']; print('%.0f ms (build output, dotnet layernet.dll: %.0f ms)' % (1000 * r[0]['median'], 1000 * r[1]['median']))" "$WORK/help.json")
  else
    for _ in $(seq 20); do
      local t0 t1; t0=$(date +%s.%N); "${LN[@]}" --help > /dev/null; t1=$(date +%s.%N)
      awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }'
    done > "$WORK/help.ms"
    help_ms="$(median < "$WORK/help.ms") ms"
  fi
  row "process | layernet --help, whole process (installed layernet) | $help_ms | target < 150 ms (first output) | "
}

# The zoo's nets: NAME:CAFFE_FILE:TORCHVISION_NAME.
ZOO_ALL=("resnet50:zoo/resnet50_deploy.prototxt:resnet50" "googlenet:caffe-prototxt/models_bvlc_googlenet_deploy.prototxt:googlenet"
  "squeezenet:zoo/squeezenet_v1.1_deploy.prototxt:squeezenet1_1" "mobilenet_v2:zoo/mobilenet_v2_deploy.prototxt:mobilenet_v2")

section_zoo() {
  say "zoo nets forward (load $(load))"
  local l0; l0=$(load)
  dotnet build "$ROOT/bench/zoo/OrtTiming" -c Release -nologo -v q >> "$WORK/build.log" 2>&1 || { say "OrtTiming did not build (see $WORK/build.log)"; }
  local ort="$ROOT/bench/zoo/OrtTiming/bin/Release/net10.0/ort-timing.dll"
  local have_torch=1
  "$PY" -c 'import torch, torchvision' 2> /dev/null || have_torch=0
  if [ $have_torch = 1 ] && [ ! -e "$WORK/onnx/mobilenet_v2.onnx" ]; then
    "$PY" "$ROOT/bench/zoo/export_torchvision.py" "$WORK/onnx" > "$WORK/export.log" 2>&1 || say "ONNX export failed (see $WORK/export.log)"
  fi
  local iter=${ZOO_ITER:-10} entry batch cores
  for entry in "${ZOO_ALL[@]}"; do
    IFS=: read -r name file tv <<< "$entry"
    [[ " ${ZOO_NETS:-resnet50 googlenet squeezenet mobilenet_v2} " == *" $name "* ]] || continue
    for batch in ${ZOO_BATCHES:-1 10}; do
      # The Caffe file with its first input dimension set to the batch.
      local model="$WORK/$name.b$batch.prototxt"
      sed "0,/dim: *[0-9][0-9]*/s//dim: $batch/" "$FIXTURES/$file" > "$model"
      local it=$iter; [ "$batch" -gt 1 ] && it=$(( iter / 5 > 3 ? iter / 5 : 3 ))
      # The very same graph for ONNX Runtime: the Caffe file exported by `layernet export` (the fillers' weights).
      local same="$WORK/$name.b$batch.onnx"
      [ -e "$same" ] || "${LN[@]}" export --model "$model" -o "$same" > /dev/null 2>> "$WORK/export.log" || say "layernet export of $name failed (see $WORK/export.log)"
      for cores in 1 all; do
        local pin=() threads
        threads=$(nproc)
        if [ $cores = 1 ]; then pin=("${PIN[@]}"); threads=1; fi
        local ln ox pt
        ln=$("${pin[@]}" "${LN[@]}" time --model "$model" --phase test --iterations "$it" --warmup 2 2> /dev/null \
          | awk '/Average Forward pass/ { printf "%.1f", $4 }')
        ox=-
        [ -e "$ort" ] && [ -e "$WORK/onnx/$tv.onnx" ] \
          && ox=$("${pin[@]}" dotnet "$ort" "$WORK/onnx/$tv.onnx" "$batch" "$threads" "$it" 2> /dev/null | awk '{ print $4 }')
        local os=-
        [ -e "$ort" ] && [ -e "$same" ] \
          && os=$("${pin[@]}" dotnet "$ort" "$same" "$batch" "$threads" "$it" 2> /dev/null | awk '{ print $4 }')
        pt=-
        [ $have_torch = 1 ] && pt=$("${pin[@]}" "${PEER_ENV[@]}" "$PY" "$ROOT/bench/zoo/torch_time.py" "$tv" "$batch" "$threads" "$it" 2> /dev/null | awk '{ print $4 }')
        row "$name (batch $batch) | forward, $cores core(s), $it passes (layernet: their mean, as caffe time; peers: their median) | layernet ${ln:-failed} ms | ONNX Runtime on layernet's export ${os:--} ms, on torchvision's ${ox:--} ms; PyTorch ${pt:--} ms | layernet / ORT (same graph) $(ratio "${ln:-0}" "${os:-0}"); / ORT (torchvision) $(ratio "${ln:-0}" "${ox:-0}"); / PyTorch $(ratio "${ln:-0}" "${pt:-0}")"
      done
    done
    if [ -x /usr/bin/time ]; then
      local b1="$WORK/$name.b1.prototxt"
      [ -e "$b1" ] || sed "0,/dim: *[0-9][0-9]*/s//dim: 1/" "$FIXTURES/$file" > "$b1"
      local kb; kb=$(/usr/bin/time -v "${LN[@]}" time --model "$b1" --phase test --iterations 2 --warmup 1 2>&1 > /dev/null \
        | awk '/Maximum resident set size/ { print $6 }')
      row "$name (batch 1) | peak RSS of layernet time --phase test | $(awk -v k="${kb:-0}" 'BEGIN { printf "%.0f MB", k / 1024 }') | | "
    fi
  done
  if [ -x /usr/bin/time ]; then
    # FCN-8s at 500x500 (bench/zoo/fcn8s_deploy.prototxt), the memory figure of issue 16 (4.4 GB before planning).
    local kb; kb=$(/usr/bin/time -v "${LN[@]}" time --model "$ROOT/bench/zoo/fcn8s_deploy.prototxt" --phase test --iterations 1 --warmup 0 2>&1 > /dev/null \
      | awk '/Maximum resident set size/ { print $6 }')
    row "fcn8s (500x500) | peak RSS of layernet time --phase test | $(awk -v k="${kb:-0}" 'BEGIN { printf "%.0f MB", k / 1024 }') | target <= 1.5 GB | "
  fi
  row "zoo | load average (1 min) before / after | $l0 / $(load) | | "
}

# --------------------------------------------------------------------------------------------------- main
install_missing
build
for s in $SECTIONS; do "section_$s"; done

kernel_line="layernet $(dotnet "$GEMM_TIMING" NN:16x16x16 | awk '/layernet kernel/ { print $3 }')"
[ -n "$OPENBLAS_BENCH" ] && kernel_line+=", OpenBLAS $("${PEER_ENV[@]}" "$OPENBLAS_BENCH" NN:16x16x16 | awk -F': ' '/openblas core/ { print $2 }')"
"$PY" -c 'import numpy' 2> /dev/null && kernel_line+=", numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
"$PY" -c 'import torch' 2> /dev/null && kernel_line+=", torch $("$PY" -c 'import torch; print(torch.__version__)' 2> /dev/null)"
echo
echo "machine: $(lscpu | awk -F': *' '/Model name/ { print $2; exit }'), $(nproc) cores, $(uname -r), .NET $(dotnet --version)"
echo "kernels: $kernel_line"
echo "runs: $RUNS (net, lenet), $GEMM_RUNS (gemm); load average now $(cut -d' ' -f1-3 /proc/loadavg); work folder $WORK"
echo
echo "| what | case | median | peer / note | ratio |"
echo "|---|---|---|---|---|"
sed 's/^/| /; s/$/ |/' "$TABLE"
echo
echo "Ratios: two-layer rows are the peer's time / layernet's 1-core time (above 1: layernet faster); the all-cores row"
echo "is 1-core time / all-cores time. sgemm ratios are layernet GFLOP/s / OpenBLAS GFLOP/s (target >= 0.9). Zoo rows:"
echo "layernet's time / the peer's (issue 16's target: <= 1.0 against ONNX Runtime)."
