"""A headless Chromium driven over the DevTools protocol, for pages the server renders (GraphiQL).

The browser resolves no host but the loopback address, as on a machine without internet, and
records every request a page makes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect


def chromium_or_skip() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it in CI)")


class Page:
    """One browser tab: navigate, evaluate JavaScript, and the URLs it requested."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.requested: list[str] = []
        self.exceptions: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message:
                self._answers.pop(message["id"]).set_result(message)
            elif message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])
            elif message.get("method") == "Runtime.exceptionThrown":
                self.exceptions.append(json.dumps(message["params"]["exceptionDetails"])[:2000])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call = next(self._ids)
        answer = self._answers[call] = asyncio.get_running_loop().create_future()
        await self._socket.send(json.dumps({"id": call, "method": method, "params": params}))
        message = await asyncio.wait_for(answer, 30)
        if "error" in message:
            raise AssertionError(f"{method}: {message['error']}")
        return dict(message["result"])

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20) -> Any:
        """The value of `expression` once it is truthy."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if value := await self.evaluate(expression):
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"still false after {timeout} s: {expression}")

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def browser_page() -> AsyncIterator[Page]:
    """A tab of a fresh headless Chromium (own profile, nothing outside 127.0.0.1 resolves)."""
    chromium = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = await asyncio.create_subprocess_exec(
            chromium,
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--no-default-browser-check", f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        drain: asyncio.Task[None] | None = None
        try:
            port = await _devtools_port(process)
            assert process.stderr is not None
            drain = asyncio.create_task(_drain(process.stderr))  # a full pipe would block the browser
            async with httpx.AsyncClient() as http:
                targets = (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
            target = next(target for target in targets if target["type"] == "page")
            async with connect(target["webSocketDebuggerUrl"], max_size=None) as socket:
                page = Page(socket)
                for domain in ("Page", "Runtime", "Network"):
                    await page.send(f"{domain}.enable")
                try:
                    yield page
                finally:
                    await page.close()
        finally:
            if drain is not None:
                drain.cancel()
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _devtools_port(process: asyncio.subprocess.Process) -> int:
    """The port Chromium prints ("DevTools listening on ws://127.0.0.1:PORT/…") on stderr."""
    assert process.stderr is not None
    seen: list[str] = []
    async with asyncio.timeout(30):
        while line := (await process.stderr.readline()).decode(errors="replace"):
            seen.append(line)
            if match := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
                return int(match[1])
    raise AssertionError("Chromium exited before DevTools listened:\n" + "".join(seen[-20:]))


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass
