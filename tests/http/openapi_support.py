"""The served OpenAPI document as a test helper: real answers checked against it.

``Contract.check`` validates one response against the document and remembers which documented
answers were seen; ``assert_every_success_checked`` then proves a test exercised every 2xx/3xx
answer of the operations with a given tag. The core routes are covered in ``test_openapi.py``;
each later area (tags listed in ``AREA_TAGS``) is covered by its own test module.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.http.http_support import browser

DOC_PATH = "/api/openapi.json"
DOC_URI = "urn:slice:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901), URI-encoded for use as a fragment."""
    return quote("".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts))


def template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")


def normalised(path: str) -> str:
    """``/api/meetings/{meeting_id}`` and ``/api/meetings/{meetingId}`` are the same route."""
    return re.sub(r"\{[^}]*\}", "{}", path)


class Contract:
    """The served document, and checks of real answers against it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.registry: Registry[Any] = Registry().with_resource(
            DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        # Literal paths before templated ones: /api/meetings/history is not /api/meetings/{meetingId}.
        self.templates = sorted(doc["paths"], key=lambda path: (path.count("{"), path))
        self.checked: set[tuple[str, str, str]] = set()

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, item in self.doc["paths"].items():
            for method in METHODS:
                if method in item:
                    yield method, path, item[method]

    def template(self, method: str, path: str) -> str:
        for template in self.templates:
            if template_pattern(template).match(path) and method in self.doc["paths"][template]:
                return template
        raise AssertionError(f"{method.upper()} {path} is not documented")

    def resolve(self, node: dict[str, Any], *where: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Follow a local ``$ref`` (responses, headers); returns the object and its pointer parts."""
        if "$ref" in node:
            parts = tuple(node["$ref"].removeprefix("#/").split("/"))
            target = self.doc
            for part in parts:
                target = target[part]
            return target, parts
        return node, where

    def validate(self, value: Any, *where: str) -> None:
        validator = OAS31Validator({"$ref": f"{DOC_URI}#{pointer(*where)}"}, registry=self.registry)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        assert not errors, f"{'/'.join(where)}: {value!r}: " + "; ".join(e.message for e in errors)

    async def check(self, resp: ClientResponse) -> Any:
        """Assert the answer is documented for its status and matches it; return the JSON body (or None)."""
        method, path = resp.method.lower(), resp.url.path
        template = self.template(method, path)
        responses = self.doc["paths"][template][method]["responses"]
        status = str(resp.status)
        assert status in responses, f"{method.upper()} {template}: status {status} is not documented"
        self.checked.add((method, template, status))
        documented, where = self.resolve(responses[status], "paths", template, method, "responses", status)
        for name, header_ref in documented.get("headers", {}).items():
            header, header_at = self.resolve(header_ref, *where, "headers", name)
            if header.get("required"):
                assert name in resp.headers, f"{method.upper()} {template} {status}: header {name} missing"
                raw = resp.headers[name]
                value: Any = int(raw) if header["schema"].get("type") == "integer" else raw
                self.validate(value, *header_at, "schema")
        if "content" not in documented:
            assert await resp.read() == b"", f"{method.upper()} {template} {status}: unexpected body"
            return None
        if "application/json" not in documented["content"]:  # a file (attendance CSV, a shared file): its type
            family = resp.content_type.split("/")[0] + "/*"
            assert resp.content_type in documented["content"] or family in documented["content"], (
                method, template, status, resp.content_type)
            return await resp.text() if resp.content_type.startswith("text/") else await resp.read()
        assert resp.content_type == "application/json", (method, template, status, resp.content_type)
        body = await resp.json()
        self.validate(body, *where, "content", "application/json", "schema")
        return body


async def contract_of(api: TestClient) -> Contract:
    async with browser(api) as anonymous:
        resp = await anonymous.get(DOC_PATH)
        assert resp.status == 200
        return Contract(await resp.json())


def successes(
    contract: Contract, *, tags: set[str] | None = None, exclude: frozenset[str] | set[str] = frozenset()
) -> set[tuple[str, str, str]]:
    """The documented 2xx/3xx answers of operations with one of ``tags`` (all when None), minus ``exclude`` tags."""
    found: set[tuple[str, str, str]] = set()
    for method, path, op in contract.operations():
        op_tags = set(op.get("tags", ()))
        if (tags is not None and not op_tags & tags) or op_tags & exclude:
            continue
        found |= {(method, path, status) for status in op["responses"] if status.startswith(("2", "3"))}
    return found


def assert_every_success_checked(contract: Contract, *tags: str) -> None:
    documented = successes(contract, tags=set(tags))
    assert documented, f"no operation is tagged {tags}"
    assert documented - contract.checked == set(), "documented success answers this test does not exercise"
