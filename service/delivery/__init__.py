"""Decisions delivered back to the platforms: the outbox, its dispatcher and signed callbacks."""
