"""Real-time flows: a webhook receiver, a durable event inbox and the workers that apply events.

receiver.py (HTTP, verified the vendor's way) → inbox.py (SQLite, committed before the 2xx) →
worker.py (applies each event once in effect through flows.py's declared flows) ; service.py runs
them, with the scheduler, as `roundtrip serve`.
"""
