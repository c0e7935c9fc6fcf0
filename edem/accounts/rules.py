"""Permissions of the accounts app."""

import rules

from edem.municipalities.rules import is_municipality_admin, is_platform_admin

rules.add_perm("accounts.confirm_residency", is_platform_admin | is_municipality_admin)
