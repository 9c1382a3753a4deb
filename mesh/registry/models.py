"""The REST request bodies of the Confluent Schema Registry API (pydantic), and their parsing.

Bodies are parsed by hand (not by FastAPI's signature binding) so a malformed body answers with the
Confluent error body: 400 for text that is not JSON, 422 naming the field for JSON of the wrong shape.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from mesh.registry.errors import MalformedRequestError, UnprocessableRequestError

MAX_INT = 2**31 - 1  # ids and versions are Java ints in the Confluent API


class ReferenceBody(BaseModel):
    """`{"name": ..., "subject": ..., "version": ...}`: a named type taken from another subject."""

    model_config = ConfigDict(extra="ignore")

    name: str
    subject: str
    version: int = Field(ge=1, le=MAX_INT)


class SchemaBody(BaseModel):
    """Body of register, lookup and compatibility requests."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_: str = Field(alias="schema")
    schema_type: str | None = Field(default=None, alias="schemaType")
    references: list[ReferenceBody] = Field(default_factory=list)
    metadata: Any = None
    rule_set: Any = Field(default=None, alias="ruleSet")
    id: int | None = Field(default=None, ge=1, le=MAX_INT)
    version: int | None = Field(default=None, ge=1, le=MAX_INT)


class ConfigBody(BaseModel):
    """Body of PUT /config: the client libraries send `compatibility`, some tools `compatibilityLevel`.

    `refuseSemanticBreaks` (ours, opt-in, like Confluent's `normalize` a config field): true makes
    registration refuse the semantic breaks of mesh.compat.semantic (logical types, units) that Avro
    resolution lets through; they are always reported in verbose compatibility answers.
    """

    model_config = ConfigDict(extra="ignore")

    compatibility: str | None = None
    compatibilityLevel: str | None = None
    refuseSemanticBreaks: StrictBool | None = None

    @property
    def level(self) -> str | None:
        return self.compatibility or self.compatibilityLevel


class ModeBody(BaseModel):
    """Body of PUT /mode."""

    model_config = ConfigDict(extra="ignore")

    mode: str


Body = TypeVar("Body", bound=BaseModel)


def parse_body(raw: bytes, model: type[Body]) -> Body:
    """Parse a request body into `model`, raising the Confluent-style 400 / 422 errors."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedRequestError(
            f"Request body is not valid JSON: {exc}",
            hint="send a JSON object with Content-Type application/vnd.schemaregistry.v1+json",
        ) from exc
    if not isinstance(data, dict):
        raise UnprocessableRequestError(
            f"Request body must be a JSON object, got {type(data).__name__}", hint="wrap the fields in {...}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}" for err in exc.errors()
        )
        raise UnprocessableRequestError(
            f"Unprocessable request body: {problems}", hint=f"send the fields of {model.__name__}"
        ) from exc
