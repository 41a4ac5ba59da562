"""Automatic screening detectors: pure functions over content, no storage."""
