from django.urls import path

from . import dictionary_views, views

urlpatterns = [
    path("dictionaries/<slug:type_code>/", dictionary_views.DictionaryItemsView.as_view(), name="api_dictionary"),
    path("auth/logout/", views.TokenLogoutView.as_view(), name="api_token_logout"),
    path("me/", views.MeView.as_view(), name="api_me"),
    path("todos/", views.TodoListView.as_view(), name="api_todos"),
    path("notifications/", views.NotificationListView.as_view(), name="api_notifications"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="api_notifications_read"),
]
