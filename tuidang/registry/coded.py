"""Choices kept in the database as one-character codes, and as their values everywhere else.

A declaration's status, channel and statement status were stored as their words
('accepted' is 9 bytes with its length, 'self' 5), which with alignment was a sizeable
share of a one-person declaration's row on PostgreSQL (docs/performance.md). Python
code, forms, templates, the API and the log keep the words; only the column holds the
code. The ORM converts both ways (`get_prep_value`, `from_db_value`); code that reads or
writes rows around the ORM, for speed, converts with the field's `codes` and `values`
itself (intake/bulk.py, transparency/pending.py and sequencer.py), or asks the field
(storage.set_log_indices).
"""

from django.core import checks
from django.db import models


class CodedChoiceField(models.CharField):
    """A CharField with choices whose column holds `codes[value]` instead of the value."""

    def __init__(self, *args, codes: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = dict(codes)
        self.values = {code: value for value, code in self.codes.items()}

    def deconstruct(self):
        """As the CharField the column is: migrations name only Django's classes, never
        this module, so they never import project code. A data migration that reads or
        writes these columns sees the codes, not the words; a partial index whose
        condition names a value writes the code itself (Declaration.Meta.indexes)."""
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def clone(self):
        """A copy of this field with its codes (Field.clone goes through deconstruct)."""
        _name, _path, args, kwargs = self.deconstruct()
        return self.__class__(*args, codes=self.codes, **kwargs)

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        values = {str(value) for value, _label in self.flatchoices}
        if set(self.codes) != values or len(self.values) != len(self.codes) or any(
                len(code) != 1 for code in self.values):
            errors.append(checks.Error(
                "codes must give every choice a distinct one-character code", obj=self,
                id="tuidang.E001"))
        return errors

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return self.codes.get(value, value)

    def from_db_value(self, value, expression, connection):
        return self.values.get(value, value)
