"""Domain services: each takes a session (and store/index where needed) and the acting user.

Services only ``flush()``; the web layer or CLI owns the transaction (``db.transaction()``).
"""
