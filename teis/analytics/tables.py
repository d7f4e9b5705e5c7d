"""What core shows of 统计分析: the statutory reports, the 失信 rules and candidates (lists, API, actions) and the
menu of the report pages (group "统计分析")."""
