"""`mesh products serve` refuses what it cannot serve before touching the network: exit 2, with why."""

from __future__ import annotations

import pytest

from mesh.cli.main import main


@pytest.mark.parametrize(("product", "message"), [
    ("claims.claims", "not compacted"),
    ("no.such", "no.such"),
])
def test_a_product_without_a_latest_record_per_key_is_refused(
    product: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["products", "serve", product])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
