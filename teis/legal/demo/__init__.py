"""Demo data of the legal knowledge base: law texts (`laws/*.txt`, metadata in `laws.json`), violation codes,
case causes and discretion benchmarks (`codes.py`). `loader.load_demo()` writes them, idempotently."""
