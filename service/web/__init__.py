"""The moderator's web page and the moderator accounts behind it."""
