from schemakit.cli import main

main()
