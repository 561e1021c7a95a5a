"""Only one Celery beat may run (two would run every job twice).

The beat takes a lock when it starts and keeps it while it runs: a Redis
lock with a short expiry that it keeps extending when the broker is Redis
(works across hosts), else an exclusive lock on a file in VAR_DIR (one
host, the embedded set-up). A second beat finds the lock taken and stops
with a message saying so.
"""

import fcntl
import logging
import os
import threading

from django.conf import settings

logger = logging.getLogger(__name__)
REDIS_KEY = "pipeline_safety:celery-beat"
TTL_SECONDS = 60
_held = {}


class BeatAlreadyRunning(SystemExit):
    pass


def _refuse():
    message = "Another celery beat is already running for this installation; only one may run. Stopping."
    logger.critical(message)
    raise BeatAlreadyRunning(message)


def acquire(broker_url: str) -> None:
    if broker_url.startswith(("redis://", "rediss://")):
        import redis

        lock = redis.Redis.from_url(broker_url).lock(REDIS_KEY, timeout=TTL_SECONDS, thread_local=False)
        if not lock.acquire(blocking=False):
            _refuse()
        _held["redis"] = lock

        def keep():
            while _held.get("redis") is lock:
                threading.Event().wait(TTL_SECONDS / 3)
                try:
                    lock.extend(TTL_SECONDS, replace_ttl=True)
                except Exception:
                    logger.exception("Could not extend the celery beat lock")

        threading.Thread(target=keep, name="beat-lock", daemon=True).start()
        return
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    handle = os.open(settings.VAR_DIR / "celery-beat.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        _refuse()
    _held["file"] = handle
