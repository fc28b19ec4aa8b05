#!/usr/bin/env bash
# Writes Fashion-MNIST (Debian's dataset-fashion-mnist IDX files) as 28x28 gray PNG files under data/ beside this
# script, with the image lists data/train.txt and data/test.txt ('train/00000.png 9' lines, paths relative to data/).
# Run from anywhere; needs a built runner (dotnet build src/Runner -c Release) or set LAYERNET to a layernet command.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
dataset="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
layernet="${LAYERNET:-dotnet $repo/src/Runner/bin/Release/net10.0/layernet.dll}"
if [ ! -f "$dataset/train-images-idx3-ubyte.gz" ]; then
  echo "Fashion-MNIST not found under '$dataset' (sudo apt-get install dataset-fashion-mnist, or set FASHION_MNIST)" >&2
  exit 1
fi
$layernet idx-to-images "$dataset/train-images-idx3-ubyte.gz" "$dataset/train-labels-idx1-ubyte.gz" "$here/data/train" "$here/data/train.txt"
$layernet idx-to-images "$dataset/t10k-images-idx3-ubyte.gz" "$dataset/t10k-labels-idx1-ubyte.gz" "$here/data/test" "$here/data/test.txt"
