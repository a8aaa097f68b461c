"""Tests of the Kubernetes deployment: manifests, work pool template, Prefect deployments, scripts."""
