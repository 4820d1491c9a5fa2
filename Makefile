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

# For now: split breast_cancer 70/30, train LR and MLP, evaluate both on the held-out rows.
demo: build
	@mkdir -p $(DEMO_DIR)
	$(ENCML) split --data notebooks-data/breast_cancer.csv --train-out $(DEMO_DIR)/train.csv --test-out $(DEMO_DIR)/test.csv
	$(ENCML) train --data $(DEMO_DIR)/train.csv --model logistic --out $(DEMO_DIR)/lr.json
	$(ENCML) evaluate --model $(DEMO_DIR)/lr.json --data $(DEMO_DIR)/test.csv
	$(ENCML) train --data $(DEMO_DIR)/train.csv --model mlp --hidden 32 --activation relu --out $(DEMO_DIR)/mlp.json
	$(ENCML) evaluate --model $(DEMO_DIR)/mlp.json --data $(DEMO_DIR)/test.csv

bench: build
	$(ENCML) bench

# Training speed next to NumPy and scikit-learn (pip install scikit-learn).
bench-train: deps
	cd Benchmarks && swift build $(SWIFT_FLAGS) --product train-speed
	python3 Benchmarks/peers/train_peers.py

clean:
	rm -rf .build
