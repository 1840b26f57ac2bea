"""Django's PostgreSQL backend, with one change for the test suite: emptying the database.

A transactional test (`django_db(transaction=True)`: the browser journeys, the Celery workers,
the races) ends with Django's `flush`, which on PostgreSQL is one `TRUNCATE` of all ~50 tables.
TRUNCATE makes new files for every table and index and takes an exclusive lock on each, so it
costs about a second even when the tables hold a few rows; `DELETE FROM` each table, in one
transaction with the (deferrable) foreign keys checked at its commit, empties the same tables
in a fraction of that. Used only by incubator.settings.test; the tests still run on PostgreSQL.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')};"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
