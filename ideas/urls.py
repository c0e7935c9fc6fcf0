"""URLs of the module, mounted under /<municipality>/."""

app_name = "ideas"
urlpatterns: list = []
