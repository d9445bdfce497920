"""One module per `embedscope` subcommand; `cli.py` assembles them."""
