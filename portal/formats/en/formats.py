"""English dates for a French company's customers: Django's short English formats are American
(12/06/2026 is 6 December there and 12 June to most readers here), so the short forms name the month."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
