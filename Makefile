# EncryptedML — make demo / make test / make bench
# Release builds with the host CPU's vector units (see DESIGN.md, Performance).
SWIFT_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
ENCML := .build/release/encml

.PHONY: deps build test demo demo-collab bench bench-collab bench-train serve-load serve-load-replicas bench-multicore serve-check fuzz clean

deps:
	@pkg-config --exists openblas 2>/dev/null || { \
	  echo "installing libopenblas-dev (needs root)"; \
	  apt-get update -qq && apt-get install -y -qq libopenblas-dev pkg-config >/dev/null; }

build: deps
	swift build $(SWIFT_FLAGS) --product encml

test: deps
	swift test $(SWIFT_FLAGS)

DEMO_DIR := .build/demo

# train → convert → keygen → encrypt → infer → decrypt on breast_cancer (files in $(DEMO_DIR)).
demo: build
	@mkdir -p $(DEMO_DIR)
	$(ENCML) demo --out $(DEMO_DIR)

# Three data owners on loopback train one model under threshold CKKS (shard 0 skewed by label):
# joint vs each party alone vs pooled rows, one report.
demo-collab: build
	ENCML=$(ENCML) bash Benchmarks/collab/demo_collab.sh

bench: build
	$(ENCML) bench

# Bytes and CPU per round per party, 3 and 10 parties, LR breast_cancer and MLP 64-32-10 digits.
bench-collab: build
	ENCML=$(ENCML) bash Benchmarks/collab/collab_bench.sh

# Training speed next to NumPy and scikit-learn (pip install scikit-learn).
bench-train: deps
	cd Benchmarks && swift build $(SWIFT_FLAGS) --product train-speed
	python3 Benchmarks/peers/train_peers.py

# 8 concurrent clients (one bearer token each) for 60 s against a real encml serve on
# 127.0.0.1 (Python stdlib), after a stream of 20 key uploads (server RSS per upload).
serve-load: build
	python3 Benchmarks/load/serve_load.py --clients 8 --duration 60 --max-requests 20000 --key-uploads 20

# Every core: CKKS primitives and encrypted inference on one thread and on all (ours with
# --parallel against OpenFHE with OpenMP, wall clock), then the server's throughput with one
# inference worker and with one per core.
bench-multicore: build
	python3 Benchmarks/peers/multicore.py
	python3 Benchmarks/load/serve_load.py --clients 8 --duration 20 --workers 1
	python3 Benchmarks/load/serve_load.py --clients 8 --duration 20

# The same load on PostgreSQL (a throw-away cluster on 127.0.0.1; apt-get install postgresql):
# one replica, then two replicas sharing the keys (each client uploads through one replica and
# queries the other). Failures, throughput, p50/p99 and RSS per replica.
serve-load-replicas: build
	python3 Benchmarks/load/serve_load.py --clients 8 --duration 60 --max-requests 20000 --replicas 1 --postgres
	python3 Benchmarks/load/serve_load.py --clients 8 --duration 60 --max-requests 20000 --replicas 2 --postgres

# A live server checked against its OpenAPI document by schemathesis (pip install schemathesis).
serve-check: build
	bash Benchmarks/serve/schemathesis.sh $(ENCML)

# libFuzzer: every reader of untrusted input, FUZZ_SECONDS each (Fuzz/run.sh; fails on a crash).
FUZZ_SECONDS ?= 60
fuzz:
	bash Fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
