"""The edge's decision log: why it answered what it answered, newest last."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

DECISIONS_PATH = "/_cftutorial/decisions"
MAX_DECISIONS = 1000
DEFAULT_DECISION_LIMIT = 20


class DecisionLog:
    """The most recent decisions, newest last; safe to use from many request threads."""

    def __init__(self, maxlen: int = MAX_DECISIONS) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, decision: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(decision)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._items)
        return items[-limit:] if limit > 0 else []
