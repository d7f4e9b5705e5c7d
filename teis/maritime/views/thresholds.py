"""水上执法 → 水上告警阈值: the command centre edits the smart-alert thresholds and risk weights (audited)."""

from django.urls import path

from teis.core.settings_record import SettingsRecordView

from ..models import MaritimeSettings


class MaritimeSettingsView(SettingsRecordView):
    model = MaritimeSettings
    title = "水上告警阈值"
    note = "AIS 消失、停船与漂航判定、感知融合与船舶风险评分的参数。保存后各服务进程在 10 秒内生效。"


urlpatterns = [path("thresholds/", MaritimeSettingsView.as_view(), name="thresholds")]
