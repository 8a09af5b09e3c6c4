"""The Flask service: HTTP API, review queue, moderator UI and authentication."""
