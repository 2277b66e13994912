"""Intake: declarations the schema validated, stored durably with their receipt codes.

`service` is what every channel calls (receive, receive_many); `actions` stores in one
transaction; `bulk` makes rows ready and writes many at once; `groupcommit` lets
concurrent requests share one commit. See docs/architecture.md.
"""
