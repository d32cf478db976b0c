"""English dates for a French company's customers: Django's English formats are American (12/06/2026
is 6 December there and 12 June to most readers here; "Dec. 14, 2026, noon" and "12:01 a.m." end
with a full stop that doubles at the end of a sentence), so every form names the month, day first,
with a 24-hour clock, as the French pages do."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
