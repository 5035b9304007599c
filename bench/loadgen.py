"""Load generators that cost the server's machine little: wrk for throughput, a raw-socket open loop for latency.

A request here is pre-rendered: method, path, bearer token and JSON body (each
POST gets a fresh ``Idempotency-Key``). Both generators read such requests, so a
run offers exactly the work the caller prepared (one check-in per visit).

- :func:`wrk_throughput` runs Debian's ``wrk`` (compiled, epoll) with a Lua script
  that sends each prepared request once, in order, over keep-alive connections:
  a closed loop, the server's throughput.
- :func:`open_loop` offers requests at a fixed rate regardless of answers, over
  keep-alive connections on plain asyncio streams (about 0.1 ms of client CPU per
  request, against 3 ms for httpx): latency counts from each request's scheduled
  start, so a slow server cannot hide behind fewer requests.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import msgspec


class Prepared(msgspec.Struct, frozen=True):
    """One request to send: ``body`` is JSON text ("" for none)."""

    method: str
    path: str
    token: str = ""
    body: str = ""


WRK_SCRIPT = r'''
-- Each thread sends its share of the prepared requests (one per line: method, path, token, body,
-- tab-separated) once, in order; a POST gets a fresh Idempotency-Key. Past the end it wraps, and
-- done() reports how many were sent so the bench can tell.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local nthreads = tonumber(args[2])
  rows = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      rows[#rows + 1] = {method, path, token, body}
    end
    i = i + 1
  end
  nrows = #rows
  sent = 0
  prefix = args[3] .. "-" .. id .. "-"
end
function request()
  sent = sent + 1
  local row = rows[((sent - 1) % #rows) + 1]
  local headers = {["Content-Type"] = "application/json"}
  if row[3] ~= "" then headers["Authorization"] = "Bearer " .. row[3] end
  local body = nil
  if row[1] == "POST" then
    headers["Idempotency-Key"] = prefix .. sent
    body = row[4]
  end
  return wrk.format(row[1], row[2], headers, body)
end
function done(summary, latency, requests)
  local rows_total = 0
  for _, thread in ipairs(threads) do rows_total = rows_total + thread:get("nrows") end
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p99_us": %d, "prepared": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), rows_total))
end
'''


def wrk_throughput(base: str, requests: list[Prepared], *, connections: int, seconds: float,
                   threads: int = 1) -> dict[str, object]:
    """Closed-loop throughput of the prepared requests with wrk (each sent at most once if there are enough)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run scripts/install-system-packages.sh (Debian package wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        script, rows = Path(tmp) / "requests.lua", Path(tmp) / "requests.tsv"
        script.write_text(WRK_SCRIPT)
        rows.write_text("".join(f"{r.method}\t{r.path}\t{r.token}\t{r.body}\n" for r in requests))
        completed = subprocess.run(
            [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script), base,
             "--", str(rows), str(threads), f"wrk{uuid.uuid4().hex[:8]}"],
            capture_output=True, text=True, check=True)
    match = re.search(r"^WRK (\{.*\})$", completed.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk said: {completed.stdout}\n{completed.stderr}")
    figures = json.loads(match.group(1))
    elapsed = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"], "wrapped": figures["requests"] > figures["prepared"],
        "errors": figures["non_2xx_3xx"] + figures["socket_errors"] + figures["timeouts"],
        "throughput_rps": round(figures["requests"] / elapsed, 1),
        "p50_ms": round(figures["p50_us"] / 1000, 1), "p99_ms": round(figures["p99_us"] / 1000, 1),
        "connections": connections,
    }


def render(request: Prepared, host: str) -> bytes:
    """The request's HTTP/1.1 bytes (keep-alive), with a fresh idempotency key for a POST."""
    head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    if request.token:
        head.append(f"Authorization: Bearer {request.token}")
    body = request.body.encode()
    if request.method == "POST":
        head += [f"Idempotency-Key: {uuid.uuid4()}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> int:
    """Send one request and read its whole answer; returns the status code."""
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    if length is None:
        raise ConnectionError("answer without Content-Length")
    await reader.readexactly(int(length.group(1)))
    return status


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile by rank (``nan`` for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def open_loop(host: str, port: int, requests: list[Prepared], rate: float,
                    connections: int = 32) -> dict[str, object]:
    """Offer the requests at ``rate`` per second; a request waits for a free connection, its wait counted."""
    payloads = [render(r, f"{host}:{port}") for r in requests]
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def one(payload: bytes, due: float) -> None:
        reader, writer = await pool.get()
        try:
            status = str(await asyncio.wait_for(_exchange(reader, writer, payload), 30))
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError) as exc:
            status = type(exc).__name__
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
        pool.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - due)
        if not status.startswith("2"):
            statuses[status] = statuses.get(status, 0) + 1

    # The generator's own collections would pause it mid-run and show as the server's latency.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        tasks = []
        for i, payload in enumerate(payloads):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(payload, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    while not pool.empty():
        pool.get_nowait()[1].close()
    errors = sum(statuses.values())
    return {
        "offered_rps": rate, "requests": len(payloads), "achieved_rps": round(len(payloads) / elapsed, 1),
        "errors": errors, "error_statuses": statuses, "answered_ok_rps": round((len(payloads) - errors) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }
