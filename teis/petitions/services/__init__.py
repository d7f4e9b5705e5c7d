"""Services of 投诉信访, by aggregate: `intake` (registration, duplicates, deadlines), `flow` (the handling steps
on the workflow engine), `supervision` (deadline job, 督察), `query` (综合 / 自定义查询), `stats` (统计, 专题看板)."""
