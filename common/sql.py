"""Set-based writes the ORM has no verb for: INSERT … SELECT.

The SELECT is an ordinary queryset whose columns are annotations, in the
order of the target columns; it compiles to the right SQL on SQLite and
PostgreSQL, so the statement stays portable and takes one query however
many rows it writes.
"""

from string import Formatter

from django.db import connection
from django.db.models import CharField, Expression, Func, IntegerField, JSONField, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear


def insert_select(model, columns: dict[str, Expression], queryset: QuerySet) -> int:
    """INSERT INTO model (columns…) SELECT <expressions> FROM queryset; returns the rows written."""
    names = [f"_c{i}" for i in range(len(columns))]
    select = queryset.order_by().annotate(**dict(zip(names, columns.values(), strict=True))).values_list(*names)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {sql}", params)
        return cursor.rowcount


class FlatConcat(Func):
    """a || b || c, each part COALESCEd to ''. Django's Concat nests pairs, which
    overflows SQLite's parser stack for document-long texts; this stays flat."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = CharField()

    def __init__(self, *expressions, **extra):
        super().__init__(*[Coalesce(e, Value("")) for e in expressions], **extra)


def concat(*parts) -> Expression:
    return FlatConcat(*[Value(p) if isinstance(p, str) else p for p in parts])


def text(template: str, fields: dict[str, Expression]) -> Expression:
    """A str.format template as a SQL string expression: literals as values, fields as expressions."""
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        if literal:
            parts.append(Value(literal))
        if name is not None:
            parts.append(fields[name])
    return FlatConcat(*parts)


def chinese_date(field: str) -> Expression:
    """2026年11月21日 from a date column."""
    return FlatConcat(
        Cast(ExtractYear(field), CharField()),
        Value("年"),
        Cast(ExtractMonth(field), CharField()),
        Value("月"),
        Cast(ExtractDay(field), CharField()),
        Value("日"),
    )


def json_text(expression: Expression) -> Expression:
    """A string expression holding JSON, typed for a JSONField column."""
    if connection.vendor == "postgresql":
        return Cast(expression, JSONField())
    return expression


class DaysBetween(Func):
    """Whole days from ``earlier`` to ``later`` (two date expressions), as an integer."""

    output_field = IntegerField()

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is the number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )
