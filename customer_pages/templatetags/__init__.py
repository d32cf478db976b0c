"""Template tags of the customer's pages."""
