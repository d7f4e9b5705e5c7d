"""The layouts the catalogue's initial templates are generated from: a letter (通知书 / 决定书), a form table
(登记表 / 审批表 / 凭证), a 笔录 with its questions and answers, a list (清单), the 送达回证, the 卷宗封面 and the
卷内目录. In the layouts `[[key]]` is a filled-in placeholder (`<span class="fill">{{ key }}</span>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EXT = '{% extends "documents/base.html" %}\n'


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    category: str
    abbr: str
    steps: tuple[str, ...]
    layout: str  # letter | form | record | list | receipt | cover | toc
    content: tuple = ()
    required: tuple[str, ...] = ("case.code", "party.name")
    copies: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    official: bool = True
    extra: dict = field(default_factory=dict)


def _fill(text: str) -> str:
    return re.sub(r"\[\[([\w.]+)\]\]", r'<span class="fill">{{ \1 }}</span>', text)


def _letter(spec: Spec) -> str:
    paras = "\n".join(f'<p class="para">{_fill(p)}</p>' for p in spec.content)
    to = '<p class="to"><span class="fill">{{ party.name }}</span>：</p>\n' if spec.extra.get("to", True) else ""
    return f"{EXT}{{% block body %}}\n{to}{paras}\n{{% endblock %}}\n"


def _form(spec: Spec) -> str:
    rows = []
    for row in spec.content:
        label, value = row[0], _fill(row[1])
        cls = f' class="{row[2]}"' if len(row) > 2 else ""
        if label.startswith("|"):  # two label/value pairs in one row
            l1, v1, l2, v2 = label[1:], value, row[2], _fill(row[3])
            rows.append(f"<tr><th>{l1}</th><td>{v1}</td><th>{l2}</th><td>{v2}</td></tr>")
        else:
            rows.append(f'<tr><th>{label}</th><td colspan="3"{cls}>{value}</td></tr>')
    table = '<table class="form">\n' + "\n".join(rows) + "\n</table>"
    sign = "" if spec.extra.get("seal", True) else "{% block sign %}{% endblock %}\n"
    return f"{EXT}{sign}{{% block body %}}\n{table}\n{{% endblock %}}\n"


_PARTY_ROWS = (
    ("|当事人", "{{ party.name }}", "类型", "{{ party.kind }}"),
    ("|身份证号", "{{ party.id_number }}", "联系电话", "{{ party.phone }}"),
    ("住址", "{{ party.address }}{% if party.credit_code %}（统一社会信用代码 {{ party.credit_code }}）{% endif %}"),
)


def _record(spec: Spec) -> str:
    kind = spec.extra["kind"]
    return (
        EXT
        + "{% block sign %}{% endblock %}\n{% block body %}\n"
        + '{% for r in records %}{% if r.kind == "'
        + kind
        + '" %}\n'
        + '<table class="form">\n'
        + '<tr><th>时间</th><td colspan="3">{{ r.started_at }} 至 {{ r.ended_at|default:"—" }}</td></tr>\n'
        + '<tr><th>地点</th><td colspan="3">{{ r.place }}</td></tr>\n'
        + "<tr><th>"
        + spec.extra.get("who", "被询问人")
        + "</th><td>{{ r.interviewee }}</td><th>记录人</th>"
        + "<td>{{ r.recorder }}</td></tr>\n"
        + '<tr><th>执法人员</th><td colspan="3">{{ case.handler }}{% if case.co_handler %}、{{ case.co_handler }}'
        + "{% endif %}（已出示执法证件）</td></tr>\n</table>\n"
        + '<div class="qa">{% if r.content %}<p class="para">{{ r.content|linebreaksbr }}</p>{% endif %}\n'
        + '{% for x in r.qa %}<p><span class="q">问：</span>{{ x.q }}</p><p>答：{{ x.a }}</p>{% endfor %}</div>\n'
        + '<p class="note">以上笔录我已看过（已向我宣读过），与我所说（现场情况）相符。</p>\n'
        + "<p>"
        + spec.extra.get("who", "被询问人")
        + '签名：<span class="blank">'
        + '</span>　　执法人员签名：<span class="blank"></span></p>\n'
        + "{% endif %}{% endfor %}\n{% endblock %}\n"
    )


def _list(spec: Spec) -> str:
    head = "".join(f"<th>{h}</th>" for h, _ in spec.content)
    cells = "".join(f"<td>{v}</td>" for _, v in spec.content)
    intro = "".join(f'<p class="para">{_fill(p)}</p>' for p in spec.extra.get("intro", ()))
    return (
        f"{EXT}{{% block body %}}\n{intro}"
        + '<table class="form list"><tr><th style="width:10mm">序号</th>'
        + head
        + "</tr>\n"
        + "{% for e in evidence %}<tr><td>{{ forloop.counter }}</td>"
        + cells
        + "</tr>\n"
        + '{% empty %}<tr><td colspan="9">（无）</td></tr>{% endfor %}</table>\n'
        + "".join(f'<p class="para">{_fill(p)}</p>' for p in spec.extra.get("outro", ()))
        + "{% endblock %}\n"
    )


def _receipt(spec: Spec) -> str:
    return (
        EXT
        + '{% block body %}\n<table class="form">\n'
        + '<tr><th>送达文书名称及文号</th><td colspan="3">行政处罚决定书 {{ case.code }}</td></tr>\n'
        + '<tr><th>受送达人</th><td colspan="3">{{ decision.service_recipient }}</td></tr>\n'
        + '<tr><th>送达地点</th><td colspan="3">{{ party.address }}</td></tr>\n'
        + "<tr><th>送达方式</th><td>{{ decision.service_method }}</td>"
        + "<th>送达时间</th><td>{{ case.served_at }}</td></tr>\n"
        + '<tr><th>受送达人签名</th><td class="medium"></td><th>代收人及代收理由</th><td></td></tr>\n'
        + '<tr><th>见证人</th><td class="medium"></td><th>送达人</th><td>{{ case.handler }}'
        + "{% if case.co_handler %}、{{ case.co_handler }}{% endif %}</td></tr>\n"
        + '<tr><th>备注</th><td colspan="3" class="medium">{% if decision.service_method == "留置送达" %}'
        + "受送达人拒绝签收，已依法留置送达并拍照录像。{% endif %}</td></tr>\n</table>\n{% endblock %}\n"
    )


def _cover(spec: Spec) -> str:
    return (
        EXT
        + "{% block style %}.cover td{height:13mm;font-size:13pt}.cover th{width:36mm;font-size:13pt}"
        + " h1{font-size:30pt;margin-top:18mm}{% endblock %}\n"
        + "{% block number %}{% endblock %}{% block sign %}{% endblock %}\n{% block body %}\n"
        + '<table class="form cover">\n'
        + '<tr><th>案由</th><td colspan="3">{{ case.cause }}</td></tr>\n'
        + '<tr><th>当事人</th><td colspan="3">{{ party.name }}</td></tr>\n'
        + '<tr><th>统一案件编码</th><td colspan="3">{{ case.code }}</td></tr>\n'
        + '<tr><th>处理结果</th><td colspan="3">{{ case.decision_type }}{% if case.fine_amount %}，罚款人民币'
        + "{{ case.fine_amount }} 元{% endif %}</td></tr>\n"
        + "<tr><th>立案日期</th><td>{{ case.filed_at }}</td><th>结案日期</th><td>{{ case.closed_at }}</td></tr>\n"
        + '<tr><th>承办单位</th><td colspan="3">{{ unit.name }}</td></tr>\n'
        + '<tr><th>承办人</th><td colspan="3">{{ case.handler }}{% if case.co_handler %}、{{ case.co_handler }}'
        + "{% endif %}</td></tr>\n"
        + "<tr><th>档案号</th><td>{{ decision.archive_number }}</td><th>保管期限</th><td>长期</td></tr>\n"
        + '<tr><th>归档位置</th><td colspan="3">{{ decision.archive_cabinet }} 柜 {{ decision.archive_box }} 盒 '
        + "{{ decision.archive_position }}</td></tr>\n</table>\n{% endblock %}\n"
    )


def _toc(spec: Spec) -> str:
    return (
        EXT
        + "{% block sign %}{% endblock %}\n{% block body %}\n"
        + '<table class="form"><tr><th style="width:12mm">序号</th><th>文书名称</th><th>文号</th>'
        + '<th style="width:30mm">日期</th><th style="width:18mm">页码</th></tr>\n'
        + "{% for d in documents %}<tr><td>{{ forloop.counter }}</td><td>{{ d.name }}</td>"
        + '<td class="small">{{ d.number }}</td><td>{{ d.date }}</td><td>{{ d.page }}</td></tr>\n'
        + '{% empty %}<tr><td colspan="5">（无）</td></tr>{% endfor %}</table>\n{% endblock %}\n'
    )


BUILDERS = {
    "letter": _letter,
    "form": _form,
    "record": _record,
    "list": _list,
    "receipt": _receipt,
    "cover": _cover,
    "toc": _toc,
}


def initial_source(spec: Spec) -> str:
    return BUILDERS[spec.layout](spec)
