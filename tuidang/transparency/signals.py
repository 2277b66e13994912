"""What the sequencer tells the layers above it, without importing them.

`batch_sequenced` is sent by each step that appends entries, inside the step's
transaction, after the entries, tiles and log indices are written and before the
checkpoint is signed. Receivers write what follows from the batch in that same
transaction: stats keeps the counters (whose totals the checkpoint's tally line is then
read from) and records the milestones the batch crossed (tuidang/stats/counters.py). An
exception in a receiver rolls the whole step back, so the log, the counters and the
checkpoint never disagree. Arguments: `batch` (transparency.pending.Batch) and
`first_index` (the log index of its first entry).
"""

from django.dispatch import Signal

batch_sequenced = Signal()
