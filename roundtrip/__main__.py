"""`python -m roundtrip` is the same as the `roundtrip` console script."""

from roundtrip.cli import main

main()
