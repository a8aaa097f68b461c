"""polyledger flows and command line."""
