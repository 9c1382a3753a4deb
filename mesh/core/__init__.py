"""The shared kernel: errors, settings, naming. Imports nothing else from `mesh`."""
