"""Tunables of the service, each overridable as a ``COMMENTGUARD_<NAME>`` variable."""

from __future__ import annotations

REDIS_URL: str | None = None
"""Redis server URL; unset starts an embedded Redis with its data under DATA_DIR."""

REDIS_PREFIX = "{cg}:"
"""Prefix of every Redis key; its ``{hash tag}`` puts all keys in one Redis Cluster slot."""

REDIS_WAIT_REPLICAS = 0
"""Replicas that must confirm each saved comment (Redis WAIT) before it is answered; 0 skips."""

REDIS_WAIT_MS = 500
"""How long a save waits for REDIS_WAIT_REPLICAS, in milliseconds, before answering 503."""

MODEL_REGISTRY = "local"
"""Where promoted models live: ``local`` (DATA_DIR/models) or ``redis`` (shared by all hosts)."""

DATA_DIR = "var"
"""Directory of the model store, the embedded Redis and the session secret."""

REVIEW_LEASE_SECONDS = 600
"""How long a moderator's claim on a review item lasts, in seconds, before it returns."""

REVIEW_UNDO_SECONDS = 300
"""How long after deciding a moderator may undo the decision, in seconds."""

REVIEW_MAX_CLAIM = 100
"""Most review items one claim call may take."""

REVIEW_PAGE_ITEMS = 20
"""How many items the moderation page holds claimed for the moderator at once."""

REVIEW_SCAN_LIMIT = 10_000
"""Most pending items read to sort the list by uncertainty."""

SESSION_COOKIE_SECURE = False
"""Mark the moderator's session cookie Secure (true/false); set when served over HTTPS."""

SESSION_HOURS = 12
"""How long a moderator stays logged in, in hours."""

HAM_CUTOFF: float | None = None
"""Score (0-1) below which a comment is ham; unset uses the model manifest's cutoff."""

SPAM_CUTOFF: float | None = None
"""Score (0-1) at or above which a comment is spam; unset uses the manifest's cutoff."""

MAX_BODY_BYTES = 64 * 1024
"""Largest accepted request body, in bytes; larger bodies get 413."""

MAX_CONTENT_CHARS = 20_000
"""Longest accepted comment content, in characters; longer content gets 422."""

MAX_BATCH = 1000
"""Most comments accepted by one check-batch call."""

MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024
"""Largest accepted check-batch body, in bytes."""

REASONS = 3
"""How many reasons a verdict lists."""

MIN_LANGUAGE_LABELS = 100
"""Training comments a language needs before its ham is published unread (model/reading.py)."""

MIN_LANGUAGE_CONFIDENCE = 0.8
"""Language-detector confidence (0-1) at which the language rule trusts the language."""

MIN_COVERAGE = 0.35
"""Share (0-1) of a comment's distinct words the model must know to publish it as ham."""

AKISMET_DISCARD_CUTOFF = 0.99
"""Score (0-1) above which an Akismet spam answer adds `X-akismet-pro-tip: discard`; 1 never."""

AKISMET_UNSURE_ANSWER = "true"
"""Akismet answer (`true` or `false`) for an unsure comment; true files it as spam for review."""

SECRET_KEY: str | None = None
"""Key that signs session cookies; unset uses a random key kept in DATA_DIR."""

BIND = "127.0.0.1:8000"
"""HOST:PORT gunicorn listens on (`commentguard serve --bind` overrides it)."""

WORKERS = 2
"""Gunicorn worker processes (`commentguard serve --workers` overrides it)."""

THREADS = 4
"""Threads per gunicorn worker (gthread worker class)."""

RELOAD_INTERVAL = 2.0
"""Seconds between a worker's checks for a newly published model (0: on every request)."""

MIN_NEW_LABELS = 200
"""Labels that must arrive after the current model's before `commentguard train` retrains."""

GATE_TOLERANCE = 0.02
"""How much worse (cost per comment, ROC-AUC) a candidate may be and still be published."""

GATE_LABEL_SHARE = 0.2
"""Share (0-1) of the labels, newest first, kept out of training for the gate set."""

GATE_BASE_SHARE = 0.1
"""Share (0-1) of the base corpus always kept out of training, for the gate set."""

LABEL_WEIGHT = 10.0
"""Weight of a site's own label in training, relative to a base-corpus comment's weight of 1."""

KEEP_VERSIONS = 5
"""Model versions kept in the store; older ones are deleted (never the current one)."""

API_KEY_CACHE_SECONDS = 5.0
"""Seconds a worker trusts a known API key without asking Redis (a revoked key works as long
in a worker that has it cached); 0 asks Redis on every call."""

BENCH_FLOOR = 0
"""1 serves POST /bench/floor, the do-nothing JSON endpoint `make bench` compares with; 0 off."""

DUPLICATE_WINDOW_SECONDS = 86_400
"""How long, in seconds, a posted text counts towards the duplicate-text signal."""

DUPLICATE_MIN_POSTS = 2
"""Other posts or sites with the same text within the window that fire the duplicate signal."""

DUPLICATE_MIN_CHARS = 40
"""Shortest normalised text, in characters, the duplicate signal looks at (short phrases recur)."""

