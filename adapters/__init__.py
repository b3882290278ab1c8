"""Platform adapters: one package per platform (telegram, discord, console)."""
