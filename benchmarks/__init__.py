"""teamgraph's benchmarks: ``make bench`` (``uv run python -m benchmarks``).

Each benchmark is a module with ``NAME``, ``TITLE``, ``run(args) -> dict`` and
``markdown(result) -> str``, listed in :data:`benchmarks.runner.BENCHMARKS`. The runner prints
each one's figures and replaces that benchmark's section of ``benchmarks/RESULTS.md`` (between
``<!-- benchmark:NAME -->`` markers), leaving the other sections as they are.

Benchmarks print figures and ratios; they never fail a test run, and no test asserts a timing
(figures belong in RESULTS.md). ``tests/test_benchmarks_smoke.py`` only proves the code path works
on a tiny shop.
"""
