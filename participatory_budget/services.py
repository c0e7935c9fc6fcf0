"""Every write and state change of the module: <entity>_<verb>(*, actor, ...)."""
