"""Helpers the test suites share: databases, Temporal, SMTP."""
