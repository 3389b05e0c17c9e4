"""`rag eval`: question sets answered through the assistant's `/chat` path, scored and reported.

dataset.py (questions.jsonl) → cache.py (throw-away indexes by content hash) → runner.py (Assistant.chat
per question) → metrics.py (pure scores and aggregates) → report.py / html_report.py → gates.py (CI bounds).
"""
