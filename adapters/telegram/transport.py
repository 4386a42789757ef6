"""A python-telegram-bot transport on aiohttp instead of httpx, used for the outbox's sends.

Measured in benchmarks/delivery_speed.py: with python-telegram-bot's default httpx transport the
sender reached about 400 messages a second against the loopback Bot API, with this one about 1,200
(the goal is 1,000, Telegram's paid-broadcast ceiling). Use it as
``telegram.Bot(token, request=AiohttpRequest())``.

It sends what HTTPXRequest sends: parameters form-encoded (``RequestData.json_parameters``, where
strings stay as they are and everything else is JSON), or multipart when there are files, with PTB's
User-Agent; it returns ``(status, body)`` and leaves the Bot API's error handling to BaseRequest.
Timeouts map onto aiohttp's: pool + connect -> ``connect`` (aiohttp counts waiting for a pooled
connection there), connect -> ``sock_connect``, read -> ``sock_read``. aiohttp has no write timeout,
so ``write_timeout`` is accepted and ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """The timeout passed to one call, or the transport's default when the call left it unset."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


class AiohttpRequest(BaseRequest):
    """BaseRequest implemented with one aiohttp ClientSession (created in ``initialize``)."""

    __slots__ = (
        "_connect_timeout",
        "_default_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._default_timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def _timeout(read: float | None, connect: float | None, pool: float | None) -> aiohttp.ClientTimeout:
        acquire = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect, sock_read=read)

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                timeout=self._default_timeout,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = self._default_timeout
        if not (
            read_timeout is BaseRequest.DEFAULT_NONE
            and connect_timeout is BaseRequest.DEFAULT_NONE
            and pool_timeout is BaseRequest.DEFAULT_NONE
        ):
            timeout = self._timeout(
                _given(read_timeout, self._read_timeout),
                _given(connect_timeout, self._connect_timeout),
                _given(pool_timeout, self._pool_timeout),
            )
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                body = form
            else:
                body = request_data.json_parameters
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
