from pingan.cli import main

main()
