"""Demo data: the small demo company (``company``) and the company-scale data set (``large``).

Not part of the app: ``wsgi.py`` adds the ``flask demo`` command (``demo.cli``), which production
refuses, and the tests and benchmarks use it to fill a database.
"""
