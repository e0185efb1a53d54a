"""The demo company: two regions, six branches, about forty employees, one account per role."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app.core.errors import DomainError
from app.core.permissions import Role
from app.extensions import db
from app.people import services
from app.people.models import User

DEMO_PASSWORD = "rapport-demo"

TREE = {
    "Центральный регион": {
        "Москва, Тверская": ["Операционный зал", "Касса"],
        "Москва, Арбат": ["Операционный зал"],
        "Тула, Советская": ["Операционный зал"],
    },
    "Северо-Западный регион": {
        "Санкт-Петербург, Невский": ["Операционный зал", "Контакт-центр"],
        "Санкт-Петербург, Московский": ["Операционный зал"],
        "Великий Новгород": ["Операционный зал"],
    },
}

FIRST_NAMES_F = ["Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Ирина", "Светлана", "Татьяна", "Юлия", "Дарья"]
FIRST_NAMES_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван", "Николай", "Павел", "Артём", "Егор"]
LAST_NAMES = [
    ("Иванов", "Иванова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Козлов", "Козлова"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Соловьёв", "Соловьёва"),
    ("Васильев", "Васильева"),
    ("Зайцев", "Зайцева"),
    ("Павлов", "Павлова"),
    ("Семёнов", "Семёнова"),
    ("Голубев", "Голубева"),
]

TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)

ACCOUNTS = [
    ("admin@example.com", "Виктор Админов", [Role.ADMIN, Role.HR], None),
    ("hr@example.com", "Елена Кадрова", [Role.HR], None),
    ("trainer@example.com", "Ольга Тренерова", [Role.TRAINER], None),
    ("shopper@example.com", "Игорь Проверкин", [Role.SHOPPER], None),
    ("employee@example.com", "Анна Сотникова", [Role.EMPLOYEE], "Центральный регион/Москва, Тверская/Операционный зал"),
]


def load_demo(seed: int = 7) -> str:
    """Create the demo company; raises DomainError if the database already has people."""
    if db.session.scalar(select(func.count(User.id))):
        raise DomainError("The database already has people; demo data was not loaded.")
    rng = random.Random(seed)
    cache: dict = {}
    teams = []
    for region, branches in TREE.items():
        for branch, team_names in branches.items():
            for team in team_names:
                teams.append(services.ensure_path(None, f"{region}/{branch}/{team}", cache))
    for email, name, roles, path in ACCOUNTS:
        dept = services.ensure_path(None, path, cache) if path else None
        services.create_user(None, email, name, dept, roles, password=DEMO_PASSWORD)
    used = set()
    count = 0
    while count < 40:
        female = rng.random() < 0.6
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)[1 if female else 0]
        if (first, last) in used:
            continue
        used.add((first, last))
        email = f"{first.lower().translate(TRANSLIT)}.{last.lower().translate(TRANSLIT)}@example.com"
        services.create_user(None, email, f"{first} {last}", teams[count % len(teams)], [Role.EMPLOYEE], DEMO_PASSWORD)
        count += 1
    return f"Demo company loaded: {len(teams)} teams, {count + len(ACCOUNTS)} people. Password for all: {DEMO_PASSWORD}"
