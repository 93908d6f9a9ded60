"""Dutch school holidays per region for 2026-2027 and 2027-2028.

Dates as published by the Rijksoverheid (rijksoverheid.nl, "Schoolvakanties"), written down
from memory: the Christmas and May holidays are the same for all regions and fairly certain;
the autumn, spring and summer dates per region follow the published rotation but have NOT been
checked against the source here — verify them before relying on them. Editable in the admin.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import migrations

N, M, Z = "noord", "midden", "zuid"

HOLIDAYS: list[tuple[str, str, date, date]] = [
    # 2026-2027
    ("Herfstvakantie", N, date(2026, 10, 17), date(2026, 10, 25)),
    ("Herfstvakantie", M, date(2026, 10, 17), date(2026, 10, 25)),
    ("Herfstvakantie", Z, date(2026, 10, 10), date(2026, 10, 18)),
    ("Kerstvakantie", N, date(2026, 12, 19), date(2027, 1, 3)),
    ("Kerstvakantie", M, date(2026, 12, 19), date(2027, 1, 3)),
    ("Kerstvakantie", Z, date(2026, 12, 19), date(2027, 1, 3)),
    ("Voorjaarsvakantie", N, date(2027, 2, 20), date(2027, 2, 28)),
    ("Voorjaarsvakantie", M, date(2027, 2, 13), date(2027, 2, 21)),
    ("Voorjaarsvakantie", Z, date(2027, 2, 6), date(2027, 2, 14)),
    ("Meivakantie", N, date(2027, 4, 24), date(2027, 5, 2)),
    ("Meivakantie", M, date(2027, 4, 24), date(2027, 5, 2)),
    ("Meivakantie", Z, date(2027, 4, 24), date(2027, 5, 2)),
    ("Zomervakantie", N, date(2027, 7, 10), date(2027, 8, 22)),
    ("Zomervakantie", M, date(2027, 7, 17), date(2027, 8, 29)),
    ("Zomervakantie", Z, date(2027, 7, 24), date(2027, 9, 5)),
    # 2027-2028
    ("Herfstvakantie", N, date(2027, 10, 16), date(2027, 10, 24)),
    ("Herfstvakantie", M, date(2027, 10, 23), date(2027, 10, 31)),
    ("Herfstvakantie", Z, date(2027, 10, 16), date(2027, 10, 24)),
    ("Kerstvakantie", N, date(2027, 12, 25), date(2028, 1, 9)),
    ("Kerstvakantie", M, date(2027, 12, 25), date(2028, 1, 9)),
    ("Kerstvakantie", Z, date(2027, 12, 25), date(2028, 1, 9)),
    ("Voorjaarsvakantie", N, date(2028, 2, 19), date(2028, 2, 27)),
    ("Voorjaarsvakantie", M, date(2028, 2, 26), date(2028, 3, 5)),
    ("Voorjaarsvakantie", Z, date(2028, 2, 19), date(2028, 2, 27)),
    ("Meivakantie", N, date(2028, 4, 22), date(2028, 4, 30)),
    ("Meivakantie", M, date(2028, 4, 22), date(2028, 4, 30)),
    ("Meivakantie", Z, date(2028, 4, 22), date(2028, 4, 30)),
    ("Zomervakantie", N, date(2028, 7, 22), date(2028, 9, 3)),
    ("Zomervakantie", M, date(2028, 7, 8), date(2028, 8, 20)),
    ("Zomervakantie", Z, date(2028, 7, 15), date(2028, 8, 27)),
]


def load(apps: Any, schema_editor: Any) -> None:
    holiday = apps.get_model("planning", "SchoolHoliday")
    for name, region, starts_on, ends_on in HOLIDAYS:
        holiday.objects.get_or_create(
            region=region, name=name, starts_on=starts_on, defaults={"ends_on": ends_on}
        )


def unload(apps: Any, schema_editor: Any) -> None:
    holiday = apps.get_model("planning", "SchoolHoliday")
    for name, region, starts_on, _ends_on in HOLIDAYS:
        holiday.objects.filter(region=region, name=name, starts_on=starts_on).delete()


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
