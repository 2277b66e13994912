"""tuidang-witness: a C2SP tlog-witness that anyone can run, with nothing from Django.

A witness cosigns a log's checkpoint only if it is consistent with every checkpoint of
that log it cosigned before, so a log that shows one history to some and another to the
rest is caught as soon as both reach a witness. It keeps, per log, the size and root it
last cosigned in SQLite (``store.py``), checks each request against them and stores the
new ones in one transaction before answering (``core.py``), and serves the HTTP
interface (``server.py``) started by the console script (``cli.py``). It needs the
standard library, PyNaCl and ``tuidang.tlog``. How to run one: docs/witness.md.
"""
