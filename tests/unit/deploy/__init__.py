"""Tests of the deployment files in deploy/ and docs/deployment.md."""
