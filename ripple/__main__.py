from ripple.cli import main

main()
