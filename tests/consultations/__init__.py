"""Tests of consultations."""
