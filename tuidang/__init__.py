"""tuidang: a registry of declarations of withdrawal with a verifiable public log."""
