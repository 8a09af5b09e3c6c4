"""Local stand-ins of the platforms the connectors talk to."""
