from .checkpoints import urlpatterns as checkpoint_urls
from .views import urlpatterns as view_urls

urlpatterns: list = [*view_urls, *checkpoint_urls]
