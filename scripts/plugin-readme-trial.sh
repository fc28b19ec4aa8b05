#!/usr/bin/env bash
# Follows README.md's "Writing a layer plugin" word for word from an empty folder: packs LayerNet.Framework and
# LayerNet.Testing, creates the MyLayers plugin and its test project, writes the files the README shows (taken
# from the README's own code blocks), then builds, lists, gradchecks, trains and tests. Exit 0 when every step
# works. Slow (restores from NuGet): run it after changing the layer contract or that README section.
#
#   bash scripts/plugin-readme-trial.sh [WORK_FOLDER]
set -euxo pipefail
LAYERNET=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LAYERNET
WORK=${1:-$(mktemp -d /tmp/plugin-readme-trial.XXXXXX)}
mkdir -p "$WORK" && cd "$WORK"
# The version the packs below get (README: "Versions"); the README's advice for re-packing one version: drop the
# cached copies first.
LAYERNET_VERSION=$(dotnet msbuild -restore "$LAYERNET/src/Framework" -t:GetBuildVersion -getProperty:NuGetPackageVersion)
rm -rf ~/.nuget/packages/layernet.framework/"$LAYERNET_VERSION" ~/.nuget/packages/layernet.testing/"$LAYERNET_VERSION"
dotnet build "$LAYERNET/src/Runner"
layernet() { "$LAYERNET/src/Runner/bin/Debug/net10.0/layernet" "$@"; }
mkdir plugin-trial && cd plugin-trial
dotnet pack "$LAYERNET/src/Framework" -o packages
dotnet pack "$LAYERNET/src/Testing" -o packages
dotnet new nugetconfig
dotnet nuget add source "$PWD/packages" --name layernet
dotnet new classlib -n MyLayers
cd MyLayers
rm Class1.cs
dotnet add package Google.Protobuf --version 3.36.2
dotnet add package Grpc.Tools --version 2.85.0
dotnet add package LayerNet.Framework --version "$LAYERNET_VERSION"
python3 "$LAYERNET/scripts/readme_plugin_files.py" "$LAYERNET/README.md" . plugin
dotnet build
layernet layers --plugin bin/Debug/net10.0/MyLayers.dll | grep -E '^ScaledTanh +bin/Debug/net10.0/MyLayers.dll$'
layernet gradcheck --plugin bin/Debug/net10.0/MyLayers.dll --model net.prototxt | tee gradcheck.txt
grep -q "^ok   layer 'act' (ScaledTanh)" gradcheck.txt
layernet train --plugin bin/Debug/net10.0/MyLayers.dll --solver solver.prototxt
cd ..
dotnet new nunit -n MyLayers.Tests
cd MyLayers.Tests
rm UnitTest1.cs
dotnet add package LayerNet.Testing --version "$LAYERNET_VERSION"
dotnet add reference ../MyLayers/MyLayers.csproj
python3 "$LAYERNET/scripts/readme_plugin_files.py" "$LAYERNET/README.md" . tests
dotnet test
echo "plugin README trial: every step worked ($WORK)"
