"""URLs of the module, mounted under /<municipality>/."""

app_name = "participatory_budget"
urlpatterns: list = []
