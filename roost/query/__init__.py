"""AWS Config's advanced query language (SelectResourceConfig), compiled to SQL on the store.

parse (sqlglot, checked against AWS's subset) -> tree -> compile (SQLAlchemy Core; dialects holds the
SQLite/PostgreSQL JSON differences) -> run (paging, rows nested by path; run_query, changed_between).
"""
