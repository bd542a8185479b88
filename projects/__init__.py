"""Projects, organisations, the five responsible parties and their leaders over time."""
