"""common.db: the one place that asks which database the project runs on."""

from django.db import connection, connections

from common.db import is_postgresql


def test_is_postgresql_answers_for_the_default_connection_or_the_one_given():
    assert is_postgresql() == (connection.vendor == "postgresql")
    assert is_postgresql(connections["default"]) == (connections["default"].vendor == "postgresql")
