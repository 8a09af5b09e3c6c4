"""Connectors for platforms without webhooks: they pull comments and apply verdicts."""
