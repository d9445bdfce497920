"""`python -m embedscope`: the same as the `embedscope` command."""
from .cli import main

raise SystemExit(main())
