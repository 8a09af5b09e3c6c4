"""A local stand-in of the Blogger API v3."""
