"""The skills heatmap on the large data set: over all time and over a period, wall and process CPU time.

    DATABASE_URL=sqlite:////tmp/large.db .venv/bin/python bench/heatmap.py

The database must hold `flask --app wsgi demo --size large` (after `db upgrade` and `content import`).
Prints the median of 9 runs of `reports.services.skill_heatmap` for the company (its regions shown),
the regions' children, and the company over a period with days at both edges. On a shared machine the
process CPU time is the steadier figure on SQLite, where the database runs in the process.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.people.models import Department  # noqa: E402
from app.reports import services  # noqa: E402

RUNS = 9


def median_ms(fn) -> tuple[float, float]:
    """Median wall and process CPU milliseconds of ``fn`` over :data:`RUNS` runs, after one to warm up."""
    fn()
    wall, cpu = [], []
    for _ in range(RUNS):
        started, used = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    app = create_app()
    with app.app_context():
        regions = list(db.session.scalars(select(Department.id).where(Department.parent_id.is_(None))))
        below = list(db.session.scalars(select(Department.id).where(Department.parent_id.in_(regions))))
        period = services.Period(date(2026, 3, 10), date(2026, 9, 20))
        cases = {
            "company, all time": lambda: services.skill_heatmap(regions),
            "the regions' children, all time": lambda: services.skill_heatmap(below),
            "company, 2026-03-10 to 2026-09-20": lambda: services.skill_heatmap(regions, period),
        }
        for name, fn in cases.items():
            wall, cpu = median_ms(fn)
            print(f"{name}: {wall:.1f} ms wall, {cpu:.1f} ms CPU", flush=True)


if __name__ == "__main__":
    main()
