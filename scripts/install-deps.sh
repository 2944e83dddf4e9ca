#!/usr/bin/env bash
# Installs the Debian packages moodsim needs, and only those that are missing.
# Idempotent: a second run installs nothing and does not touch the network.
# usage: install-deps.sh          what building and testing need
#        install-deps.sh bench    that, and the benchmark's peers (make bench)
#        install-deps.sh measure  that, and NumPy/SciPy for the documented figures (make measure)
set -euo pipefail

PACKAGES=(
  gcc make cmake pkg-config            # build
  clang-format                         # make check fails on unformatted C (scripts/check-format.sh)
  libsundials-dev                      # CVODE: stiff ODE integration
  libsuitesparse-dev                   # KLU: sparse LU for CVODE (large sparse models)
  libsbml5-dev                         # formula parsing (L3 infix), SBML
  libxml2-dev                          # SBML files checked before libSBML reads them
  g++                                  # the C++ boundary catching libSBML's exceptions
  libyaml-dev                          # YAML with line/column in errors
  libgsl-dev                           # distributions, statistics, linear algebra
  libplplot-dev                        # report figures (PLplot's SVG driver, in libplplot17)
  fonts-ipafont-gothic                 # Japanese text in the reports' figures, rendered by the browser (--lang ja)
  chromium                             # the report test opens report.html headless
  libopenmpi-dev openmpi-bin           # mpirun -np K moodsim trial (tested with 2)
  python3-scipy r-cran-desolve         # the benchmark's peers, checked against moodsim by make check
  python3-numpy python3-pandas         # the Python package (python/moodsim) and its tests
)
if [[ "${1:-}" == "bench" ]]; then
  PACKAGES+=(time)                     # peak memory (make bench)
elif [[ "${1:-}" == "measure" ]]; then
  :                                    # scripts/measure/*.py use NumPy/SciPy, installed above
elif [[ -n "${1:-}" ]]; then
  echo "install-deps: unknown group '$1' (expected nothing, 'bench' or 'measure')" >&2
  exit 2
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
