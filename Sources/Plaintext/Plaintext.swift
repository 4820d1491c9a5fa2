// The Plaintext module. See ../../../shared/DESIGN.md (Layout).
