"""Loaded by Python at start-up when this folder is on PYTHONPATH: the network guard (netguard.py) in every process.

It takes the place of the interpreter's own `sitecustomize`, if it has one (Debian's only installs its crash reporter,
apport, where that is installed)."""
import netguard  # noqa: F401  (installs the guard on import)
