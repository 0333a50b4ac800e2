"""The Prism test's Python driver: runs the calls of a plan (written by
tests/prism.rs) through a generated Python package's sync `Client` and
`AsyncClient` against Prism's mock server, and writes one result per call
and flavour.

    python driver.py <package dir> <plan.json> <base URL> <results.json>

Which app attribute, method and keyword arguments serve an operation is
found by calling every method once with sentinels for its arguments and a
client that only records the request it is given, so the driver never
re-implements the generator's naming rules. Argument values are the plan's
JSON validated into the method's annotated types with pydantic.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pathlib
import sys
import traceback
import typing

import httpx
import pydantic

pkg_dir, plan_path, base_url, out_path = sys.argv[1:]
pkg_path = pathlib.Path(pkg_dir).resolve()
sys.path.insert(0, str(pkg_path.parent))
sys.dont_write_bytecode = True
pkg = importlib.import_module(pkg_path.name)
client_mod = importlib.import_module(pkg_path.name + ".client")
plan = json.loads(pathlib.Path(plan_path).read_text())

last: dict[str, object] = {}


def record(response: httpx.Response) -> None:
    last["status"] = response.status_code
    last["violations"] = response.headers.get("sl-violations")


async def arecord(response: httpx.Response) -> None:
    record(response)


class _Stop(Exception):
    pass


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name


class _Recorder:
    def __init__(self) -> None:
        self.seen: dict[str, object] | None = None

    def _apigend_request(self, method: str, path: str, **kw: object) -> None:
        self.seen = {"method": method, "path": path, "kw": kw}
        raise _Stop

    def __getattr__(self, name: str) -> object:
        raise _Stop


LOCATIONS = {"path_params": "path", "query": "query", "header_params": "header", "cookie_params": "cookie"}


def sentinels(value: object, location: str | None, out: dict[tuple[str | None, str], str]) -> None:
    """(location, wire name) -> argument, from where the sentinels landed."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, _Sentinel) and isinstance(k, str):
                out[(location, k)] = v.name
            else:
                sentinels(v, location, out)
    elif isinstance(value, (list, tuple)):
        names = [x for x in value if isinstance(x, str)]
        marks = [x for x in value if isinstance(x, _Sentinel)]
        if isinstance(value, tuple) and names and marks:
            # `(name, value, …)`, or `(location, name, style, …, value)`.
            if names[0] in ("path", "query", "header", "cookie") and len(names) > 1:
                out[(names[0], names[1])] = marks[0].name
            else:
                out[(location, names[0])] = marks[0].name
        else:
            for v in value:
                sentinels(v, location, out)


def discover(client: object) -> dict[str, tuple[str, str, dict[tuple[str | None, str], str], dict[str, object]]]:
    table = {}
    for attr in dir(client):
        if attr.startswith("_"):
            continue
        app = getattr(client, attr)
        if not hasattr(app, "_apigend_client"):
            continue
        cls = type(app)
        module = sys.modules[cls.__module__]
        for name in dir(cls):
            if name.startswith("_") or not callable(getattr(cls, name)):
                continue
            fn = getattr(cls, name)
            params = inspect.signature(fn).parameters
            kwargs = {n: _Sentinel(n) for n in params if n not in ("self", "headers", "timeout")}
            recorder = _Recorder()
            try:
                r = getattr(cls(recorder), name)(**kwargs)
                if inspect.iscoroutine(r):
                    r.close()
            except Exception:
                pass
            if recorder.seen is None:
                continue
            args: dict[tuple[str | None, str], str] = {}
            for key, value in typing.cast(dict, recorder.seen["kw"]).items():
                sentinels(value, LOCATIONS.get(key), args)
            hints = typing.get_type_hints(fn, globalns=vars(module), localns={"_client": client_mod})
            key = f"{recorder.seen['method']} {recorder.seen['path']}"
            table[key] = (attr, name, args, hints)
    return table


def to_py(value: object) -> object:
    if isinstance(value, list):
        return [to_py(v) for v in value]
    if isinstance(value, dict):
        if isinstance(value.get("$binary"), str):
            return b"hello\n"
        return {k: to_py(v) for k, v in value.items()}
    return value


