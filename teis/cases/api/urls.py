from .case import urlpatterns as case_urls
from .dispatch import urlpatterns as dispatch_urls
from .objects import urlpatterns as object_urls
from .query import urlpatterns as query_urls

urlpatterns: list = [*case_urls, *query_urls, *dispatch_urls, *object_urls]
