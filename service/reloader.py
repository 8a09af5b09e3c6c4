"""Hot reload: workers pick up a newly published model without a restart or a failed request."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from model.artifact import MANIFEST_FILE, MODEL_FILE, Artifact, load
from model.scorer import Scorer
from model.store import ModelStore

log = logging.getLogger(__name__)

# What identifies a published artifact cheaply: the version `current` names and the
# modification times of its two files (a file replaced in place gets a new one).
Stamp = tuple[str, int, int]


class ModelReloader:
    """Watch the store's ``current`` and swap in a new Scorer once it has loaded and verified.

    ``maybe_reload`` is cheap (a readlink and two stats at most every ``interval`` seconds)
    and never raises: requests keep being answered by the old Scorer while a background
    thread loads the new artifact, and a broken or tampered artifact is logged and refused.
    """

    def __init__(
        self,
        store: ModelStore,
        build: Callable[[Artifact], Scorer],
        install: Callable[[Scorer], None],
        interval: float,
        on_refused: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.build = build
        self.install = install
        self.interval = interval
        self.on_refused = on_refused
        self.loaded: Stamp | None = None
        self.refused: Stamp | None = None
        self._next_check = 0.0
        self._loading = threading.Lock()
        self._thread: threading.Thread | None = None

    def stamp(self) -> Stamp | None:
        """Return the stamp of what ``current`` points at now, or None when nothing is."""
        version = self.store.current_version()
        if version is None:
            return None
        directory = self.store.path_for(version)
        try:
            model = os.stat(directory / MODEL_FILE).st_mtime_ns
            manifest = os.stat(directory / MANIFEST_FILE).st_mtime_ns
        except OSError:
            return (version, 0, 0)
        return (version, model, manifest)

    def load_now(self) -> bool:
        """Load and install what ``current`` points at, unless it is loaded or was refused.

        Returns True when a new Scorer was installed.
        """
        with self._loading:
            stamp = self.stamp()
            if stamp is None or stamp in (self.loaded, self.refused):
                return False
            try:
                # A shared registry downloads and verifies the version here, off the
                # request path; the stamp is then that of the cached files.
                self.store.fetch(stamp[0])
                stamp = self.stamp() or stamp
                if stamp in (self.loaded, self.refused):
                    return False
                scorer = self.build(load(self.store.path_for(stamp[0])))
            except Exception as e:  # noqa: BLE001 - whatever is wrong with it, keep serving
                self.refused = stamp
                self.on_refused()
                log.error("refused model %s, keeping the model in use: %s", stamp[0], e)
                return False
            self.install(scorer)
            self.loaded = stamp
            log.info("now serving model %s", stamp[0])
            return True

    def maybe_reload(self) -> None:
        """Start a background load when ``current`` changed; at most once per interval."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.interval
        try:
            stamp = self.stamp()
        except OSError as e:
            log.warning("cannot read the model store: %s", e)
            return
        if stamp is None or stamp in (self.loaded, self.refused) or self._loading.locked():
            return
        self._thread = threading.Thread(target=self.load_now, name="model-reload", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background load to finish (for tests and orderly shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
