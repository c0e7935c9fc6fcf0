"""Forms of the module's pages."""
