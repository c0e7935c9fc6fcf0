"""Authentication backends that load the person's verified identity with the account.

Nearly every participation request asks for ``request.user.identity``; loading
both in the one query of the session lookup saves a round trip per request.
That query runs on every request of a logged-in person, so each process
compiles it once and afterwards only sends it: building the SQL of a join of
two wide tables was the largest share of a signature's CPU time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _AccountQuery:
    """The account-with-identity query of one database, compiled once."""

    sql: str
    compiler: SQLCompiler
    model: Any
    init_list: list[str]
    start: int
    end: int
    populators: list
    converters: dict


_compiled: dict[str, _AccountQuery] = {}
_compiling = threading.Lock()


def _account_query(using: str) -> _AccountQuery:
    query = _compiled.get(using)
    if query is not None:
        return query
    with _compiling:
        model = get_user_model()
        queryset = model._default_manager.using(using).select_related("identity").filter(pk=0)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if list(params) != [0]:  # the primary key must be the query's only parameter
            raise RuntimeError(f"Unexpected account query parameters: {params!r}")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        query = _AccountQuery(
            sql=sql, compiler=compiler, model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start, end=end,
            populators=get_related_populators(klass_info, select, using),
            converters=compiler.get_converters([column[0] for column in select]),
        )
        _compiled[using] = query
        return query


def account_with_identity(user_id) -> Any | None:
    """The account of ``user_id`` with its identity attached, or None.

    The same objects ``User.objects.select_related("identity").get(pk=...)``
    would build (the database's values converted the same way), from SQL
    compiled once per process.
    """
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    using = router.db_for_read(model)
    query = _account_query(using)
    with connections[using].cursor() as cursor:
        cursor.execute(query.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    if query.converters:
        row = next(iter(query.compiler.apply_converters([row], query.converters)))
    user = query.model.from_db(using, query.init_list, row[query.start:query.end])
    for populator in query.populators:
        populator.populate(row, user)
    return user


class IdentityLoadingMixin:
    def get_user(self, user_id):
        user = account_with_identity(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class PasswordBackend(IdentityLoadingMixin, ModelBackend):
    """Staff password accounts (Django's model backend)."""


class AccountBackend(IdentityLoadingMixin, AuthenticationBackend):
    """Accounts logged in through allauth (identity providers)."""
