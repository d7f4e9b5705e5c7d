"""Demo violation codes, case causes and discretion benchmarks, generated deterministically from a table.

Each row: (code, name, business line, subject, violated provisions, penalty provisions, penalty types,
fine_min, fine_max). Provisions are written as "<law key>:<parser key>", e.g. "rt:a63.1.2" =
《中华人民共和国道路运输条例》第六十三条第（二）项 (law keys in `laws.json`; keys as built by `teis.legal.parser`:
article "a63", paragraph "a63.1", item "a63.1.2"). Penalty types: W 警告, F 罚款, G 没收违法所得, P 没收非法财物,
S 暂扣许可证件, R 吊销许可证件, C 责令停产停业. Subject 个人 / 单位 decides the simplified procedure
(行政处罚法第五十一条: 对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告).

About every sixth code, and every code under 《上海市出租汽车管理条例》, is a "legacy" code: it is stored
without provision links, its basis only as free text (`legacy_basis_text`), for the basis matcher.
"""

# ruff: noqa: E501  (the table reads best one code per line)
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PENALTY_TYPES = {
    "W": "warning",
    "F": "fine",
    "G": "confiscate_gains",
    "P": "confiscate_property",
    "S": "suspend_licence",
    "R": "revoke_licence",
    "C": "order_closure",
}

# Case-cause basic codes: "31" (Shanghai) + "0000" + "01" (行政处罚) + line number + group.
LINE_NUMBERS = {
    "taxi": "01",
    "ride_hailing": "02",
    "bus": "03",
    "coach": "04",
    "tour_coach": "05",
    "freight": "06",
    "overload": "07",
    "road_admin": "08",
    "waterway": "09",
    "port": "10",
    "maritime": "11",
    "driving_school": "12",
    "vehicle_repair": "13",
}

P, U = "个人", "单位"

