"""Hardened OpenID Connect login (a drop-in for allauth's generic provider)."""
