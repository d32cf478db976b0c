"""Demo logins and synthetic customers for development and demos; loaded only by the dev, test and bench settings."""
