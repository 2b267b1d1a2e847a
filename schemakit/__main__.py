"""``python -m schemakit``: the same command line as the ``schemakit`` executable."""

from schemakit.entry import main

main()
