from datalint.cli import main

main()
