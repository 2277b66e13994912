"""Personal API tokens of helpers. Only a keyed hash of a token is stored; dates, no times."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=60)
    # HMAC-SHA256 of the token under RECEIPT_KEY (receipts.keyed_hash("api-token", token)).
    digest = models.CharField(max_length=64, unique=True)
    # Set by tokens.create_token (China Standard Time): no default, since a callable of
    # ours as a default would put an import of project code into the migrations.
    created_on = models.DateField()
    last_used_on = models.DateField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["user", "id"], name="apitoken_user_id")]

    def __str__(self) -> str:
        return self.name
