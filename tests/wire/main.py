"""Wire driver of the Python clients generated from tests/specs/wire.yaml.

tests/wire.rs runs it with the generated package on PYTHONPATH and `sync`
or `async` as argument. It runs the runtime's serializer over the style
table, calls every operation against origin A, and prints one
`REPORT <json>` line; tests/wire.rs checks the report and the requests both
origins recorded.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import typing

from wire import AsyncClient, Client, models
from wire.client import File, serialize_param

A = os.environ["WIRE_A"]
ROWS = json.loads(os.environ["WIRE_STYLES"])
PNG = b"\x89PNG\r\n\x1a\n\x00"


def styles() -> list[str | None]:
    return [
        serialize_param(r["in"], r["name"], r["style"], r["explode"], r["value"]) for r in ROWS
    ]


def kwargs() -> dict[str, typing.Any]:
    return {"token": "t0k", "api_key": "k3y", "headers": {"X-Custom": "mine"}}


def styled() -> dict[str, typing.Any]:
    return {
        "plain": ["a b", "c"],
        "label": ["x", "y"],
        "matrix": {"R": 1, "G": 2},
        "form": ["p", "q"],
        "csv": ["p", "q"],
        "space": ["p", "q"],
        "pipe": ["p", "q"],
        "deep": {"R": 1},
        "to": [9, 10],
        "x_colors": ["blue", "black"],
        "flavour": "vanilla bean",
    }


UPLOADS = [
    (models.UploadRequest(title="bare", file=PNG), {"Content-Type": "application/json"}),
    (models.UploadRequest(title="named", file=("cover.jpg", PNG)), None),
    (models.UploadRequest(title="file", file=File(PNG, "pic.gif")), None),
]


def run_sync() -> dict[str, typing.Any]:
    steps: dict[str, typing.Any] = {}
    with Client(A, **kwargs()) as api:
        steps["items"] = [item.id for item in api.items.list_all()]
        api.styles.retrieve(**styled())
        api.media.retrieve()
        api.media.vendor_retrieve()
        api.media.search_list()
        for body, headers in UPLOADS:
            api.files.upload_create(body=body, headers=headers)
        api.files.raw_update(body=File(b"plain", "a.txt", "text/plain"))
        api.files.anything_update(body=File(PNG, "a.png", "image/png"))
        steps["export"] = api.files.export_retrieve().hex()
        api.items.hop_create(body=models.Ok(ok=True))
        api.items.away_create(body=models.Ok(ok=True))
    return steps


async def run_async() -> dict[str, typing.Any]:
    steps: dict[str, typing.Any] = {}
    async with AsyncClient(A, **kwargs()) as api:
        steps["items"] = [item.id async for item in api.items.list_all()]
        await api.styles.retrieve(**styled())
        await api.media.retrieve()
        await api.media.vendor_retrieve()
        await api.media.search_list()
        for body, headers in UPLOADS:
            await api.files.upload_create(body=body, headers=headers)
        await api.files.raw_update(body=File(b"plain", "a.txt", "text/plain"))
        await api.files.anything_update(body=File(PNG, "a.png", "image/png"))
        steps["export"] = (await api.files.export_retrieve()).hex()
        await api.items.hop_create(body=models.Ok(ok=True))
        await api.items.away_create(body=models.Ok(ok=True))
    return steps


if __name__ == "__main__":
    steps = asyncio.run(run_async()) if sys.argv[1:] == ["async"] else run_sync()
    print("REPORT " + json.dumps({"styles": styles(), "steps": steps}))