BURST_WINDOW_SECONDS = 60
"""Window of the burst signal, in seconds."""

BURST_MIN_COMMENTS = 5
"""Comments from one IP or author within the burst window (this one included) that fire it."""

MIN_SUBMIT_SECONDS = 3.0
"""Fewest seconds from page render to submit a person needs; faster fires a signal."""

TRUSTED_AUTHOR_APPROVALS = 3
"""Automatic ham verdicts (and no spam) after which an author counts as trusted."""

LOG_ODDS_HONEYPOT = 20.0
"""Log-odds a filled honeypot adds: enough to make any comment spam (people never see it)."""

LOG_ODDS_FAST_SUBMIT = 2.0
"""Log-odds an implausibly fast submit adds."""

LOG_ODDS_DUPLICATE = 3.0
"""Log-odds the same text on several posts or sites adds."""

LOG_ODDS_BURST = 2.0
"""Log-odds a burst from one IP or author adds."""

LOG_ODDS_AUTHOR_SPAM = 2.0
"""Log-odds an author with earlier spam verdicts adds."""

LOG_ODDS_AUTHOR_TRUSTED = -1.5
"""Log-odds a trusted author adds (negative: towards ham)."""

LOG_ODDS_AUTHOR_URL = 1.0
"""Log-odds an author URL on a shortener, cheap domain or keyword-stuffed host adds."""

SHADOW_VERDICT: str | None = None
"""Shadow mode: always answer this verdict (ham/unsure/spam), computed one in ``shadow``."""

BLOGGER_API_URL = "https://www.googleapis.com/blogger/v3"
"""Base URL of the Blogger API v3 the Blogger connector calls."""

BLOGGER_TOKEN_URI: str | None = None
"""OAuth2 token endpoint to refresh at; unset keeps the credentials file's or Google's."""

BLOGGER_BLOG: str | None = None
"""Id of the blog `commentguard connect blogger` polls when no `--blog` is given."""

BLOGGER_CREDENTIALS: str | None = None
"""Blogger credentials file (authorized user or service account) when no `--credentials`."""

BLOGGER_INTERVAL = 60.0
"""Seconds between two polls of the Blogger connector (`--interval` overrides it)."""

BLOGGER_PAGE_SIZE = 100
"""Pending comments asked for per comments.listByBlog page (maxResults)."""

BLOGGER_OVERLAP_SECONDS = 600.0
"""Seconds before the cursor a poll starts listing from, for comments indexed late."""

BLOGGER_REQUESTS_PER_POLL = 500
"""Most Blogger API requests one poll makes (retries included); the next poll goes on."""

BLOGGER_REQUESTS_PER_MINUTE = 60
"""Most Blogger API requests in any minute; the connector waits rather than exceed it."""

BLOGGER_RETRIES = 6
"""Retries of a Blogger request refused for quota (429, 403 rate limit) or by a 5xx."""

BLOGGER_BACKOFF_SECONDS = 1.0
"""First backoff of a retried Blogger request, in seconds; doubles each retry, with jitter."""

BLOGGER_BACKOFF_MAX_SECONDS = 64.0
"""Longest wait before a retry of a Blogger request, in seconds (Retry-After included)."""

CALLBACK_TIMEOUT_SECONDS = 10.0
"""Seconds a callback may take to connect and to answer before the attempt counts as failed."""

CALLBACK_RETRY_BASE_SECONDS = 2.0
"""First retry's backoff ceiling, in seconds; it doubles per failure (full jitter below it)."""

CALLBACK_RETRY_CAP_SECONDS = 600.0
"""Largest backoff ceiling between two attempts of one callback, in seconds."""

CALLBACK_MAX_ATTEMPTS = 20
"""Failed attempts after which an event moves to the dead letters (20: an hour or so)."""

CALLBACK_CLAIM_IDLE_SECONDS = 60.0
"""Seconds an event in delivery may sit unacknowledged before another dispatcher takes it over."""

DEAD_LETTERS_MAX = 100_000
"""About how many dead letters are kept (oldest trimmed first); replay them before that."""

DISPATCHER_THREAD = "auto"
"""Run the dispatcher in the gunicorn master: auto (only with the embedded Redis), on or off."""

LOGIN_IP_BURST = 10
"""Moderator login attempts one client IP may make back to back before it must wait."""

LOGIN_IP_PER_MINUTE = 10.0
"""Login attempts per minute one client IP regains after its burst (token bucket refill)."""

LOGIN_ACCOUNT_BURST = 5
"""Login attempts on one account from one IP back to back; other IPs are never held back."""

LOGIN_ACCOUNT_PER_MINUTE = 2.0
"""Login attempts per minute one account regains on one IP after its burst."""

PROXY_HOPS = 0
"""Reverse proxies in front of the service whose X-Forwarded-For is trusted (0: none)."""

METRICS = True
"""Serve GET /metrics (Prometheus text format) and count every request for it (false: neither)."""

METRICS_TOKEN: str | None = None
"""Bearer token GET /metrics requires; unset serves it to anyone who reaches the port."""
