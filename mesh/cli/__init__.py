"""The imperative shell: `mesh` commands parse, call an engine, render, exit. Nothing imports it."""
