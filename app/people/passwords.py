"""The one password rule, for every place a password is set: long enough and not a common one."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 200
# Django's list of 20,000 common passwords, lowercased (see app/data/README.md for its source and licence).
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common passwords, lowercased; read once per process."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(stripped for line in lines if (stripped := line.strip()))


def check_new_password(password: str | None, field: str | None = None) -> None:
    """Raise DomainError (naming ``field``) unless ``password`` may be chosen: 10 to 200 characters and
    not on the list of common passwords, whatever its letter case."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise DomainError(_l("The password must be at least %(min)d characters long.", min=MIN_LENGTH), field=field)
    if len(password) > MAX_LENGTH:
        raise DomainError(_l("The password can be at most %(max)d characters long.", max=MAX_LENGTH), field=field)
    if password.strip().lower() in common_passwords():
        raise DomainError(
            _l("This password is one of the most common ones and easy to guess. Choose another."), field=field
        )
