"""The sender half of the pg_net stand-in: sends what `net.http_post` queued, asynchronously.

Like pg_net's background worker, it takes requests off `net.http_request_queue` (woken by a
NOTIFY on `net_http_request`, and every second anyway), sends them, and records each answer
(or the error) in `net._http_response` under the request's id. Webhooks and pg_cron jobs
queue through it; the transaction that queued a request is never held up by the call.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

LOG = logging.getLogger("reference.stack.net")
CHANNEL = "net_http_request"
POLL_SECONDS = 1.0
BATCH = 50


async def _take(conn: AsyncConnection) -> list[tuple[Any, ...]]:
    cur = await conn.execute(
        "delete from net.http_request_queue where id in ("
        " select id from net.http_request_queue order by id limit %s for update skip locked)"
        " returning id, method, url, headers, body, timeout_milliseconds",
        (BATCH,),
    )
    return list(await cur.fetchall())


async def _send(client: httpx.AsyncClient, row: tuple[Any, ...]) -> tuple[Any, ...]:
    request_id, method, url, headers, body, timeout_ms = row
    try:
        answer = await client.request(
            method,
            url,
            headers=headers or {},
            content=bytes(body) if body is not None else None,
            timeout=max(timeout_ms, 1) / 1000,
        )
    except httpx.TimeoutException:
        return (request_id, None, None, None, None, True, "Timeout was reached")
    except httpx.HTTPError as exc:
        return (request_id, None, None, None, None, False, str(exc) or type(exc).__name__)
    return (
        request_id,
        answer.status_code,
        answer.headers.get("content-type"),
        Jsonb(dict(answer.headers)),
        answer.text,
        False,
        None,
    )


async def _drain(conn: AsyncConnection, client: httpx.AsyncClient) -> None:
    while True:
        async with conn.transaction():
            rows = await _take(conn)
        if not rows:
            return
        results = await asyncio.gather(*(_send(client, row) for row in rows))
        async with conn.transaction():
            cur = conn.cursor()
            await cur.executemany(
                "insert into net._http_response (id, status_code, content_type, headers,"
                " content, timed_out, error_msg) values (%s, %s, %s, %s, %s, %s, %s)"
                " on conflict (id) do nothing",
                results,
            )


async def run_sender(admin_db_url: str) -> None:
    """Send queued requests until cancelled (a missing `net` schema means nothing to send)."""
    async with (
        await AsyncConnection.connect(admin_db_url, autocommit=True) as conn,
        httpx.AsyncClient() as client,
    ):
        found = await (
            await conn.execute("select to_regclass('net.http_request_queue')")
        ).fetchone()
        if not found or found[0] is None:
            return
        await conn.execute(f"listen {CHANNEL}")
        while True:
            try:
                await _drain(conn, client)
            except psycopg.Error as exc:
                LOG.warning("net sender: %s", str(exc).strip().splitlines()[0])
            async for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                pass
