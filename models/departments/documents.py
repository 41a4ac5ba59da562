"""Departments."""
