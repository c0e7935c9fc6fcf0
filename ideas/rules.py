"""Permissions of the module, declared with django-rules predicates."""
