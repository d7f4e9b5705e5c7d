"""指挥调度 → 调度阈值设置: the command centre edits the thresholds of fix filtering and alarms (audited)."""

from django.urls import path

from teis.core.settings_record import SettingsRecordView

from ..models import DispatchSettings


class DispatchSettingsView(SettingsRecordView):
    model = DispatchSettings
    title = "调度阈值设置"
    note = "定位过滤、越界与未登录行驶告警、离线判定、轨迹停留识别与数据保留的阈值。保存后各服务进程在 10 秒内生效。"


urlpatterns = [path("thresholds/", DispatchSettingsView.as_view(), name="thresholds")]
