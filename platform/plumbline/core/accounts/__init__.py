"""People's accounts, API tokens and sign-in."""
