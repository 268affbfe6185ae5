"""The verification harness: run every program on the site and compare its output with its sample."""
