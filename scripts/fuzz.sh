#!/usr/bin/env bash
# The fuzz tests (tests/LayerNet.Framework.Tests/Fuzz) with many more inputs than CI tries.
# Usage: scripts/fuzz.sh [COUNT [SEED]]   COUNT inputs per fuzz test (default 20000), SEED the base seed (default: random).
# A failure names the input's seed; rerun with that SEED and COUNT to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAYERNET_FUZZ_COUNT="${1:-20000}"
export LAYERNET_FUZZ_SEED="${2:-$RANDOM$RANDOM}"
echo "fuzzing: LAYERNET_FUZZ_COUNT=$LAYERNET_FUZZ_COUNT LAYERNET_FUZZ_SEED=$LAYERNET_FUZZ_SEED"
dotnet test tests/LayerNet.Framework.Tests --filter "FullyQualifiedName~LayerNet.Framework.Tests.Fuzz" --logger "console;verbosity=normal"
