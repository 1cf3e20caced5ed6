#!/usr/bin/env bash
# Installs what building, running and testing faiss-shard-builder needs on Debian 12 / Ubuntu 22.04+.
# Safe to run again; uses sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

PACKAGES=(
  # Build: JDK (JavaCPP needs jni.h), Maven, a C++ compiler, FAISS headers + static library, BLAS/LAPACK
  openjdk-17-jdk-headless maven g++ libfaiss-dev libblas-dev liblapack-dev libgomp1
  # Reduced-size JPEG decoding (libjpeg-turbo's TurboJPEG API), scaled WebP (libwebp), subsampled PNG (libspng)
  libturbojpeg0-dev libwebp-dev libspng-dev
  # Tests: upstream FAISS and ONNX in Python prove shards and models work outside Java
  python3 python3-faiss python3-onnx python3-numpy
  # Decoder tests: cwebp/dwebp make and check WebP files; real PNG and WebP pictures to decode
  webp desktop-base gnome-backgrounds
  # Quick start
  curl
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "System packages ready."
