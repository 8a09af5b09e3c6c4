"""Every Redis key the service uses, built in one place under one prefix.

The default prefix ``{cg}:`` holds a Redis Cluster hash tag: a cluster hashes only the part
between the first ``{`` and the next ``}``, so every key of a deployment lands on one slot and
every Lua script and MULTI may touch any keys together. A key added here gets that for free.
"""

from __future__ import annotations

DEFAULT_PREFIX = "{cg}:"


class KeyPrefixError(ValueError):
    """A prefix that cannot serve a Redis Cluster: it holds no hash tag."""


def hash_tag(prefix: str) -> str | None:
    """Return the hash tag a cluster would hash for keys under ``prefix``, or None."""
    start = prefix.find("{")
    end = prefix.find("}", start + 1)
    if start < 0 or end < 0 or end == start + 1:
        return None
    return prefix[start + 1 : end]


class Keys:
    """Key builder: ``Keys().comment("blog", "c-1")`` is ``{cg}:comment:blog:c-1``."""

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix

    def require_hash_tag(self) -> None:
        """Refuse a prefix without a hash tag, whose keys a cluster would spread over slots."""
        if hash_tag(self.prefix) is None:
            raise KeyPrefixError(
                f"REDIS_PREFIX {self.prefix!r} has no hash tag; a Redis Cluster needs one "
                "such as '{cg}:' so each script's keys share a slot"
            )

    def comment(self, site: str, comment_id: str) -> str:
        """Hash with the stored record and answer of one comment."""
        return f"{self.prefix}comment:{site}:{comment_id}"

    def api_key(self, digest: str) -> str:
        """Hash describing one API key, found by the sha256 of the key."""
        return f"{self.prefix}apikey:{digest}"

    def api_keys(self) -> str:
        """Set of the sha256 digests of every API key."""
        return f"{self.prefix}apikeys"

    def review_index(self) -> str:
        """Hash from each decided review id to its comment, as JSON ``[site, id]``."""
        return f"{self.prefix}review:index"

    def review_decided(self) -> str:
        """Sorted set of review ids decided in the last 24 hours, scored by decision time."""
        return f"{self.prefix}review:decided"

    def audit_stream(self) -> str:
        """Stream of moderator actions: decisions and undos, with who, when and the model's view."""
        return f"{self.prefix}audit"

    def moderator(self, name: str) -> str:
        """Hash of one moderator account: password hash and token digest."""
        return f"{self.prefix}moderator:{name}"

    def moderators(self) -> str:
        """Set of every moderator name."""
        return f"{self.prefix}moderators"

    def moderator_token(self, digest: str) -> str:
        """String naming the moderator of a review API token, found by its sha256."""
        return f"{self.prefix}modtoken:{digest}"

    def review_stream(self) -> str:
        """Stream of comments waiting for a moderator."""
        return f"{self.prefix}review"

    def labels_stream(self) -> str:
        """Stream of training labels (moderator decisions, Akismet submissions)."""
        return f"{self.prefix}labels"

    def akismet_usage(self, site: str, month: str) -> str:
        """Counter of a site's Akismet comment-check calls in one month (``YYYY-MM``)."""
        return f"{self.prefix}akismet-usage:{site}:{month}"

    def site_languages(self, site: str) -> str:
        """Return the hash of a site's language policy: ``expected`` codes, ``outside`` action."""
        return f"{self.prefix}site-languages:{site}"

    def signal_text(self, digest: str) -> str:
        """Sorted set of the posts (``site<US>post``) a text was seen on, scored by time."""
        return f"{self.prefix}sig:text:{digest}"

    def signal_burst(self, kind: str, digest: str) -> str:
        """Sorted set of recent comments from one IP or author (``kind``), scored by time."""
        return f"{self.prefix}sig:burst:{kind}:{digest}"

    def signal_author(self, site: str, digest: str) -> str:
        """Hash counting an author's automatic ham and spam verdicts on a site."""
        return f"{self.prefix}sig:author:{site}:{digest}"

    def blogger_cursor(self, blog: str) -> str:
        """String with the newest ``published`` time the Blogger connector has read for a blog."""
        return f"{self.prefix}blogger:{blog}:cursor"

    def blogger_applied(self, blog: str) -> str:
        """Hash from each Blogger comment id to the verdict applied there (ham or spam)."""
        return f"{self.prefix}blogger:{blog}:applied"

    def blogger_unsure(self, blog: str) -> str:
        """Hash from each unsure Blogger comment id awaiting a moderator to its post id."""
        return f"{self.prefix}blogger:{blog}:unsure"

    def outbox(self) -> str:
        """Stream of decision events waiting for delivery to their site's callback."""
        return f"{self.prefix}outbox"

    def outbox_retry(self) -> str:
        """Sorted set of outbox event ids waiting for a retry, scored by when it is due."""
        return f"{self.prefix}outbox:retry"

    def outbox_attempts(self) -> str:
        """Hash from each outbox event id to its failed delivery attempts so far."""
        return f"{self.prefix}outbox:attempts"

    def dead_letters(self) -> str:
        """Stream of events whose delivery failed every attempt, kept for an operator's replay."""
        return f"{self.prefix}outbox:dead"

    def callback(self, site: str) -> str:
        """Hash of a site's decision callback: URL and signing secret (stored as is)."""
        return f"{self.prefix}callback:{site}"

    def login_ip(self, ip: str) -> str:
        """Hash of one client IP's login token bucket: tokens left and when counted."""
        return f"{self.prefix}login:ip:{ip}"

    def login_account(self, name: str, ip: str) -> str:
        """Hash of the login token bucket of one account tried from one IP."""
        return f"{self.prefix}login:account:{name}:{ip}"

    def auth_audit(self) -> str:
        """Stream of security events: login attempts refused by the rate limit."""
        return f"{self.prefix}auth-audit"

    def moderator_sessions(self, name: str) -> str:
        """Hash of a moderator's live page sessions: sha256 of the session id to its expiry."""
        return f"{self.prefix}moderator-sessions:{name}"

    def model_current(self) -> str:
        """String naming the model version every host serves (the shared registry)."""
        return f"{self.prefix}model:current"

    def model_manifests(self) -> str:
        """Hash from each model version in the registry to its manifest, as JSON."""
        return f"{self.prefix}model:manifests"

    def model_artifact(self, version: str) -> str:
        """String holding one version's model file, base64-encoded."""
        return f"{self.prefix}model:artifact:{version}"

    def model_history(self) -> str:
        """List of every switch of the registry's current model, as JSON, oldest first."""
        return f"{self.prefix}model:history"
