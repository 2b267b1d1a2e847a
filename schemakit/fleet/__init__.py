"""One schema, many databases: ``plan --targets`` and ``apply --targets``.

- ``targets``: the targets file (URLs, names, groups, order, queries that list URLs);
- ``run``: planning and applying every target concurrently, with bounded parallelism,
  canaries, an on-error policy and clean interruption;
- ``report``: the live status table, the plans grouped by state, the JSON report.
"""
