from collections.abc import Mapping
from typing import Any

VERSION: int

class Encoder:
    def __init__(self, program: tuple[Any, ...], defs: tuple[tuple[Any, ...], ...], prefix: bytes) -> None: ...
    def __call__(self, datum: Mapping[str, Any], /) -> bytes: ...
