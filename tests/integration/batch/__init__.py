"""The batch shell's sources against real servers (an S3-compatible one on loopback)."""
