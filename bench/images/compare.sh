#!/usr/bin/env bash
# convert-imageset beside its peer (PIL + LMDB in Python, pil_convert.py) on the same folder of real photographs,
# one core each (taskset -c 0), interleaved: prints each run and the medians. Then decode-and-resize alone
# (ImageTiming, the reader ImageData and convert-imageset use, beside PIL in pil_decode.py) on the same photographs
# as PNG and as JPEG (quality 90, written by PIL): best of ROUNDS each, and the ratio.
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
dotnet build "$here/ImageTiming" -c Release -v quiet -nologo > /dev/null
layernet="$repo/src/Runner/bin/Release/net10.0/layernet.dll"
timing="$here/ImageTiming/bin/Release/net10.0/image-timing.dll"

mkdir -p "$work/images"
: > "$work/list.txt"
for ((i = 0; i < count; i++)); do
  if ((i % 2)); then source=chelsea.png; else source=coffee.png; fi
  cp "$photos/$source" "$work/images/$i.png"
  echo "$i.png $((i % 10))" >> "$work/list.txt"
done
/usr/bin/python3 -c "
import sys
from PIL import Image
for name in ('chelsea', 'coffee'):
    Image.open(sys.argv[1] + '/' + name + '.png').convert('RGB').save(sys.argv[2] + '/' + name + '.jpg', quality=90)
" "$photos" "$work"
: > "$work/jpeg.txt"
for ((i = 0; i < count; i++)); do
  if ((i % 2)); then source=chelsea; else source=coffee; fi
  cp "$work/$source.jpg" "$work/images/$i.jpg"
  echo "$i.jpg $((i % 10))" >> "$work/jpeg.txt"
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

# Decode and resize alone, one core each, best of ROUNDS: images per second and layernet's time / PIL's.
for kind in png jpeg; do
  list="$work/list.txt"; [ "$kind" = jpeg ] && list="$work/jpeg.txt"
  a=$(taskset -c 0 dotnet "$timing" "$work/images/" "$list" 256 256 "$rounds" | awk '{print $1}')
  b=$(taskset -c 0 /usr/bin/python3 "$here/pil_decode.py" "$work/images/" "$list" 256 256 "$rounds" | awk '{print $1}')
  printf 'decode and resize, %d %s images -> 256x256 BGR planes, best of %d: layernet %.2f s (%.0f images/s), PIL %.2f s (%.0f images/s), layernet / PIL time %.2f\n' \
    "$count" "$kind" "$rounds" "$a" "$(echo "$count / $a" | bc -l)" "$b" "$(echo "$count / $b" | bc -l)" "$(echo "$a / $b" | bc -l)"
done
