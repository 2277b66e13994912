"""The public pages (under i18n_patterns; URL names without a namespace)."""

from django.urls import path, register_converter

from tuidang.public import attestation, contest, statements, views


class DateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str):
        import datetime

        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None

    def to_url(self, value) -> str:
        return value.isoformat()


register_converter(DateConverter, "isodate")

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("declare/", views.declare, name="declare"),
    path("receipt/", views.receipt, name="receipt"),
    path("receipt/retract/", views.retract, name="retract"),
    path("receipt/proof/", views.receipt_proof, name="receipt_proof"),
    path("receipt/entry/", views.receipt_entry, name="receipt_entry"),
    path("receipt/issued/", views.receipt_issued, name="receipt_issued"),
    path("receipt/text/", views.receipt_text, name="receipt_text"),
    path("receipt/attestation/", attestation.attestation, name="receipt_attestation"),
    path("privacy/declarants/", views.declarant_privacy, name="declarant_privacy"),
    path("contest/", contest.contest, name="contest"),
    path("contest/status/", contest.contest_status, name="contest_status"),
    path("statements/", statements.statement_list, name="statements"),
    path("statements/featured/", statements.featured_list, name="statements_featured"),
    path("statements/<isodate:day>/", statements.statement_day, name="statements_day"),
    path("statements/<int:serial>/", statements.statement_detail, name="statement"),
]
