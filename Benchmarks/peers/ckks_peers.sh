#!/bin/sh
# Builds encml (release, native CPU flags) and runs the CKKS side-by-side comparison with
# SEAL (tenseal.sealapi) and OpenFHE. Peers: `pip install tenseal` (this python3) and
# `PYENV_VERSION=3.10.13 python -m pip install openfhe` (OpenFHE wheels need Python 3.10).
# Arguments are passed to ckks_peers.py, e.g. --repetitions 51 --sets n8192 --json.
set -e
cd "$(dirname "$0")/../.."
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product encml
exec python3 Benchmarks/peers/ckks_peers.py "$@"
