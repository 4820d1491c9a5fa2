# EncryptedML — make demo / make test / make bench
# Release builds with the host CPU's vector units (see DESIGN.md, Performance).
SWIFT_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
ENCML := .build/release/encml

.PHONY: deps build test demo bench clean

deps:
	@pkg-config --exists openblas 2>/dev/null || { \
	  echo "installing libopenblas-dev (needs root)"; \
	  apt-get update -qq && apt-get install -y -qq libopenblas-dev pkg-config >/dev/null; }

build: deps
	swift build $(SWIFT_FLAGS) --product encml

test: deps
	swift test $(SWIFT_FLAGS)

demo: build
	$(ENCML) demo

bench: build
	$(ENCML) bench

clean:
	rm -rf .build
