from .views import urlpatterns as petition_urls

urlpatterns: list = [*petition_urls]
