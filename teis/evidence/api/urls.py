from .items import urlpatterns as item_urls
from .uploads import urlpatterns as upload_urls

urlpatterns: list = [*upload_urls, *item_urls]
