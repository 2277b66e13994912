"""A helper's file of declarations (CSV or JSON Lines), read, checked with the one schema
in worker processes, and stored through intake (docs/import.md)."""
