"""The app's running log tails: one per log view, restarted when its filter changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace

from textual.app import App
from textual.worker import Worker

from opsconsole.refresh.log_tail import LogTail, TailRequest
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.log_view import LogView


@dataclass
class TailBinding:
    """A view, the tail that fills its buffer, and where its status line goes."""

    view: LogView
    request: TailRequest  # as first asked for: a line filter is added to this
    tail: LogTail
    worker: Worker[None]
    show_status: Callable[[str], None]
    service: RefreshService
    jump_to_ns: int | None = None  # once the backlog is in, move the cursor to this time


PUMP_SPACING = 0.25  # seconds: a firehose is shown at most four times a second


class LogTails:
    """Starts, restarts and stops tails, and moves their news onto the screen when there is news.

    A tail says when it took in lines or its state moved (:attr:`LogTail.on_change`); the news is
    shown at once, or :data:`PUMP_SPACING` after the last showing while lines pour in. Nothing
    wakes the app while the tails are quiet (it used to look four times a second).
    """

    def __init__(
        self, app: App[None], live: bool = True, on_loki_news: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.live = live
        self.on_loki_news = on_loki_news  # what the header shows of Loki changed (see pump)
        self.bindings: dict[int, TailBinding] = {}
        self._pumped_at = -PUMP_SPACING
        self._waking: asyncio.TimerHandle | None = None
        self.pumps = 0  # how many times news was shown (what the idle tests count)

    def wake(self) -> None:
        """Show the tails' news soon: now, or once the spacing since the last showing has passed."""
        if self._waking is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._pumped_at + PUMP_SPACING - loop.time())
        self._waking = loop.call_later(delay, self._woken)

    def _woken(self) -> None:
        self._waking = None
        if self.app.is_running:
            self.pump()

    def start(
        self,
        service: RefreshService,
        view: LogView,
        request: TailRequest,
        show_status: Callable[[str], None],
        *,
        base: TailRequest | None = None,
    ) -> bool:
        """Tail ``request`` into ``view``'s buffer; False without Loki."""
        self.stop(view)
        tail = service.log_tail(request, view.buffer, live=self.live)
        if tail is None:
            show_status(
                "no Loki in this context" if service.backends.loki is None else "no logs in this pack"
            )
            return False
        tail.on_change = view.on_change = self.wake
        worker = self.app.run_worker(tail.run(), group="logtail", exit_on_error=False)
        self.bindings[id(view)] = TailBinding(view, base or request, tail, worker, show_status, service)
        self.wake()  # "connecting" shows before anything arrives
        return True

    def refilter(self, service: RefreshService, view: LogView, stage: str) -> None:
        """Restart ``view``'s tail with a LogQL line filter ("" removes it); the buffer starts
        again, since the lines held did not go through the filter."""
        binding = self.bindings.get(id(view))
        if binding is None:
            return
        base = binding.request
        view.buffer.clear()
        request = replace(base, logql=f"{base.logql} {stage}".strip())
        self.start(service, view, request, binding.show_status, base=base)
        view.set_filter(view.row_filter)

    def base_request(self, view: LogView) -> TailRequest | None:
        """The request a view was started with (without any line filter)."""
        binding = self.bindings.get(id(view))
        return binding.request if binding else None

    def jump_when_loaded(self, view: LogView, ts_ns: int) -> None:
        """When ``view``'s backlog has arrived, put its cursor on the first line at ``ts_ns``."""
        binding = self.bindings.get(id(view))
        if binding is not None:
            binding.jump_to_ns = ts_ns

    def stop(self, view: LogView) -> None:
        """Stop the tail of one view."""
        binding = self.bindings.pop(id(view), None)
        if binding is not None:
            binding.worker.cancel()

    def stop_all(self) -> None:
        """Stop every tail (context or pack switch, quit)."""
        for binding in list(self.bindings.values()):
            binding.worker.cancel()
        self.bindings.clear()
        if self._waking is not None:
            self._waking.cancel()
            self._waking = None

    def pump(self) -> None:
        """Show what arrived: each view takes in new lines and its status line is rewritten; and
        when a tail's news changes what the header shows of Loki, the header is redrawn."""
        self.pumps += 1
        loki_news = False
        self._pumped_at = asyncio.get_running_loop().time()
        for binding in list(self.bindings.values()):
            # A screen being closed has detached its view before its unmount stops the tail.
            if not binding.view.is_attached:
                continue
            binding.view.sync()
            if binding.jump_to_ns is not None and binding.tail.last_ok is not None:
                binding.view.jump_to_time(binding.jump_to_ns)
                binding.jump_to_ns = None
            binding.show_status(status_line(binding))
            loki_news |= binding.service.note_log_tail(binding.tail.last_ok, binding.tail.error)
        if loki_news and self.on_loki_news is not None:
            self.on_loki_news()


def status_line(binding: TailBinding) -> str:
    """``live · 1,204 lines · ≥warn /timeout · PAUSED 12 new · △ Loki: …``."""
    view, tail = binding.view, binding.tail
    parts = [tail.describe(warnings=False), f"{len(view.buffer):,} lines"]
    filters = view.describe_filters()
    if filters:
        parts.append(filters)
    if view.paused:
        parts.append(f"PAUSED · {view.unseen} new")
    elif not view.follow:
        parts.append("not following (G follows)")
    warning = tail.warning_text()  # last: the longest part, cut first on a narrow screen
    if warning:
        parts.append(warning)
    return " · ".join(parts)
