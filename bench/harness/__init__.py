"""The benchmark harness behind ``bench/run.py``, one module per job.

* ``common``: paths, constants and number formatting shared by the others;
* ``measure``: run a command in its own process group, poll its memory, stop it at a cap;
* ``inputs``: the benchmark inputs (generated shops, Online Retail repeated N times);
* ``project``: the project's ``dbt build`` and its per-node timings;
* ``peers``: the notebook ways it is compared with;
* ``results``: medians over runs, ``results.json``;
* ``markdown``: the tables in ``BENCHMARKS.md``.
"""
