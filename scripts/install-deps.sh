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
  # OpenBLAS (OpenMP build) takes over libblas.so.3 through Debian's alternatives: ~11x less k-means
  # CPU for trained factories than the reference BLAS, and it follows FAISS's per-thread OpenMP count
  libopenblas0-openmp
  # Reduced-size JPEG decoding (libjpeg-turbo's TurboJPEG API), scaled WebP (libwebp), subsampled PNG (libspng, libdeflate)
  libturbojpeg0-dev libwebp-dev libspng-dev libdeflate-dev
  # Tests: upstream FAISS and ONNX in Python prove shards and models work outside Java
  python3 python3-faiss python3-onnx python3-numpy
  # Decoder tests: cwebp/dwebp make and check WebP files; real PNG and WebP pictures to decode
  webp desktop-base gnome-backgrounds
  # Quick start
  curl
  # Deployment checks: Compose (validates docker-compose.yml against the Compose schema, interpolates
  # .env), shellcheck for the image's scripts, Node.js for deploy/validate (Kubernetes schemas, Dockerfile lint)
  docker-compose shellcheck nodejs
  # Dashboard browser test: Debian's chromium, driven by playwright-core (no browser download)
  chromium
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
# npm comes with nodejs from NodeSource, but is a package of its own in Debian.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "System packages ready."

# The Kubernetes manifests are rendered with kubectl's built-in kustomize (kubectl kustomize), which
# this kind of machine ships; Debian's own kubernetes-client is too old for kustomize replacements.
if ! kubectl kustomize --help >/dev/null 2>&1; then
  echo "WARNING: kubectl with kustomize not found: KubernetesManifestsTests will fail." >&2
fi

# Packages of the deployment validator, from package-lock.json (reinstalled when the lock changes).
VALIDATE="$(cd "$(dirname "$0")/.." && pwd)/deploy/validate"
if [ ! -f "$VALIDATE/node_modules/.package-lock.json" ] \
    || [ "$VALIDATE/package-lock.json" -nt "$VALIDATE/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$VALIDATE" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
echo "Deployment validator ready."

# The dashboard's browser test drives /usr/bin/chromium through playwright-core, from its lock file.
BROWSER="$(cd "$(dirname "$0")/.." && pwd)/src/test/browser"
if [ ! -f "$BROWSER/node_modules/.package-lock.json" ] \
    || [ "$BROWSER/package-lock.json" -nt "$BROWSER/node_modules/.package-lock.json" ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$BROWSER" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
echo "Browser test ready."
