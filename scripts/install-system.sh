#!/usr/bin/env bash
# Installs the Debian packages Tessera's tests and training need (run as root):
#   chromium                     headless browser for e2e tests (WebGPU via SwiftShader)
#   mesa-vulkan-drivers (25.x)   lavapipe, a CPU Vulkan driver Dawn accepts (bookworm-backports)
#   python3-torch/numpy/onnx     the PyTorch reference model, golden files, ONNX export
#   libopenblas0-openmp          a fast BLAS for PyTorch on CPU (35x the reference BLAS)
#   ffmpeg                       an independent decoder to check exported clips
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

# bookworm's own Mesa (22.x) is rejected by Dawn; the backports build works. Derive the
# backports source from the system's first Debian source, so no mirror is hard-coded.
backports=/etc/apt/sources.list.d/tessera-backports.sources
if [ -f /etc/apt/sources.list.d/debian.sources ] && [ ! -f "$backports" ]; then
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  keyring=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
    "$uri" "$keyring" | $SUDO tee "$backports" >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core ffmpeg \
  python3-torch python3-numpy python3-onnx libopenblas0-openmp >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
  mesa-vulkan-drivers libvulkan1 >/dev/null
echo "system packages: $(chromium --version 2>/dev/null | head -1); mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