def validate(hint: object, value: object) -> object:
    """The plan's JSON as a value of the annotated type."""
    try:
        adapter = pydantic.TypeAdapter(hint)
    except pydantic.PydanticSchemaGenerationError:
        # `bytes | File` (binary bodies): `File` is a plain class.
        adapter = pydantic.TypeAdapter(hint, config=pydantic.ConfigDict(arbitrary_types_allowed=True))
    return adapter.validate_python(value)


def arguments(call: dict, entry: tuple) -> dict[str, object]:
    _, _, args, hints = entry
    kwargs: dict[str, object] = {}
    for p in call["params"]:
        arg = args.get((p["in"], p["name"])) or args.get((None, p["name"]))
        if arg is None:
            raise LookupError(f"no argument for the {p['in']} parameter {p['name']!r}")
        kwargs[arg] = validate(hints[arg], to_py(p["value"]))
    if call["body"] is not None:
        kwargs["body"] = validate(hints["body"], to_py(call["body"]))
    return kwargs


def outcome(call_id: int, flavour: str, error: BaseException | None) -> dict[str, object]:
    base: dict[str, object] = {"id": call_id, "flavour": flavour, **last}
    if error is None:
        return {**base, "outcome": "ok"}
    if isinstance(error, client_mod.ApiError):
        return {**base, "outcome": "api_error", "detail": json.dumps(getattr(error, "body", None), default=str)}
    detail = "".join(traceback.format_exception(error))[-3000:]
    return {**base, "outcome": "client_error", "detail": detail}


_auth = plan["auth"]
AUTH: dict[str, object] = {
    "token": _auth["token"],
    "token_prefix": _auth["tokenPrefix"],
    "cookies": _auth["cookies"],
}
if _auth["apiKeyHeader"] is not None:
    AUTH.update(api_key=_auth["apiKey"], api_key_header=_auth["apiKeyHeader"])


def run_sync(table: dict) -> list[dict[str, object]]:
    results = []
    http = httpx.Client(timeout=60, follow_redirects=True, event_hooks={"response": [record]})
    client = pkg.Client(base_url, http_client=http, **AUTH)
    for call in plan["calls"]:
        entry = table.get(f"{call['method']} {call['path']}")
        if entry is None:
            results.append({"id": call["id"], "flavour": "python", "outcome": "missing", "detail": "no method sends this request"})
            continue
        try:
            kwargs = arguments(call, entry)
        except Exception as e:
            results.append({"id": call["id"], "flavour": "python", "outcome": "argument_error", "detail": str(e)[-2000:]})
            continue
        last.clear()
        try:
            getattr(getattr(client, entry[0]), entry[1])(**kwargs)
            results.append(outcome(call["id"], "python", None))
        except Exception as e:
            results.append(outcome(call["id"], "python", e))
    http.close()
    return results


async def run_async(table: dict) -> list[dict[str, object]]:
    results = []
    http = httpx.AsyncClient(timeout=60, follow_redirects=True, event_hooks={"response": [arecord]})
    client = pkg.AsyncClient(base_url, http_client=http, **AUTH)
    for call in plan["calls"]:
        entry = table.get(f"{call['method']} {call['path']}")
        if entry is None:
            results.append({"id": call["id"], "flavour": "python-async", "outcome": "missing", "detail": "no method sends this request"})
            continue
        try:
            kwargs = arguments(call, entry)
        except Exception as e:
            results.append({"id": call["id"], "flavour": "python-async", "outcome": "argument_error", "detail": str(e)[-2000:]})
            continue
        last.clear()
        try:
            await getattr(getattr(client, entry[0]), entry[1])(**kwargs)
            results.append(outcome(call["id"], "python-async", None))
        except Exception as e:
            results.append(outcome(call["id"], "python-async", e))
    await http.aclose()
    return results


table = discover(pkg.Client(base_url))
results = run_sync(table) + asyncio.run(run_async(table))
pathlib.Path(out_path).write_text(json.dumps({"results": results}, indent=1, default=str))
