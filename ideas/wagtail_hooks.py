"""Staff screens of the module as Wagtail viewsets."""
