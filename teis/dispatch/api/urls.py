from django.urls import path

from . import duty, live, positions, tracks

urlpatterns: list = [
    path("live/", live.LiveDeltaView.as_view(), name="dispatch-live"),
    path("live/layers/", live.LiveLayersView.as_view(), name="dispatch-live-layers"),
    path("vehicles/<int:pk>/text/", live.SendTextView.as_view(), name="dispatch-send-text"),
    path("commands/<int:pk>/", live.CommandStatusView.as_view(), name="dispatch-command"),
    path("alarms/<int:pk>/file-case/", live.AlarmFileCaseView.as_view(), name="dispatch-alarm-case"),
    path("osmand/", positions.OsmAndView.as_view(), name="dispatch-osmand"),
    path("mobile/positions/", positions.MobilePositionView.as_view(), name="dispatch-mobile-positions"),
    path("tracks/<int:pk>/", tracks.TrackView.as_view(), name="dispatch-track"),
    path("sign-in/", duty.SignInView.as_view(), name="dispatch-sign-in"),
]
