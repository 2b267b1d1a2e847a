"""Local PostgreSQL servers and throw-away databases.

- :mod:`schemakit.server.embedded`: the embedded server (start, stop, status);
- :mod:`schemakit.server.baseline`: the minimal Supabase platform (auth, storage, roles);
- :mod:`schemakit.server.shadow`: template and temporary databases.
"""
