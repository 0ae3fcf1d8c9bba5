"""estates domain."""
