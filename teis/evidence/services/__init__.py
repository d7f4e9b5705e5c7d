"""Services of 执法证据中心. Other apps call `ingest_bytes` (see `ingest.py`) and `links.do_link`."""
