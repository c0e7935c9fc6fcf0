"""The geoportal: a municipality's open spatial data as map layers managed in the CMS.

Staff publish layers (zoning, municipal property, investment sites, permits,
energy efficiency of buildings...) from uploaded GeoJSON files or by editing
features one by one on a map; residents see them on one map page together
with the layers of the platform's own modules (budget projects, open-city
reports and works) and download them as open data.
"""
