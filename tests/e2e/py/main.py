"""End-to-end driver of the generated Python clients (packages ``core`` and
``files``) against the real Django backend in ../backend.

Written against docs/clients.md only. run.sh puts both generated packages on
PYTHONPATH and sets APIGEND_E2E_BASE_URL. The same behaviours run twice: once
with the sync ``Client`` and once with the ``AsyncClient``.

Every behaviour is one step: it prints ``PASS py-sync <name>: <what was seen>``
or ``FAIL ...: <why>``; the process exits 1 when any step failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal

import core
import files
import httpx
from core import ApiError, AsyncClient, Client, models
from files import ApiError as FilesApiError
from files import AsyncClient as FilesAsyncClient
from files import Client as FilesClient
from files import File
from files import models as fmodels

BASE_URL = os.environ.get("APIGEND_E2E_BASE_URL", "http://127.0.0.1:8000")
LABEL = os.environ.get("APIGEND_E2E_LABEL", "py")
RUN = re.sub(r"[^A-Za-z0-9]", "", os.environ.get("APIGEND_E2E_RUN_ID", str(int(time.time() * 1000))))
PASSWORD = "correct-horse-battery"
TOTAL = 12
Rating = Literal[1, 2, 3, 4, 5]
RATINGS: tuple[Rating, ...] = (1, 2, 3, 4, 5)



class AssertionFailed(Exception):
    pass


def check(cond: bool, message: str) -> None:
    if not cond:
        raise AssertionFailed(message)


def eq(actual: object, expected: object, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def test_bytes() -> bytes:
    """Bytes 0..255 twice, CR LF, NULs and 0xff: anything a text round trip would mangle."""
    return bytes(i % 256 for i in range(512)) + b"\r\n\x00\x00\xff\xfe\r\n" + b"\x00" * 80


class Steps:
    def __init__(self, label: str) -> None:
        self.label = label
        self.passed = 0
        self.failed = 0

    def _report(self, name: str, seen: str | None, exc: BaseException | None) -> None:
        if exc is None:
            self.passed += 1
            print(f"PASS {self.label} {name}: {seen}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {self.label} {name}: {type(exc).__name__}: {exc}", flush=True)
            if not isinstance(exc, AssertionFailed):
                tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
                print("".join(tb[-6:]).rstrip(), flush=True)

    def run(self, name: str, fn: Callable[[], str]) -> None:
        try:
            seen = fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self._report(name, None, e)
        else:
            self._report(name, seen, None)

    async def arun(self, name: str, fn: Callable[[], Awaitable[str]]) -> None:
        try:
            seen = await fn()
        except Exception as e:  # noqa: BLE001
            self._report(name, None, e)
        else:
            self._report(name, seen, None)


def expect_error(cls: type[ApiError] | type[FilesApiError], status: int, fn: Callable[[], object]) -> Any:
    try:
        fn()
    except cls as e:
        eq(e.status_code, status, "ApiError.status_code")
        return e
    except Exception as e:  # noqa: BLE001
        raise AssertionFailed(f"expected {cls.__name__}({status}), got {type(e).__name__}: {e}") from e
    raise AssertionFailed(f"expected {cls.__name__}({status}), but the call succeeded")


async def aexpect_error(
    cls: type[ApiError] | type[FilesApiError], status: int, fn: Callable[[], Awaitable[object]]
) -> Any:
    try:
        await fn()
    except cls as e:
        eq(e.status_code, status, "ApiError.status_code")
        return e
    except Exception as e:  # noqa: BLE001
        raise AssertionFailed(f"expected {cls.__name__}({status}), got {type(e).__name__}: {e}") from e
    raise AssertionFailed(f"expected {cls.__name__}({status}), but the call succeeded")


def detail_of(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return repr(body)


def check_book_types(b: models.Book) -> None:
    check(isinstance(b.price, Decimal), f"price is a Decimal, got {type(b.price).__name__}")
    check(isinstance(b.created_at, dt.datetime), f"created_at is a datetime, got {type(b.created_at).__name__}")
    check(b.created_at.tzinfo is not None, "created_at is timezone-aware")
    check(b.published_on is None or isinstance(b.published_on, dt.date), "published_on is a date or None")


# --------------------------------------------------------------------------
# sync


def run_sync(steps: Steps, prefix: str) -> None:
    username = f"{prefix}_user"
    state: dict[str, Any] = {"ids": []}
    # A trailing slash on the base URL is tolerated.
    anon = Client(BASE_URL + "/")

    def info() -> str:
        eq(core.__version__, "2.0.0", "core.__version__ (group version)")
        check("Core API" in (core.__doc__ or ""), f"package docstring carries the title: {core.__doc__!r}")
        check("Files API" in (files.__doc__ or ""), "files package docstring carries the title")
        return f"core {core.__version__}, docstring {(core.__doc__ or '').splitlines()[0]!r}"

    steps.run("api-info", info)

    def register() -> str:
        u = anon.accounts.register_create(
            body=models.RegisterRequest(username=username, email=f"{username}@example.org", password=PASSWORD)
        )
        eq(u.username, username, "registered username")
        check(isinstance(u.id, int) and u.id > 0, f"positive int id, got {u.id!r}")
        check(not hasattr(u, "password"), "the write-only password must not be on the response model")
        return f"user #{u.id} {u.username}"

    steps.run("register-write-only-password", register)

    def token() -> str:
        t = anon.accounts.token_create(body=models.CredentialsRequest(username=username, password=PASSWORD))
        check(isinstance(t.token, str) and len(t.token) == 40, f"40-char token, got {t.token!r}")
        state["token"] = t.token
        return "got a 40-char token"

    steps.run("token-login", token)
    # The token as a callable, read before every request.
    api = Client(BASE_URL, token=lambda: str(state.get("token", "missing")))

    def unauth() -> str:
        e = expect_error(ApiError, 401, lambda: anon.accounts.profile_retrieve())
        check("credentials were not provided" in detail_of(e.body), f"401 detail, got {e.body!r}")
        expect_error(
            ApiError,
            401,
            lambda: anon.library.books_create(body=models.BookRequest(title="nope", price=Decimal("1.00"))),
        )
        return f"GET profile, POST books → 401 {e.body!r}"

    steps.run("auth-401-without-credentials", unauth)

    def authed() -> str:
        p = api.accounts.profile_retrieve()
        eq(p.user.username, username, "profile.user.username")
        eq(p.display_name, None, "display_name (nullable, unset)")
        eq(p.theme, "system", "theme default")
        return f"profile of {p.user.username}"

    steps.run("auth-token-succeeds", authed)

    def create() -> str:
        a = api.library.authors_create(body=models.AuthorRequest(name=f"{prefix} Ursula", born=dt.date(1929, 10, 21)))
        state["author"] = a.id
        eq(a.born, dt.date(1929, 10, 21), "author.born (date)")
        meta = {"tags": ["fantasy", "classic"], "pages": 183, "nested": {"ok": True}}
        b = api.library.books_create(
            body=models.BookRequest(
                title=f"{prefix} Earthsea",
                price=Decimal("12.50"),
                status="draft",
                rating=5,
                cover="hardcover",
                published_on=dt.date(1968, 11, 1),
                metadata=meta,
                author_id=a.id,
            )
        )
        state["book"] = b.id
        check_book_types(b)
        eq(b.title, f"{prefix} Earthsea", "title")
        eq(b.price, Decimal("12.50"), "price")
        eq(b.status, "draft", "status")
        eq(b.rating, 5, "rating")
        eq(b.cover, "hardcover", "cover")
        eq(b.published_on, dt.date(1968, 11, 1), "published_on")
        eq(b.metadata, meta, "metadata (JSONField)")
        check(b.author is not None and b.author.name == f"{prefix} Ursula", f"nested author, got {b.author!r}")
        eq(b.owner, username, "owner")
        return f"book #{b.id} price {b.price!r} created {b.created_at.isoformat()}"

    steps.run("create", create)

    def invalid() -> str:
        e = expect_error(
            ApiError,
            400,
            lambda: api.library.books_create(body=models.BookRequest(title="forbidden", price=Decimal("-1.00"))),
        )
        fe = e.field_errors()
        eq(fe, {"title": ["This title is not allowed."], "price": ["Price must not be negative."]}, "field_errors()")
        eq(e.body, fe, "ApiError.body")
        e2 = expect_error(
            ApiError,
            400,
            lambda: anon.accounts.register_create(body=models.RegisterRequest(username=username, password="short")),
        )
        eq(sorted(e2.field_errors()), ["password", "username"], "register field errors")
        return f"field_errors() = {fe}"

    steps.run("validation-400-field-errors", invalid)

    def create_many() -> str:
        ids: list[int] = [state["book"]]
        for i in range(TOTAL - 1):
            b = api.library.books_create(
                body=models.BookRequest(
                    title=f"{prefix} Volume {i:02d}", price=Decimal(f"{i + 1}.25"), rating=RATINGS[i % 5]
                )
            )
            ids.append(b.id)
        eq(len(set(ids)), TOTAL, "distinct ids")
        state["ids"] = ids
        return f"{TOTAL} books"

    steps.run("create-many", create_many)

    def action() -> str:
        eq(len(state["ids"]), TOTAL, "books from create-many")
        for i in state["ids"][:4]:
            b = api.library.books_publish_create(id=i)
            eq(b.status, "published", f"status of #{i} after publish")
        return "POST …/{id}/publish/ on 4 books → published"

    steps.run("detail-action", action)

    def listing() -> str:
        page = anon.library.books_list(search=prefix, status="published")
        eq(page.count, 4, "published count")
        check(all(b.status == "published" for b in page.results), "all published")
        drafts = anon.library.books_list(search=prefix, status="draft", page_size=50)
        eq(drafts.count, TOTAL - 4, "draft count")
        ordered = anon.library.books_list(search=prefix, ordering="-price", page_size=3)
        prices = [b.price for b in ordered.results]
        eq(prices, sorted(prices, reverse=True), "ordering=-price")
        eq(ordered.results[0].title, f"{prefix} Earthsea", "most expensive first")
        by_author = anon.library.books_list(author=state["author"])
        eq([b.id for b in by_author.results], [state["book"]], "filter by author")
        return f"published {page.count}, draft {drafts.count}, -price {[str(p) for p in prices]}"

    steps.run("list-filter-search-ordering", listing)

    def paging() -> str:
        log: list[str] = []
        hc = httpx.Client(base_url=BASE_URL, event_hooks={"request": [lambda r: log.append(f"{r.method} {r.url}")]})
        with Client(BASE_URL, http_client=hc) as counting:
            first = counting.library.books_list(search=prefix)
            eq(first.count, TOTAL, "count")
            eq(len(first.results), 5, "page size")
            check(first.next is not None, "page 1 has next")
            log.clear()
            seen = [b.id for b in counting.library.books_list_all(search=prefix)]
        hc.close()
        eq(seen, state["ids"], "every item once, in id order")
        check(len(log) >= 3, f"≥3 page requests, saw {log}")
        check(all(line.startswith("GET ") and "search=" in line for line in log), f"filter kept: {log}")
        return f"books_list_all yielded {len(seen)} items over {len(log)} requests"

    steps.run("pagination-iterator", paging)

    def text() -> str:
        csv = anon.library.books_export_retrieve(search=prefix)
        check(isinstance(csv, str), f"a str, got {type(csv).__name__}")
        lines = csv.rstrip("\n").split("\n")
        eq(lines[0], "id,title,price", "CSV header")
        eq(len(lines), 1 + TOTAL, "one row per book")
        eq(lines[1], f"{state['book']},{prefix} Earthsea,12.50", "first row")
        return f"text/csv body of {len(lines)} lines as a str"

    steps.run("text-response", text)

    def wire() -> str:
        word = "Le Guin & co? #1 é 100%"
        r = anon.library.echo_retrieve(
            word=word, tag=["a b", "c&d", "é"], x_trace="trace-1", headers={"X-Extra": "extra-2"}
        )
        eq(r.word, word, "path parameter after URL decoding on the server")
        eq(r.tags, ["a b", "c&d", "é"], "repeated query parameter")
        eq(len([kv for kv in r.query.split("&") if kv.startswith("tag=")]), 3, f"tag repeated in {r.query}")
        eq(r.trace, "trace-1", "header parameter")
        eq(r.extra, "extra-2", "headers= per call")
        return f"path {word!r} round-tripped; query {r.query}"

    steps.run("wire-encoding", wire)

    def retrieve() -> str:
        b = anon.library.books_retrieve(id=state["book"])
        check_book_types(b)
        eq((b.id, b.status), (state["book"], "published"), "id, status")
        check(b.author is not None and b.author.id == state["author"], "author id")
        return f"#{b.id} {b.title!r}"

    steps.run("retrieve", retrieve)

    def patch() -> str:
        b = api.library.books_partial_update(
            id=state["book"],
            body=models.PatchedBookRequest(title=f"{prefix} A Wizard of Earthsea", cover=None, published_on=None),
        )
        eq(b.title, f"{prefix} A Wizard of Earthsea", "patched title")
        eq((b.cover, b.published_on), (None, None), "nulls sent explicitly")
        eq((b.price, b.rating), (Decimal("12.50"), 5), "unset fields untouched (exclude_unset)")
        eq(anon.library.books_retrieve(id=state["book"]).title, b.title, "persisted")
        p = api.accounts.profile_partial_update(body=models.PatchedProfileRequest(display_name="Ged", theme="dark"))
        eq((p.display_name, p.theme, p.bio), ("Ged", "dark", ""), "profile after PATCH")
        return f"PATCH sent only set fields; price {b.price} kept"

    steps.run("partial-update", patch)

    def feed() -> str:
        items = anon.library.feed_list(search=prefix)
        books = [i for i in items if isinstance(i, models.BookFeedItem)]
        authors = [i for i in items if isinstance(i, models.AuthorFeedItem)]
        eq((len(authors), len(books)), (1, TOTAL), "one author, every book (as their own model classes)")
        check(all(b.kind == "book" and isinstance(b.price, Decimal) for b in books), "book items")
        eq(authors[0].book_count, 1, "author.book_count")
        return f"{len(items)} items → {len(authors)} AuthorFeedItem, {len(books)} BookFeedItem"

    steps.run("polymorphic-oneof", feed)

    fapi = FilesClient(BASE_URL, token=state.get("token", "missing"))
    data = test_bytes()

    def upload() -> str:
        a = fapi.media.attachments_upload_create(
            body=fmodels.AttachmentUploadRequest(
                file=File(data, f"{prefix}.bin", "application/x-e2e"), description="binary blob", tags=["one", "two"]
            )
        )
        state["att"] = a.id
        eq(a.size, len(data), "size")
        eq(a.filename, f"{prefix}.bin", "filename")
        eq(a.content_type, "application/x-e2e", "content type of the part")
        eq(a.description, "binary blob [one,two]", "repeated tags")
        return f"attachment #{a.id}, {a.size} bytes"

    steps.run("upload-multipart", upload)

    def download() -> str:
        got = fapi.media.attachments_download_retrieve(id=state["att"])
        check(isinstance(got, bytes), f"bytes, got {type(got).__name__}")
        check(got == data, f"downloaded {len(got)} bytes differ from the {len(data)} uploaded")
        eq([a.id for a in fapi.media.attachments_list_all()], [state["att"]], "the user's attachments")
        return f"{len(got)} bytes back, byte-identical"

    steps.run("download-binary", download)

    # A 2x1 PNG. DRF's ImageField rejects a file name without an image
    # extension: bare bytes are named from their content, a tuple names them.
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd"
        "0000000f49444154789c63fccfc0c0c0c0000006080101cb4776750000000049454e44ae426082"
    )

    def image_upload() -> str:
        bare = fapi.media.attachments_image_create(body=fmodels.ImageUploadRequest(image=png))
        eq((bare.name, bare.width, bare.height), ("image.png", 2, 1), "bare bytes")
        named = fapi.media.attachments_image_create(body=fmodels.ImageUploadRequest(image=("cover.png", png)))
        eq(named.name, "cover.png", "a (filename, bytes) tuple")
        return f"ImageField accepted {bare.name} and {named.name}"

    steps.run("upload-image-named", image_upload)

    def files_unauth() -> str:
        with FilesClient(BASE_URL) as anon_files:
            e = expect_error(FilesApiError, 401, lambda: anon_files.media.attachments_download_retrieve(id=state["att"]))
        return f"download without token → {e.status_code}"

    steps.run("files-401-without-credentials", files_unauth)

    def session() -> str:
        with httpx.Client(base_url=BASE_URL) as raw:
            r = raw.post("/api/accounts/login/", json={"username": username, "password": PASSWORD})
            eq(r.status_code, 200, "raw login")
            check({"sessionid", "csrftoken"} <= set(raw.cookies.keys()), f"cookies {dict(raw.cookies)}")
            r = raw.patch("/api/accounts/profile/", json={"bio": "x"})
            eq(r.status_code, 403, "PATCH with session but without X-CSRFToken")
        with Client(BASE_URL) as s:
            expect_error(ApiError, 401, lambda: s.accounts.profile_retrieve())
            me = s.accounts.login_create(body=models.CredentialsRequest(username=username, password=PASSWORD))
            eq(me.username, username, "login response")
            eq(s.accounts.profile_retrieve().user.username, username, "profile via session")
            p = s.accounts.profile_partial_update(body=models.PatchedProfileRequest(bio="Archmage of Roke"))
            eq(p.bio, "Archmage of Roke", "PATCH via session + CSRF")
            b = s.library.books_create(body=models.BookRequest(title=f"{prefix} session book", price=Decimal("3")))
            eq(b.owner, username, "owner of a book created via session")
            s.library.books_destroy(id=b.id)
            expect_error(ApiError, 404, lambda: s.library.books_retrieve(id=b.id))
            s.accounts.logout_create()
            expect_error(ApiError, 401, lambda: s.accounts.profile_retrieve())
        return "raw PATCH without CSRF → 403; client login → GET, PATCH, POST, DELETE, logout pass; 401 after"

    steps.run("session-csrf", session)

    def session_shared() -> str:
        # One httpx client (one cookie jar) shared by both groups' clients: a
        # session login through `core` authenticates `files`, CSRF included.
        with httpx.Client() as http:
            core_api = Client(BASE_URL, http_client=http)
            files_api = FilesClient(BASE_URL, http_client=http)
            core_api.accounts.login_create(
                body=models.CredentialsRequest(username=username, password=PASSWORD)
            )
            a = files_api.media.attachments_upload_create(
                body=fmodels.AttachmentUploadRequest(file=File(b"shared", "shared.txt", "text/plain"))
            )
            eq(files_api.media.attachments_download_retrieve(id=a.id), b"shared", "download via session")
            files_api.media.attachments_destroy(id=a.id)
            core_api.accounts.logout_create()
            expect_error(FilesApiError, 401, lambda: files_api.media.attachments_list())
        return "login via core → multipart POST, GET, DELETE via files with the same jar; 401 after logout"

    steps.run("session-shared-across-groups", session_shared)

    def delete() -> str:
        api.library.books_destroy(id=state["book"])
        e = expect_error(ApiError, 404, lambda: anon.library.books_retrieve(id=state["book"]))
        eq(detail_of(e.body), "No Book matches the given query.", "404 detail")
        eq(e.field_errors(), {}, "no field errors on 404")
        fapi.media.attachments_destroy(id=state["att"])
        expect_error(FilesApiError, 404, lambda: fapi.media.attachments_retrieve(id=state["att"]))
        for i in state["ids"][1:]:
            api.library.books_destroy(id=i)
        eq(anon.library.books_list(search=prefix).count, 0, "no books of this run left")
        return f"deleted; retrieve → ApiError {e.status_code} {e.body!r}"

    steps.run("delete-then-404", delete)

    def not_found() -> str:
        e = expect_error(ApiError, 404, lambda: anon.library.authors_retrieve(id=987654321))
        check("application/json" in e.headers.get("content-type", ""), "headers carried")
        api.library.authors_destroy(id=state["author"])
        return f"authors/987654321 → {e.status_code}"

    steps.run("not-found-404", not_found)
    for c in (anon, api, fapi):
        c.close()


# --------------------------------------------------------------------------
# async: the same behaviours through AsyncClient


async def run_async(steps: Steps, prefix: str) -> None:
    username = f"{prefix}_user"
    state: dict[str, Any] = {"ids": []}
    anon = AsyncClient(BASE_URL + "/")

    async def register() -> str:
        u = await anon.accounts.register_create(
            body=models.RegisterRequest(username=username, email=f"{username}@example.org", password=PASSWORD)
        )
        eq(u.username, username, "registered username")
        t = await anon.accounts.token_create(body=models.CredentialsRequest(username=username, password=PASSWORD))
        state["token"] = t.token
        return f"user #{u.id}, token of {len(t.token)} chars"

    await steps.arun("register-and-token", register)
    api = AsyncClient(BASE_URL, token=state.get("token", "missing"))

    async def unauth() -> str:
        e = await aexpect_error(ApiError, 401, lambda: anon.accounts.profile_retrieve())
        p = await api.accounts.profile_retrieve()
        eq(p.user.username, username, "profile with token")
        return f"without token → {e.status_code}; with token → {p.user.username}"

    await steps.arun("auth-401-then-token", unauth)

    async def create() -> str:
        a = await api.library.authors_create(body=models.AuthorRequest(name=f"{prefix} Ursula"))
        state["author"] = a.id
        ids: list[int] = []
        for i in range(TOTAL):
            b = await api.library.books_create(
                body=models.BookRequest(
                    title=f"{prefix} Volume {i:02d}",
                    price=Decimal(f"{i + 1}.25"),
                    rating=RATINGS[i % 5],
                    author_id=a.id if i == 0 else None,
                    metadata={"i": i},
                )
            )
            check_book_types(b)
            eq(b.metadata, {"i": i}, "metadata")
            ids.append(b.id)
        state["ids"] = ids
        first = await api.library.books_retrieve(id=ids[0])
        check(first.author is not None and first.author.id == a.id, "nested author")
        return f"{TOTAL} books, first #{ids[0]} by author #{a.id}"

    await steps.arun("create", create)

    async def invalid() -> str:
        e = await aexpect_error(
            ApiError,
            400,
            lambda: api.library.books_create(body=models.BookRequest(title="forbidden", price=Decimal("-1"))),
        )
        eq(e.field_errors(), {"title": ["This title is not allowed."], "price": ["Price must not be negative."]}, "")
        return f"field_errors() = {e.field_errors()}"

    await steps.arun("validation-400-field-errors", invalid)

    async def listing() -> str:
        eq(len(state["ids"]), TOTAL, "books from create")
        await api.library.books_publish_create(id=state["ids"][0])
        page = await anon.library.books_list(search=prefix, status="published")
        eq([b.id for b in page.results], [state["ids"][0]], "status filter after the detail action")
        log: list[str] = []

        async def hook(r: httpx.Request) -> None:
            log.append(f"{r.method} {r.url}")

        hc = httpx.AsyncClient(base_url=BASE_URL, event_hooks={"request": [hook]})
        async with AsyncClient(BASE_URL, http_client=hc) as counting:
            seen = [b.id async for b in counting.library.books_list_all(search=prefix)]
        await hc.aclose()
        eq(seen, state["ids"], "async iterator: every item once, in order")
        check(len(log) >= 3, f"≥3 page requests, saw {log}")
        return f"filter → 1; books_list_all → {len(seen)} items over {len(log)} requests"

    await steps.arun("list-filter-and-pagination", listing)

    async def patch() -> str:
        bid = state["ids"][0]
        b = await api.library.books_partial_update(id=bid, body=models.PatchedBookRequest(title=f"{prefix} renamed"))
        eq((b.title, b.price, b.status), (f"{prefix} renamed", Decimal("1.25"), "published"), "after PATCH")
        eq((await anon.library.books_retrieve(id=bid)).title, f"{prefix} renamed", "persisted")
        return f"#{bid} renamed, price {b.price} kept"

    await steps.arun("retrieve-and-partial-update", patch)

    async def feed() -> str:
        items = await anon.library.feed_list(search=prefix)
        kinds = sorted({type(i).__name__ for i in items})
        eq(kinds, ["AuthorFeedItem", "BookFeedItem"], "member classes")
        return f"{len(items)} items of {kinds}"

    await steps.arun("polymorphic-oneof", feed)

    async def wire() -> str:
        word = "a & ü#%"
        r = await anon.library.echo_retrieve(word=word, tag=["x y"], x_trace="t", headers={"X-Extra": "e"})
        eq((r.word, r.tags, r.trace, r.extra), (word, ["x y"], "t", "e"), "echo")
        csv = await anon.library.books_export_retrieve(search=prefix)
        eq(len(csv.rstrip("\n").split("\n")), 1 + TOTAL, "CSV rows")
        return f"path {word!r}, query {r.query}; CSV of {TOTAL} rows"

    await steps.arun("wire-encoding-and-text", wire)

    data = test_bytes()[::-1]

    async def files_roundtrip() -> str:
        async with FilesAsyncClient(BASE_URL) as anon_files:
            await aexpect_error(FilesApiError, 401, lambda: anon_files.media.attachments_list())
        async with FilesAsyncClient(BASE_URL, token=state.get("token", "missing")) as f:
            a = await f.media.attachments_upload_create(
                body=fmodels.AttachmentUploadRequest(file=data, description="raw bytes")
            )
            eq(a.size, len(data), "size")
            got = await f.media.attachments_download_retrieve(id=a.id)
            check(got == data, f"downloaded {len(got)} bytes differ from the {len(data)} uploaded")
            await f.media.attachments_destroy(id=a.id)
            await aexpect_error(FilesApiError, 404, lambda: f.media.attachments_download_retrieve(id=a.id))
        return f"{len(data)} bytes up and back (plain bytes, no File), 401 anonymous, 404 after delete"

    await steps.arun("upload-download-binary", files_roundtrip)

    async def session() -> str:
        async with AsyncClient(BASE_URL) as s:
            await s.accounts.login_create(body=models.CredentialsRequest(username=username, password=PASSWORD))
            p = await s.accounts.profile_partial_update(body=models.PatchedProfileRequest(bio="async bio"))
            eq(p.bio, "async bio", "PATCH via session + CSRF")
            b = await s.library.books_create(body=models.BookRequest(title=f"{prefix} via session", price=Decimal(1)))
            eq(b.owner, username, "owner")
            await s.library.books_destroy(id=b.id)
            await s.accounts.logout_create()
            await aexpect_error(ApiError, 401, lambda: s.accounts.profile_retrieve())
        return "login → PATCH, POST, DELETE with CSRF → logout → 401"

    await steps.arun("session-csrf", session)

    async def delete() -> str:
        for i in state["ids"]:
            await api.library.books_destroy(id=i)
        e = await aexpect_error(ApiError, 404, lambda: anon.library.books_retrieve(id=state["ids"][0]))
        eq(detail_of(e.body), "No Book matches the given query.", "404 detail")
        await api.library.authors_destroy(id=state["author"])
        return f"deleted {len(state['ids'])}; retrieve → {e.status_code} {e.body!r}"

    await steps.arun("delete-then-404", delete)
    await anon.close()
    await api.close()


def main() -> int:
    sync_steps = Steps(f"{LABEL}-sync")
    print(f"{LABEL}: driving {core.__name__} {core.__version__} at {BASE_URL}, run {RUN}", flush=True)
    run_sync(sync_steps, f"pys{RUN}")
    async_steps = Steps(f"{LABEL}-async")
    asyncio.run(run_async(async_steps, f"pya{RUN}"))
    passed = sync_steps.passed + async_steps.passed
    failed = sync_steps.failed + async_steps.failed
    print(f"{LABEL}: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
