#!/usr/bin/env bash
# The hostile suite (tests/LayerNet.Runner.Tests/Hostile) with many more seeded attempts than CI makes: every
# attempt runs the real executable under `ulimit -v` and a time limit and checks exit code, one stderr line, no stack
# trace, no hang and the files before and after.
# Usage: scripts/hostile.sh [COUNT [SEED]]   COUNT damaged-file attempts (default 500), SEED the base seed (default: random).
# A failure names its seed and attempt; rerun with that SEED and a COUNT above the attempt to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAYERNET_HOSTILE_COUNT="${1:-500}"
export LAYERNET_HOSTILE_SEED="${2:-$RANDOM$RANDOM}"
export LAYERNET_FIXTURES="${LAYERNET_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
echo "hostile: LAYERNET_HOSTILE_COUNT=$LAYERNET_HOSTILE_COUNT LAYERNET_HOSTILE_SEED=$LAYERNET_HOSTILE_SEED"
dotnet test tests/LayerNet.Runner.Tests --filter "FullyQualifiedName~LayerNet.Runner.Tests.Hostile" --logger "console;verbosity=normal"
