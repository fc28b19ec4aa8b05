#!/usr/bin/env bash
# convert-imageset beside its peer (PIL + LMDB in Python, pil_convert.py) on the same folder of real photographs,
# one core each (taskset -c 0), interleaved: prints each run and the medians.
# Usage: bash bench/images/compare.sh [COUNT [ROUNDS]]   (Debian: python3-pil python3-numpy python3-lmdb python3-skimage)
set -euo pipefail
count=${1:-1000}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/layernet-images-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
photos=$(/usr/bin/python3 -c "import skimage, os; print(os.path.join(os.path.dirname(skimage.__file__), 'data'))")

dotnet build "$repo/src/Runner" -c Release -v quiet -nologo > /dev/null
layernet="$repo/src/Runner/bin/Release/net10.0/layernet.dll"

mkdir -p "$work/images"
: > "$work/list.txt"
for ((i = 0; i < count; i++)); do
  if ((i % 2)); then source=chelsea.png; else source=coffee.png; fi
  cp "$photos/$source" "$work/images/$i.png"
  echo "$i.png $((i % 10))" >> "$work/list.txt"
done

seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
ours=(); theirs=()
for ((r = 1; r <= rounds; r++)); do
  rm -rf "$work/db_ours" "$work/db_pil"
  a=$(seconds taskset -c 0 dotnet "$layernet" convert-imageset --resize-height 256 --resize-width 256 "$work/images/" "$work/list.txt" "$work/db_ours")
  b=$(seconds taskset -c 0 /usr/bin/python3 "$here/pil_convert.py" "$work/images/" "$work/list.txt" "$work/db_pil" 256 256)
  ours+=("$a"); theirs+=("$b")
  printf 'round %d: layernet convert-imageset %.2f s, PIL + LMDB %.2f s\n' "$r" "$a" "$b"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
m_ours=$(median "${ours[@]}"); m_theirs=$(median "${theirs[@]}")
printf 'median of %d, %d images (451x300 and 400x600 PNG -> 256x256): layernet %.2f s (%.0f images/s), PIL + LMDB %.2f s (%.0f images/s), layernet / PIL time %.2f\n' \
  "$rounds" "$count" "$m_ours" "$(echo "$count / $m_ours" | bc -l)" "$m_theirs" "$(echo "$count / $m_theirs" | bc -l)" "$(echo "$m_ours / $m_theirs" | bc -l)"
