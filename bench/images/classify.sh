#!/usr/bin/env bash
# `layernet classify` over a folder of COUNT photographs beside `layernet time`'s forward pass of the same net
# (a zoo deploy file at its own batch size, filler weights), on CORES cores (taskset): the images per second each
# gives, and classify's share of time's rate. Issue 14 asks for at least 0.90: decoding must not be the bottleneck.
# Usage: bash bench/images/classify.sh [COUNT [ITERATIONS [MODEL [CORES]]]]
#   MODEL a file of ../shared/fixtures/zoo (default squeezenet_v1.1_deploy.prototxt), CORES 1 or 2 (default 1).
#   Needs Debian's python3-skimage for the photographs.
set -euo pipefail
count=${1:-1000}
iterations=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fixtures=${LAYERNET_FIXTURES:-$repo/../shared/fixtures}
model="$fixtures/zoo/${3:-squeezenet_v1.1_deploy.prototxt}"
cpus=0; [ "${4:-1}" = 2 ] && cpus=0,1
batch=$(grep -m1 -o 'dim: *[0-9]*' "$model" | head -n 1 | grep -o '[0-9]*$')
work=$(mktemp -d /tmp/layernet-classify-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
photos=$(/usr/bin/python3 -c "import skimage, os; print(os.path.join(os.path.dirname(skimage.__file__), 'data'))")

dotnet build "$repo/src/Runner" -c Release -v quiet -nologo > /dev/null
layernet="$repo/src/Runner/bin/Release/net10.0/layernet.dll"
mkdir -p "$work/images"
for ((i = 0; i < count; i++)); do
  if ((i % 2)); then source=chelsea.png; else source=coffee.png; fi
  cp "$photos/$source" "$work/images/$(printf '%05d' "$i").png"
done

forward_ms=$(taskset -c "$cpus" dotnet "$layernet" time --model "$model" --iterations "$iterations" --warmup 2 2>&1 | awk '/Average Forward pass/ {print $4}')
start=$(date +%s.%N)
taskset -c "$cpus" dotnet "$layernet" classify --model "$model" --mean-values 104,117,123 --top 1 "$work/images" > "$work/answers.txt"
end=$(date +%s.%N)
lines=$(wc -l < "$work/answers.txt")
seconds=$(echo "$end - $start" | bc -l)
time_rate=$(echo "$batch * 1000 / $forward_ms" | bc -l)
classify_rate=$(echo "$lines / $seconds" | bc -l)
printf '%s batch %d, cores %s: time forward %.1f ms (%.1f images/s); classify %d images (451x300 and 400x600 PNG) in %.2f s, start-up included (%.1f images/s); classify / time rate %.2f\n' \
  "$(basename "$model")" "$batch" "$cpus" "$forward_ms" "$time_rate" "$lines" "$seconds" "$classify_rate" "$(echo "$classify_rate / $time_rate" | bc -l)"
