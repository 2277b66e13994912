"""The closed vocabularies of a declaration: organizations, regions, sectors, channels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tuidang.tlog.fields import ORGANIZATIONS  # noqa: F401 (the log's, in its order)


class Organization(models.TextChoices):
    # Worded by who may quit, not who may join: an adult who once wore the red scarf
    # quits the Young Pioneers as validly as a child (docs/i18n.md, the glossary).
    PARTY = "party", _("Quit the Party: anyone who joined the Chinese Communist Party")
    LEAGUE = "league", _("Quit the League: anyone who joined the Communist Youth League, "
                         "however long ago")
    PIONEERS = "pioneers", _("Quit the Pioneers: anyone who wore the red scarf, adults too")


# What an organization is called where a person's organizations are listed (the attestation),
# as opposed to the form's labels above, which say who may quit it.
ORGANIZATION_NAMES = {
    Organization.PARTY.value: pgettext_lazy("organization", "Chinese Communist Party"),
    Organization.LEAGUE.value: pgettext_lazy("organization", "Communist Youth League"),
    Organization.PIONEERS.value: pgettext_lazy("organization", "Young Pioneers"),
}


class Channel(models.TextChoices):
    SELF = "self", _("Declared by themselves")
    IN_PERSON = "in-person", _("Through a helper, in person")
    PHONE = "phone", _("Through a helper, by phone")
    HOTLINE = "hotline", _("Through the hotline")
    EMAIL = "email", _("Through a helper, by e-mail")
    IMPORT = "import", _("Imported")


HELPER_CHANNELS = [Channel.IN_PERSON, Channel.PHONE, Channel.HOTLINE, Channel.EMAIL]

# The one-character codes the database keeps for a declaration's status, channel and
# statement status (registry/coded.py). Never change a code: rows hold them.
STATUS_CODES = {"received": "r", "held": "h", "accepted": "a", "rejected": "x",
                "revoked": "v"}
STATEMENT_STATUS_CODES = {"none": "n", "pending": "p", "approved": "a", "rejected": "x"}
CHANNEL_CODES = {"self": "s", "in-person": "i", "phone": "p", "hotline": "h", "email": "e",
                 "import": "m"}


class Sector(models.TextChoices):
    OFFICIAL = "official", _("Government official")
    DIPLOMAT = "diplomat", _("Diplomat")
    JUDICIARY = "judiciary", _("Judiciary or lawyer")
    POLICE = "police", _("Police")
    MILITARY = "military", _("Military")
    TEACHER = "teacher", _("Teacher")
    SOE = "soe", _("State-owned enterprise")
    STUDENT = "student", _("Student")
    OTHER = "other", pgettext_lazy("sector", "Other")


class Region(models.TextChoices):
    BEIJING = "beijing", _("Beijing")
    TIANJIN = "tianjin", _("Tianjin")
    HEBEI = "hebei", _("Hebei")
    SHANXI = "shanxi", _("Shanxi")
    INNER_MONGOLIA = "inner-mongolia", _("Inner Mongolia")
    LIAONING = "liaoning", _("Liaoning")
    JILIN = "jilin", _("Jilin")
    HEILONGJIANG = "heilongjiang", _("Heilongjiang")
    SHANGHAI = "shanghai", _("Shanghai")
    JIANGSU = "jiangsu", _("Jiangsu")
    ZHEJIANG = "zhejiang", _("Zhejiang")
    ANHUI = "anhui", _("Anhui")
    FUJIAN = "fujian", _("Fujian")
    JIANGXI = "jiangxi", _("Jiangxi")
    SHANDONG = "shandong", _("Shandong")
    HENAN = "henan", _("Henan")
    HUBEI = "hubei", _("Hubei")
    HUNAN = "hunan", _("Hunan")
    GUANGDONG = "guangdong", _("Guangdong")
    GUANGXI = "guangxi", _("Guangxi")
    HAINAN = "hainan", _("Hainan")
    CHONGQING = "chongqing", _("Chongqing")
    SICHUAN = "sichuan", _("Sichuan")
    GUIZHOU = "guizhou", _("Guizhou")
    YUNNAN = "yunnan", _("Yunnan")
    TIBET = "tibet", _("Tibet")
    SHAANXI = "shaanxi", _("Shaanxi")
    GANSU = "gansu", _("Gansu")
    QINGHAI = "qinghai", _("Qinghai")
    NINGXIA = "ningxia", _("Ningxia")
    XINJIANG = "xinjiang", _("Xinjiang")
    HONG_KONG = "hong-kong", _("Hong Kong")
    MACAU = "macau", _("Macau")
    TAIWAN = "taiwan", _("Taiwan")
    OVERSEAS = "overseas", _("Overseas")
