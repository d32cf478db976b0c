"""French dates and times as a sentence says them: Django's "7 décembre 2026 09:30" reads, in an email
("Nous vous contacterons le 7 décembre 2026 09:30"), as two numbers side by side; French writes
"le 7 décembre 2026 à 09:30". Every other format is Django's."""

DATETIME_FORMAT = "j F Y à H:i"
