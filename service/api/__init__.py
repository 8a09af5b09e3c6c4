"""The platform-facing HTTP API: comment checks, the Akismet protocol, API keys, health."""
