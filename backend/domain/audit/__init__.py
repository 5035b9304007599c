"""The append-only audit log: every write, and every read of case notes."""
