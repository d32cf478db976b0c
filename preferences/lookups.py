"""`field__any=[...]`: membership in a long list as one array parameter on PostgreSQL.

`field__in` sends one parameter per value: for a batch of 1,000 ids or 2,000 address hashes, building
and binding them cost more than the query. `= ANY(%s)` sends the list as one array. Other databases
get the same `IN (…)` as `__in`."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup

from common.db import is_postgresql


class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=False) for value in self.rhs]
        if is_postgresql(connection):
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(Any)
ForeignObject.register_lookup(Any)  # foreign keys keep lookups of their own (customer_id__any=…)
