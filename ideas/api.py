"""DRF views and serializers of the module."""
