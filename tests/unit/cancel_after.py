"""A cancel token that the user 'presses' after a given number of checks."""

from __future__ import annotations

from territory_planner.tasks import CancelToken


class CancelAfter(CancelToken):
    """Cancelled once `checks` calls of ``raise_if_cancelled`` have passed (0: at once)."""

    def __init__(self, checks: int = 0) -> None:
        super().__init__()
        self.left = checks
        self.checks = 0
        if checks == 0:
            self.cancel()

    def raise_if_cancelled(self) -> None:
        self.checks += 1
        if self.left and self.checks >= self.left:
            self.cancel()
        super().raise_if_cancelled()
