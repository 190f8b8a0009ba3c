"""Running code in a real kernel over its websocket, as JupyterLab does, for tests: one
execute_request and the replies that belong to it."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import time
import uuid
from dataclasses import dataclass

from tornado.websocket import WebSocketClientConnection

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Executed:
    """What a cell printed (streams and its result) and, if it raised, the traceback."""

    output: str
    error: str | None = None


def _request(code: str, session: str, msg_id: str) -> str:
    header = {
        "msg_id": msg_id,
        "msg_type": "execute_request",
        "username": "",
        "session": session,
        "version": "5.3",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "channel": "shell",
            "buffers": [],
            "content": content,
        }
    )


async def execute(
    conn: WebSocketClientConnection, code: str, session: str = "", timeout: float = 120.0
) -> Executed:
    """Run ``code`` on the kernel behind ``conn`` and wait until it is idle again."""
    msg_id = uuid.uuid4().hex
    await conn.write_message(_request(code, session or uuid.uuid4().hex, msg_id))
    out: list[str] = []
    error = None
    deadline = time.monotonic() + timeout
    while True:
        raw = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
        assert raw is not None, "the kernel's websocket closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue  # another request's, or the kernel's own status
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "execute_result":
            out.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            error = ANSI.sub("", "\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return Executed("".join(out), error)
