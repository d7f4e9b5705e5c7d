from .views import urlpatterns as inspection_urls

urlpatterns: list = [*inspection_urls]
