"""`python -m domains.clinical`: the clinical domain service as a program (see domains/wiring.py)."""

import typer

from domains.wiring import service_main

if __name__ == "__main__":
    typer.run(service_main("clinical"))
