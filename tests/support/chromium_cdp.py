"""Headless Debian Chromium driven over the DevTools protocol, for the browser wallboard test.

textual-serve draws the terminal with xterm.js on a canvas, so the page's DOM has no text. A
script installed before the page loads catches textual-serve's terminal object as it is built
(the first assignment of its ``fitAddon``), and :meth:`Browser.screen_text` reads xterm's
buffer: the characters the page is showing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import websockets

from tests.support.real_servers import free_port

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    window.__textualTerminal = this;
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
  },
});
"""

SCREEN_TEXT = """
(() => {
  const wrapper = window.__textualTerminal;
  if (!wrapper || !wrapper.terminal) return null;
  const term = wrapper.terminal, buffer = term.buffer.active, rows = [];
  for (let i = 0; i < term.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""


class Browser:
    """One page of a headless Chromium."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._next_id = 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events in between are ignored)."""
        self._next_id += 1
        call_id = self._next_id
        await self._connection.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self._connection.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def open(self, url: str) -> None:
        """Load ``url`` with the terminal catcher installed."""
        await self.send("Page.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await self.send("Page.navigate", url=url)

    async def screen_text(self) -> str | None:
        """The terminal's visible lines, or None before the terminal exists."""
        result = await self.send("Runtime.evaluate", expression=SCREEN_TEXT, returnByValue=True)
        value = result.get("result", {}).get("value")
        return value if isinstance(value, str) else None

    async def wait_for_text(self, needle: str, timeout: float = 60.0) -> str:
        """Poll the screen until it contains ``needle``; returns the screen."""
        deadline = time.monotonic() + timeout
        text = None
        while time.monotonic() < deadline:
            text = await self.screen_text()
            if text and needle in text:
                return text
            await asyncio.sleep(0.5)
        raise AssertionError(f"{needle!r} never appeared; the page shows:\n{text}")

    async def screenshot(self, path: Path) -> None:
        """Save a PNG of the page."""
        result = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(result["data"]))


@asynccontextmanager
async def headless_chromium(profile: Path, width: int = 1280, height: int = 800) -> AsyncIterator[Browser]:
    """Start Debian's chromium headless on a loopback DevTools port; yields its first page."""
    binary = shutil.which("chromium")
    assert binary, "chromium is needed (the test command installs Debian's chromium package)"
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--headless=new",
            "--no-sandbox",  # tests may run as root in a container
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--remote-debugging-address=127.0.0.1",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page_url = None
        deadline = time.monotonic() + 30
        while page_url is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as reply:
                    pages = [t for t in json.load(reply) if t.get("type") == "page"]
                page_url = pages[0]["webSocketDebuggerUrl"] if pages else None
            except OSError:
                pass
            if page_url is None:
                await asyncio.sleep(0.2)
        assert page_url, "chromium did not open its DevTools port"
        async with websockets.connect(page_url, max_size=64 * 1024 * 1024) as connection:
            yield Browser(connection)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
