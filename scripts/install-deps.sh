#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages Embedscope needs that this machine lacks.
# Idempotent and quiet when everything is there. Profiles:
#   (none)   build and run: compiler, CMake, Qt 6, QCustomPlot, Eigen, Vulkan, glslc, HDF5, libzip, hnswlib, FFTW
#   --test   also what the test suite uses: Mesa's lavapipe + validation layers, Xvfb, numpy, h5py,
#            gensim (files read back by the real tools), clang's sanitizer/fuzzer runtimes
#   --bench  also the peers the benchmarks compare against: PyTorch, fastText, scikit-learn, umap-learn
set -euo pipefail

build_pkgs=(build-essential cmake ninja-build pkg-config ccache
  qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools libqt6svg6-dev qt6-qpa-plugins
  libqcustomplot-dev libqcustomplot2.1-qt6 libeigen3-dev
  libvulkan-dev vulkan-tools glslc spirv-tools mesa-vulkan-drivers
  libhdf5-dev libzip-dev libhnswlib-dev libfftw3-dev)
test_pkgs=(vulkan-validationlayers xvfb xauth x11-apps imagemagick
  python3 python3-numpy python3-h5py python3-gensim clang-14 libclang-rt-14-dev)
bench_pkgs=(python3-torch fasttext python3-sklearn umap-learn python3-hnswlib)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
