"""Permissions of the CMS's geoportal, scoped per municipality.

Every municipality staff member (admin, moderator, official) prepares layers:
describes them, uploads their data and edits features on the map. Moderators
and admins decide what the public sees: they publish, unpublish and delete
layers. A platform admin may do everything.
"""

from __future__ import annotations

import rules

from edem.municipalities.rules import (
    is_municipality_moderator,
    is_municipality_official,
    is_platform_admin,
)

rules.add_perm("cms.manage_layer", is_platform_admin | is_municipality_official)
rules.add_perm("cms.publish_layer", is_platform_admin | is_municipality_moderator)
