# EncryptedML — make demo / make test / make bench
# Release builds with the host CPU's vector units (see DESIGN.md, Performance).
SWIFT_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
ENCML := .build/release/encml

.PHONY: deps build test demo bench bench-train clean

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

bench: build
	$(ENCML) bench

# Training speed next to NumPy and scikit-learn (pip install scikit-learn).
bench-train: deps
	cd Benchmarks && swift build $(SWIFT_FLAGS) --product train-speed
	python3 Benchmarks/peers/train_peers.py

clean:
	rm -rf .build
