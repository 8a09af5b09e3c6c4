"""Review: comment records, the moderators' queue, labels, re-checks and behaviour signals."""
