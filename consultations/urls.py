"""URLs of the module, mounted under /<municipality>/."""

app_name = "consultations"
urlpatterns: list = []