# fmt: off
ROWS: list[tuple] = [
    # --- 巡游出租汽车 (taxi) -------------------------------------------------------------------------------
    ("CZ0101", "巡游出租汽车驾驶员拒载", "taxi", P, [], ["ct:a49.1.1"], "F", 200, 500),
    ("CZ0102", "巡游出租汽车驾驶员议价", "taxi", P, [], ["ct:a49.1.1"], "F", 200, 500),
    ("CZ0103", "巡游出租汽车驾驶员途中甩客", "taxi", P, [], ["ct:a49.1.1"], "F", 200, 500),
    ("CZ0104", "巡游出租汽车驾驶员故意绕道行驶", "taxi", P, [], ["ct:a49.1.1"], "F", 200, 500),
    ("CZ0105", "巡游出租汽车驾驶员未经乘客同意搭载其他乘客", "taxi", P, [], ["ct:a49.1.2"], "F", 200, 500),
    ("CZ0106", "巡游出租汽车驾驶员不按照规定使用计程计价设备", "taxi", P, [], ["ct:a49.1.3"], "F", 200, 500),
    ("CZ0107", "巡游出租汽车驾驶员违规收费", "taxi", P, [], ["ct:a49.1.3"], "F", 200, 500),
    ("CZ0108", "巡游出租汽车驾驶员不按照规定出具车费票据", "taxi", P, [], ["ct:a49.1.4"], "F", 200, 500),
    ("CZ0109", "巡游出租汽车驾驶员不按照规定使用巡游出租汽车相关设备", "taxi", P, [], ["ct:a49.1.5"], "F", 200, 500),
    ("CZ0110", "巡游出租汽车驾驶员接受电召任务后未履行约定", "taxi", P, [], ["ct:a49.1.6"], "F", 200, 500),
    ("CZ0111", "巡游出租汽车驾驶员不按照规定使用文明用语", "taxi", P, [], ["ct:a49.1.7"], "F", 200, 500),
    ("CZ0112", "巡游出租汽车车容车貌不符合要求", "taxi", P, [], ["ct:a49.1.7"], "F", 200, 500),
    ("CZ0113", "巡游出租汽车驾驶员在客流集散地不服从调度私自揽客", "taxi", P, [], ["ct:a49.1.8"], "F", 200, 500),
    ("CZ0114", "巡游出租汽车驾驶员转让、倒卖、伪造巡游出租汽车相关票据", "taxi", P, [], ["ct:a49.1.9"], "F", 200, 500),
    ("CZ0201", "未取得巡游出租汽车经营许可擅自从事巡游出租汽车经营活动", "taxi", U, [], ["ct:a45.1.1"], "F", 5000, 20000),
    ("CZ0202", "起讫点均不在许可的经营区域从事巡游出租汽车经营活动", "taxi", U, [], ["ct:a45.1.2"], "F", 5000, 20000),
    ("CZ0203", "使用未取得道路运输证的车辆擅自从事巡游出租汽车经营活动", "taxi", U, [], ["ct:a45.1.3"], "F", 5000, 20000),
    ("CZ0204", "使用失效、伪造、变造、被注销的道路运输证的车辆从事巡游出租汽车经营活动", "taxi", U, [], ["ct:a45.1.4"], "F", 5000, 20000),
    ("CZ0301", "巡游出租汽车经营者擅自暂停、终止巡游出租汽车经营", "taxi", U, [], ["ct:a46.1.1"], "F", 5000, 10000),
    ("CZ0302", "巡游出租汽车经营者出租或者擅自转让车辆经营权", "taxi", U, [], ["ct:a46.1.2"], "F", 5000, 10000),
    ("CZ0303", "巡游出租汽车经营者对驾驶员转包经营未及时纠正", "taxi", U, [], ["ct:a46.1.3"], "F", 5000, 10000),
    ("CZ0304", "巡游出租汽车经营者不按照规定保证车辆技术状况良好", "taxi", U, [], ["ct:a46.1.4"], "F", 5000, 10000),
    ("CZ0305", "巡游出租汽车经营者不按照规定配置相关设备", "taxi", U, [], ["ct:a46.1.5"], "F", 5000, 10000),
    ("CZ0306", "巡游出租汽车经营者不按照规定建立并落实投诉举报制度", "taxi", U, [], ["ct:a46.1.6"], "F", 5000, 10000),
    # 上海市出租汽车管理条例 (all legacy)
    ("CZ0401", "出租汽车驾驶员不按照规定使用计价器（本市条例）", "taxi", P, ["st:a20.1.1"], ["st:a44.1"], "F", 50, 200),
    ("CZ0402", "出租汽车驾驶员拒绝载客（本市条例）", "taxi", P, ["st:a20.1.2"], ["st:a44.1"], "F", 50, 200),
    ("CZ0403", "出租汽车驾驶员营运中绕道行驶（本市条例）", "taxi", P, ["st:a20.1.3"], ["st:a44.1"], "F", 50, 200),
    ("CZ0404", "出租汽车驾驶员未经乘客同意招揽他人同乘（本市条例）", "taxi", P, ["st:a20.1.4"], ["st:a44.1"], "F", 50, 200),
    ("CZ0405", "出租汽车驾驶员不按照规定出具车费发票（本市条例）", "taxi", P, ["st:a20.1.5"], ["st:a44.1"], "F", 50, 200),
    ("CZ0406", "出租汽车驾驶员营运中未随车携带营运证件和服务资格证件", "taxi", P, ["st:a20.2"], ["st:a44.2"], "WF", 0, 200),
    ("CZ0407", "出租汽车驾驶员在客流集散地不服从现场调度违规揽客", "taxi", P, ["st:a21"], ["st:a44.2"], "WF", 0, 200),
    ("CZ0408", "未取得出租汽车营运证件擅自从事出租汽车客运服务", "taxi", P, ["st:a10"], ["st:a40"], "GF", 10000, 50000),
    # --- 网约车 (ride_hailing) ------------------------------------------------------------------------------
    ("WY0101", "未取得网络预约出租汽车经营许可擅自从事网约车经营", "ride_hailing", U, ["rh:a5"], ["rh:a34.1.1"], "WF", 10000, 30000),
    ("WY0102", "车辆未取得网络预约出租汽车运输证从事网约车经营（个人）", "ride_hailing", P, ["rh:a13"], ["rh:a34.1.2"], "WF", 3000, 10000),
    ("WY0103", "车辆未取得网络预约出租汽车运输证从事网约车经营（单位）", "ride_hailing", U, ["rh:a13"], ["rh:a34.1.2"], "WF", 3000, 10000),
    ("WY0104", "驾驶员未取得网络预约出租汽车驾驶员证从事网约车经营", "ride_hailing", P, ["rh:a15"], ["rh:a34.1.3"], "WF", 200, 2000),
    ("WY0105", "使用伪造、变造、失效的网络预约出租汽车运输证从事网约车经营", "ride_hailing", P, ["rh:a13"], ["rh:a34.2"], "WF", 3000, 10000),
    ("WY0106", "使用伪造、变造、失效的网络预约出租汽车驾驶员证从事网约车经营", "ride_hailing", P, ["rh:a15"], ["rh:a34.2"], "WF", 200, 2000),
    ("WY0107", "网约车驾驶员证失效后继续从事网约车经营", "ride_hailing", P, ["rh:a15"], ["rh:a34.2"], "WF", 200, 2000),
    ("WY0201", "网约车平台公司提供服务车辆未取得网络预约出租汽车运输证", "ride_hailing", U, ["rh:a17"], ["rh:a35.1.1"], "F", 5000, 30000),
    ("WY0202", "网约车平台公司线上提供服务车辆与线下实际提供服务车辆不一致", "ride_hailing", U, ["rh:a17"], ["rh:a35.1.1"], "F", 5000, 30000),
    ("WY0203", "网约车平台公司提供服务驾驶员未取得网络预约出租汽车驾驶员证", "ride_hailing", U, ["rh:a18"], ["rh:a35.1.2"], "F", 5000, 30000),
    ("WY0204", "网约车平台公司线上提供服务驾驶员与线下实际提供服务驾驶员不一致", "ride_hailing", U, ["rh:a18"], ["rh:a35.1.2"], "F", 5000, 30000),
    ("WY0205", "网约车平台公司未按照规定保证车辆技术状况良好", "ride_hailing", U, ["rh:a17"], ["rh:a35.1.3"], "F", 5000, 30000),
    ("WY0206", "网约车平台公司起讫点均不在许可的经营区域从事网约车经营活动", "ride_hailing", U, [], ["rh:a35.1.4"], "F", 5000, 30000),
    ("WY0207", "网约车平台公司未按照规定报备车辆、驾驶员相关信息", "ride_hailing", U, ["rh:a17"], ["rh:a35.1.5"], "F", 5000, 30000),
    ("WY0208", "网约车平台公司未按照规定制定服务质量标准、建立并落实投诉举报制度", "ride_hailing", U, [], ["rh:a35.1.6"], "F", 5000, 30000),
    ("WY0209", "网约车平台公司未按照规定提供共享信息或者不配合调取查阅相关数据信息", "ride_hailing", U, [], ["rh:a35.1.7"], "F", 5000, 30000),
    ("WY0210", "网约车平台公司未履行管理责任出现甩客、故意绕道、违规收费等严重违反服务标准行为", "ride_hailing", U, ["rh:a16"], ["rh:a35.1.8"], "F", 5000, 30000),
    ("WY0301", "网约车驾驶员途中甩客", "ride_hailing", P, [], ["rh:a36.1.1"], "F", 50, 200),
    ("WY0302", "网约车驾驶员故意绕道行驶", "ride_hailing", P, [], ["rh:a36.1.1"], "F", 50, 200),
    ("WY0303", "网约车驾驶员违规收费", "ride_hailing", P, [], ["rh:a36.1.2"], "F", 50, 200),
    ("WY0304", "网约车驾驶员对投诉或者作出不满意评价的乘客实施报复", "ride_hailing", P, [], ["rh:a36.1.3"], "F", 50, 200),
    # --- 长途客运 / 旅游客运 (coach, tour_coach) --------------------------------------------------------------
    ("KY0101", "未取得道路运输经营许可擅自从事道路客运经营", "coach", U, ["rt:a8.1"], ["rt:a63.1.2"], "GF", 10000, 100000),
    ("KY0102", "使用非营运车辆擅自从事道路旅客运输经营（非法客运）", "coach", P, ["rt:a8.1"], ["rt:a63.1.2"], "GF", 10000, 100000),
    ("KY0103", "不符合规定条件的人员驾驶道路客运经营车辆", "coach", P, ["rt:a9"], ["rt:a64"], "F", 200, 2000),
    ("KY0104", "客运经营者非法转让、出租道路运输许可证件", "coach", U, ["rt:a33"], ["rt:a66"], "GF", 2000, 10000),
    ("KY0105", "客运经营者不按照规定携带车辆营运证", "coach", U, ["rt:a33"], ["rt:a68"], "WF", 20, 200),
    ("KY0106", "客运班车不按批准的客运站点停靠", "coach", U, [], ["rt:a69.1.1"], "FR", 1000, 3000),
    ("KY0107", "客运班车不按规定的线路、公布的班次行驶", "coach", U, [], ["rt:a69.1.1"], "FR", 1000, 3000),
    ("KY0108", "客运经营者强行招揽旅客", "coach", U, [], ["rt:a69.1.2"], "FR", 1000, 3000),
    ("KY0109", "客运经营者在旅客运输途中擅自变更运输车辆", "coach", U, [], ["rt:a69.1.3"], "FR", 1000, 3000),
    ("KY0110", "客运经营者在旅客运输途中将旅客移交他人运输", "coach", U, [], ["rt:a69.1.3"], "FR", 1000, 3000),
    ("KY0111", "客运经营者未报告原许可机关擅自终止客运经营", "coach", U, [], ["rt:a69.1.4"], "FR", 1000, 3000),
    ("KY0112", "客运经营者不按规定维护和检测运输车辆", "coach", U, ["rt:a30"], ["rt:a70.1"], "F", 1000, 5000),
    ("KY0113", "客运经营者擅自改装已取得车辆营运证的车辆", "coach", U, ["rt:a30"], ["rt:a70.2"], "F", 5000, 20000),
    ("KY0114", "客运车辆驾驶人员年龄超过60周岁从事客运经营驾驶", "coach", P, ["rt:a9.1.2"], ["rt:a64"], "F", 200, 2000),
    ("KY0115", "客运车辆驾驶人员未经考试合格从事客运经营驾驶", "coach", P, ["rt:a9.1.4"], ["rt:a64"], "F", 200, 2000),
    ("LY0101", "未取得道路运输经营许可擅自从事旅游包车客运经营", "tour_coach", U, ["rt:a8.1"], ["rt:a63.1.2"], "GF", 10000, 100000),
    ("LY0102", "旅游客运驾驶人员不符合从业条件驾驶营运车辆", "tour_coach", P, ["rt:a9"], ["rt:a64"], "F", 200, 2000),
    ("LY0103", "旅游客运车辆不按照规定携带车辆营运证", "tour_coach", U, ["rt:a33"], ["rt:a68"], "WF", 20, 200),
    ("LY0104", "旅游客运经营者强行招揽旅客", "tour_coach", U, [], ["rt:a69.1.2"], "FR", 1000, 3000),
    ("LY0105", "旅游客运经营者不按规定维护和检测运输车辆", "tour_coach", U, ["rt:a30"], ["rt:a70.1"], "F", 1000, 5000),
    ("LY0106", "旅游客运经营者擅自改装已取得车辆营运证的车辆", "tour_coach", U, ["rt:a30"], ["rt:a70.2"], "F", 5000, 20000),
    ("LY0107", "旅游客运经营者在旅客运输途中擅自变更运输车辆", "tour_coach", U, [], ["rt:a69.1.3"], "FR", 1000, 3000),
    ("GJ0101", "公交客运车辆运营者不按规定维护和检测运营车辆", "bus", U, ["rt:a30"], ["rt:a70.1"], "F", 1000, 5000),
    # --- 货运 (freight) ----------------------------------------------------------------------------------
    ("HY0101", "未取得道路运输经营许可擅自从事道路普通货物运输经营", "freight", U, ["rt:a21"], ["rt:a63.1.1"], "GF", 3000, 10000),
    ("HY0102", "未取得道路运输经营许可擅自从事道路普通货物运输经营（情节严重）", "freight", U, ["rt:a21"], ["rt:a63.1.1"], "GF", 10000, 50000),
    ("HY0103", "未取得道路运输经营许可擅自从事道路危险货物运输经营", "freight", U, [], ["rt:a63.1.3"], "GF", 30000, 100000),
    ("HY0104", "不符合规定条件的人员驾驶道路货运经营车辆", "freight", P, ["rt:a22"], ["rt:a64"], "F", 200, 2000),
    ("HY0105", "货运经营者非法转让、出租道路运输许可证件", "freight", U, ["rt:a33"], ["rt:a66"], "GF", 2000, 10000),
    ("HY0106", "货运经营者不按照规定携带车辆营运证", "freight", U, ["rt:a33"], ["rt:a68"], "WF", 20, 200),
    ("HY0107", "货运经营者强行招揽货物", "freight", U, [], ["rt:a69.1.2"], "FR", 1000, 3000),
    ("HY0108", "货运经营者没有采取必要措施防止货物脱落、扬撒", "freight", U, [], ["rt:a69.1.5"], "FR", 1000, 3000),
    ("HY0109", "货运经营者不按规定维护和检测运输车辆", "freight", U, ["rt:a30"], ["rt:a70.1"], "F", 1000, 5000),
    ("HY0110", "货运经营者擅自改装已取得车辆营运证的车辆", "freight", U, ["rt:a30"], ["rt:a70.2"], "F", 5000, 20000),
    ("HY0114", "货运车辆驾驶人员未经考试合格从事货运经营驾驶", "freight", P, ["rt:a22.1.3"], ["rt:a64"], "F", 200, 2000),
    ("HY0115", "货运车辆驾驶人员年龄超过60周岁从事货运经营驾驶", "freight", P, ["rt:a22.1.2"], ["rt:a64"], "F", 200, 2000),
    ("HY0111", "车辆装载物触地拖行造成公路路面损坏", "freight", P, ["hs:a44"], ["hs:a69"], "F", 0, 5000),
    ("HY0112", "车辆装载物掉落、遗洒或者飘散污染公路", "freight", P, ["hs:a44"], ["hs:a69"], "F", 0, 5000),
    ("HY0113", "道路运输企业指使、强令车辆驾驶人超限运输货物", "freight", U, [], ["hs:a68"], "F", 0, 30000),
    # --- 治超 (overload) ---------------------------------------------------------------------------------
    ("ZC0101", "车货总高度、宽度、长度超过限定标准（未超过4.2米、3米、20米）", "overload", P, ["ol:a3.1.1"], ["ol:a43.1.1"], "F", 0, 200),
    ("ZC0102", "车货总高度、宽度、长度超过限定标准（未超过4.5米、3.75米、28米）", "overload", P, ["ol:a3.1.2"], ["ol:a43.1.1"], "F", 200, 1000),
    ("ZC0103", "车货总高度超过4.5米、总宽度超过3.75米或者总长度超过28米", "overload", P, ["ol:a3.1.3"], ["ol:a43.1.1"], "F", 1000, 3000),
    ("ZC0104", "二轴货车车货总质量超过18000千克", "overload", P, ["ol:a3.1.4"], ["ol:a43.1.2"], "WF", 0, 30000),
    ("ZC0105", "三轴货车、三轴汽车列车车货总质量超过限定标准", "overload", P, ["ol:a3.1.5"], ["ol:a43.1.2"], "WF", 0, 30000),
    ("ZC0106", "四轴货车、四轴汽车列车车货总质量超过限定标准", "overload", P, ["ol:a3.1.6"], ["ol:a43.1.2"], "WF", 0, 30000),
    ("ZC0107", "五轴汽车列车车货总质量超过43000千克", "overload", P, ["ol:a3.1.7"], ["ol:a43.1.2"], "WF", 0, 30000),
    ("ZC0108", "六轴及六轴以上汽车列车车货总质量超过限定标准", "overload", P, ["ol:a3.1.8"], ["ol:a43.1.2"], "WF", 0, 30000),
    ("ZC0201", "在公路上行驶的车辆车货总体外廓尺寸超过限定标准", "overload", P, ["hs:a33"], ["hs:a64"], "F", 0, 30000),
    ("ZC0202", "在公路上行驶的车辆轴荷超过限定标准", "overload", P, ["hs:a33"], ["hs:a64"], "F", 0, 30000),
    ("ZC0203", "车辆在公路上擅自超限行驶", "overload", P, ["hw:a50.1"], ["hw:a76.1.5"], "F", 0, 30000),
    ("ZC0204", "车辆超限使用汽车渡船", "overload", P, ["hw:a50.1"], ["hw:a76.1.5"], "F", 0, 30000),
    ("ZC0205", "租借、转让超限运输车辆通行证", "overload", P, ["hs:a39.2"], ["hs:a65.3"], "PF", 1000, 5000),
    ("ZC0206", "使用伪造、变造的超限运输车辆通行证", "overload", P, ["hs:a39.2"], ["hs:a65.3"], "PF", 0, 30000),
    ("ZC0207", "故意堵塞固定超限检测站点通行车道、强行通过固定超限检测站点", "overload", P, [], ["hs:a67.1.1"], "F", 0, 30000),
    ("ZC0208", "采取短途驳载等方式逃避超限检测", "overload", P, [], ["hs:a67.1.2"], "F", 0, 30000),
    ("ZC0209", "指使、强令车辆驾驶人超限运输货物", "overload", U, [], ["hs:a68"], "F", 0, 30000),
    # --- 路政 (road_admin) -------------------------------------------------------------------------------
    ("LZ0101", "擅自占用公路（单位）", "road_admin", U, ["hw:a44.1"], ["hw:a76.1.1"], "F", 0, 30000),
    ("LZ0102", "擅自占用公路（个人）", "road_admin", P, ["hw:a44.1"], ["hw:a76.1.1"], "F", 0, 30000),
    ("LZ0103", "擅自挖掘公路", "road_admin", U, ["hw:a44.1"], ["hw:a76.1.1"], "F", 0, 30000),
    ("LZ0104", "未经同意跨越、穿越公路修建桥梁、渡槽或者架设、埋设管道、电缆等设施", "road_admin", U, ["hw:a45"], ["hw:a76.1.2"], "F", 0, 30000),
    ("LZ0105", "在公路桥梁、渡口、隧道周围规定范围内挖砂、采石、取土", "road_admin", P, ["hw:a47.1"], ["hw:a76.1.3"], "F", 0, 30000),
    ("LZ0106", "在公路桥梁、渡口、隧道周围规定范围内进行爆破作业", "road_admin", U, ["hw:a47.1"], ["hw:a76.1.3"], "F", 0, 30000),
    ("LZ0110", "在公路隧道上方和洞口外规定范围内倾倒废弃物", "road_admin", U, ["hw:a47.1"], ["hw:a76.1.3"], "F", 0, 30000),
    ("LZ0107", "铁轮车、履带车等可能损害路面的机具擅自在公路上行驶", "road_admin", P, ["hw:a48"], ["hw:a76.1.4"], "F", 0, 30000),
    ("LZ0108", "损坏、擅自移动、涂改公路附属设施", "road_admin", P, ["hw:a52.1"], ["hw:a76.1.6"], "F", 0, 30000),
    ("LZ0109", "损坏、挪动建筑控制区的标桩、界桩", "road_admin", P, ["hw:a56.1"], ["hw:a76.1.6"], "F", 0, 30000),
    ("LZ0201", "在公路上及公路用地范围内摆摊设点（个人）", "road_admin", P, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0202", "在公路上及公路用地范围内摆摊设点（单位）", "road_admin", U, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0203", "在公路上及公路用地范围内堆放物品（个人）", "road_admin", P, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0204", "在公路上及公路用地范围内堆放物品（单位）", "road_admin", U, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0205", "在公路上及公路用地范围内倾倒垃圾", "road_admin", P, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0206", "在公路上及公路用地范围内设置障碍", "road_admin", P, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0207", "在公路上及公路用地范围内挖沟引水", "road_admin", P, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0208", "利用公路边沟排放污物", "road_admin", U, ["hw:a46"], ["hw:a77"], "F", 0, 5000),
    ("LZ0209", "将公路作为检验机动车制动性能的试车场地", "road_admin", U, ["hw:a51"], ["hw:a77"], "F", 0, 5000),
    ("LZ0210", "造成公路损坏未报告", "road_admin", P, ["hw:a53"], ["hw:a78"], "F", 0, 1000),
    ("LZ0211", "在公路用地范围内设置公路标志以外的其他标志", "road_admin", U, ["hw:a54"], ["hw:a79"], "F", 0, 20000),
    ("LZ0212", "未经批准在公路上增设平面交叉道口", "road_admin", U, ["hw:a55"], ["hw:a80"], "F", 0, 50000),
    ("LZ0213", "在公路建筑控制区内修建建筑物、地面构筑物", "road_admin", U, ["hw:a56.1"], ["hw:a81"], "F", 0, 50000),
    ("LZ0214", "在公路建筑控制区内擅自埋设管线、电缆等设施", "road_admin", U, ["hw:a56.1"], ["hw:a81"], "F", 0, 50000),
    ("LZ0301", "在公路建筑控制区内扩建建筑物、地面构筑物", "road_admin", U, ["hs:a13.1"], ["hs:a56.1.1"], "F", 0, 50000),
    ("LZ0302", "在公路建筑控制区外修建的建筑物、地面构筑物遮挡公路标志或者妨碍安全视距", "road_admin", U, ["hs:a13.2"], ["hs:a56.1.2"], "F", 0, 50000),
    ("LZ0303", "未经许可因修建建设工程占用、挖掘公路、公路用地或者使公路改线", "road_admin", U, ["hs:a27.1.1"], ["hs:a62"], "F", 0, 30000),
    ("LZ0304", "未经许可跨越、穿越公路修建桥梁、渡槽或者架设、埋设管道、电缆等设施", "road_admin", U, ["hs:a27.1.2"], ["hs:a62"], "F", 0, 30000),
    ("LZ0305", "未经许可在公路用地范围内架设、埋设管道、电缆等设施", "road_admin", U, ["hs:a27.1.3"], ["hs:a62"], "F", 0, 30000),
    ("LZ0306", "未经许可利用公路桥梁、公路隧道、涵洞铺设电缆等设施", "road_admin", U, ["hs:a27.1.4"], ["hs:a62"], "F", 0, 30000),
    ("LZ0307", "未经许可利用跨越公路的设施悬挂非公路标志", "road_admin", U, ["hs:a27.1.5"], ["hs:a62"], "F", 0, 30000),
    ("LZ0308", "未经许可在公路上增设或者改造平面交叉道口", "road_admin", U, ["hs:a27.1.6"], ["hs:a62"], "F", 0, 50000),
    ("LZ0309", "车辆装载物掉落、遗洒造成公路路面污染（路政）", "road_admin", U, ["hs:a44"], ["hs:a69"], "F", 0, 5000),
    # --- 水上 (waterway) ---------------------------------------------------------------------------------
    ("SS0101", "应当报废的船舶在内河航行", "waterway", U, ["iw:a14.2"], ["iw:a64"], "P", None, None),
    ("SS0102", "应当报废的浮动设施在内河作业", "waterway", U, ["iw:a14.2"], ["iw:a64"], "P", None, None),
    ("SS0103", "船舶未持有合格的检验证书擅自航行", "waterway", U, ["iw:a6.1.1"], ["iw:a65"], "P", None, None),
    ("SS0104", "船舶未持有船舶登记证书擅自航行", "waterway", U, ["iw:a6.1.2"], ["iw:a65"], "P", None, None),
    ("SS0105", "船舶未持有必要的航行资料擅自航行", "waterway", U, ["iw:a6.1.4"], ["iw:a65"], "P", None, None),
    ("SS0110", "浮动设施未持有合格的检验证书擅自作业", "waterway", U, [], ["iw:a65"], "P", None, None),
    ("SS0106", "船舶未按照规定配备船员擅自航行", "waterway", U, ["iw:a6.1.3"], ["iw:a66"], "F", 10000, 100000),
    ("SS0107", "浮动设施未按照规定配备掌握水上交通安全技能的船员擅自作业", "waterway", U, [], ["iw:a66"], "F", 10000, 100000),
    ("SS0108", "未取得适任证书的人员擅自从事船舶航行（直接责任人员）", "waterway", P, ["iw:a9"], ["iw:a67"], "F", 2000, 20000),
    ("SS0109", "聘用未取得适任证书的人员从事船舶航行（聘用单位）", "waterway", U, ["iw:a9"], ["iw:a67"], "F", 10000, 100000),
]
# fmt: on

LEGACY_LAWS = {"st"}  # every code citing these laws is legacy


def is_legacy(index: int, violated: list[str], penalty: list[str]) -> bool:
    laws = {ref.split(":")[0] for ref in violated + penalty}
    return bool(laws & LEGACY_LAWS) or index % 6 == 3


@dataclass
class LevelSpec:
    order: int
    name: str
    conditions: list[str]
    fine_min: Decimal | None
    fine_max: Decimal | None
    other_penalties: str = ""


@dataclass
class CodeSpec:
    code: str
    name: str
    business_line: str
    subject: str
    violated: list[str]
    penalty: list[str]
    penalty_types: list[str]
    fine_min: Decimal | None
    fine_max: Decimal | None
    simplified_procedure: bool
    legacy: bool
    cause_code: str
    cause_name: str
    levels: list[LevelSpec] = field(default_factory=list)


CONDITIONS = {
    "轻微": ["初次违法", "违法行为轻微并及时改正", "未造成危害后果"],
    "一般": ["初次违法", "未及时改正或者造成一定危害后果"],
    "较重": ["一年内再次实施同一违法行为", "造成较大危害后果或者拒不配合调查"],
    "严重": ["一年内三次及以上实施同一违法行为", "造成严重后果或者恶劣社会影响"],
}


def _round(value: Decimal, step: int) -> Decimal:
    return (value / step).quantize(Decimal(1)) * step


def benchmark_levels(lo: Decimal | None, hi: Decimal | None, other: str) -> list[LevelSpec]:
    """2–4 ordered circumstances whose ranges split [lo, hi] (inside it, contiguous, rounded)."""
    if lo is None or hi is None:
        return [
            LevelSpec(1, "一般", CONDITIONS["一般"], None, None, other),
            LevelSpec(2, "严重", CONDITIONS["严重"], None, None, other),
        ]
    span = hi - lo
    if span <= 300:
        names, cuts = ["一般", "严重"], [Decimal("0.5")]
    elif span <= 5000:
        names, cuts = ["轻微", "一般", "较重"], [Decimal("0.3"), Decimal("0.7")]
    else:
        names, cuts = ["轻微", "一般", "较重", "严重"], [Decimal("0.2"), Decimal("0.5"), Decimal("0.8")]
    step = 10 if span <= 1000 else 100
    bounds = [lo]
    for c in cuts:  # rounded, but never outside [lo, hi] nor below the previous bound
        bounds.append(min(max(_round(lo + span * c, step), bounds[-1]), hi))
    bounds.append(hi)
    levels = []
    for i, level_name in enumerate(names):
        levels.append(LevelSpec(i + 1, level_name, CONDITIONS[level_name], bounds[i], bounds[i + 1], other))
    return levels


def _cause_name(name: str) -> str:
    return f"对{name}的行政处罚"


def code_specs() -> list[CodeSpec]:
    """The demo codes, in table order; the same list on every call."""
    specs: list[CodeSpec] = []
    serial: dict[str, int] = {}
    for index, (code, name, line, subject, violated, penalty, types, lo, hi) in enumerate(ROWS):
        fine_min = Decimal(lo) if lo is not None else None
        fine_max = Decimal(hi) if hi is not None else None
        limit = Decimal(200) if subject == P else Decimal(3000)
        simplified = fine_max is not None and fine_max <= limit and "F" in types and set(types) <= {"W", "F"}
        basic = f"310000{'01'}{LINE_NUMBERS[line]}{code[2:4]}"
        serial[basic] = serial.get(basic, 0) + 1
        cause_code = f"{basic}{serial[basic]:02d}000000"
        other = "；".join(
            label
            for key, label in (
                ("G", "没收违法所得"),
                ("P", "没收非法财物"),
                ("S", "暂扣许可证件"),
                ("R", "吊销许可证件"),
            )
            if key in types
        )
        specs.append(
            CodeSpec(
                code=code,
                name=name,
                business_line=line,
                subject=subject,
                violated=list(violated),
                penalty=list(penalty),
                penalty_types=[PENALTY_TYPES[t] for t in types],
                fine_min=fine_min,
                fine_max=fine_max,
                simplified_procedure=simplified,
                legacy=is_legacy(index, list(violated), list(penalty)),
                cause_code=cause_code,
                cause_name=_cause_name(name),
                levels=benchmark_levels(fine_min, fine_max, other),
            )
        )
    return specs
