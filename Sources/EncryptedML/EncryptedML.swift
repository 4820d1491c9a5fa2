// The EncryptedML module. See ../../../shared/DESIGN.md (Layout).
