"""`field__any=[ids]`: `field = ANY(%s::bigint[])`, one array parameter, for the id lists
the visibility rules filter on (models.Viewer).

Django's `__in` prepares, binds and writes out a placeholder for every id: for a class of
30 the rules' lists came to 60 parameters and more, and building one highlight's access
check took longer than PostgreSQL took to plan and run it. An array is one parameter,
and PostgreSQL uses the same indexes for `= ANY(array)` as for `IN (...)`.
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False  # a list of ids, bound as one array

    def get_db_prep_lookup(self, value, connection):
        return "%s", [sorted(int(item) for item in value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


# A relation's lookups are its own (ForeignObject's), not a plain field's.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
