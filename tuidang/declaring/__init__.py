"""The declaration form, shared by declarants' and helpers' pages: its fields as the
browser sees them (`forms`), the flow of a post (`flow`), the receipt page (`receipt_page`)
and the express lane in front of Django (`express`)."""
