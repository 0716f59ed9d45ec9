"""Deployment side: the package builder (layer + function zips) and the bucket configuration."""
