#!/usr/bin/env bash
# Install-as-a-tool smoke test (issue 13, "Show it" 0), from a clone:
#   1. dotnet pack: the `kiln` .NET tool package and one NuGet package per bundled plugin, into a temporary feed;
#   2. dotnet tool install --tool-path <tmp> --add-source <feed> kiln;
#   3. from another directory, `kiln train` the bundled LeNet-5 config (one epoch) and check its checkpoint, its
#      validation accuracy and that it ran with kiln's runtime settings (the start-up log's ".NET runtime:" line);
#   4. `kiln plugins install <package.nupkg>` of a plugin with a private dependency (the test fixture plugin), and
#      `kiln plugins list` loads it from the user plugins folder (KILN_PLUGINS).
# Needs the .NET 10 SDK and about 1.5 GB of temporary disk (the tool carries libtorch: a ~210 MB package).
# Usage: tools/pack-and-smoke.sh [WORK_DIR]   (WORK_DIR is kept when given; a temporary one is removed)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then work=$(mkdir -p "$1" && cd "$1" && pwd); else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
feed=$work/feed
step() { echo "== pack-and-smoke: $*"; }

step "pack kiln and the plugin packages into $feed"
dotnet pack "$repo/src/Host/Kiln.Host.csproj" -c Release -o "$feed" -nologo -v q
for p in Vision Metrics Gan; do dotnet pack "$repo/plugins/$p/Kiln.$p.csproj" -c Release -o "$feed" -nologo -v q; done
dotnet pack "$repo/tests/Fixtures/Kiln.Fixture.Plugin/Kiln.Fixture.Plugin.csproj" -c Release -o "$feed" -nologo -v q -p:IsPackable=true
ls -l "$feed"

step "install the kiln tool into $work/tools"
rm -rf "$work/tools"
dotnet tool install --tool-path "$work/tools" --add-source "$feed" kiln
kiln=$work/tools/kiln
"$kiln" --version

step "train the bundled LeNet-5 config for one epoch from another directory"
config=$(find "$work/tools/.store" -path '*/plugins/vision/configs/lenet5_mnist.py' | head -1)
[ -n "$config" ] || { echo "the tool has no bundled plugins/vision/configs/lenet5_mnist.py" >&2; exit 1; }
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
"$kiln" train "$config" --work-dir run --cfg-options train_cfg.max_epochs=1 \
  "train_dataloader.dataset.data_root=$repo/data/mnist" "val_dataloader.dataset.data_root=$repo/data/mnist" | tee train.log
[ -f run/epoch_1.pth ] || { echo "no run/epoch_1.pth after training" >&2; exit 1; }
grep -E "Epoch\(val\) \[1\]\[[0-9]+/[0-9]+\].*accuracy/top1: " train.log >/dev/null \
  || { echo "no validation accuracy in the training log" >&2; exit 1; }
# The packed tool keeps kiln's runtimeconfig.json settings (issue 12: a long run's memory settles early).
grep -F ".NET runtime: workstation GC, concurrent, gen-0 budget at most 4 MiB; tiered PGO off" train.log >/dev/null \
  || { echo "the installed tool does not run with kiln's runtime settings (gen-0 cap, tiered PGO off)" >&2; exit 1; }

step "kiln plugins install a plugin package into the user plugins folder"
export KILN_PLUGINS=$work/user-plugins
"$kiln" plugins install "$feed"/Kiln.Fixture.Plugin.*.nupkg
[ -f "$KILN_PLUGINS/fixture/Newtonsoft.Json.dll" ] || { echo "the installed plugin lacks its private dependency" >&2; exit 1; }
"$kiln" plugins list | tee plugins.log
grep -E "^Kiln\.Fixture\.Plugin +fixture .* loaded " plugins.log >/dev/null || { echo "the installed plugin did not load" >&2; exit 1; }
grep -E "^Kiln\.Vision +vision .* loaded " plugins.log >/dev/null || { echo "the bundled vision plugin did not load" >&2; exit 1; }
step "passed"
