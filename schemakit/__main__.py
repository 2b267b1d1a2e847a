from schemakit.entry import main

main()
